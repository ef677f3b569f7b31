//! Logging through `tracing`, to standard error so the console's output stays clean.
//!
//! Levels come from `RUST_LOG`; the format (text or JSON) from the configuration. Nothing in
//! shiftcoach logs user-written text or tokens: events carry ids, counts and kinds only.
//!
//! The libraries underneath do not keep that promise at their debug and trace levels: serenity
//! records whole gateway events (message text included) in its spans, and the HTTP and
//! WebSocket stacks log request bodies, and the database drivers echo connection parameters.
//! Those targets are therefore held at `warn` (the drivers at `error`) whatever `RUST_LOG`
//! says ([`LIBRARY_CAPS`], [`DRIVER_CAPS`]); shiftcoach's own targets follow `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Library targets whose verbose levels carry message payloads (people's text, tokens in
/// headers), capped at `warn` after `RUST_LOG` is read. The database drivers are held at
/// `error`: sqlx warns about connection parameters it ignores by echoing their values, which
/// can be a password (`?sslpassword=`).
pub const LIBRARY_CAPS: &[&str] = &[
    "serenity",
    "slack_morphism",
    "hyper_rustls",
    "tungstenite",
    "tokio_tungstenite",
    "async_tungstenite",
    "hyper",
    "hyper_util",
    "h2",
    "reqwest",
    "rustls",
    "tokio_rustls",
    "axum",
    "tower",
    "tower_http",
];

/// Database driver targets, held at `error` (see [`LIBRARY_CAPS`]).
pub const DRIVER_CAPS: &[&str] = &["sqlx", "sqlx_core", "sqlx_postgres", "sqlx_sqlite"];

/// The filter for `rust_log` (the value of `RUST_LOG`, or `default_filter` when unset or
/// unreadable) with every [`LIBRARY_CAPS`] target held at `warn`.
pub fn filter(rust_log: Option<&str>, default_filter: &str) -> EnvFilter {
    // Directives naming a capped library (or a module inside one) are dropped, so that a more
    // specific `serenity::gateway=trace` cannot undo the cap.
    let capped = |directive: &str| {
        let target = directive.split(['=', '[']).next().unwrap_or("").trim();
        LIBRARY_CAPS
            .iter()
            .chain(DRIVER_CAPS)
            .any(|lib| target == *lib || target.starts_with(&format!("{lib}::")))
    };
    let kept = rust_log.map(|value| {
        value
            .split(',')
            .filter(|directive| !capped(directive))
            .collect::<Vec<_>>()
            .join(",")
    });
    let mut filter = kept
        .and_then(|value| EnvFilter::try_new(value).ok())
        .unwrap_or_else(|| EnvFilter::new(default_filter));
    let caps = LIBRARY_CAPS
        .iter()
        .map(|target| (target, "warn"))
        .chain(DRIVER_CAPS.iter().map(|target| (target, "error")));
    for (target, level) in caps {
        // A directive for a target replaces any earlier one for the same target.
        if let Ok(directive) = format!("{target}={level}").parse() {
            filter = filter.add_directive(directive);
        }
    }
    filter
}

/// Installs the global subscriber. `default_filter` applies when `RUST_LOG` is unset.
pub fn init(format: LogFormat, default_filter: &str) {
    let rust_log = std::env::var("RUST_LOG").ok();
    let filter = filter(rust_log.as_deref(), default_filter);
    // Colours only on a terminal: log files and collectors get plain text.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr);
    // A second init (as in tests that run the CLI in-process) keeps the first subscriber.
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libraries_stay_at_warn_whatever_rust_log_asks() {
        for rust_log in [
            "debug",
            "trace",
            "serenity=trace",
            "info,serenity::gateway::shard=trace,sqlx=debug",
        ] {
            let shown = filter(Some(rust_log), "warn").to_string();
            for lib in LIBRARY_CAPS {
                assert!(
                    shown.contains(&format!("{lib}=warn")),
                    "{rust_log}: {shown}"
                );
            }
            assert!(!shown.contains("trace,serenity") && !shown.contains("shard=trace"));
        }
        assert!(filter(Some("debug"), "warn").to_string().contains("debug"));
    }
}
