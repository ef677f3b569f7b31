//! The Slack adapter, on slack-morphism. Rendering core messages as Block Kit ([`render`]).

pub mod render;
