//! `orderveil`: the OrderVeil server binary.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, Parser, Subcommand};
use orderveil_server::{Config, Settings, audit, build_state, clock::SystemClock, store::Db, demo};

// mimalloc instead of glibc malloc: a grant or an ingest batch allocates many small buffers
// across the runtime's and the SQLite driver's threads, where glibc's malloc/free took ~10 %
// of the server's CPU under load (perf; docs/benchmarks.md).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "orderveil", version, about = "OrderVeil: encrypted receiver data, masked orders, one-time reveal grants")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run the HTTP server.
    Serve(Box<ServeArgs>),
    /// Audit-trail tools.
    Audit {
        #[command(subcommand)]
        command: AuditCmd,
    },
    /// Platform admin accounts.
    Admin {
        #[command(subcommand)]
        command: AdminCmd,
    },
    /// Copy a SQLite store to a file while it serves (PostgreSQL: use pg_dump). The keys are
    /// never in the copy: back up the key file separately.
    Backup(BackupArgs),
    /// Master key rotation while servers run: status, rotate, rewrap, retire.
    Keys {
        #[command(subcommand)]
        command: KeysCmd,
    },
    /// Crypto-shredding of orders past the retention period (`serve` also runs it daily).
    Retention {
        #[command(subcommand)]
        command: RetentionCmd,
    },
}

#[derive(Subcommand)]
enum KeysCmd {
    /// The master key versions (store and key file) and the data keys under each.
    Status(StoreArgs),
    /// Add a master key version to the key file and make it the store's primary.
    Rotate(StoreArgs),
    /// Re-wrap the data keys of older versions under the primary, in resumable batches.
    Rewrap(RewrapArgs),
    /// Retire a version no data key uses: marked in the store, removed from the key file.
    Retire(RetireArgs),
}

#[derive(Args)]
struct RewrapArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// Data keys per transaction.
    #[arg(long, default_value_t = 1000)]
    batch: i64,
}

#[derive(Args)]
struct RetireArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The version to retire.
    #[arg(long)]
    version: u32,
}

#[derive(Subcommand)]
enum RetentionCmd {
    /// Drop the data keys of orders completed or cancelled longer ago than the platform's
    /// retention (days); print the counts.
    Run(StoreArgs),
}

#[derive(Args)]
struct BackupArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The file to write (must not exist).
    #[arg(long)]
    to: PathBuf,
}

#[derive(Subcommand)]
enum AdminCmd {
    /// Create a platform admin account. The password is read from `--password-file` (its first
    /// line), else from stdin (asked for without echo on a terminal).
    Create(AdminCreateArgs),
}

#[derive(Args)]
struct AdminCreateArgs {
    #[command(flatten)]
    store: StoreArgs,
    /// The admin's user name (`[a-z0-9_-]{3,32}`).
    #[arg(long)]
    username: String,
    /// A file whose first line is the password (keep it private; delete it afterwards).
    #[arg(long)]
    password_file: Option<PathBuf>,
}

#[derive(Subcommand)]
enum AuditCmd {
    /// Recompute every hash chain; exit 1 if any row was edited, inserted or deleted.
    Verify(StoreArgs),
}

#[derive(Args, Clone)]
struct StoreArgs {
    /// Data directory: SQLite database, master key file, service token.
    #[arg(long, env = "ORDERVEIL_DATA_DIR", default_value = "data")]
    data_dir: PathBuf,
    /// `postgres://…` to use PostgreSQL instead of the embedded SQLite.
    #[arg(long, env = "ORDERVEIL_DATABASE_URL")]
    database_url: Option<String>,
    /// The store's key file (mode 0600; default: `keys.json` in the data directory). Every
    /// process on one store must use the same keys; a new key file is made only for a new store.
    #[arg(long, env = "ORDERVEIL_KEY_FILE")]
    key_file: Option<PathBuf>,
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "ORDERVEIL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    store: StoreArgs,
    /// Directory of the Trunk-built web app served at `/` (default: `dist` if it exists).
    #[arg(long, env = "ORDERVEIL_WEB_DIR")]
    web_dir: Option<PathBuf>,
    /// Seed demo shops, users and orders (idempotent) and print the logins.
    #[arg(long, env = "ORDERVEIL_DEMO")]
    demo: bool,
    /// Token of the platform's order system for the ingest API (default: generated into the data directory).
    #[arg(long, env = "ORDERVEIL_SERVICE_TOKEN", hide_env_values = true)]
    service_token: Option<String>,
    /// Daily reveal rate of the last 30 days' orders. This and the next nine are the initial
    /// platform settings of a new store; afterwards the admin console (平台设置) changes them in
    /// the database and the stored values are in force.
    #[arg(long, env = "ORDERVEIL_QUOTA_RATE", default_value_t = 0.05)]
    quota_rate: f64,
    /// Minimum daily reveal limit.
    #[arg(long, env = "ORDERVEIL_QUOTA_FLOOR", default_value_t = 10)]
    quota_floor: u32,
    /// Orders revealed or printed per account per minute before a cool-down.
    #[arg(long, env = "ORDERVEIL_RISK_PER_MINUTE", default_value_t = 120)]
    risk_per_minute: u32,
    /// Orders revealed or printed per account per hour before a cool-down.
    #[arg(long, env = "ORDERVEIL_RISK_PER_HOUR", default_value_t = 1000)]
    risk_per_hour: u32,
    /// Orders revealed or printed by a whole shop per minute before the shop cools down.
    #[arg(long, env = "ORDERVEIL_SHOP_RISK_PER_MINUTE", default_value_t = 300)]
    shop_risk_per_minute: u32,
    /// Orders revealed or printed by a whole shop per hour before the shop cools down.
    #[arg(long, env = "ORDERVEIL_SHOP_RISK_PER_HOUR", default_value_t = 3000)]
    shop_risk_per_hour: u32,
    /// Receiver search terms per account per minute before a cool-down.
    #[arg(long, env = "ORDERVEIL_SEARCH_PER_MINUTE", default_value_t = 20)]
    search_per_minute: u32,
    /// A shop's daily search budget: max(this floor, factor × today's reveal limit).
    #[arg(long, env = "ORDERVEIL_SEARCH_BUDGET_FLOOR", default_value_t = 200)]
    search_budget_floor: u32,
    /// The search budget's factor on today's reveal limit.
    #[arg(long, env = "ORDERVEIL_SEARCH_BUDGET_FACTOR", default_value_t = 4)]
    search_budget_factor: u32,
    /// Cool-down length in minutes.
    #[arg(long, env = "ORDERVEIL_RISK_COOLDOWN_MINUTES", default_value_t = 30)]
    risk_cooldown_minutes: i64,
    /// Lifetime of a sealed grant in seconds.
    #[arg(long, env = "ORDERVEIL_GRANT_TTL_SECS", default_value_t = 60)]
    grant_ttl_secs: i64,
    /// The URL users reach OrderVeil at, e.g. `https://orders.example.com` behind a TLS proxy.
    /// When it is HTTPS, the session cookie is `Secure` and responses carry HSTS.
    #[arg(long, env = "ORDERVEIL_PUBLIC_URL")]
    public_url: Option<String>,
    /// The SMS provider's endpoint (`http://…`): messages are POSTed to it as JSON with an
    /// `Idempotency-Key`. Without it they go to `sms-sink.jsonl` in the data directory.
    #[arg(long, env = "ORDERVEIL_SMS_HTTP_ENDPOINT")]
    sms_http_endpoint: Option<String>,
    /// The telephony partner's token for virtual-number lookups; default: generated into
    /// `telephony-token` in the data directory.
    #[arg(long, env = "ORDERVEIL_TELEPHONY_TOKEN")]
    telephony_token: Option<String>,
    /// A reverse proxy (IP address) whose `X-Forwarded-For` names the client, for login
    /// throttling per address. Repeat for several; from no other peer is the header believed.
    #[arg(long = "trusted-proxy", env = "ORDERVEIL_TRUSTED_PROXIES", value_delimiter = ',')]
    trusted_proxies: Vec<std::net::IpAddr>,
    /// Requests answered at once; beyond it, 503 SERVER_BUSY with Retry-After (`/healthz` aside).
    #[arg(long, env = "ORDERVEIL_MAX_CONCURRENT_REQUESTS", default_value_t = 512)]
    max_concurrent_requests: usize,
    /// Seconds a request may take to answer before it is cut with 503 SERVER_BUSY.
    #[arg(long, env = "ORDERVEIL_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    request_timeout_secs: u64,
    /// Export downloads at once, over all shops (each holds a database connection).
    #[arg(long, env = "ORDERVEIL_MAX_EXPORTS", default_value_t = 8)]
    max_exports: usize,
    /// Export downloads at once of one shop.
    #[arg(long, env = "ORDERVEIL_MAX_EXPORTS_PER_SHOP", default_value_t = 2)]
    max_exports_per_shop: usize,
    /// Seconds a stop (SIGTERM, Ctrl-C) waits for the requests under way; downloads still
    /// streaming then are cut and their export jobs marked failed.
    #[arg(long, env = "ORDERVEIL_SHUTDOWN_GRACE_SECS", default_value_t = 30)]
    shutdown_grace_secs: u64,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("ORDERVEIL_LOG").unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into()))
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("orderveil: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("orderveil: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode, String> {
    match cli.command {
        Cmd::Serve(a) => serve(*a).await.map(|()| ExitCode::SUCCESS),
        Cmd::Admin { command: AdminCmd::Create(a) } => admin_create(a).await,
        Cmd::Backup(a) => backup(a).await,
        Cmd::Keys { command } => keys(command).await,
        Cmd::Retention { command: RetentionCmd::Run(s) } => {
            let cfg = Config { data_dir: s.data_dir, database_url: s.database_url, service_token: None, key_file: s.key_file, settings: Settings::default() };
            let state = build_state(&cfg, Arc::new(SystemClock)).await?;
            let r = orderveil_server::retention::run(&state).await.map_err(|e| format!("retention: {e}"))?;
            println!("retention: shredded the keys of {} orders of {} shops (completed or cancelled before {})", r.orders, r.shops, orderveil_server::clock::rfc3339(r.cutoff));
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Audit { command: AuditCmd::Verify(s) } => {
            let cfg = Config { data_dir: s.data_dir, database_url: s.database_url, service_token: None, key_file: s.key_file, settings: Settings::default() };
            let db = Db::connect(&cfg.database_url()).await.map_err(|e| e.to_string())?;
            // The keyed links need the audit key: the store's key file (or environment).
            let source = orderveil_server::keys::KeySource::of(&cfg.data_dir, cfg.key_file.as_deref());
            match orderveil_server::keys::KeyProvider::open(&source, false) {
                Ok(keys) => db.set_audit_key(keys.audit_key().expose_bytes()),
                Err(e) => eprintln!("audit verify: no keys ({e}); keyed rows cannot be checked"),
            }
            let r = audit::verify(&db).await.map_err(|e| e.to_string())?;
            println!("audit verify: {} chains, {} rows checked", r.chains, r.rows);
            if r.problems.is_empty() {
                println!("OK: every chain verifies");
                Ok(ExitCode::SUCCESS)
            } else {
                for p in &r.problems {
                    println!("PROBLEM: {p}");
                }
                println!("FAILED: {} problem(s)", r.problem_count);
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

/// The new admin's password: the first line of `file`, or of stdin (without echo on a terminal).
fn read_password(file: Option<&std::path::Path>) -> Result<String, String> {
    use std::io::IsTerminal as _;
    let line = match file {
        Some(f) => std::fs::read_to_string(f).map_err(|e| format!("{}: {e}", f.display()))?.lines().next().unwrap_or_default().to_string(),
        None if std::io::stdin().is_terminal() => rpassword::prompt_password("Password for the new admin: ").map_err(|e| e.to_string())?,
        None => {
            let mut l = String::new();
            std::io::stdin().read_line(&mut l).map_err(|e| e.to_string())?;
            l
        }
    };
    let password = line.trim_end_matches(['\r', '\n']).to_string();
    if password.is_empty() {
        return Err("no password given (stdin or --password-file)".into());
    }
    Ok(password)
}

/// The store (migrated) and the key source of `s`.
async fn open_store(s: &StoreArgs) -> Result<(Db, orderveil_server::keys::KeySource), String> {
    let cfg = Config { data_dir: s.data_dir.clone(), database_url: s.database_url.clone(), service_token: None, key_file: s.key_file.clone(), settings: Settings::default() };
    let db = Db::connect(&cfg.database_url()).await.map_err(|e| format!("database: {e}"))?;
    db.migrate().await.map_err(|e| format!("migration: {e}"))?;
    Ok((db, orderveil_server::keys::KeySource::of(&cfg.data_dir, cfg.key_file.as_deref())))
}

async fn keys(command: KeysCmd) -> Result<ExitCode, String> {
    use orderveil_server::rotation;
    let now = orderveil_server::clock::Clock::now(&SystemClock);
    match command {
        KeysCmd::Status(s) => {
            let (db, source) = open_store(&s).await?;
            let st = rotation::status(&db, &source).await?;
            println!("{:>7}  {:<10}  {:>12}  key source", "version", "state", "data keys");
            for v in &st.versions {
                println!("{:>7}  {:<10}  {:>12}  {}", v.version, v.state, v.data_keys, if v.in_key_source { "held" } else { "absent" });
            }
            println!("to re-wrap under the primary: {}", st.to_rewrap);
        }
        KeysCmd::Rotate(s) => {
            let (db, source) = open_store(&s).await?;
            let r = rotation::rotate(&db, &source, now).await?;
            println!("keys rotate: version {} is the primary (was {}); new data keys are wrapped under it.", r.to, r.from);
            println!("Next: `orderveil keys rewrap`, then `orderveil keys retire --version {}`.", r.from);
        }
        KeysCmd::Rewrap(a) => {
            let (db, source) = open_store(&a.store).await?;
            let t = std::time::Instant::now();
            let mut last: Option<std::time::Instant> = None;
            let r = rotation::rewrap(&db, &source, a.batch, now, |p| {
                // The first batch, then once a second, and the last.
                if last.is_none_or(|l| l.elapsed().as_millis() >= 1000) || p.done == p.total {
                    last = Some(std::time::Instant::now());
                    let pct = if p.total == 0 { 100.0 } else { p.done as f64 * 100.0 / p.total as f64 };
                    println!("keys rewrap: {} / {} ({pct:.1} %), {:.0} data keys/s", p.done, p.total, p.done as f64 / t.elapsed().as_secs_f64().max(1e-9));
                }
            })
            .await?;
            println!("keys rewrap: {} data keys re-wrapped under version {} in {:.1} s; {} left under other versions", r.rewrapped, r.to, t.elapsed().as_secs_f64(), r.remaining);
            if r.remaining > 0 {
                return Ok(ExitCode::FAILURE);
            }
        }
        KeysCmd::Retire(a) => {
            let (db, source) = open_store(&a.store).await?;
            rotation::retire(&db, &source, a.version, now).await?;
            println!("keys retire: version {} is retired and no longer in the key file", a.version);
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn backup(a: BackupArgs) -> Result<ExitCode, String> {
    let cfg = Config { data_dir: a.store.data_dir, database_url: a.store.database_url, service_token: None, key_file: None, settings: Settings::default() };
    let db = Db::connect(&cfg.database_url()).await.map_err(|e| e.to_string())?;
    if db.backend != orderveil_server::store::Backend::Sqlite {
        return Err("this store is PostgreSQL: back it up with pg_dump (see the README), and the key file separately".into());
    }
    if a.to.exists() {
        return Err(format!("{} exists; give a new file", a.to.display()));
    }
    let to = a.to.to_str().ok_or("the backup path is not UTF-8")?;
    let t = std::time::Instant::now();
    orderveil_server::store::backup::sqlite_copy(&db, to).await.map_err(|e| format!("backup: {e}"))?;
    let size = std::fs::metadata(&a.to).map(|m| m.len()).unwrap_or(0);
    println!("backup: {} ({size} bytes) in {:.1} s; the keys are not in it: back up the key file separately", a.to.display(), t.elapsed().as_secs_f64());
    Ok(ExitCode::SUCCESS)
}

async fn admin_create(a: AdminCreateArgs) -> Result<ExitCode, String> {
    let password = read_password(a.password_file.as_deref())?;
    let cfg = Config { data_dir: a.store.data_dir, database_url: a.store.database_url, service_token: None, key_file: a.store.key_file, settings: Settings::default() };
    let state = build_state(&cfg, Arc::new(SystemClock)).await?;
    match orderveil_server::admin::create_admin(&state, &a.username, password).await {
        Ok(id) => {
            println!("created platform admin {} (id {id})", a.username);
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            let body = e.code.body();
            eprintln!("orderveil: {} ({}): {} / {}", body.code, e.code.status(), body.message, body.message_zh);
            if let Some(d) = &e.details {
                eprintln!("  {d}");
            }
            Ok(ExitCode::FAILURE)
        }
    }
}

async fn serve(a: ServeArgs) -> Result<(), String> {
    if !(0.0..=1.0).contains(&a.quota_rate) {
        return Err("--quota-rate must be between 0 and 1".into());
    }
    if let Some(u) = &a.public_url {
        let lower = u.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || u.len() < 10 {
            return Err(format!("--public-url must be an http:// or https:// URL, not {u:?}"));
        }
    }
    let settings = Settings {
        quota_rate_bps: (a.quota_rate * 10_000.0).round() as u32,
        quota_floor: a.quota_floor,
        risk_per_minute: a.risk_per_minute,
        risk_per_hour: a.risk_per_hour,
        shop_risk_per_minute: a.shop_risk_per_minute,
        shop_risk_per_hour: a.shop_risk_per_hour,
        search_per_minute: a.search_per_minute,
        search_budget_floor: a.search_budget_floor,
        search_budget_factor: a.search_budget_factor,
        risk_cooldown_secs: a.risk_cooldown_minutes * 60,
        grant_ttl_secs: a.grant_ttl_secs,
        public_url: a.public_url.clone(),
        sms_http_endpoint: a.sms_http_endpoint.clone(),
        telephony_token: a.telephony_token.clone(),
        trusted_proxies: a.trusted_proxies.clone(),
        bounds: orderveil_server::settings::Bounds {
            max_requests: a.max_concurrent_requests,
            request_timeout: std::time::Duration::from_secs(a.request_timeout_secs.max(1)),
            max_exports: a.max_exports,
            max_exports_per_shop: a.max_exports_per_shop,
        },
        ..Settings::default()
    };
    let web = orderveil_server::web_dir(a.web_dir);
    let cfg = Config { data_dir: a.store.data_dir, database_url: a.store.database_url, service_token: a.service_token, key_file: a.store.key_file, settings };
    let state = build_state(&cfg, Arc::new(SystemClock)).await?;
    let listener = tokio::net::TcpListener::bind(a.listen).await.map_err(|e| format!("{}: {e}", a.listen))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    if a.demo {
        demo::seed(&state).await.map_err(|e| format!("demo seed: {e:?}"))?;
        let buyer = demo::buyer_link(&state).await.map_err(|e| format!("demo buyer link: {e:?}"))?;
        demo::print_banner(&addr, &orderveil_server::service_token(&cfg)?, buyer.as_deref());
    }
    if !a.demo && !orderveil_server::admin::has_admin(&state).await.map_err(|e| format!("{e:?}"))? {
        println!("  No platform admin yet. Create one (the password is read from stdin, or --password-file):");
        println!("    orderveil admin create --username NAME{}", store_flags(&cfg));
    }
    // Tests and scripts read this line to find the port when listening on port 0.
    println!("orderveil listening on http://{addr}");
    tracing::info!(%addr, backend = ?state.db.backend, "listening");
    match &web {
        Some(d) => tracing::info!(dir = %d.display(), "serving the web app at /"),
        None => tracing::warn!("no web app (build it with `trunk build --release`); serving the API only"),
    }
    // SIGTERM (a service manager, a container stop) or SIGINT (Ctrl-C): stop accepting, let the
    // requests under way finish (their reveal charges and ingest batches commit through the
    // queues before they answer), and exit 0 — after at most --shutdown-grace-secs.
    let grace = std::time::Duration::from_secs(a.shutdown_grace_secs);
    let stopping = std::sync::Arc::new(tokio::sync::Notify::new());
    let signalled = stopping.clone();
    let kept = state.clone();
    let server = orderveil_server::serve(listener, orderveil_server::app_with_web(state, web.as_deref()), async move {
        stop_signal().await;
        tracing::info!("stopping: no new connections; finishing the requests under way (at most {} s)", grace.as_secs());
        signalled.notify_one();
    });
    let served = tokio::select! {
        r = server => r.map_err(|e| e.to_string()),
        () = async { stopping.notified().await; tokio::time::sleep(grace).await } => {
            tracing::warn!("stopping: requests still under way after {} s are cut", grace.as_secs());
            Ok(())
        }
    };
    // Export downloads still streaming end with the process: their jobs say so.
    match orderveil_server::export::stream::mark_cut(&kept).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(jobs = n, "stopping: export downloads cut; their jobs are marked failed"),
        Err(e) => tracing::error!(code = ?e.code, "stopping: could not mark the cut export downloads"),
    }
    served
}

/// SIGTERM or SIGINT.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
            Err(e) => tracing::warn!("no SIGTERM handler ({e}); only Ctrl-C stops the server cleanly"),
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// The store flags that point `admin create` at the same store as this `serve`.
fn store_flags(cfg: &Config) -> String {
    match &cfg.database_url {
        Some(_) => " --database-url \"$ORDERVEIL_DATABASE_URL\"".into(),
        None => format!(" --data-dir {}", cfg.data_dir.display()),
    }
}
