//! Server benchmarks over real HTTP against the real `orderveil` binary.
//!
//! ```text
//! cargo bench -p orderveil-server --bench server                 # SQLite and PostgreSQL
//! cargo bench -p orderveil-server --bench server -- --sqlite     # one store
//! cargo bench -p orderveil-server --bench server -- --list-1m    # also fill 1,000,000 orders and time the list page
//! ```
//!
//! For each store: ingest rate (HTTP, batches of 500, 4 in flight); then at concurrency 64
//! for 8 s each: the baseline `GET /api/v1/me` (session lookup, no work), 1-order grants
//! and 50-order grants (each a full quota transaction + audit + seal). Ratios are against
//! the baseline measured in the same run. PostgreSQL uses the server at 127.0.0.1:5432 and a
//! fresh database. The load generator shares the 2 cores with the server.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use orderveil_api::{IngestOrder, IngestRequest, RevealGrantRequest, SessionInfo};
use serde_json::json;

const TOKEN: &str = "ovs_bench_token";
const CONCURRENCY: usize = 64;
const SECS: u64 = 8;

struct Server {
    child: Child,
    base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// The child is killed and waited for in `Server::drop`.
#[allow(clippy::zombie_processes)]
fn start(data_dir: &std::path::Path, db_url: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_orderveil"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"]).arg(data_dir);
    cmd.args(["--service-token", TOKEN, "--quota-floor", "1000000000", "--risk-per-minute", "1000000000", "--risk-per-hour", "1000000000"]);
    if let Some(u) = db_url {
        cmd.args(["--database-url", u]);
    }
    cmd.env("ORDERVEIL_LOG", "warn").stdout(Stdio::piped()).stderr(Stdio::inherit());
    let mut child = cmd.spawn().expect("start orderveil");
    let out = child.stdout.take().unwrap();
    let mut line = String::new();
    let mut reader = BufReader::new(out);
    loop {
        line.clear();
        if reader.read_line(&mut line).unwrap() == 0 {
            panic!("server exited before listening");
        }
        if let Some(addr) = line.trim().strip_prefix("orderveil listening on ") {
            let base = addr.to_string();
            std::thread::spawn(move || for _ in reader.lines() {});
            return Server { child, base };
        }
    }
}

async fn client_login(base: &str, user: &str) -> (reqwest::Client, String) {
    let c = reqwest::Client::builder().cookie_store(true).pool_max_idle_per_host(256).build().unwrap();
    let s: SessionInfo = c.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": "demo1234"})).send().await.unwrap().json().await.unwrap();
    (c, s.csrf_token)
}

/// Run `f` from `CONCURRENCY` tasks for `SECS`; returns requests per second and p50/p99 ms.
async fn load<F, Fut>(f: F) -> (f64, f64, f64)
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let f = Arc::new(f);
    let counter = Arc::new(AtomicU64::new(0));
    let failures = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECS);
    let mut tasks = Vec::new();
    for _ in 0..CONCURRENCY {
        let (f, counter, failures) = (f.clone(), counter.clone(), failures.clone());
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let i = counter.fetch_add(1, Ordering::Relaxed);
                let t = Instant::now();
                if !f(i).await {
                    failures.fetch_add(1, Ordering::Relaxed);
                }
                lat.push(t.elapsed().as_secs_f64() * 1e3);
            }
            lat
        }));
    }
    let t = Instant::now();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let el = t.elapsed().as_secs_f64();
    assert_eq!(failures.load(Ordering::Relaxed), 0, "requests failed during the benchmark");
    all.sort_by(f64::total_cmp);
    let pct = |p: f64| all[((all.len() as f64 * p) as usize).min(all.len() - 1)];
    (all.len() as f64 / el, pct(0.5), pct(0.99))
}

async fn ingest_all(base: &str, orders: Vec<IngestOrder>) -> f64 {
    let c = reqwest::Client::new();
    let t = Instant::now();
    let n = orders.len();
    let mut batches: Vec<Vec<IngestOrder>> = orders.chunks(500).map(<[IngestOrder]>::to_vec).collect();
    let mut in_flight = tokio::task::JoinSet::new();
    while !batches.is_empty() || !in_flight.is_empty() {
        while in_flight.len() < 4 {
            let Some(b) = batches.pop() else { break };
            let (c, url) = (c.clone(), format!("{base}/api/v1/orders/ingest"));
            in_flight.spawn(async move {
                let r = c.post(url).bearer_auth(TOKEN).json(&IngestRequest { orders: b }).send().await.unwrap();
                assert!(r.status().is_success(), "ingest: {}", r.text().await.unwrap_or_default());
            });
        }
        if let Some(r) = in_flight.join_next().await {
            r.unwrap();
        }
    }
    n as f64 / t.elapsed().as_secs_f64()
}

fn client_public() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key())
}

async fn bench_store(name: &str, db_url: Option<String>, list_1m: bool) {
    let dir = tempfile::tempdir().unwrap();
    let server = start(dir.path(), db_url.as_deref());
    let base = server.base.clone();
    // Users and shops through the demo seeder's user part: log in needs them.
    seed_users(dir.path(), db_url.as_deref()).await;

    let now = time_now();
    let orders: Vec<IngestOrder> = orderveil_server::demo::orders(1, "shop1", 60_000, now)
        .into_iter()
        .map(|mut o| {
            o.status = orderveil_api::OrderStatus::AwaitingShipment;
            o.completed_at = None;
            o
        })
        .collect();
    let ids: Arc<Vec<String>> = Arc::new(orders.iter().map(|o| o.order_id.clone()).collect());
    let rate = ingest_all(&base, orders).await;
    println!("[{name}] ingest over HTTP (500/batch, 4 in flight): {rate:>9.0} orders/s   (target >= 20,000)");

    let (c, csrf) = client_login(&base, "shop1").await;
    let url_me = format!("{base}/api/v1/me");
    let cc = c.clone();
    let (me_rps, me50, me99) = load(move |_| {
        let (c, u) = (cc.clone(), url_me.clone());
        async move { c.get(u).send().await.is_ok_and(|r| r.status().is_success()) }
    })
    .await;
    println!("[{name}] baseline GET /api/v1/me        c=64: {me_rps:>8.0} req/s  p50 {me50:>6.2} ms  p99 {me99:>6.2} ms");

    let pk = client_public();
    for batch in [1usize, 50] {
        let (c, csrf, pk, ids, url) = (c.clone(), csrf.clone(), pk.clone(), ids.clone(), format!("{base}/api/v1/reveal-grants"));
        let (rps, p50, p99) = load(move |i| {
            let start = (i as usize * batch) % (ids.len() - batch);
            let req = RevealGrantRequest { order_ids: ids[start..start + batch].to_vec(), fields: vec!["name".into(), "phone".into(), "address".into()], client_public: pk.clone() };
            let (c, csrf, url) = (c.clone(), csrf.clone(), url.clone());
            async move {
                match c.post(url).header("x-csrf-token", csrf).json(&req).send().await {
                    Ok(r) if r.status().is_success() => true,
                    Ok(r) => {
                        eprintln!("grant failed: {} {}", r.status(), r.text().await.unwrap_or_default());
                        false
                    }
                    Err(e) => {
                        eprintln!("grant failed: {e}");
                        false
                    }
                }
            }
        })
        .await;
        let target = match (batch, name) {
            (1, "sqlite") => " (target >= 5,000)",
            (1, _) => " (target >= 3,000)",
            _ => "",
        };
        println!(
            "[{name}] {batch:>2}-order grants (3 fields)   c=64: {rps:>8.0} grants/s p50 {p50:>6.2} ms  p99 {p99:>6.2} ms  = {:.2} x baseline{target}",
            rps / me_rps
        );
    }

    if list_1m {
        fill_to_million(dir.path(), db_url.as_deref(), now).await;
        let mut lat = Vec::new();
        for i in 0..400u32 {
            let q = match i % 4 {
                0 => "page=1&per_page=50".to_string(),
                1 => "page=1&per_page=50&status=awaiting_shipment".to_string(),
                2 => format!("page={}&per_page=50", 2 + i % 20),
                _ => "page=1&per_page=20&status=shipped".to_string(),
            };
            let t = Instant::now();
            let r = c.get(format!("{base}/api/v1/orders?{q}")).send().await.unwrap();
            assert!(r.status().is_success());
            let _ = r.bytes().await.unwrap();
            lat.push(t.elapsed().as_secs_f64() * 1e3);
        }
        lat.sort_by(f64::total_cmp);
        println!(
            "[{name}] list page at 1,000,000 orders (400 requests): p50 {:.2} ms  p99 {:.2} ms   (target p99 <= 20 ms)",
            lat[200], lat[396]
        );
    }
    drop(server);
}

fn time_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

async fn open_state(data_dir: &std::path::Path, db_url: Option<&str>) -> orderveil_server::AppState {
    let cfg = orderveil_server::Config {
        data_dir: data_dir.to_path_buf(),
        database_url: db_url.map(str::to_string),
        service_token: Some(TOKEN.into()),
        settings: orderveil_server::Settings::default(),
    };
    orderveil_server::build_state(&cfg, Arc::new(orderveil_server::clock::SystemClock)).await.unwrap()
}

async fn seed_users(data_dir: &std::path::Path, db_url: Option<&str>) {
    let state = open_state(data_dir, db_url).await;
    orderveil_server::demo::seed_users(&state).await.unwrap();
}

/// Fill shop1 to 1,000,000 orders through the library ingest path (same code as the HTTP
/// handler, without JSON), 4 batches in flight.
async fn fill_to_million(data_dir: &std::path::Path, db_url: Option<&str>, now: i64) {
    let state = open_state(data_dir, db_url).await;
    let t = Instant::now();
    let have = 60_000usize;
    let total = 1_000_000usize;
    let mut next = have;
    while next < total {
        let n = (total - next).min(20_000);
        let mut orders = orderveil_server::demo::orders(1, "shop1", next + n, now);
        let orders: Vec<IngestOrder> = orders.drain(next..).collect();
        let mut set = tokio::task::JoinSet::new();
        for chunk in orders.chunks(500) {
            let (st, chunk) = (state.clone(), chunk.to_vec());
            set.spawn(async move { orderveil_server::ingest::ingest(&st, chunk, "bench").await.map(|_| ()).map_err(|e| format!("{e:?}")) });
            if set.len() >= 4 {
                set.join_next().await.unwrap().unwrap().unwrap();
            }
        }
        while let Some(r) = set.join_next().await {
            r.unwrap().unwrap();
        }
        next += n;
    }
    println!("  (filled to 1,000,000 orders in {:.0} s)", t.elapsed().as_secs_f64());
}

async fn pg_database() -> Option<(String, String)> {
    let admin = "postgres://postgres@127.0.0.1:5432/postgres";
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(admin).await.ok()?;
    let name = format!("ov_bench_{}", std::process::id());
    sqlx::query(&format!("DROP DATABASE IF EXISTS {name}")).execute(&pool).await.ok()?;
    sqlx::query(&format!("CREATE DATABASE {name}")).execute(&pool).await.ok()?;
    Some((name.clone(), format!("postgres://postgres@127.0.0.1:5432/{name}")))
}

async fn drop_pg(name: &str) {
    if let Ok(pool) = sqlx::AnyPool::connect("postgres://postgres@127.0.0.1:5432/postgres").await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&pool).await;
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if !args.iter().any(|a| a == "--bench") {
        println!("server bench: pass --bench (cargo bench) to run");
        return;
    }
    let only_sqlite = args.iter().any(|a| a == "--sqlite");
    let only_pg = args.iter().any(|a| a == "--postgres");
    let list_1m = args.iter().any(|a| a == "--list-1m");
    println!("OrderVeil server benchmark: real binary, real HTTP on loopback, concurrency {CONCURRENCY}, {SECS} s per figure, 2 cores shared with the load generator");
    if !only_pg {
        bench_store("sqlite", None, list_1m).await;
    }
    if !only_sqlite {
        match pg_database().await {
            Some((name, url)) => {
                bench_store("postgres", Some(url), list_1m).await;
                drop_pg(&name).await;
            }
            None => println!("[postgres] SKIPPED: no PostgreSQL at 127.0.0.1:5432"),
        }
    }
}
