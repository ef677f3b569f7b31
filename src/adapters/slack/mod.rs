//! The Slack adapter (in progress): what Slack sends as the core's interactions
//! ([`inbound`]), the people behind them ([`people`]: zone and admin role from `users.info`),
//! the core's messages as Block Kit ([`render`]), sending them ([`postman`]), and request
//! signatures for HTTP mode ([`signature`]); [`service`] joins them to the core in Socket Mode
//! or HTTP mode.

mod handler;
mod http;
pub mod inbound;
pub mod people;
pub mod postman;
pub mod render;
pub mod service;
pub mod signature;
