//! `shiftcoach run`: the service on Discord, with the scheduler and the operations endpoints,
//! until SIGTERM or SIGINT.

use std::{process::ExitCode, sync::Arc, time::Duration};

use anyhow::Context as _;
use secrecy::SecretString;
use serenity::all::{ClientBuilder, GuildId};
use tokio::sync::watch;

use super::{EXIT_USAGE, coach_settings, open_storage, scheduler_options};
use crate::{
    adapters::discord::{gateway, http, postman::DiscordPostman},
    clock::{Clock, SystemClock},
    config::Config,
    content::Catalog,
    core::Coach,
    ops::{self, OpsState, Readiness},
    scheduler::Scheduler,
};

/// How long shutdown may take before the process gives up waiting.
const SHUTDOWN_LIMIT: Duration = Duration::from_secs(9);

pub async fn run(
    config: Config,
    catalog: Arc<Catalog>,
    token: SecretString,
) -> anyhow::Result<ExitCode> {
    let ca = match &config.discord_ca_cert {
        Some(path) => Some(
            std::fs::read(path)
                .with_context(|| format!("DISCORD_CA_CERT: cannot read {}", path.display()))?,
        ),
        None => None,
    };
    let api = http::build(&token, config.discord_api_base.as_ref(), ca.as_deref())
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    // A rejected token is final: say so once instead of reconnecting in a loop.
    match api.get_current_user().await {
        Ok(me) => tracing::info!(bot = me.name.as_str(), "Discord token accepted"),
        Err(err) if is_unauthorized(&err) => {
            eprintln!(
                "shiftcoach: DISCORD_TOKEN was rejected by Discord (401 Unauthorized): check the bot token in the developer portal"
            );
            return Ok(ExitCode::from(EXIT_USAGE));
        }
        Err(err) => return Err(anyhow::anyhow!("cannot reach Discord: {err}")),
    }

    let storage = open_storage(&config).await?;
    let postman = Arc::new(DiscordPostman::new(Arc::new(api)));
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let coach = Arc::new(
        Coach::new(
            storage.clone(),
            catalog,
            clock.clone(),
            coach_settings(&config),
        )
        .with_postman(postman.clone()),
    );
    let readiness = Arc::new(Readiness::default());
    readiness.expect(gateway::PLATFORM);
    let (stop, stopped) = watch::channel(false);
    let wait = |mut stopped: watch::Receiver<bool>| async move {
        let _ = stopped.wait_for(|stop| *stop).await;
    };

    let listener = tokio::net::TcpListener::bind(config.http_addr)
        .await
        .with_context(|| {
            format!(
                "SHIFTCOACH_HTTP_ADDR: cannot listen on {}",
                config.http_addr
            )
        })?;
    let bound = listener.local_addr().unwrap_or(config.http_addr);
    tracing::info!(addr = %bound, "serving /healthz, /readyz and /metrics");
    let ops_task = tokio::spawn(ops::serve(
        listener,
        OpsState {
            storage: storage.clone(),
            metrics: coach.metrics().clone(),
            readiness: readiness.clone(),
        },
        wait(stopped.clone()),
    ));

    let scheduler = Scheduler::new(coach.clone(), scheduler_options(&config));
    let scheduler_task = tokio::spawn({
        let stopped = stopped.clone();
        async move { scheduler.run(clock, wait(stopped)).await }
    });

    let client_http = http::build(&token, config.discord_api_base.as_ref(), ca.as_deref())
        .await
        .map_err(|err| anyhow::anyhow!("{err}"))?;
    let mut client = ClientBuilder::new_with_http(
        client_http,
        gateway::intents(config.discord_message_content),
    )
    .event_handler(gateway::Handler {
        coach: coach.clone(),
        readiness: readiness.clone(),
        guild: config.discord_guild_id.map(GuildId::new),
        message_content: config.discord_message_content,
    })
    .await
    .context("starting the Discord client")?;
    let shards = client.shard_manager.clone();
    let mut gateway_task = tokio::spawn(async move { client.start().await });

    let outcome = tokio::select! {
        () = ops::shutdown_signal() => Ok(()),
        ended = &mut gateway_task => match ended {
            Ok(Ok(())) => Ok(()),
            Ok(Err(err)) => Err(err),
            Err(join) => Err(serenity::Error::Other(if join.is_panic() { "the gateway task panicked" } else { "the gateway task stopped" })),
        },
    };
    readiness.set_connected(gateway::PLATFORM, false);
    // Stop taking new work, let sends in flight finish, then close the pool.
    let _ = stop.send(true);
    let drained = tokio::time::timeout(SHUTDOWN_LIMIT, async {
        shards.shutdown_all().await;
        let _ = scheduler_task.await;
        let _ = ops_task.await;
    })
    .await;
    if drained.is_err() {
        tracing::warn!("shutdown took too long; exiting anyway");
    }
    storage.close().await;
    match outcome {
        Ok(()) => {
            tracing::info!("stopped");
            Ok(ExitCode::SUCCESS)
        }
        Err(err) => {
            eprintln!("shiftcoach: the Discord connection ended: {err}");
            Ok(ExitCode::FAILURE)
        }
    }
}

fn is_unauthorized(err: &serenity::Error) -> bool {
    matches!(err, serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(response)) if response.status_code.as_u16() == 401)
}
