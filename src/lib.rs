//! # shiftcoach
//!
//! A coach for security engineers becoming security leaders, and for the managers who bring
//! them along, living in Discord, Slack and the terminal.
//!
//! ## Layout
//!
//! - [`core`]: the platform-neutral coach. An [`core::Interaction`] (a slash command, a
//!   message, a button press, a form) goes in; [`core::Outgoing`] rich messages come out, to a
//!   channel, a thread or a person. Buttons and forms carry a typed [`core::action::Action`];
//!   each command declares who may use it ([`core::commands`]); [`core::Router`] picks the
//!   [`core::Postman`] of a typed [`core::Platform`]; [`core::when`] reads schedule times.
//!   Imports no chat library and no SQL.
//! - [`adapters`]: one per surface, `console`, `discord` and `slack`; each turns its platform's events
//!   into interactions and keeps the core's delivery contract ([`core::Coach::handle`]) in one
//!   place: every message in order, split to the platform's limits, files as files.
//! - [`app`]: what `shiftcoach run` is: [`app::App::build`] builds every configured platform,
//!   the scheduler and the operations server; [`app::App::run`] supervises them together.
//! - [`content`]: the coaching catalog from `prompts/` (embedded in the binary): loading,
//!   checks that report `path:line: message`, and the relevance index behind lookups.
//! - [`scheduler`]: turns schedules (of any purpose, to a channel or a person) into
//!   deliveries, claimed once in the database, composed by the core and sent through its
//!   router.
//! - [`secrets`]: the guard that keeps pasted credentials out of storage.
//! - [`storage`]: the one storage API, over PostgreSQL or embedded SQLite; all SQL lives here,
//!   migrations are under `migrations/<backend>/` and embedded in the binary.
//! - [`chart`]: the self-rating progress chart for `/progress`, drawn as PNG bytes with an
//!   embedded font.
//! - [`config`]: settings from defaults, a TOML file and the environment; secrets redacted.
//! - [`clock`]: the injectable clock (system or virtual).
//! - [`files`]: folders and files the service writes, private to its own user (0700/0600).
//! - [`markdown`]: the small Markdown subset messages are written in.
//! - [`zone`]: time zone names, read in any case, abbreviations refused.
//! - [`text`]: what counts as blank, grapheme-safe cuts, and how command arguments are read.
//! - [`ops`]: `/healthz`, `/readyz` and Prometheus `/metrics` for operators, and shutdown
//!   signals.
//! - [`telemetry`]: `tracing` setup; no user text or tokens are ever logged.
//! - [`cli`]: the `shiftcoach` command line (`console`, `run`, `migrate`, `content`,
//!   `lookup`); `main.rs` only calls [`cli::main`].

pub mod adapters;
pub mod app;
pub mod chart;
pub mod cli;
pub mod clock;
pub mod config;
pub mod content;
pub mod core;
pub mod files;
pub mod markdown;
pub mod ops;
pub mod scheduler;
pub mod secrets;
pub mod storage;
pub mod telemetry;
pub mod text;
pub mod zone;
