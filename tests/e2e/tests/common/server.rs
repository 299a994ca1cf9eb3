//! The OrderVeil server in process on a loopback port: the demo users and a test's known
//! orders, serving the web build in `dist/`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use orderveil_api::{IngestOrder, Item, OrderStatus, ReceiverIn};
use orderveil_server::{Config, Settings, build_state, clock::SystemClock, demo, ingest};

use super::{NO_BROWSER, have_browser, skip_or_fail, workspace_root};

/// A running server; its data directory lives as long as this value.
pub struct Server {
    /// `http://127.0.0.1:PORT/` (with the slash).
    pub base: String,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    /// The server's state (its store, for a test's set-up).
    #[allow(dead_code)] // read by some of the test binaries that share this module
    pub state: orderveil_server::AppState,
    _dir: tempfile::TempDir,
}

/// What every known order of a test holds: one line of these goods.
pub struct Goods {
    pub title: &'static str,
    pub quantity: u32,
    pub price_cents: i64,
}

/// The goods of the web and staff tests.
pub const BEDDING: Goods = Goods { title: "全棉四件套 1.8m", quantity: 1, price_cents: 26_900 };

impl Goods {
    /// An order of these goods in `shop` for the receiver (name, phone, address), created at
    /// `created` (Unix seconds).
    pub fn order(&self, id: &str, shop: &str, status: OrderStatus, (name, phone, address): (&str, &str, &str), created: i64) -> IngestOrder {
        IngestOrder {
            order_id: id.into(),
            shop_id: shop.into(),
            status,
            created_at: orderveil_server::clock::rfc3339(created),
            completed_at: None,
            items: vec![Item { title: self.title.into(), quantity: self.quantity, price_cents: self.price_cents, sku: None }],
            amount_cents: i64::from(self.quantity) * self.price_cents,
            receiver: ReceiverIn { name: name.into(), phone: phone.into(), address: address.into() },
        }
    }
}

/// The creation time of the `i`-th (from 0) of orders a minute apart, the first a minute
/// before `now`.
pub fn minutes_ago(now: i64, i: usize) -> i64 {
    now - 60 * (i as i64 + 1)
}

/// `dist/`, or `None` (after [`skip_or_fail`]) if the browser or the web build is missing.
pub fn web_build() -> Option<PathBuf> {
    let dist = workspace_root().join("dist");
    if !have_browser() {
        skip_or_fail(NO_BROWSER);
        return None;
    }
    if !dist.join("index.html").exists() {
        skip_or_fail("no web build in dist/ (run `trunk build` or `cargo xtask test`)");
        return None;
    }
    Some(dist)
}

/// A server with `settings`, the demo users and the orders `orders(now)` (ingested as the
/// service "e2e"), serving `dist`.
pub async fn start(settings: Settings, dist: &Path, orders: impl FnOnce(i64) -> Vec<IngestOrder>) -> Server {
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config { data_dir: dir.path().to_path_buf(), database_url: None, service_token: Some("e2e".into()), key_file: None, settings };
    let state = build_state(&cfg, Arc::new(SystemClock)).await.unwrap();
    demo::seed_users(&state).await.unwrap();
    let now = orderveil_server::clock::Clock::now(&SystemClock);
    ingest::ingest(&state, orders(now), "e2e").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = orderveil_server::app_with_web(state.clone(), Some(dist));
    tokio::spawn(orderveil_server::serve(listener, app, std::future::pending()));
    Server { base: format!("http://{addr}/"), addr, state, _dir: dir }
}

/// [`start`] serving `dist/`, or `None` if the browser or the web build is missing (and not
/// in CI; see [`web_build`]).
pub async fn start_web(settings: Settings, orders: impl FnOnce(i64) -> Vec<IngestOrder>) -> Option<Server> {
    let dist = web_build()?;
    Some(start(settings, &dist, orders).await)
}
