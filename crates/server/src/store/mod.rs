//! The store: the only place that holds SQL. One `sqlx::AnyPool` over SQLite (embedded
//! default) or PostgreSQL, with the same SQL for both (`$1` placeholders work on both) and
//! one migration script rendered per backend; statements built at run time go through
//! [`Stmt`], and rows decode into named structs ([`row_struct!`](crate::row_struct)).
//! One module per table group; handlers and domain modules call their typed functions.
//!
//! Write transactions that must serialize per shop start with a write to the
//! shop's quota row, which takes a row lock on PostgreSQL; on SQLite they start with
//! `BEGIN IMMEDIATE`, which takes the database write lock up front.

pub mod applications;
pub mod audit;
mod migrate;
pub mod backup;
pub mod demo;
pub mod dropship;
pub mod exports;
pub mod exposure;
pub mod isv;
pub mod keys;
pub mod messages;
mod owner;
pub use owner::Owner;
pub mod orders;
pub mod prints;
pub mod quota;
pub mod retention;
pub mod risk;
pub mod sessions;
pub mod settings;
pub mod shipments;
pub mod sms;
pub mod users;
pub mod vnum;
pub mod waybills;

/// A struct whose rows decode by column name (`SELECT … AS field`), for the [`AnyPool`]:
/// named fields instead of tuples (`r.7`). A declarative macro rather than sqlx's
/// `FromRow` derive, whose `derive` feature would build sqlx's macro crate and SQLite a
/// second time for the host.
#[macro_export]
macro_rules! row_struct {
    ($(#[$m:meta])* $vis:vis struct $name:ident { $($(#[$fm:meta])* $fvis:vis $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$m])* $vis struct $name { $($(#[$fm])* $fvis $field: $ty),* }
        impl<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> for $name {
            fn from_row(row: &'r sqlx::any::AnyRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok(Self { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}

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
#[derive(Clone)]
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
    /// SQLite: the one connection [`Db::begin_write`] writes on (a pool of one that never
    /// closes it). Writes taking turns on the read pool's connections made each of them
    /// re-read the pages the others had changed (WAL mode invalidates a connection's page
    /// cache when another one commits); one writer keeps its cache warm.
    sqlite_write_pool: Option<AnyPool>,
    /// For dedicated connections ([`Db::connect_one`]); may hold a password, so `Debug`
    /// leaves it out.
    url: Arc<str>,
    /// Write transactions begun by this process ([`Db::writes_begun`]).
    writes: Arc<std::sync::atomic::AtomicU64>,
    /// The audit chain's HMAC key, set once the process's keys are loaded
    /// ([`Db::set_audit_key`]); every write transaction carries it for `audit::append`.
    audit_key: AuditKeySlot,
}

/// Where a [`Db`] keeps the audit key (shared by its clones and its write transactions).
pub type AuditKeySlot = Arc<std::sync::OnceLock<zeroize::Zeroizing<[u8; 32]>>>;

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// A write transaction (on a pooled connection, or on a dedicated one for `'c`); on SQLite
/// it also holds the process's writer slot.
pub struct WriteTx<'c> {
    tx: Transaction<'c, Any>,
    _slot: Option<OwnedMutexGuard<()>>,
    audit_key: AuditKeySlot,
}

impl WriteTx<'_> {
    /// The audit chain's key, if the process's keys are loaded.
    pub fn audit_key(&self) -> Option<&[u8; 32]> {
        self.audit_key.get().map(|k| &**k)
    }

    /// Commit (and release the writer slot).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Roll back now (a drop rolls back too, but lazily on the connection's next use).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTx<'_> {
    type Target = AnyConnection;
    fn deref(&self) -> &AnyConnection {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTx<'_> {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }
}

/// Every SQLite connection's settings. Besides WAL, `synchronous = NORMAL` (durable at each
/// checkpoint; a power cut can lose the last commits, never corrupt) and a busy timeout, two
/// for bulk writes (ingest), which change how pages are cached and checkpointed, never what
/// is stored:
///
/// * `wal_autocheckpoint`: the WAL is copied back into the database file once it holds this
///   many pages (default 1,000 = 4 MiB, i.e. every few ingest batches). A batch dirties a few
///   hundred random index pages; checkpointing less often writes a page that several
///   batches touched once instead of once per batch, and fsyncs less often. Measured:
///   ~81 → ~61 µs of server CPU per ingested order.
/// * `cache_size` (KiB when negative; default 2 MiB): room for one batch's dirty pages, so
///   the transaction does not spill pages into the WAL before its commit.
async fn sqlite_pragmas(conn: &mut AnyConnection) -> Result<(), sqlx::Error> {
    for pragma in [
        "PRAGMA journal_mode = WAL",
        "PRAGMA synchronous = NORMAL",
        "PRAGMA busy_timeout = 30000",
        "PRAGMA foreign_keys = ON",
        "PRAGMA wal_autocheckpoint = 10000",
        "PRAGMA cache_size = -16384",
        "PRAGMA mmap_size = 1073741824",
    ] {
        conn.execute(pragma).await?;
    }
    Ok(())
}

/// How often [`Db::start_checkpointer`] checkpoints the SQLite WAL.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(250);


impl Db {
    /// Connect to `url` (`sqlite://…` or `postgres://…`).
    pub async fn connect(url: &str) -> Result<Self, sqlx::Error> {
        sqlx::any::install_default_drivers();
        let backend = if url.starts_with("postgres:") || url.starts_with("postgresql:") { Backend::Postgres } else { Backend::Sqlite };
        let opts = AnyConnectOptions::from_str(url)?;
        // No ping before each acquire (sqlx's default): it was a second round trip to the
        // connection's worker for every query, ~8 % of the server's CPU per reveal grant. A
        // SQLite connection cannot go stale; a PostgreSQL connection broken under us fails
        // its query (one request answers 500) and sqlx drops it instead of returning it.
        let sqlite_write_pool = match backend {
            Backend::Sqlite => Some(
                AnyPoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(Duration::from_secs(30))
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(sqlite_pragmas(conn)))
                    .connect_with(opts.clone())
                    .await?,
            ),
            Backend::Postgres => None,
        };
        let pool = match backend {
            Backend::Sqlite => {
                AnyPoolOptions::new()
                    .max_connections(8)
                    .acquire_timeout(Duration::from_secs(30))
                    .test_before_acquire(false)
                    .after_connect(|conn, _| Box::pin(sqlite_pragmas(conn)))
                    .connect_with(opts)
                    .await?
            }
            Backend::Postgres => {
                AnyPoolOptions::new().max_connections(24).acquire_timeout(Duration::from_secs(30)).test_before_acquire(false).connect_with(opts).await?
            }
        };
        Ok(Self { pool, backend, sqlite_writer: Arc::new(Mutex::new(())), sqlite_write_pool, url: url.into(), writes: Arc::default(), audit_key: AuditKeySlot::default() })
    }

    /// SQLite: copy the WAL back into the database file from a task of its own, every
    /// `CHECKPOINT_EVERY`, so that a writer never has to. Left to SQLite, the commit that
    /// crosses `wal_autocheckpoint` pages runs the checkpoint itself — copying up to 40 MiB
    /// and two fsyncs while holding the one write lock every ingest and reveal charge waits
    /// for. A `PASSIVE` checkpoint runs beside readers and the writer (WAL mode) and never
    /// blocks them; `wal_autocheckpoint` stays as the bound if this task falls behind. The
    /// task ends when the last handle of this `Db` is dropped. PostgreSQL: nothing to do.
    pub fn start_checkpointer(&self) {
        if self.backend != Backend::Sqlite {
            return;
        }
        let alive = Arc::downgrade(&self.sqlite_writer);
        let url = self.url.clone();
        tokio::spawn(async move {
            use sqlx::ConnectOptions as _;
            let mut conn: Option<AnyConnection> = None;
            loop {
                tokio::time::sleep(CHECKPOINT_EVERY).await;
                if alive.strong_count() == 0 {
                    break;
                }
                if conn.is_none() {
                    match AnyConnectOptions::from_str(&url) {
                        Ok(o) => conn = o.connect().await.ok(),
                        Err(_) => break,
                    }
                }
                if let Some(c) = conn.as_mut()
                    && let Err(e) = c.execute("PRAGMA wal_checkpoint(PASSIVE)").await
                {
                    tracing::warn!("WAL checkpoint: {e}");
                    conn = None;
                }
            }
        });
    }

    /// A connection of its own, outside the pool (for a task that must never queue behind
    /// request handlers for a pooled one), set up like the pool's.
    pub async fn connect_one(&self) -> Result<AnyConnection, sqlx::Error> {
        use sqlx::ConnectOptions as _;
        let mut conn = AnyConnectOptions::from_str(&self.url)?.connect().await?;
        if self.backend == Backend::Sqlite {
            sqlite_pragmas(&mut conn).await?;
        }
        Ok(conn)
    }

    /// [`Db::connect_one`] for the reveal settler, whose commits must survive a power cut: a
    /// grant is delivered only after its charge committed, so on SQLite that commit is synced
    /// to disk before it returns (`synchronous = FULL`: an fsync of the WAL per commit; a commit
    /// settles a whole group of grants). The other connections keep `NORMAL`, which survives a
    /// crash of the process but may lose the last commits at a power cut. The cost is in
    /// docs/benchmarks.md; `ORDERVEIL_SQLITE_SETTLER_SYNC=normal` turns it off (for that
    /// comparison only). PostgreSQL commits are durable anyway (`synchronous_commit` on).
    pub async fn connect_durable(&self) -> Result<AnyConnection, sqlx::Error> {
        let mut conn = self.connect_one().await?;
        if self.backend == Backend::Sqlite && std::env::var("ORDERVEIL_SQLITE_SETTLER_SYNC").map_or(true, |v| v != "normal") {
            conn.execute("PRAGMA synchronous = FULL").await?;
        }
        Ok(conn)
    }

    /// A connection of its own through the store's own driver instead of `Any`, for a read
    /// path that decodes very many rows (the order export). `Any` converts every value once
    /// more on its way out, and on SQLite the driver's worker thread hands rows to the caller
    /// through a channel of `row_buffer` rows (sqlx's default, 50, had the two threads take
    /// turns every few rows). SQLite reads without memory-mapped I/O here: a long scan over
    /// a large file would otherwise map it page by page into the process (its resident set).
    pub async fn connect_native_reader(&self, row_buffer: usize) -> Result<NativeConnection, sqlx::Error> {
        use sqlx::ConnectOptions as _;
        match self.backend {
            Backend::Sqlite => {
                let opts = sqlx::sqlite::SqliteConnectOptions::from_str(&self.url)?
                    .row_buffer_size(row_buffer.max(1))
                    .busy_timeout(Duration::from_secs(30))
                    .pragma("mmap_size", "0")
                    .pragma("cache_size", "-16384");
                Ok(NativeConnection::Sqlite(opts.connect().await?))
            }
            Backend::Postgres => Ok(NativeConnection::Postgres(sqlx::postgres::PgConnectOptions::from_str(&self.url)?.connect().await?)),
        }
    }

    /// Give this store (and its clones) the audit chain's key; a second call is ignored.
    pub fn set_audit_key(&self, key: &[u8; 32]) {
        let _ = self.audit_key.set(zeroize::Zeroizing::new(*key));
    }

    /// The audit chain's key, if set.
    pub fn audit_key(&self) -> Option<&[u8; 32]> {
        self.audit_key.get().map(|k| &**k)
    }

    /// How many write transactions this process has begun ([`Db::begin_write`],
    /// [`Db::begin_write_on`]): the test that no GET changes anything reads it.
    pub fn writes_begun(&self) -> u64 {
        self.writes.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// [`Db::begin_write`] on a dedicated connection.
    pub async fn begin_write_on<'c>(&self, conn: &'c mut AnyConnection) -> Result<WriteTx<'c>, sqlx::Error> {
        use sqlx::Connection as _;
        self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.backend {
            Backend::Sqlite => {
                let slot = self.sqlite_writer.clone().lock_owned().await;
                Ok(WriteTx { tx: conn.begin_with("BEGIN IMMEDIATE").await?, _slot: Some(slot), audit_key: self.audit_key.clone() })
            }
            Backend::Postgres => Ok(WriteTx { tx: conn.begin().await?, _slot: None, audit_key: self.audit_key.clone() }),
        }
    }

    /// A transaction that will write: `BEGIN IMMEDIATE` on SQLite (no lock upgrade
    /// deadlocks), a plain `BEGIN` (read committed) on PostgreSQL.
    pub async fn begin_write(&self) -> Result<WriteTx<'static>, sqlx::Error> {
        self.writes.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        match self.backend {
            Backend::Sqlite => {
                let slot = self.sqlite_writer.clone().lock_owned().await;
                let pool = self.sqlite_write_pool.as_ref().unwrap_or(&self.pool);
                Ok(WriteTx { tx: pool.begin_with("BEGIN IMMEDIATE").await?, _slot: Some(slot), audit_key: self.audit_key.clone() })
            }
            Backend::Postgres => Ok(WriteTx { tx: self.pool.begin().await?, _slot: None, audit_key: self.audit_key.clone() }),
        }
    }
}

/// A connection through the store's own driver ([`Db::connect_native_reader`]).
#[derive(Debug)]
pub enum NativeConnection {
    /// SQLite.
    Sqlite(sqlx::SqliteConnection),
    /// PostgreSQL.
    Postgres(sqlx::PgConnection),
}

impl NativeConnection {
    /// Its backend (to build a [`Stmt`] for it with [`Stmt::with_backend`]).
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite(_) => Backend::Sqlite,
            Self::Postgres(_) => Backend::Postgres,
        }
    }

    /// Run `st` (built for [`NativeConnection::backend`]) and collect the rows, its values
    /// bound on the native connection.
    pub async fn fetch_all<O>(&mut self, st: &Stmt) -> Result<Vec<O>, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> + Send + Unpin,
    {
        macro_rules! run {
            ($db:ty, $conn:expr) => {{
                let mut q = sqlx::query_as::<$db, O>(&st.sql);
                for a in &st.args {
                    q = match a {
                        Val::S(s) => q.bind(s.as_str()),
                        Val::I(i) => q.bind(*i),
                        Val::NI(i) => q.bind(*i),
                        Val::NS(s) => q.bind(s.as_deref()),
                    };
                }
                q.fetch_all($conn).await
            }};
        }
        match self {
            Self::Sqlite(c) => run!(sqlx::Sqlite, c),
            Self::Postgres(c) => run!(sqlx::Postgres, c),
        }
    }
}

/// One value of a [`Stmt`].
#[derive(Clone, Debug)]
pub enum Val {
    /// Text.
    S(String),
    /// Integer.
    I(i64),
    /// Nullable integer.
    NI(Option<i64>),
    /// Nullable text.
    NS(Option<String>),
}

/// A statement built at run time (multi-row `VALUES`, `IN (…)` lists) with the
/// placeholders of its backend: anonymous `?` on SQLite, `$1…$n` on PostgreSQL. sqlx resolves
/// each `$N` on SQLite through `sqlite3_bind_parameter_name`, a linear walk, which makes a
/// 2,000-parameter statement quadratic; `?` parameters skip it. The backend is read off the
/// connection, so code that only holds a transaction can build one.
///
/// Values are either owned [`Val`]s ([`Stmt::arg`]) or, for hot bulk writes that bind
/// borrowed values, open slots ([`Stmt::slots`]) that the caller binds on [`Stmt::query`].
#[derive(Clone, Debug)]
pub struct Stmt {
    sql: String,
    args: Vec<Val>,
    /// Placeholders written by [`Stmt::slots`], bound by the caller after `args`.
    slots: usize,
    sqlite: bool,
}

impl Stmt {
    /// Start a statement for the backend of `conn`.
    pub fn new(conn: &AnyConnection, sql: &str) -> Self {
        Self { sql: sql.to_string(), args: Vec::new(), slots: 0, sqlite: conn.backend_name().eq_ignore_ascii_case("sqlite") }
    }

    /// Start a statement for `backend` (for code that holds the [`Db`], not a connection).
    pub fn with_backend(backend: Backend, sql: &str) -> Self {
        Self { sql: sql.to_string(), args: Vec::new(), slots: 0, sqlite: backend == Backend::Sqlite }
    }

    /// Append SQL text.
    pub fn sql(&mut self, s: &str) -> &mut Self {
        self.sql.push_str(s);
        self
    }

    /// Append a placeholder bound to `v`.
    pub fn arg(&mut self, v: Val) -> &mut Self {
        self.args.push(v);
        self.placeholder();
        self
    }

    fn placeholder(&mut self) {
        if self.sqlite {
            self.sql.push('?');
        } else {
            use std::fmt::Write as _;
            let _ = write!(self.sql, "${}", self.args.len() + self.slots);
        }
    }

    /// Append `n` comma-separated placeholders whose values the caller binds, in order, on
    /// the query from [`Stmt::query`] (after the statement's own [`Val`]s, so every
    /// [`Stmt::arg`] must come before the first slot).
    pub fn slots(&mut self, n: usize) -> &mut Self {
        for i in 0..n {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.slots += 1;
            self.placeholder();
        }
        self
    }

    /// Append `a, b, c` placeholders for `vals`.
    pub fn list(&mut self, vals: impl IntoIterator<Item = Val>) -> &mut Self {
        for (i, v) in vals.into_iter().enumerate() {
            if i > 0 {
                self.sql.push_str(", ");
            }
            self.arg(v);
        }
        self
    }

    /// Append `(…), (…)` rows: `row` writes one row's placeholders for each item.
    pub fn rows<T>(&mut self, items: impl IntoIterator<Item = T>, mut row: impl FnMut(&mut Self, T)) -> &mut Self {
        for (i, item) in items.into_iter().enumerate() {
            self.sql.push_str(if i == 0 { "(" } else { ", (" });
            row(self, item);
            self.sql.push(')');
        }
        self
    }

    /// Number of placeholders so far (values and slots).
    pub fn arg_count(&self) -> usize {
        self.args.len() + self.slots
    }

    fn arguments(&self) -> Result<sqlx::any::AnyArguments<'_>, sqlx::Error> {
        use sqlx::Arguments as _;
        let mut args = sqlx::any::AnyArguments::default();
        for a in &self.args {
            match a {
                Val::S(s) => args.add(s.as_str()),
                Val::I(i) => args.add(*i),
                Val::NI(i) => args.add(*i),
                Val::NS(s) => args.add(s.as_deref()),
            }
            .map_err(sqlx::Error::Encode)?;
        }
        Ok(args)
    }

    /// Run it and collect the rows.
    pub async fn fetch_all<O>(&self, conn: &mut AnyConnection) -> Result<Vec<O>, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, O, _>(&self.sql, self.arguments()?).fetch_all(conn).await
    }

    /// The statement as a query with its own values bound; bind the [`Stmt::slots`] values
    /// on it, in order, then run it.
    pub fn query(&self) -> Result<sqlx::query::Query<'_, Any, sqlx::any::AnyArguments<'_>>, sqlx::Error> {
        Ok(sqlx::query_with(&self.sql, self.arguments()?))
    }

    /// The SQL text and the values, in order (for a reader that binds them itself).
    pub fn into_parts(self) -> (String, Vec<Val>) {
        (self.sql, self.args)
    }

    /// Run it and take the one row it returns.
    pub async fn fetch_one<O>(&self, conn: &mut AnyConnection) -> Result<O, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, O, _>(&self.sql, self.arguments()?).fetch_one(conn).await
    }

    /// Run it and take the first row, if any.
    pub async fn fetch_optional<O>(&self, conn: &mut AnyConnection) -> Result<Option<O>, sqlx::Error>
    where
        O: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow> + Send + Unpin,
    {
        sqlx::query_as_with::<_, O, _>(&self.sql, self.arguments()?).fetch_optional(conn).await
    }

    /// Run it for its effect; returns the rows affected.
    pub async fn execute(&self, conn: &mut AnyConnection) -> Result<u64, sqlx::Error> {
        Ok(sqlx::query_with(&self.sql, self.arguments()?).execute(conn).await?.rows_affected())
    }
}

/// `items` in chunks whose sizes are powers of two (largest first, none above `max`), so a
/// multi-row statement comes in a handful of shapes, which the per-connection cache of
/// prepared statements keeps, instead of one shape (and one prepare) per row count.
pub fn pow2_chunks<T>(items: &[T], max: usize) -> impl Iterator<Item = &[T]> {
    let max = max.max(1);
    let mut rest = items;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let size = (1usize << rest.len().ilog2()).min(max);
        let (chunk, tail) = rest.split_at(size);
        rest = tail;
        Some(chunk)
    })
}

/// `items` padded to the next power of two by repeating the last one, for a lookup list
/// (a repeated id finds the same row again; callers collect into maps or sets). Same reason
/// as [`pow2_chunks`].
pub fn pow2_padded<T: Clone>(mut items: Vec<T>) -> Vec<T> {
    if let Some(last) = items.last().cloned() {
        items.resize(items.len().next_power_of_two(), last);
    }
    items
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pow2_chunks_cover_everything_in_order_with_power_of_two_sizes() {
        let items: Vec<u32> = (0..1000).collect();
        for n in [0usize, 1, 2, 3, 13, 64, 65, 999, 1000] {
            let chunks: Vec<&[u32]> = pow2_chunks(&items[..n], 256).collect();
            assert_eq!(chunks.concat(), items[..n].to_vec(), "n = {n}");
            assert!(chunks.iter().all(|c| c.len().is_power_of_two() && c.len() <= 256), "n = {n}");
        }
        assert_eq!(pow2_chunks(&items[..13], 256).map(<[u32]>::len).collect::<Vec<_>>(), [8, 4, 1]);
    }

    #[test]
    fn pow2_padded_repeats_the_last_item() {
        assert_eq!(pow2_padded(vec![1, 2, 3]), [1, 2, 3, 3]);
        assert_eq!(pow2_padded(vec![1, 2, 3, 4]), [1, 2, 3, 4]);
        assert_eq!(pow2_padded(Vec::<u8>::new()), Vec::<u8>::new());
    }
}
