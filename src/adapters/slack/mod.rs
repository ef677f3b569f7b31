//! The Slack adapter (in progress): what Slack sends as the core's interactions, and request
//! signatures for HTTP mode. Socket Mode, HTTP mode's routes, Block Kit rendering and the
//! postman follow.

pub mod inbound;
pub mod signature;
