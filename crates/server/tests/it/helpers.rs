//! The harness: a real server over real HTTP on `127.0.0.1:0`, on SQLite (a temporary data
//! directory) or PostgreSQL (a fresh `ov_it_<random>` database per test), seeded with the demo
//! users and a small known set of orders pushed through the real ingest endpoint.
//!
//! Like zero2prod's `spawn_app`: [`TestApp::spawn`] gives a running server with a
//! [`ManualClock`] the test moves; [`TestApp::login`] gives a cookie-jar client that sends the
//! session's CSRF token on every POST; [`TestApp::spawn_binary`] runs the real `orderveil`
//! binary on the same store (several processes, debug logs, `audit verify`).
//!
//! Logs of the in-process server go to stderr only under `TEST_LOG=1`.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::Path;
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_api::{AuditPage, IngestOrder, Item, OrderPage, OrderStatus, QuotaToday, ReceiverIn, SessionInfo, UserInfo};
use orderveil_cipher::{ClientSession, OpenedGrant, OrderId, SealedGrant, ShopId};
use orderveil_server::clock::{Clock as _, ManualClock, rfc3339};
use orderveil_server::{AppState, Config, Settings, demo};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use sqlx::Connection as _;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};

/// The order system's token in every test.
pub const SERVICE_TOKEN: &str = "ovs_it_service_token_4f1c9a";
/// Password of every demo user.
pub const PASSWORD: &str = demo::PASSWORD;
/// Where every manual clock starts: 2026-11-28T14:00:00Z = 22:00 in Asia/Shanghai, two hours
/// before the quota day ends (the day boundary is 16:00 UTC).
pub const START: i64 = 1_795_874_400;
/// One day.
pub const DAY: i64 = 86_400;

/// The store a scenario runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// SQLite in a temporary data directory.
    Sqlite,
    /// A fresh database on the PostgreSQL server.
    Postgres,
}

/// The settings of most tests: DESIGN.md's quota rule, and risk and search limits far out of
/// the way (the risk and search tests set their own). Sessions outlive the clock jumps the
/// tests make (idle ones too, until an admin saves the settings: the console allows 12 h).
pub fn test_settings() -> Settings {
    Settings {
        risk_per_minute: 10_000,
        risk_per_hour: 100_000,
        shop_risk_per_minute: 100_000,
        shop_risk_per_hour: 1_000_000,
        search_per_minute: 10_000,
        search_budget_floor: 1_000_000,
        session_ttl_secs: 400 * DAY,
        session_idle_secs: 400 * DAY,
        // The tests move the clock by months; they run the retention themselves.
        retention_daily: false,
        ..Settings::default()
    }
}

/// The purpose the helpers' reveals name.
pub const PURPOSE: &str = "manual_shipping";

fn init_test_log() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            let _ = tracing_subscriber::fmt().with_env_filter("debug,sqlx=warn").with_test_writer().try_init();
        }
    });
}

// ---------------------------------------------------------------------------------------
// PostgreSQL

/// The maintenance database the tests connect to (override with `ORDERVEIL_TEST_PG_URL`).
pub fn pg_admin_url() -> String {
    std::env::var("ORDERVEIL_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v.eq_ignore_ascii_case("true") || v == "1")
}

/// Is PostgreSQL there? Under `CI=true` a missing server fails the test; elsewhere the test is
/// skipped with a loud line on stderr, never silently.
pub async fn postgres_ready() -> bool {
    let url = pg_admin_url();
    let reachable = matches!(
        tokio::time::timeout(Duration::from_secs(5), sqlx::postgres::PgConnection::connect(&url)).await,
        Ok(Ok(_))
    );
    if reachable {
        return true;
    }
    assert!(!is_ci(), "CI=true and no PostgreSQL at {url}: the PostgreSQL half of the suite cannot be skipped in CI");
    // Straight to the process's stderr: libtest captures `eprintln!` of passing tests, and a
    // skip must never be silent.
    let _ = writeln!(std::io::stderr(), "SKIPPED: no PostgreSQL at 127.0.0.1:5432 ({url}); start PostgreSQL to run this test");
    false
}

/// A database of its own, dropped (with its connections) when the guard goes.
pub struct PgDatabase {
    name: String,
    /// Its URL.
    pub url: String,
}

impl PgDatabase {
    pub async fn create() -> Self {
        let admin = pg_admin_url();
        let name = format!("ov_it_{:016x}", rand::random::<u64>());
        let mut c = sqlx::postgres::PgConnection::connect(&admin).await.unwrap();
        sqlx::query(&format!("CREATE DATABASE {name}")).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
        let (head, query) = admin.split_once('?').map_or((admin.as_str(), None), |(h, q)| (h, Some(q)));
        let (server, _) = head.rsplit_once('/').unwrap();
        let url = match query {
            Some(q) => format!("{server}/{name}?{q}"),
            None => format!("{server}/{name}"),
        };
        Self { name, url }
    }
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin, name) = (pg_admin_url(), self.name.clone());
        // Drop runs inside the test's runtime; do the async work on a thread of its own.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async {
                if let Ok(mut c) = sqlx::postgres::PgConnection::connect(&admin).await {
                    let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

// ---------------------------------------------------------------------------------------
// Orders

/// An order of `shop` created `created_ago` seconds before `now`, with one item.
pub fn order(id: &str, shop: &str, status: OrderStatus, now: i64, created_ago: i64, receiver: (&str, &str, &str)) -> IngestOrder {
    IngestOrder {
        order_id: id.into(),
        shop_id: shop.into(),
        status,
        created_at: rfc3339(now - created_ago),
        completed_at: (status == OrderStatus::Completed).then(|| rfc3339(now - created_ago / 2)),
        items: vec![Item { title: "北欧实木餐椅".into(), quantity: 1, price_cents: 32_900, sku: None }],
        amount_cents: 32_900,
        receiver: ReceiverIn { name: receiver.0.into(), phone: receiver.1.into(), address: receiver.2.into() },
    }
}

/// The same order, completed at `completed_at`.
pub fn completed_at(mut o: IngestOrder, completed_at: i64) -> IngestOrder {
    o.status = OrderStatus::Completed;
    o.completed_at = Some(rfc3339(completed_at));
    o
}

/// `n` realistic orders of `shop` (the demo generator: receivers, items, creation times over
/// the 30 days before `now`), with ids `<prefix>-0001…` and the given status.
pub fn realistic(shop: &str, prefix: &str, n: usize, now: i64, status: OrderStatus) -> Vec<IngestOrder> {
    let shop_no = u32::from(prefix.bytes().fold(7u8, u8::wrapping_add));
    demo::orders(shop_no, shop, n, now)
        .into_iter()
        .enumerate()
        .map(|(i, mut o)| {
            o.order_id = format!("{prefix}-{:04}", i + 1);
            o.status = status;
            o.completed_at = (status == OrderStatus::Completed).then(|| o.created_at.clone());
            o
        })
        .collect()
}

/// Receiver of `S1-AWAIT-1` in shop1 and of `S2-SAME-RECEIVER` in shop2: one buyer, two shops.
pub const SHARED_RECEIVER: (&str, &str, &str) = ("王小明", "13800138000", "浙江省杭州市西湖区文三路90号东部软件园3号楼");

/// The known orders every test starts with (created relative to [`START`]).
pub fn base_orders(now: i64) -> Vec<IngestOrder> {
    use OrderStatus::*;
    vec![
        order("S1-AWAIT-1", "shop1", AwaitingShipment, now, 2 * DAY, SHARED_RECEIVER),
        order("S1-AWAIT-2", "shop1", AwaitingShipment, now, DAY, ("欧阳娜娜", "13912340001", "上海市浦东新区张江路88弄5号1201室")),
        order("S1-SHIPPED", "shop1", Shipped, now, 3 * DAY, ("迪丽热巴·迪力木拉提", "15012345678", "新疆维吾尔自治区乌鲁木齐市天山区人民路12号")),
        order("S1-AFTERSALE", "shop1", AfterSale, now, 9 * DAY, ("李雷", "18688886666", "广东省深圳市南山区科技园路1号腾讯滨海大厦")),
        order("S1-DONE", "shop1", Completed, now, 6 * DAY, ("韩梅梅", "13698765432", "四川省成都市武侯区人民南路四段11号")),
        order("S1-UNPAID", "shop1", Unpaid, now, 3600, ("赵四", "13311112222", "北京市朝阳区建国路93号万达广场8号楼")),
        order("S1-CANCELLED", "shop1", Cancelled, now, 4 * DAY, ("钱五", "13322223333", "江苏省南京市鼓楼区中山路321号")),
        order("S1-CLOSED", "shop1", Closed, now, 5 * DAY, ("孙六", "13344445555", "湖北省武汉市洪山区珞喻路1037号")),
        order("S2-SAME-RECEIVER", "shop2", AwaitingShipment, now, DAY, SHARED_RECEIVER),
        order("S2-AWAIT-2", "shop2", AwaitingShipment, now, 2 * DAY, ("周杰", "15900001111", "福建省厦门市思明区环岛南路99号")),
        order("S3-AWAIT-1", "shop3", AwaitingShipment, now, DAY, ("吴敏", "17700002222", "陕西省西安市雁塔区小寨东路1号")),
    ]
}

/// Shop1's revealable orders in the base set.
pub const S1_REVEALABLE: [&str; 5] = ["S1-AWAIT-1", "S1-AWAIT-2", "S1-SHIPPED", "S1-AFTERSALE", "S1-DONE"];

// ---------------------------------------------------------------------------------------
// Responses

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// HTTP status.
    pub status: u16,
    /// The body as JSON (`Null` if it is not JSON).
    pub body: Value,
    /// The body as text.
    pub text: String,
}

impl Resp {
    async fn read(r: reqwest::Response) -> Self {
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Self { status, body, text }
    }

    /// Assert 200 and decode.
    #[track_caller]
    pub fn ok<T: DeserializeOwned>(&self) -> T {
        assert_eq!(self.status, 200, "expected 200, got {}: {}", self.status, self.text);
        serde_json::from_value(self.body.clone()).unwrap_or_else(|e| panic!("cannot decode {}: {e}", self.text))
    }

    /// Assert a coded error `{code, message, message_zh}` with this status and code; returns
    /// its `details` (`Null` if none).
    #[track_caller]
    pub fn err(&self, status: u16, code: &str) -> Value {
        assert_eq!((self.status, self.body["code"].as_str()), (status, Some(code)), "wrong refusal: {}", self.text);
        assert_error_body(&self.body);
        self.body.get("details").cloned().unwrap_or(Value::Null)
    }
}

/// Every error body has a code, an English message and a Chinese one.
#[track_caller]
pub fn assert_error_body(body: &Value) {
    let s = |k: &str| body[k].as_str().unwrap_or_else(|| panic!("error body lacks `{k}`: {body}")).to_string();
    let (code, en, zh) = (s("code"), s("message"), s("message_zh"));
    assert!(!code.is_empty() && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_'), "code {code:?}");
    assert!(!en.is_empty(), "empty English message: {body}");
    assert!(!zh.is_ascii(), "message_zh is not Chinese: {body}");
}

// ---------------------------------------------------------------------------------------
// The app

/// A running server on a store of its own.
pub struct TestApp {
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// The server's state (its pool serves the tests' SQL checks).
    pub state: AppState,
    /// The server's clock.
    pub clock: Arc<ManualClock>,
    /// Which store.
    pub store: Store,
    /// `None` for SQLite (the file in the data directory).
    pub database_url: Option<String>,
    /// Data directory: SQLite file, key file.
    pub data_dir: tempfile::TempDir,
    /// Plaintext receivers of every order the test ingested, by order id.
    ingested: Mutex<HashMap<String, ReceiverIn>>,
    server: tokio::task::JoinHandle<()>,
    // Last: the database goes after everything that uses it.
    _pg: Option<PgDatabase>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl TestApp {
    /// A server with [`test_settings`].
    pub async fn spawn(store: Store) -> Self {
        Self::spawn_with(store, test_settings()).await
    }

    /// A server with these settings, the demo users and [`base_orders`].
    pub async fn spawn_with(store: Store, settings: Settings) -> Self {
        init_test_log();
        let data_dir = tempfile::tempdir().unwrap();
        let pg = match store {
            Store::Sqlite => None,
            Store::Postgres => Some(PgDatabase::create().await),
        };
        let database_url = pg.as_ref().map(|p| p.url.clone());
        let cfg = Config { data_dir: data_dir.path().to_path_buf(), database_url: database_url.clone(), service_token: Some(SERVICE_TOKEN.into()), key_file: None, settings };
        let clock = ManualClock::new(START);
        let state = orderveil_server::build_state(&cfg, clock.clone()).await.unwrap();
        demo::seed_users(&state).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let router = orderveil_server::app(state.clone());
        let server = tokio::spawn(async move {
            orderveil_server::serve(listener, router, std::future::pending()).await.unwrap();
        });
        let app = Self {
            base,
            state,
            clock,
            store,
            database_url,
            data_dir,
            ingested: Mutex::new(HashMap::new()),
            server,
            _pg: pg,
        };
        let r = app.ingest_ok(&base_orders(START)).await;
        assert_eq!((r.created, r.existing), (11, 0));
        app
    }

    /// The server's now.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// `POST /api/v1/orders/ingest` with the service token.
    pub async fn ingest(&self, orders: &[IngestOrder]) -> Resp {
        let resp = ingest_at(&self.base, orders).await;
        if resp.status == 200 {
            let mut m = self.ingested.lock().unwrap();
            for o in orders {
                m.insert(o.order_id.clone(), o.receiver.clone());
            }
        }
        resp
    }

    /// Ingest in batches of 500, asserting success.
    pub async fn ingest_ok(&self, orders: &[IngestOrder]) -> orderveil_api::IngestResponse {
        let mut total = orderveil_api::IngestResponse { created: 0, existing: 0 };
        for chunk in orders.chunks(500) {
            let r: orderveil_api::IngestResponse = self.ingest(chunk).await.ok();
            total.created += r.created;
            total.existing += r.existing;
        }
        total
    }

    /// The plaintext receiver the test ingested for `order_id`.
    pub fn ingested(&self, order_id: &str) -> ReceiverIn {
        self.ingested.lock().unwrap().get(order_id).cloned().unwrap_or_else(|| panic!("{order_id} was not ingested"))
    }

    /// Log in as a demo user.
    pub async fn login(&self, user: &str) -> Client {
        Client::login(&self.base, user).await
    }

    /// Rows in `reveal_charges` of `shop` (all days).
    pub async fn charges(&self, shop: &str) -> i64 {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM reveal_charges WHERE shop_id = $1").bind(shop).fetch_one(&self.state.db.pool).await.unwrap();
        n
    }

    /// The platform admin changes the platform settings through the API: `change` edits the
    /// current ones; returns what the server stored.
    pub async fn set_platform(&self, change: impl FnOnce(&mut orderveil_api::PlatformSettingsUpdate)) -> orderveil_api::PlatformSettings {
        let admin = self.login("admin").await;
        let cur: orderveil_api::PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
        let mut up = orderveil_api::PlatformSettingsUpdate {
            quota_rate_bps: cur.quota_rate_bps,
            quota_floor: cur.quota_floor,
            risk_per_minute: cur.risk_per_minute,
            risk_per_hour: cur.risk_per_hour,
            shop_risk_per_minute: cur.shop_risk_per_minute,
            shop_risk_per_hour: cur.shop_risk_per_hour,
            risk_cooldown_secs: cur.risk_cooldown_secs,
            search_per_minute: cur.search_per_minute,
            search_budget_floor: cur.search_budget_floor,
            search_budget_factor: cur.search_budget_factor,
            session_idle_secs: None,
            retention_days: None,
            sms_per_order_day: None,
            sms_per_shop_day: None,
            virtual_number_days: None,
            expected_version: cur.version,
        };
        change(&mut up);
        admin.put("/api/v1/admin/settings", &serde_json::to_value(&up).unwrap()).await.ok()
    }

    /// Run the real binary on this app's store (same data directory, same database).
    pub async fn spawn_binary(&self, args: &[&str], env: &[(&str, &str)]) -> ServerProcess {
        ServerProcess::spawn(self.data_dir.path(), self.database_url.as_deref(), args, env).await
    }

    /// `orderveil` with `args` (a one-shot command such as `admin create`) on this app's store,
    /// `stdin` on its standard input: (exit success, stdout + stderr).
    pub async fn run_binary(&self, args: &[&str], stdin: &str) -> (bool, String) {
        run_orderveil(self.data_dir.path(), self.database_url.as_deref(), args, stdin).await
    }

    /// `orderveil audit verify` on this app's store: (exit success, stdout + stderr).
    pub async fn audit_verify(&self) -> (bool, String) {
        let mut cmd = binary();
        cmd.args(["audit", "verify", "--data-dir"]).arg(self.data_dir.path());
        if let Some(u) = &self.database_url {
            cmd.args(["--database-url", u]);
        }
        let out = cmd.output().await.unwrap();
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        (out.status.success(), text)
    }
}

/// `orderveil ARGS --data-dir D [--database-url U]` with `stdin` on its standard input:
/// (exit success, stdout + stderr).
pub async fn run_orderveil(data_dir: &Path, database_url: Option<&str>, args: &[&str], stdin: &str) -> (bool, String) {
    use tokio::io::AsyncWriteExt as _;
    let mut cmd = binary();
    cmd.args(args).arg("--data-dir").arg(data_dir);
    if let Some(u) = database_url {
        cmd.args(["--database-url", u]);
    }
    let mut child = cmd.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

/// `orderveil ARGS --data-dir D [--database-url U]`, not started: for a test that reads its
/// output as it runs or kills it midway.
pub fn orderveil_command(data_dir: &Path, database_url: Option<&str>, args: &[&str]) -> tokio::process::Command {
    let mut cmd = binary();
    cmd.args(args).arg("--data-dir").arg(data_dir);
    if let Some(u) = database_url {
        cmd.args(["--database-url", u]);
    }
    cmd
}

/// The `orderveil` binary with a clean `ORDERVEIL_*` environment (the key variables are kept:
/// the in-process server of the same test read them too).
fn binary() -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_orderveil"));
    for (k, _) in std::env::vars() {
        if k.starts_with("ORDERVEIL_") && k != "ORDERVEIL_MASTER_KEY" && k != "ORDERVEIL_INDEX_KEY" {
            cmd.env_remove(k);
        }
    }
    cmd.kill_on_drop(true);
    cmd
}

// ---------------------------------------------------------------------------------------
// The real binary

/// A running `orderveil serve` process; its stdout and stderr are captured.
pub struct ServerProcess {
    child: tokio::process::Child,
    /// `http://ADDR` from its `orderveil listening on` line.
    pub base: String,
    out: Arc<Mutex<String>>,
    err: Arc<Mutex<String>>,
    drains: Vec<tokio::task::JoinHandle<()>>,
}

impl ServerProcess {
    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().unwrap_or_default()
    }

    /// What it wrote to stdout so far.
    pub fn stdout(&self) -> String {
        self.out.lock().unwrap().clone()
    }

    /// `orderveil serve --listen 127.0.0.1:0 --data-dir D [--database-url U] --service-token T ARGS…`.
    pub async fn spawn(data_dir: &Path, database_url: Option<&str>, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut cmd = binary();
        cmd.args(["serve", "--listen", "127.0.0.1:0", "--service-token", SERVICE_TOKEN, "--data-dir"]).arg(data_dir);
        if let Some(u) = database_url {
            cmd.args(["--database-url", u]);
        }
        cmd.args(args).envs(env.iter().copied()).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        let (out, err) = (Arc::new(Mutex::new(String::new())), Arc::new(Mutex::new(String::new())));
        let mut stderr = child.stderr.take().unwrap();
        let err2 = err.clone();
        let err_drain = tokio::spawn(async move {
            let mut buf = Vec::new();
            let mut chunk = [0u8; 8192];
            while let Ok(n) = stderr.read(&mut chunk).await {
                if n == 0 {
                    break;
                }
                buf.extend_from_slice(&chunk[..n]);
                *err2.lock().unwrap() = String::from_utf8_lossy(&buf).into_owned();
            }
        });
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let base = loop {
            let line = tokio::time::timeout(Duration::from_secs(60), lines.next_line()).await.expect("no `listening` line within 60 s").unwrap();
            let Some(line) = line else {
                let _ = child.wait().await;
                let _ = err_drain.await;
                panic!("orderveil exited before listening; stderr:\n{}", err.lock().unwrap());
            };
            out.lock().unwrap().push_str(&format!("{line}\n"));
            if let Some(addr) = line.trim().strip_prefix("orderveil listening on ") {
                break addr.to_string();
            }
        };
        let out2 = out.clone();
        let out_drain = tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                out2.lock().unwrap().push_str(&format!("{line}\n"));
            }
        });
        Self { child, base, out, err, drains: vec![err_drain, out_drain] }
    }

    /// Log in as a demo user on this process.
    pub async fn login(&self, user: &str) -> Client {
        Client::login(&self.base, user).await
    }

    /// `kill -9`: the process dies at once, whatever it was doing.
    pub async fn kill9(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Send SIGTERM and wait (up to `within`) for the exit: whether it exited 0, and how long
    /// it took.
    pub async fn terminate(&mut self, within: Duration) -> (bool, Duration) {
        let t = std::time::Instant::now();
        let pid = self.pid().to_string();
        let sent = tokio::process::Command::new("kill").args(["-TERM", &pid]).status().await.unwrap();
        assert!(sent.success(), "kill -TERM {pid}");
        let status = tokio::time::timeout(within, self.child.wait()).await.expect("no exit after SIGTERM").unwrap();
        (status.success(), t.elapsed())
    }

    /// Stop the process; returns everything it wrote to (stdout, stderr).
    pub async fn stop(mut self) -> (String, String) {
        let _ = self.child.kill().await;
        for d in self.drains.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(10), d).await;
        }
        let out = self.out.lock().unwrap().clone();
        let err = self.err.lock().unwrap().clone();
        (out, err)
    }
}

/// `POST {base}/api/v1/orders/ingest` with the service token.
pub async fn ingest_at(base: &str, orders: &[IngestOrder]) -> Resp {
    let r = reqwest::Client::new()
        .post(format!("{base}/api/v1/orders/ingest"))
        .bearer_auth(SERVICE_TOKEN)
        .json(&json!({ "orders": orders }))
        .send()
        .await
        .unwrap();
    Resp::read(r).await
}

// ---------------------------------------------------------------------------------------
// Logging in by hand

/// `POST /api/v1/auth/login` with any password (and, if given, an `X-Forwarded-For`).
pub async fn try_login_from(app: &TestApp, user: &str, password: &str, forwarded_for: Option<&str>) -> (reqwest::Client, Resp) {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let mut req = http.post(format!("{}/api/v1/auth/login", app.base)).json(&json!({"username": user, "password": password}));
    if let Some(f) = forwarded_for {
        req = req.header("X-Forwarded-For", f);
    }
    let r = Resp::read(req.send().await.unwrap()).await;
    (http, r)
}

/// `POST /api/v1/auth/login` with any password.
pub async fn try_login(app: &TestApp, user: &str, password: &str) -> (reqwest::Client, Resp) {
    try_login_from(app, user, password, None).await
}

/// Log in with a password of the test's choosing.
pub async fn login_with(app: &TestApp, user: &str, password: &str) -> Client {
    let (http, r) = try_login(app, user, password).await;
    let s: SessionInfo = r.ok();
    Client { http, base: app.base.clone(), csrf: s.csrf_token, user: s.user }
}

/// Fail logins of `user` until the name is locked, moving the clock over each delay the
/// server asks for. Returns how many attempts were answered `INVALID_CREDENTIALS`.
pub async fn lock_out(app: &TestApp, user: &str) -> u32 {
    let mut failures = 0;
    for _ in 0..60 {
        let (_, r) = try_login(app, user, "wrong-password-1").await;
        match r.status {
            401 => {
                r.err(401, "INVALID_CREDENTIALS");
                failures += 1;
            }
            429 => {
                let d = r.err(429, "LOGIN_LOCKED");
                if d["locked"] == json!(true) {
                    return failures;
                }
                app.clock.advance(d["retry_after_secs"].as_i64().unwrap());
            }
            _ => panic!("login of {user}: {}", r.text),
        }
    }
    panic!("{user} was never locked");
}

// ---------------------------------------------------------------------------------------
// The client

/// A logged-in user: cookie jar, and the session's CSRF token sent as `X-CSRF-Token`.
pub struct Client {
    /// The raw client (with the session cookie) for requests the helpers do not make.
    pub http: reqwest::Client,
    /// `http://ADDR`.
    pub base: String,
    /// The session's CSRF token.
    pub csrf: String,
    /// Who.
    pub user: UserInfo,
}

impl Client {
    /// `POST /api/v1/auth/login` with the demo password.
    pub async fn login(base: &str, user: &str) -> Self {
        Self::login_with(base, user, PASSWORD).await
    }

    /// `POST /api/v1/auth/login` with this password.
    pub async fn login_with(base: &str, user: &str, password: &str) -> Self {
        let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
        let r = http.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": password})).send().await.unwrap();
        let s: SessionInfo = Resp::read(r).await.ok();
        Self { http, base: base.into(), csrf: s.csrf_token, user: s.user }
    }

    /// The URL of `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// GET.
    pub async fn get(&self, path: &str) -> Resp {
        Resp::read(self.http.get(self.url(path)).send().await.unwrap()).await
    }

    /// POST JSON with the CSRF token.
    pub async fn post(&self, path: &str, body: &Value) -> Resp {
        Resp::read(self.http.post(self.url(path)).header("X-CSRF-Token", &self.csrf).json(body).send().await.unwrap()).await
    }

    /// PUT JSON with the CSRF token.
    pub async fn put(&self, path: &str, body: &Value) -> Resp {
        Resp::read(self.http.put(self.url(path)).header("X-CSRF-Token", &self.csrf).json(body).send().await.unwrap()).await
    }

    /// POST a raw body with the CSRF token and a JSON content type.
    pub async fn post_raw(&self, path: &str, body: impl Into<reqwest::Body>) -> Resp {
        let r = self.http.post(self.url(path)).header("X-CSRF-Token", &self.csrf).header("Content-Type", "application/json").body(body).send().await.unwrap();
        Resp::read(r).await
    }

    /// Ask for a grant with a fresh client key pair; the session opens the grant.
    pub async fn reveal(&self, ids: &[&str], fields: &[&str]) -> (ClientSession, Resp) {
        let session = ClientSession::new().unwrap();
        let r = self.reveal_with_key(ids, fields, &URL_SAFE_NO_PAD.encode(session.public_key())).await;
        (session, r)
    }

    /// Ask for a grant with this `client_public` text (purpose [`PURPOSE`]).
    pub async fn reveal_with_key(&self, ids: &[&str], fields: &[&str], client_public: &str) -> Resp {
        self.post("/api/v1/reveal-grants", &json!({"order_ids": ids, "fields": fields, "client_public": client_public, "purpose": PURPOSE})).await
    }

    /// Ask for a grant with a fresh key and this purpose (and note).
    pub async fn reveal_for(&self, ids: &[&str], purpose: Option<&str>, note: Option<&str>) -> Resp {
        let key = URL_SAFE_NO_PAD.encode(ClientSession::new().unwrap().public_key());
        self.post("/api/v1/reveal-grants", &json!({"order_ids": ids, "fields": ["phone"], "client_public": key, "purpose": purpose, "purpose_note": note})).await
    }

    /// Today's quota.
    pub async fn quota(&self) -> QuotaToday {
        let q: orderveil_api::QuotaResponse = self.get("/api/v1/quota").await.ok();
        q.today
    }

    /// `GET /api/v1/orders?QUERY`.
    pub async fn orders(&self, query: &str) -> OrderPage {
        self.get(&format!("/api/v1/orders?{query}")).await.ok()
    }

    /// Ids of `GET /api/v1/orders?QUERY` (first 200).
    pub async fn order_ids(&self, query: &str) -> Vec<String> {
        self.orders(&format!("per_page=200&{query}")).await.orders.into_iter().map(|o| o.order_id).collect()
    }

    /// `GET /api/v1/audit?QUERY`.
    pub async fn audit(&self, query: &str) -> AuditPage {
        self.get(&format!("/api/v1/audit?{query}")).await.ok()
    }
}

/// Open a grant response with the session that asked for it.
pub fn open(session: &mut ClientSession, resp: &Resp, shop: &str, now: i64) -> OpenedGrant {
    let r: orderveil_api::RevealGrantResponse = resp.ok();
    let sealed = SealedGrant::from_base64(&r.sealed_grant).unwrap();
    session.open(&sealed, &ShopId::new(shop).unwrap(), now).unwrap()
}

/// Decrypt one field ciphertext of an order with an opened grant.
pub fn decrypt(grant: &OpenedGrant, order_id: &str, ciphertext: &str) -> String {
    grant.decrypt(&OrderId::new(order_id).unwrap(), ciphertext).unwrap().to_string()
}

/// Percent-encode a query value (CJK text, `+`, spaces).
pub fn q(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Seconds until the next Asia/Shanghai midnight (16:00 UTC) of the real clock.
pub fn secs_to_real_midnight() -> i64 {
    let now = orderveil_server::clock::SystemClock.now();
    let into_day = (now + 8 * 3600).rem_euclid(DAY);
    DAY - into_day
}
