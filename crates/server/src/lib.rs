//! # orderveil-server
//!
//! The backend of OrderVeil: order ingest (plaintext in, ciphertext + masks + blind indexes
//! stored), the masked order API, one-time reveal grants under an atomic daily quota, and a
//! hash-chained audit trail, on SQLite (embedded default) or PostgreSQL.
//!
//! `main.rs` is thin: it parses the command line and calls [`serve`] or [`audit::verify`].
//! Tests build the same [`app`] with their own clock and database.
#![forbid(unsafe_code)]

pub mod admin;
pub mod applications;
pub mod audit;
pub mod audit_query;
pub mod auth;
pub mod clock;
pub mod store;
pub mod demo;
pub mod demo_buyer;
pub mod demo_history;
pub mod dropship;
pub mod error;
pub mod extract;
pub mod export;
pub mod disclosure;
pub mod exposure;
pub mod grants;
pub mod group_commit;
pub mod guard;
pub mod ingest;
pub mod isv;
pub mod key_check;
pub mod key_ring;
pub mod keys;
pub mod limits;
pub mod login_throttle;
pub mod messages;
pub mod orders;
pub mod platform;
pub mod quota;
pub mod retention;
pub mod reveal;
pub mod routes;
pub mod risk;
pub mod rotation;
pub mod search;
pub mod session;
pub mod settings;
pub mod settle;
pub mod sms;
pub mod virtual_numbers;
pub mod sheet;
pub mod shipping;
pub mod staff;
pub mod state;
pub mod waybills;
pub mod web;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use sha2::{Digest as _, Sha256};

pub use state::{AppState, Settings};

/// Where and how to run.
#[derive(Clone, Debug)]
pub struct Config {
    /// Data directory (SQLite file, key file, service token).
    pub data_dir: PathBuf,
    /// `sqlite://…` or `postgres://…`; default: `orderveil.db` in the data directory.
    pub database_url: Option<String>,
    /// The order system's token; default: generated into the data directory.
    pub service_token: Option<String>,
    /// The key file (`--key-file`); default: `keys.json` in the data directory (or the
    /// `ORDERVEIL_MASTER_KEY` / `ORDERVEIL_INDEX_KEY` environment).
    pub key_file: Option<PathBuf>,
    /// Platform rules.
    pub settings: Settings,
}

/// The directory of the Trunk-built web app to serve at `/`, if any.
pub fn web_dir(explicit: Option<PathBuf>) -> Option<PathBuf> {
    explicit.or_else(|| Some(PathBuf::from("dist"))).filter(|d| d.join("index.html").is_file())
}

impl Config {
    /// The database URL in effect.
    pub fn database_url(&self) -> String {
        self.database_url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", self.data_dir.join("orderveil.db").display()))
    }
}

/// The service token: from the config, or read from / generated into `service-token`.
pub fn service_token(cfg: &Config) -> Result<String, String> {
    if let Some(t) = &cfg.service_token {
        return Ok(t.clone());
    }
    let path = cfg.data_dir.join("service-token");
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    let t = format!("ovs_{}", auth::random_token(32).map_err(|e| format!("{e:?}"))?);
    write_private(&path, &t)?;
    Ok(t)
}

/// The telephony partner's token (virtual-number lookups): from the settings, or read from /
/// generated into `telephony-token` in the data directory.
pub fn telephony_token(cfg: &Config) -> Result<String, String> {
    if let Some(t) = &cfg.settings.telephony_token {
        return Ok(t.clone());
    }
    let path = cfg.data_dir.join(TELEPHONY_TOKEN_FILE);
    if let Ok(t) = std::fs::read_to_string(&path) {
        return Ok(t.trim().to_string());
    }
    let t = format!("ovtel_{}", auth::random_token(32).map_err(|e| format!("{e:?}"))?);
    write_private(&path, &t)?;
    Ok(t)
}

/// The telephony token's file in the data directory.
pub const TELEPHONY_TOKEN_FILE: &str = "telephony-token";

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    f.write_all(text.as_bytes()).map_err(|e| e.to_string())
}

/// Open the store, migrate it, load keys: everything [`app`] needs.
pub async fn build_state(cfg: &Config, clock: Arc<dyn clock::Clock>) -> Result<AppState, String> {
    std::fs::create_dir_all(&cfg.data_dir).map_err(|e| format!("{}: {e}", cfg.data_dir.display()))?;
    let db = store::Db::connect(&cfg.database_url()).await.map_err(|e| format!("database: {e}"))?;
    db.migrate().await.map_err(|e| format!("migration: {e}"))?;
    // One key source for every process on the store: a key file is made only for a new store,
    // and the keys must match what the store recorded (key_check).
    let source = keys::KeySource::of(&cfg.data_dir, cfg.key_file.as_deref());
    let keys = keys::KeyProvider::open(&source, key_check::store_is_new(&db).await?)?;
    key_check::verify(&db, &keys, clock.now()).await?;
    let keys = key_check::take_primary(&db, keys, clock.now()).await?;
    db.set_audit_key(keys.audit_key().expose_bytes());
    let keys = Arc::new(key_ring::KeyRing::new(source, keys));
    let sealed = audit::seal_unkeyed_chains(&db, clock.now()).await.map_err(|e| format!("audit: {e}"))?;
    if sealed > 0 {
        tracing::info!(chains = sealed, "the audit chains are keyed from here on (HMAC-SHA256 under the audit key)");
    }
    let token = service_token(cfg)?;
    let service_token_sha256: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    let telephony_token_sha256: [u8; 32] = Sha256::digest(telephony_token(cfg)?.as_bytes()).into();
    platform::ensure(&db, &cfg.settings, clock.now()).await.map_err(|e| format!("platform settings: {e}"))?;
    db.start_checkpointer();
    let settler = settle::Settler::start(db.clone());
    let ingest_writer = ingest::IngestWriter::start(db.clone(), keys.clone());
    let state = AppState(Arc::new(state::Inner {
        db,
        keys,
        clock,
        settings: cfg.settings.clone(),
        settler,
        ingest_writer,
        service_token_sha256,
        telephony_token_sha256,
        buyer_link_key: exposure::link::LinkKey::of_service_token(&token),
        login_throttle: login_throttle::LoginThrottle::default(),
        limits: limits::Limits::new(cfg.settings.bounds),
        sms: sms::gateway::Sms::new(sms_gateway(cfg)?),
    }));
    start_purger(&state);
    exposure::dashboard::refresh_period(&state, false).await.map_err(|e| format!("exposure sums: {:?}", e.code))?;
    exposure::flags::start(&state);
    start_key_watch(&state);
    if cfg.settings.sms_worker {
        sms::worker::start(&state);
    }
    if cfg.settings.retention_daily {
        retention::start(&state);
    }
    Ok(state)
}

/// The SMS gateway: the provider's endpoint if one is set, else the file sink in the data
/// directory.
fn sms_gateway(cfg: &Config) -> Result<Arc<dyn sms::gateway::SmsGateway>, String> {
    Ok(match &cfg.settings.sms_http_endpoint {
        Some(url) => Arc::new(sms::gateway::HttpGateway::new(url.clone())?),
        None => Arc::new(sms::gateway::FileSink::open(cfg.data_dir.join(SMS_SINK))),
    })
}

/// The file sink's name in the data directory.
pub const SMS_SINK: &str = "sms-sink.jsonl";

/// How often [`purge`] runs in each process.
pub const PURGE_EVERY: std::time::Duration = std::time::Duration::from_secs(10 * 60);

/// Delete ended sessions (past their end or idle too long), expired ISV tokens and ended
/// login locks, and release ended virtual-number bindings, in one write transaction.
pub async fn purge(state: &AppState) -> Result<store::sessions::Purged, sqlx::Error> {
    let mut tx = state.db.begin_write().await?;
    let purged = store::sessions::purge(&mut tx, state.now()).await?;
    // Virtual numbers whose binding ended go back to the pool.
    let days = store::vnum::days(&mut *tx).await?;
    store::vnum::release_ended(&mut tx, state.now(), days).await?;
    tx.commit().await?;
    Ok(purged)
}

/// Run [`purge`] every [`PURGE_EVERY`] from a task of its own, which ends with the state.
fn start_purger(state: &AppState) {
    let alive = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(PURGE_EVERY).await;
            let Some(inner) = alive.upgrade() else { break };
            match purge(&AppState(inner)).await {
                Ok(p) if p != store::sessions::Purged::default() => tracing::info!(?p, "purged ended sessions, tokens and login locks"),
                Ok(_) => {}
                Err(e) => tracing::warn!("purge: {e}"),
            }
        }
    });
}

/// Every [`key_ring::WATCH_EVERY`], reload the keys if the store's versions changed (a
/// rotation or a retirement by `orderveil keys`), from a task that ends with the state.
fn start_key_watch(state: &AppState) {
    let alive = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(key_ring::WATCH_EVERY).await;
            let Some(inner) = alive.upgrade() else { break };
            let state = AppState(inner);
            match state.keys.stale(&state.db).await {
                Ok(false) => {}
                Ok(true) => {
                    if let Err(e) = state.keys.reload(&state.db, state.now()).await {
                        tracing::error!("the store's master key versions changed and this process cannot follow: {e}");
                    }
                }
                Err(e) => tracing::warn!("key watch: {e}"),
            }
        }
    });
}

/// The HTTP API (no web app).
pub fn app(state: AppState) -> axum::Router {
    routes::router(state, None)
}

/// The HTTP API plus the web app in `web_dir` at `/`.
pub fn app_with_web(state: AppState, web_dir: Option<&Path>) -> axum::Router {
    routes::router(state, web_dir)
}

/// Serve `app` on `listener` (with `TCP_NODELAY`, see [`nodelay`]) and each connection's peer
/// address, which login throttling reads, until `shutdown` resolves.
pub async fn serve(listener: tokio::net::TcpListener, app: axum::Router, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
    axum::serve(nodelay(listener), app.into_make_service_with_connect_info::<std::net::SocketAddr>()).with_graceful_shutdown(shutdown).await
}

fn set_nodelay(io: &mut tokio::net::TcpStream) {
    if let Err(e) = io.set_nodelay(true) {
        tracing::debug!("TCP_NODELAY not set: {e}");
    }
}

/// The listener to serve on: every accepted connection gets `TCP_NODELAY`, so the last
/// segment of a response is sent at once instead of waiting for the client's ACK of the
/// previous one (Nagle's algorithm against delayed ACKs).
pub fn nodelay(listener: tokio::net::TcpListener) -> axum::serve::TapIo<tokio::net::TcpListener, fn(&mut tokio::net::TcpStream)> {
    use axum::serve::ListenerExt as _;
    listener.tap_io(set_nodelay as fn(&mut tokio::net::TcpStream))
}
