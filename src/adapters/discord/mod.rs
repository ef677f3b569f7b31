//! The Discord adapter (serenity with poise). This first part renders core messages into
//! Discord's shapes; the gateway connection, commands and sending build on it.

pub mod render;
