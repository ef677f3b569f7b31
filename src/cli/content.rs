//! `shiftcoach content check|list` and `shiftcoach lookup`.

use std::{path::PathBuf, process::ExitCode};

use clap::{Args, Subcommand};
use serde_json::json;

use super::EXIT_INVALID;
use crate::{
    config::Config,
    content::{self, Catalog, ContentError, Kind},
};

#[derive(Debug, Subcommand)]
pub enum ContentCommand {
    /// Check a catalog folder and report every problem as `path:line: message` (exit 1 if any).
    Check {
        /// The folder to check [default: the configured one, else the built-in catalog].
        dir: Option<PathBuf>,
    },
    /// List catalog items: kind, slug, title and tags.
    List {
        /// Only items of this kind (shift, model, framework, template, scenario, reflection,
        /// checkin).
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// Print a JSON array of objects with kind, slug, title and tags.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct LookupArgs {
    /// Which kind to rank, or `any` (shifts, models, frameworks, templates and scenarios).
    #[arg(long, value_name = "KIND", default_value = "any")]
    pub kind: String,
    /// How many results at most.
    #[arg(long, value_name = "N", default_value_t = 5, value_parser = clap::value_parser!(u16).range(1..=100))]
    pub limit: u16,
    /// Print a JSON array of objects with slug, kind, title, score and reason, best first.
    #[arg(long)]
    pub json: bool,
    /// The situation, in plain words, e.g. "the board will ask if we are secure".
    #[arg(required = true, value_name = "SITUATION")]
    pub situation: Vec<String>,
}

pub fn run(command: ContentCommand, config: &Config) -> anyhow::Result<ExitCode> {
    match command {
        ContentCommand::Check { dir } => check(dir.or_else(|| config.prompts_dir.clone())),
        ContentCommand::List { kind, json } => {
            let kind = match kind.as_deref().map(parse_kind).transpose() {
                Ok(kind) => kind,
                Err(code) => return Ok(code),
            };
            let catalog = match load_catalog(config) {
                Ok(catalog) => catalog,
                Err(code) => return Ok(code),
            };
            list(&catalog, kind, json);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Loads the configured catalog (or the built-in one). On failure prints why, every problem
/// included, and returns the exit code to stop with.
pub fn load_catalog(config: &Config) -> Result<Catalog, ExitCode> {
    let loaded = match &config.prompts_dir {
        Some(dir) => Catalog::load_dir(dir),
        None => Catalog::embedded(),
    };
    loaded.map_err(|err| {
        match err {
            ContentError::Invalid(problems) => {
                eprintln!(
                    "shiftcoach: the coaching catalog has {} problem(s); fix them and start again:",
                    problems.len()
                );
                for problem in &problems {
                    eprintln!("{problem}");
                }
            }
            other => eprintln!("shiftcoach: {other}"),
        }
        ExitCode::from(EXIT_INVALID)
    })
}

fn check(dir: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let (label, sources) = match &dir {
        Some(dir) => (dir.display().to_string(), content::read_dir_sources(dir)?),
        None => ("built-in catalog".to_owned(), content::embedded_sources()),
    };
    let (items, problems) = content::check_sources(&sources);
    for problem in &problems {
        println!("{problem}");
    }
    if !problems.is_empty() {
        eprintln!(
            "{label}: {} problem(s); {} item file(s) read",
            problems.len(),
            sources.files.len()
        );
        return Ok(ExitCode::FAILURE);
    }
    let counts: Vec<String> = Kind::ALL
        .iter()
        .map(|kind| {
            let n = items.iter().filter(|item| item.kind == *kind).count();
            format!("{n} {kind}")
        })
        .collect();
    println!(
        "{label}: {} items ({}), no problems",
        items.len(),
        counts.join(", ")
    );
    Ok(ExitCode::SUCCESS)
}

fn list(catalog: &Catalog, kind: Option<Kind>, as_json: bool) {
    let items = catalog
        .items()
        .iter()
        .filter(|item| kind.is_none_or(|kind| item.kind == kind));
    if as_json {
        let rows: Vec<_> = items
            .map(|item| json!({"kind": item.kind, "slug": item.slug, "title": item.title, "tags": item.tags}))
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return;
    }
    for item in items {
        println!(
            "{:<10} {:<34} {}  [{}]",
            item.kind.as_str(),
            item.slug,
            item.title,
            item.tags.join(", ")
        );
    }
}

/// A kind `lookup` ranks (`any` is handled by the caller); anything else is reported with the
/// accepted ones, and exits 2.
fn parse_kind(text: &str) -> Result<Kind, ExitCode> {
    Kind::parse(text)
        .filter(|kind| Kind::LOOKUP.contains(kind))
        .ok_or_else(|| {
            let kinds: Vec<&str> = Kind::LOOKUP.iter().map(|kind| kind.as_str()).collect();
            eprintln!(
                "shiftcoach: unknown kind {text:?}; use one of {} or any",
                kinds.join(", ")
            );
            ExitCode::from(EXIT_INVALID)
        })
}

pub fn lookup(args: LookupArgs, config: &Config) -> anyhow::Result<ExitCode> {
    let kinds: Vec<Kind> = if args.kind == "any" {
        Kind::LOOKUP.to_vec()
    } else {
        match parse_kind(&args.kind) {
            Ok(kind) => vec![kind],
            Err(code) => return Ok(code),
        }
    };
    let situation = args.situation.join(" ");
    if situation.trim().is_empty() {
        eprintln!(
            "shiftcoach: describe the situation in words, e.g. shiftcoach lookup \"my team ignores the new on-call rota\""
        );
        return Ok(ExitCode::from(EXIT_INVALID));
    }
    let catalog = match load_catalog(config) {
        Ok(catalog) => catalog,
        Err(code) => return Ok(code),
    };
    let hits = catalog.lookup(&situation, &kinds, usize::from(args.limit));
    if args.json {
        let rows: Vec<_> = hits
            .iter()
            .map(|hit| {
                json!({
                    "slug": hit.item.slug,
                    "kind": hit.item.kind,
                    "title": hit.item.title,
                    "score": (f64::from(hit.score) * 1000.0).round() / 1000.0,
                    "reason": hit.reason,
                })
            })
            .collect();
        println!("{}", serde_json::Value::Array(rows));
        return Ok(ExitCode::SUCCESS);
    }
    if hits.is_empty() {
        println!(
            "No match for that situation. Try other words, or a kind: --kind framework, template, model, scenario or shift."
        );
    }
    for (rank, hit) in hits.iter().enumerate() {
        println!(
            "{:>2}. {:>6.2}  {:<9} {:<30} {}\n              {}",
            rank + 1,
            hit.score,
            hit.item.kind.as_str(),
            hit.item.slug,
            hit.item.title,
            hit.reason
        );
    }
    Ok(ExitCode::SUCCESS)
}
