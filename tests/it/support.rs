//! Test databases. SQLite lives in a temporary folder; PostgreSQL tests each get a fresh
//! database on the server named by `DATABASE_URL` (`scripts/test` starts a throwaway one).

use std::sync::{
    Arc, OnceLock,
    atomic::{AtomicU32, Ordering},
};

use shiftcoach::{
    config::DatabaseUrl,
    content::Catalog,
    storage::{ConnectOptions, Storage},
};
use sqlx::{Connection, Executor, PgConnection};

/// The shipped catalog, loaded once for all tests.
pub fn catalog() -> Arc<Catalog> {
    static CATALOG: OnceLock<Arc<Catalog>> = OnceLock::new();
    CATALOG
        .get_or_init(|| Arc::new(Catalog::embedded().expect("the shipped catalog is valid")))
        .clone()
}

/// A migrated database for one test, and what keeps it alive.
pub struct TestDb {
    pub storage: Storage,
    _dir: Option<tempfile::TempDir>,
}

impl TestDb {
    pub async fn sqlite() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = DatabaseUrl::sqlite_in(dir.path());
        Self::open(url, Some(dir)).await
    }

    pub async fn postgres() -> Self {
        let url = DatabaseUrl::parse(&fresh_postgres_database().await).unwrap();
        Self::open(url, None).await
    }

    /// The database at `url` (a server the test owns, such as a [`DedicatedPostgres`]),
    /// migrated.
    pub async fn at(url: &str) -> Self {
        Self::open(DatabaseUrl::parse(url).unwrap(), None).await
    }

    /// The folder holding the SQLite database files; `None` on PostgreSQL.
    pub fn sqlite_dir(&self) -> Option<&std::path::Path> {
        self._dir.as_ref().map(tempfile::TempDir::path)
    }

    async fn open(url: DatabaseUrl, dir: Option<tempfile::TempDir>) -> Self {
        let options = ConnectOptions {
            max_connections: 4,
            ..ConnectOptions::default()
        };
        let storage = Storage::connect(&url, options).await.unwrap();
        storage.migrate().await.unwrap();
        Self { storage, _dir: dir }
    }
}

/// The admin URL of the PostgreSQL server the tests use. Never skips: without one the test
/// fails and says how to get a server.
pub fn postgres_admin_url() -> String {
    match std::env::var("DATABASE_URL") {
        Ok(url) if url.starts_with("postgres") => url,
        _ => panic!(
            "the PostgreSQL tests need a server: run ./scripts/test, which starts a throwaway \
             cluster, or set DATABASE_URL=postgres://user:pass@host:5432/postgres for a server \
             where that user may create databases"
        ),
    }
}

/// Creates an empty database with a unique name and returns its URL.
pub async fn fresh_postgres_database() -> String {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let admin = postgres_admin_url();
    let name = format!(
        "shiftcoach_test_{}_{}_{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    );
    let mut conn = PgConnection::connect(&admin)
        .await
        .unwrap_or_else(|err| panic!("cannot connect to DATABASE_URL for the tests: {err}"));
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    conn.close().await.unwrap();
    let mut url = url::Url::parse(&admin).unwrap();
    url.set_path(&name);
    url.to_string()
}

/// Defines each listed `async fn name(db: TestDb)` as two tests, `sqlite::name` and
/// `postgres::name`.
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::TestDb::sqlite().await).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    super::$name($crate::support::TestDb::postgres().await).await;
                }
            )*
        }
    };
}
pub(crate) use on_both_backends;

/// A PostgreSQL server of the test's own (started with `scripts/pg-throwaway.sh`), which the
/// test may stop and start again to play an outage. Removed when dropped.
pub struct DedicatedPostgres {
    pub url: String,
    dir: String,
    ctl: String,
    port: String,
}

impl DedicatedPostgres {
    pub fn start() -> Self {
        let root = env!("CARGO_MANIFEST_DIR");
        let output = std::process::Command::new("bash")
            .arg("-c")
            .arg(format!(
                "source {root}/scripts/pg-throwaway.sh && pg_throwaway_start >/dev/null && echo \"$DATABASE_URL|$PG_THROWAWAY_DIR|$PG_THROWAWAY_CTL\""
            ))
            .output()
            .expect("bash runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8(output.stdout).unwrap();
        let mut parts = line.trim().split('|');
        let (url, dir, ctl) = (
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
            parts.next().unwrap().to_owned(),
        );
        let port = url
            .rsplit(':')
            .next()
            .and_then(|rest| rest.split('/').next())
            .unwrap()
            .to_owned();
        Self {
            url,
            dir,
            ctl,
            port,
        }
    }

    /// `pg_ctl` for this server, as the account that owns it.
    fn ctl_command(&self) -> std::process::Command {
        let mut command = if running_as_root() {
            let mut command = std::process::Command::new("runuser");
            command.args(["-u", "postgres", "--", &self.ctl]);
            command
        } else {
            std::process::Command::new(&self.ctl)
        };
        command.arg(format!("--pgdata={}/data", self.dir));
        command
    }

    fn pg_ctl(&self, args: &[&str]) {
        let status = self
            .ctl_command()
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl {args:?}");
    }

    /// Stops the server (fast: open connections are cut).
    pub fn stop(&self) {
        self.pg_ctl(&["--mode=fast", "--wait", "stop"]);
    }

    /// Starts the stopped server again on the same port.
    pub fn start_again(&self) {
        let options = format!(
            "-c listen_addresses=127.0.0.1 -p {} -k {} -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=400",
            self.port, self.dir
        );
        let log = format!("--log={}/server.log", self.dir);
        self.pg_ctl(&["--wait", &log, "-o", &options, "start"]);
    }
}

impl Drop for DedicatedPostgres {
    fn drop(&mut self) {
        let _ = self
            .ctl_command()
            .args(["--mode=immediate", "stop"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Whether the tests run as root (then the server runs as `postgres`, as the script does).
fn running_as_root() -> bool {
    std::process::Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Connects to the PostgreSQL database at `url` (two connections), migrates it, and gives
/// `count` Discord channels of `guild` a daily nudge whose occurrence was a minute ago: a
/// binary started now finds every one due, well within the grace window, and the next
/// occurrence is tomorrow. Channel ids count up from `first_channel`. For tests that start the
/// binary on a burst of nudges.
pub async fn nudges_due_a_minute_ago(
    url: &str,
    guild: &str,
    first_channel: u64,
    count: u64,
) -> (Storage, Vec<shiftcoach::storage::Schedule>) {
    use chrono::{DurationRound, Timelike, Utc};
    use shiftcoach::storage::{ChannelAddress, Identity, NewSchedule, Platform, Purpose};

    let storage = Storage::connect(
        &DatabaseUrl::parse(url).unwrap(),
        ConnectOptions {
            max_connections: 2,
            ..ConnectOptions::default()
        },
    )
    .await
    .unwrap();
    storage.migrate().await.unwrap();
    let now = Utc::now();
    let due = (now - chrono::Duration::minutes(1))
        .duration_trunc(chrono::Duration::minutes(1))
        .unwrap();
    let cron = format!("{} {} * * *", due.minute(), due.hour());
    let label = format!("daily {:02}:{:02}", due.hour(), due.minute());
    let admin = storage
        .upsert_user(
            &Identity::new(Platform::Discord, guild, "1000000000000000003"),
            "Ada",
            None,
            now,
        )
        .await
        .unwrap();
    let mut schedules = Vec::new();
    for i in 0..count {
        let channel = ChannelAddress {
            platform: Platform::Discord,
            workspace: guild.into(),
            channel: (first_channel + i).to_string(),
        };
        let schedule = storage
            .insert_schedule(&NewSchedule {
                purpose: Purpose::Nudge,
                channel: &channel,
                person: None,
                cron: &cron,
                label: &label,
                zone: "UTC",
                mix: "models",
                created_by: admin,
                next_due: Some(due),
                now,
            })
            .await
            .unwrap();
        schedules.push(schedule);
    }
    (storage, schedules)
}
