//! Adapters translate between a chat platform and the core: platform events become
//! [`Interaction`](crate::core::Interaction)s, [`Outgoing`](crate::core::Outgoing) messages
//! become the platform's own format.

pub mod console;
pub mod discord;
pub mod slack;
