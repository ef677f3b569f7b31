//! What the PostgreSQL benchmarks share: a database of their own, created fresh on the server
//! `DATABASE_URL` names and dropped afterwards.

use sqlx::{Connection, Executor, PgConnection};

/// A fresh database for one benchmark run.
pub struct BenchDatabase {
    /// Its URL.
    pub url: String,
    admin: String,
    name: String,
}

impl BenchDatabase {
    /// Creates `shiftcoach_bench_<what>_<pid>` on `DATABASE_URL`'s server.
    ///
    /// # Panics
    /// When `DATABASE_URL` is not a PostgreSQL URL or the database cannot be created: the
    /// benchmark cannot run.
    pub async fn create(what: &str) -> Self {
        let admin = std::env::var("DATABASE_URL").unwrap_or_default();
        assert!(
            admin.starts_with("postgres"),
            "the {what} benchmark needs PostgreSQL: set DATABASE_URL=postgres://... (./scripts/test starts a throwaway server)"
        );
        let name = format!("shiftcoach_bench_{what}_{}", std::process::id());
        let mut conn = PgConnection::connect(&admin)
            .await
            .expect("connect to DATABASE_URL");
        conn.execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await
            .expect("drop");
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create");
        let mut url = url::Url::parse(&admin).expect("a URL");
        url.set_path(&name);
        Self {
            url: url.to_string(),
            admin,
            name,
        }
    }

    /// Drops the database, ending any session still in it: a pool's closed connection can
    /// outlive `close()` on the server for a moment, and `DROP DATABASE` alone then fails with
    /// 55006 ("being accessed by other users"). `WITH (FORCE)` needs PostgreSQL 13 or later.
    pub async fn drop_it(self) {
        let mut admin = PgConnection::connect(&self.admin).await.expect("connect");
        admin
            .execute(format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name).as_str())
            .await
            .expect("drop the benchmark database");
    }
}
