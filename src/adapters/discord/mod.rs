//! The Discord adapter, on serenity. Rendering core messages ([`render`]), the command
//! definitions and option parsing ([`commands`]) and turning Discord interactions into core
//! interactions ([`interaction`]) are here; the gateway connection and sending build on them.
//!
//! serenity is used directly rather than through poise: the commands are data in the core, so
//! poise's one-function-per-command macros would only forward to it.

pub mod commands;
pub mod deliver;
pub mod gateway;
pub mod http;
pub mod interaction;
pub mod postman;
pub mod render;
pub mod service;
