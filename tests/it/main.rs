//! All integration tests, in one binary so they link once. Each file is one area; tests that
//! touch the database run against both SQLite and PostgreSQL (see `support`).
#![allow(clippy::unwrap_used)]

mod checkins;
mod coach;
mod conformance;
mod console;
mod content;
mod discord;
mod fake_discord;
mod fake_discord_checks;
mod fake_slack;
mod fake_slack_checks;
mod faults;
mod load;
mod lookup;
mod nudges;
mod ops;
mod outage;
mod recovery;
mod repo;
mod secrets;
mod slack;
mod storage;
mod support;
