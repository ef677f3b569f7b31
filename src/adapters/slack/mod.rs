//! The Slack adapter (in progress): what Slack sends as the core's interactions
//! ([`inbound`]), the core's messages as Block Kit ([`render`]), and request signatures for
//! HTTP mode ([`signature`]). Socket Mode, HTTP mode's routes and the postman follow.

pub mod inbound;
pub mod postman;
pub mod render;
pub mod signature;
