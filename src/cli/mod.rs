//! The command line: `shiftcoach console | run | migrate | content | lookup`.

mod content;

use std::{io::IsTerminal, path::PathBuf, process::ExitCode, sync::Arc};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use clap::{Args, Parser, Subcommand};

use crate::{
    adapters::console::{CLOCK_STATE_KEY, Console, ConsoleOptions, ConsolePostman, Screen},
    app::{App, BuildError, coach_settings, open_storage, scheduler_options},
    clock::VirtualClock,
    config::Config,
    core::Coach,
    scheduler::Scheduler,
    storage::{ConnectOptions, Storage},
    telemetry,
};

/// A chat coach for security engineers becoming security leaders, and their managers.
#[derive(Debug, Parser)]
#[command(name = "shiftcoach", version, propagate_version = true)]
pub struct Cli {
    /// A TOML configuration file (also read from SHIFTCOACH_CONFIG); environment variables
    /// override it.
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Chat with the coach in the terminal, on the embedded database by default.
    Console(ConsoleArgs),
    /// Run the service on the chat platforms configured in the environment.
    Run,
    /// Apply database migrations and print what was applied.
    Migrate,
    /// Check or list the coaching catalog.
    #[command(subcommand)]
    Content(content::ContentCommand),
    /// Rank catalog items for a situation described in plain words.
    Lookup(content::LookupArgs),
}

#[derive(Debug, Args)]
pub struct ConsoleArgs {
    /// Your name in the conversation [default: $USER].
    #[arg(long, value_name = "NAME")]
    pub user: Option<String>,
    /// The channel you are talking in.
    #[arg(long, value_name = "NAME", default_value = "general")]
    pub channel: String,
    /// Print each outgoing message as one JSON object per line.
    #[arg(long)]
    pub json: bool,
}

/// Exit code for bad usage or configuration.
const EXIT_USAGE: u8 = 2;

/// Parses the command line, runs the command and returns the process exit code.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::load(cli.config.as_deref()) {
        Ok(config) => config,
        Err(err) => {
            eprintln!("shiftcoach: {err}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let default_filter = match cli.command {
        Command::Run | Command::Migrate => "info",
        Command::Console(_) | Command::Content(_) | Command::Lookup(_) => "warn",
    };
    telemetry::init(config.log_format, default_filter);

    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("shiftcoach: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli.command, config)) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("shiftcoach: {err:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Console(args) => console(args, config).await,
        Command::Run => serve(config).await,
        Command::Migrate => migrate(config).await,
        Command::Content(command) => content::run(command, &config),
        Command::Lookup(args) => content::lookup(args, &config),
    }
}

/// Exit code for a catalog or input the user must fix.
pub(crate) const EXIT_INVALID: u8 = EXIT_USAGE;

async fn migrate(config: Config) -> anyhow::Result<ExitCode> {
    let options = ConnectOptions {
        retry_for: config.db_connect_timeout,
        ..ConnectOptions::default()
    };
    let storage = Storage::connect(&config.database, options).await?;
    let applied = storage.migrate().await?;
    if applied.is_empty() {
        println!("{}: already up to date", config.database);
    }
    for migration in &applied {
        println!(
            "{}: applied {} {}",
            config.database, migration.version, migration.description
        );
    }
    storage.close().await;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config) -> anyhow::Result<ExitCode> {
    let catalog = match content::load_catalog(&config) {
        Ok(catalog) => Arc::new(catalog),
        Err(code) => return Ok(code),
    };
    let app = match App::build(&config, catalog).await {
        Ok(app) => app,
        Err(BuildError::Config(problem)) => {
            eprintln!("shiftcoach: {problem}");
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(BuildError::Runtime(err)) => return Err(err),
    };
    app.run().await?;
    Ok(ExitCode::SUCCESS)
}

async fn console(args: ConsoleArgs, config: Config) -> anyhow::Result<ExitCode> {
    let catalog = match content::load_catalog(&config) {
        Ok(catalog) => Arc::new(catalog),
        Err(code) => return Ok(code),
    };
    let storage = open_storage(&config).await?;
    let saved_clock = storage
        .state(CLOCK_STATE_KEY)
        .await?
        .and_then(|stamp| DateTime::parse_from_rfc3339(&stamp).ok())
        .map(|stamp| stamp.with_timezone(&Utc));
    // Time in the console never runs backwards, even across restarts.
    let start = saved_clock.map_or(Utc::now(), |saved| saved.max(Utc::now()));
    let clock = VirtualClock::starting_at(start);
    let user = args
        .user
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "me".to_owned());
    let options = ConsoleOptions {
        user: user.trim_start_matches('@').to_owned(),
        channel: args.channel.trim_start_matches('#').to_owned(),
        json: args.json,
        interactive: std::io::stdin().is_terminal(),
        zone: tz_zone(),
        // Only when TZ is not set: one that names no zone leaves the stored zone (or
        // SHIFTCOACH_DEFAULT_ZONE) to apply, as its warning says.
        system_zone: std::env::var("TZ")
            .map_or(true, |tz| tz.trim().is_empty())
            .then(iana_time_zone::get_timezone)
            .and_then(Result::ok)
            .and_then(|name| crate::zone::parse_zone(&name).ok()),
        export_dir: config.data_dir.join("exports"),
        wrap: std::io::stdout()
            .is_terminal()
            .then(textwrap::termwidth)
            .filter(|_| !args.json),
    };
    let screen = Screen::new(&options, Box::new(std::io::stdout()));
    let postman = Arc::new(ConsolePostman::new(clock.clone(), screen));
    let coach = Arc::new(
        Coach::new(
            storage.clone(),
            catalog,
            Arc::new(clock.clone()),
            coach_settings(&config),
        )
        .with_postman(postman.clone()),
    );
    let scheduler = Scheduler::new(coach.clone(), scheduler_options(&config));

    let interactive = options.interactive;
    let mut console = Console::new(coach, scheduler, postman, clock, options);
    let result = if interactive {
        console.run_interactive().await
    } else {
        console
            .run(tokio::io::BufReader::new(tokio::io::stdin()))
            .await
    };
    storage.close().await;
    result.map(|()| ExitCode::SUCCESS)
}

/// The zone `TZ` names, when it is set. A `TZ` that names no zone is reported on standard
/// error and gives no zone, so the zone stored for the person is kept rather than replaced by a
/// guess.
fn tz_zone() -> Option<Tz> {
    match std::env::var("TZ") {
        Ok(value) if !value.trim().is_empty() => match crate::zone::zone_from_tz_variable(&value) {
            Ok(zone) => Some(zone),
            Err(problem) => {
                eprintln!(
                    "warning: TZ={value} is not used: {problem} Your stored time zone (or SHIFTCOACH_DEFAULT_ZONE) applies instead."
                );
                None
            }
        },
        _ => None,
    }
}
