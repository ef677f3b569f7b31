//! What `shiftcoach run` is: every configured platform, the scheduler and the operations
//! server, built once by [`App::build`] and supervised together by [`App::run`]. The tests
//! start exactly this, through the binary.

use std::{net::SocketAddr, sync::Arc, time::Duration};

use anyhow::Context as _;
use tokio::{sync::watch, task::JoinSet};

use crate::{
    adapters::{
        discord::service::{Discord, StartError},
        slack::service::{Slack, TokenError},
    },
    clock::{Clock, SystemClock},
    config::Config,
    content::Catalog,
    core::{Coach, CoachSettings, Platform},
    ops::{self, OpsState, Readiness},
    scheduler::{Scheduler, SchedulerOptions},
    storage::{ConnectOptions, Storage},
};

/// How long shutdown may take before the process gives up waiting.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(9);

/// Why the service could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The configuration must change first (exit code 2): no platform, a rejected token.
    #[error("{0}")]
    Config(String),
    /// Something failed at run time (exit code 1): an unreachable database, a platform down.
    #[error(transparent)]
    Runtime(#[from] anyhow::Error),
}

/// The service, built and not yet running.
pub struct App {
    storage: Storage,
    coach: Arc<Coach>,
    readiness: Arc<Readiness>,
    listener: tokio::net::TcpListener,
    scheduler: SchedulerOptions,
    discord: Option<Discord>,
    slack: Option<(Slack, SlackMode)>,
}

impl App {
    /// Builds what production runs from `config`: each configured platform (its token checked
    /// first), the database (migrated), the coach with one postman per platform, and the
    /// operations listener.
    ///
    /// # Errors
    /// [`BuildError::Config`] when no platform is configured, a platform is configured that
    /// this build cannot run, or a token is rejected; [`BuildError::Runtime`] otherwise.
    pub async fn build(config: &Config, catalog: Arc<Catalog>) -> Result<Self, BuildError> {
        let slack = slack_from(config).await?;
        if config.discord_token.is_none() && slack.is_none() {
            return Err(BuildError::Config(
                "no chat platform is configured: set DISCORD_TOKEN for Discord, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) for Slack; to try the coach without one, run `shiftcoach console`".into(),
            ));
        }
        let discord = match config.discord_token {
            None => None,
            Some(_) => match Discord::connect(config).await {
                Ok(discord) => Some(discord),
                Err(err @ (StartError::TokenRejected | StartError::Config(_))) => {
                    return Err(BuildError::Config(err.to_string()));
                }
                Err(err) => return Err(BuildError::Runtime(err.into())),
            },
        };

        let storage = open_storage(config).await?;
        let clock: Arc<dyn Clock> = Arc::new(SystemClock);
        let mut coach = Coach::new(storage.clone(), catalog, clock, coach_settings(config));
        let readiness = Arc::new(Readiness::default());
        if let Some(discord) = &discord {
            coach = coach.with_postman(discord.postman());
            readiness.expect(Platform::Discord);
        }
        if let Some((slack, _)) = &slack {
            coach = coach.with_postman(slack.postman());
            readiness.expect(Platform::Slack);
        }
        let listener = tokio::net::TcpListener::bind(config.http_addr)
            .await
            .with_context(|| {
                format!(
                    "SHIFTCOACH_HTTP_ADDR: cannot listen on {}",
                    config.http_addr
                )
            })?;
        Ok(Self {
            storage,
            coach: Arc::new(coach),
            readiness,
            listener,
            scheduler: scheduler_options(config),
            discord,
            slack,
        })
    }

    /// Where the operations endpoints listen.
    pub fn ops_addr(&self) -> Option<SocketAddr> {
        self.listener.local_addr().ok()
    }

    /// Runs every part until SIGTERM or SIGINT, or until one part stops: that part is named
    /// in the log, and the others are stopped cleanly (sends in flight finish, the shards
    /// close, the pool closes).
    ///
    /// # Errors
    /// The failure of the part that stopped first, if it failed.
    pub async fn run(self) -> anyhow::Result<()> {
        let (stop, stopped) = watch::channel(false);
        let wait = |mut stopped: watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let mut parts: JoinSet<(&'static str, anyhow::Result<()>)> = JoinSet::new();

        if let Some(addr) = self.ops_addr() {
            tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
        }
        let state = OpsState {
            storage: self.storage.clone(),
            metrics: self.coach.metrics().clone(),
            readiness: self.readiness.clone(),
        };
        let ops = ops::serve(self.listener, state, wait(stopped.clone()));
        parts.spawn(async move {
            let result = ops.await.context("the operations server failed");
            ("operations server", result)
        });

        let scheduler = Scheduler::new(self.coach.clone(), self.scheduler);
        let shutdown = wait(stopped.clone());
        parts.spawn(async move {
            scheduler.run(Arc::new(SystemClock), shutdown).await;
            ("scheduler", Ok(()))
        });

        if let Some(discord) = self.discord {
            let (coach, readiness) = (self.coach.clone(), self.readiness.clone());
            let stopped = stopped.clone();
            parts.spawn(async move { ("discord", discord.run(coach, readiness, stopped).await) });
        }
        if let Some((slack, mode)) = self.slack {
            let (coach, readiness) = (self.coach.clone(), self.readiness.clone());
            let shutdown = wait(stopped.clone());
            parts.spawn(async move {
                let result = match mode {
                    SlackMode::Socket => slack.run(coach, readiness, shutdown).await,
                    SlackMode::Http {
                        listener,
                        signing_secret,
                    } => {
                        slack
                            .serve_http(coach, readiness, listener, &signing_secret, shutdown)
                            .await
                    }
                };
                ("slack", result)
            });
        }

        let outcome = tokio::select! {
            () = ops::shutdown_signal() => Ok(()),
            Some(ended) = parts.join_next() => {
                let (part, result) = match ended {
                    Ok(done) => done,
                    Err(join) => ("a task", Err(anyhow::anyhow!("it panicked or was cancelled: {join}"))),
                };
                match &result {
                    Ok(()) => tracing::error!(part, "stopped unexpectedly; stopping the rest"),
                    Err(err) => tracing::error!(part, error = format!("{err:#}"), "failed; stopping the rest"),
                }
                Err(match result {
                    Ok(()) => anyhow::anyhow!("the {part} stopped unexpectedly"),
                    Err(err) => err.context(format!("the {part} failed")),
                })
            }
        };
        let _ = stop.send(true);
        let drained = tokio::time::timeout(SHUTDOWN_LIMIT, async {
            while parts.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!("shutdown took too long; exiting anyway");
            parts.abort_all();
        }
        self.storage.close().await;
        if outcome.is_ok() {
            tracing::info!("stopped");
        }
        outcome
    }
}

/// How Slack is served: Socket Mode, or HTTP mode on its own listener with the signing secret.
enum SlackMode {
    Socket,
    Http {
        listener: tokio::net::TcpListener,
        signing_secret: secrecy::SecretString,
    },
}

/// The Slack adapter when Slack is configured: Socket Mode with `SLACK_BOT_TOKEN` and
/// `SLACK_APP_TOKEN` (preferred when both modes are configured), else HTTP mode with
/// `SLACK_BOT_TOKEN` and `SLACK_SIGNING_SECRET` on `SLACK_HTTP_ADDR`; the bot token checked
/// first.
///
/// # Errors
/// [`BuildError::Config`] for an incomplete Slack configuration, an address that cannot be
/// listened on, or a rejected token; [`BuildError::Runtime`] when Slack cannot be reached.
async fn slack_from(config: &Config) -> Result<Option<(Slack, SlackMode)>, BuildError> {
    let (bot, app, signing) = (
        config.slack_bot_token.as_ref(),
        config.slack_app_token.as_ref(),
        config.slack_signing_secret.as_ref(),
    );
    let (bot, mode) = match (bot, app, signing) {
        (None, None, None) => return Ok(None),
        (Some(bot), Some(_), _) => (bot, SlackMode::Socket),
        (Some(bot), None, Some(signing)) => {
            let addr = config.slack_http_addr;
            let listener = tokio::net::TcpListener::bind(addr).await.map_err(|err| {
                BuildError::Config(format!("SLACK_HTTP_ADDR: cannot listen on {addr}: {err}"))
            })?;
            let mode = SlackMode::Http {
                listener,
                signing_secret: signing.clone(),
            };
            (bot, mode)
        }
        (None, _, _) => {
            return Err(BuildError::Config(
                "SLACK_BOT_TOKEN is missing: Slack needs the bot token (xoxb-...) with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode)".into(),
            ));
        }
        (Some(_), None, None) => {
            return Err(BuildError::Config(
                "SLACK_APP_TOKEN is missing: Socket Mode needs an app-level token (xapp-...) with the connections:write scope; for HTTP mode set SLACK_SIGNING_SECRET instead".into(),
            ));
        }
    };
    let slack =
        Slack::new(&config.slack_api_base, bot, app).context("preparing the Slack client")?;
    match slack.check_token().await {
        Ok(()) => Ok(Some((slack, mode))),
        Err(err @ TokenError::Rejected(_)) => Err(BuildError::Config(err.to_string())),
        Err(err) => Err(BuildError::Runtime(err.into())),
    }
}

/// Connects to the configured database (retrying for a while) and brings its schema up to date.
pub async fn open_storage(config: &Config) -> anyhow::Result<Storage> {
    // The data folder is the service's own: private even when an older version made it 0755.
    if config.database.backend() == crate::config::Backend::Sqlite {
        crate::files::private_dir(&config.data_dir)
            .with_context(|| format!("preparing the data folder {}", config.data_dir.display()))?;
    }
    let options = ConnectOptions {
        retry_for: config.db_connect_timeout,
        ..ConnectOptions::default()
    };
    let storage = Storage::connect(&config.database, options).await?;
    let applied = storage
        .migrate()
        .await
        .with_context(|| format!("migrating {}", config.database))?;
    for migration in &applied {
        tracing::info!(
            version = migration.version,
            description = migration.description.as_str(),
            "migration applied"
        );
    }
    Ok(storage)
}

/// The core's settings from the configuration.
pub fn coach_settings(config: &Config) -> CoachSettings {
    CoachSettings {
        default_zone: config.default_zone,
        admins: config.admins.clone(),
        checkin_reminder: chrono::Duration::from_std(config.checkin_reminder)
            .unwrap_or(crate::core::checkin::DEFAULT_REMINDER),
    }
}

/// The scheduler's options from the configuration.
pub fn scheduler_options(config: &Config) -> SchedulerOptions {
    SchedulerOptions {
        grace: chrono::Duration::from_std(config.nudge_grace).unwrap_or(chrono::Duration::hours(2)),
        ..SchedulerOptions::default()
    }
}
