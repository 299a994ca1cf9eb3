//! The store: one `sqlx::AnyPool` over SQLite (embedded default) or PostgreSQL, with the
//! same SQL for both (`$1` placeholders work on both) and one migration script rendered per
//! backend. Write transactions that must serialize per shop start with a write to the
//! shop's quota row, which takes a row lock on PostgreSQL; on SQLite they start with
//! `BEGIN IMMEDIATE`, which takes the database write lock up front.

use std::str::FromStr as _;
use std::time::Duration;

use std::sync::Arc;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::{Any, AnyConnection, AnyPool, Executor as _, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

/// Which database.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file (WAL).
    Sqlite,
    /// PostgreSQL (one or more server processes may share it).
    Postgres,
}

/// The pool and its backend.
#[derive(Clone, Debug)]
pub struct Db {
    /// The pool.
    pub pool: AnyPool,
    /// The backend.
    pub backend: Backend,
    /// SQLite allows one writer at a time. Writers of this process queue on this mutex
    /// instead of colliding in SQLite's busy handler, which sleeps in millisecond steps.
    /// (Several processes on one SQLite file still work, through the busy handler; the
    /// scale-out deployment is PostgreSQL.)
    sqlite_writer: Arc<Mutex<()>>,
}

/// A write transaction; on SQLite it also holds the process's writer slot.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    _slot: Option<OwnedMutexGuard<()>>,
}

impl WriteTx {
    /// Commit (and release the writer slot).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }
}

impl std::ops::Deref for WriteTx {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

const MIGRATIONS: &[(i64, &str, &str)] = &[(1, "init", include_str!("../migrations/0001_init.sql"))];

impl Db {
    /// Connect to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") { Backend::Postgres } else { Backend::Sqlite };
        let opts = AnyConnectOptions::from_str(url)?;
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .after_connect(|conn, _| {
                        Box::pin(async move {
                            conn.execute("PRAGMA journal_mode = WAL").await?;
                            conn.execute("PRAGMA synchronous = NORMAL").await?;
                            conn.execute("PRAGMA busy_timeout = 30000").await?;
                            conn.execute("PRAGMA foreign_keys = ON").await?;
                            Ok(())
                        })
                    })
                    .connect_with(opts)
                    .await?
            }
            Backend::Postgres => AnyPoolOptions::new().max_connections(24).acquire_timeout(Duration::from_secs(30)).connect_with(opts).await?,
        };
        Ok(Self { pool, backend, sqlite_writer: Arc::new(Mutex::new(())) })
    }

    /// Apply pending migrations. Safe to run from several processes at once on PostgreSQL
    /// (an advisory lock serializes them).
    pub async fn migrate(&self) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        if self.backend == Backend::Postgres {
            tx.execute("SELECT pg_advisory_xact_lock(7140001)").await?;
        }
        tx.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)").await?;
        for (version, name, sql) in MIGRATIONS {
            let done: Option<(i64,)> = sqlx::query_as("SELECT version FROM schema_migrations WHERE version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_some() {
                continue;
            }
            let (id, blob) = match self.backend {
                Backend::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "BLOB"),
                Backend::Postgres => ("BIGSERIAL PRIMARY KEY", "BYTEA"),
            };
            let rendered = sql.replace("{{ID}}", id).replace("{{BLOB}}", blob);
            sqlx::raw_sql(&rendered).execute(&mut *tx).await?;
            sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)").bind(version).bind(*name).execute(&mut *tx).await?;
            tracing::info!(version, name, "applied migration");
        }
        tx.commit().await
    }

    /// A transaction that will write: `BEGIN IMMEDIATE` on SQLite (no lock upgrade
    /// deadlocks), a plain `BEGIN` (read committed) on PostgreSQL.
    pub async fn begin_write(&self) -> Result<WriteTx, sqlx::Error> {
        match self.backend {
            Backend::Sqlite => {
                let slot = self.sqlite_writer.clone().lock_owned().await;
                Ok(WriteTx { tx: self.pool.begin_with("BEGIN IMMEDIATE").await?, _slot: Some(slot) })
            }
            Backend::Postgres => Ok(WriteTx { tx: self.pool.begin().await?, _slot: None }),
        }
    }

    /// `count` placeholders for a statement made only of them (a multi-row VALUES list or
    /// an `IN (…)` list): anonymous `?` on SQLite, `$1…$count` on PostgreSQL. sqlx resolves
    /// each `$N` on SQLite through `sqlite3_bind_parameter_name`, a linear walk, which makes
    /// a 2,000-parameter statement quadratic; `?` parameters skip it.
    pub fn positional(&self, count: usize) -> Vec<String> {
        match self.backend {
            Backend::Sqlite => vec!["?".to_string(); count],
            Backend::Postgres => (1..=count).map(|i| format!("${i}")).collect(),
        }
    }

    /// `$n` placeholders `$from, $from+1, …` for an `IN (…)` list of `count` values.
    pub fn placeholders(from: usize, count: usize) -> String {
        (from..from + count).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ")
    }
}

/// A dynamically built query's argument.
#[derive(Clone, Debug)]
pub enum Arg {
    /// Text.
    S(String),
    /// Integer.
    I(i64),
}

/// Bind `args` in order.
pub fn bind_all<'q, O>(
    mut q: sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>>,
    args: &[Arg],
) -> sqlx::query::QueryAs<'q, Any, O, sqlx::any::AnyArguments<'q>> {
    for a in args {
        q = match a {
            Arg::S(s) => q.bind(s.clone()),
            Arg::I(i) => q.bind(*i),
        };
    }
    q
}
