//! # shiftcoach
//!
//! A coach for security engineers becoming security leaders, and for the managers who bring
//! them along, living in Discord, Slack and the terminal.
//!
//! ## Layout
//!
//! - [`core`]: the platform-neutral coach. An [`core::Interaction`] (a slash command, a
//!   message, a button press, a form) goes in; [`core::Outgoing`] rich messages come out.
//!   Imports no chat library and no SQL.
//! - [`adapters`]: one per surface (`console` today); each turns its platform's events into
//!   interactions and renders outgoing messages its own way.
//! - [`content`]: the coaching catalog from `prompts/` (embedded in the binary): loading,
//!   checks that report `path:line: message`, and the relevance index behind lookups.
//! - [`scheduler`]: turns nudge schedules into deliveries, claimed once in the database and
//!   sent through an adapter's [`core::Postman`]; [`scheduler::when`] reads schedule times.
//! - [`secrets`]: the guard that keeps pasted credentials out of storage.
//! - [`storage`]: the one storage API, over PostgreSQL or embedded SQLite; all SQL lives here,
//!   migrations are under `migrations/<backend>/` and embedded in the binary.
//! - [`config`]: settings from defaults, a TOML file and the environment; secrets redacted.
//! - [`clock`]: the injectable clock (system or virtual).
//! - [`markdown`]: the small Markdown subset messages are written in.
//! - [`ops`]: `/healthz`, `/readyz` and Prometheus `/metrics` for operators, and shutdown
//!   signals.
//! - [`telemetry`]: `tracing` setup; no user text or tokens are ever logged.
//! - [`cli`]: the `shiftcoach` command line (`console`, `run`, `migrate`, `content`,
//!   `lookup`); `main.rs` only calls [`cli::main`].

pub mod adapters;
pub mod app;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod core;
pub mod markdown;
pub mod ops;
pub mod scheduler;
pub mod secrets;
pub mod storage;
pub mod telemetry;
