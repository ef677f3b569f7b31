//! The Slack adapter (in progress): request signatures for HTTP mode. Socket Mode, HTTP
//! mode's routes, Block Kit rendering and the postman follow.

pub mod signature;
