//! Staff management and the audit page in a real headless Chromium: the shop owner creates a
//! staff account with `view` + `reveal`, the staff member (another browser profile) sees the
//! eye icons, the owner takes `reveal` away and after a reload the eyes are gone (and a grant
//! request of the same session is FORBIDDEN); the owner's audit page lists those events, says
//! the hash chain verifies, and its CSV link downloads them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod common;

use common::browser;
use fantoccini::{Client, Locator};
use orderveil_api::{IngestOrder, Item, OrderStatus, ReceiverIn};
use orderveil_server::{Config, Settings, build_state, clock::SystemClock, demo, ingest};

const STAFF: &str = "e2e-packer";
const STAFF_PASSWORD: &str = "packer-pass-1";

fn skip_or_fail(why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{why} (CI=true: browser tests may not be skipped)");
    }
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: browser end-to-end test: {why}\n");
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// A server with the demo users and two shop1 orders, serving `dist/`.
struct Server {
    base: String,
    addr: String,
    _dir: tempfile::TempDir,
}

async fn server() -> Option<Server> {
    let dist = workspace_root().join("dist");
    if !Path::new("/usr/bin/chromium").exists() || !Path::new("/usr/bin/chromedriver").exists() {
        skip_or_fail("no Chromium/ChromeDriver at /usr/bin");
        return None;
    }
    if !dist.join("index.html").exists() {
        skip_or_fail("no web build in dist/ (run `trunk build` or `cargo xtask test`)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = Config { data_dir: dir.path().to_path_buf(), database_url: None, service_token: Some("e2e".into()), settings: Settings::default() };
    let state = build_state(&cfg, Arc::new(SystemClock)).await.unwrap();
    demo::seed_users(&state).await.unwrap();
    let now = orderveil_server::clock::Clock::now(&SystemClock);
    let orders: Vec<IngestOrder> = [("E2ESTAFF1", "端到端员工甲", "13912349001"), ("E2ESTAFF2", "端到端员工乙", "13912349002")]
        .iter()
        .enumerate()
        .map(|(i, (id, name, phone))| IngestOrder {
            order_id: (*id).into(),
            shop_id: "shop1".into(),
            status: OrderStatus::AwaitingShipment,
            created_at: orderveil_server::clock::rfc3339(now - 60 * (i as i64 + 1)),
            completed_at: None,
            items: vec![Item { title: "全棉四件套 1.8m".into(), quantity: 1, price_cents: 26_900 }],
            amount_cents: 26_900,
            receiver: ReceiverIn { name: (*name).into(), phone: (*phone).into(), address: "浙江省杭州市西湖区端到端员工路1号".into() },
        })
        .collect();
    ingest::ingest(&state, orders, "e2e").await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let app = orderveil_server::app_with_web(state, Some(&dist));
    tokio::spawn(async move { axum::serve(listener, app).await });
    Some(Server { base: format!("http://{addr}/"), addr, _dir: dir })
}

/// A raw HTTP/1.0 exchange: status, headers (lower-case names), body.
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let (addr, method, path, body) = (addr.to_string(), method.to_string(), path.to_string(), body.to_string());
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in &headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        s.write_all(req.as_bytes()).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
        Reply { status, headers, body: buf[split + 4..].to_vec() }
    })
    .await
    .unwrap()
}

async fn wait_for(c: &Client, css: &str) -> fantoccini::elements::Element {
    c.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

async fn wait_attr(c: &Client, css: &str, attr: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.attr(attr).await.ok().flatten().as_deref() == Some(want)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css}[{attr}] never became {want:?}; page: {}", c.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn wait_text(c: &Client, css: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.text().await.is_ok_and(|t| t.contains(want))
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never showed {want:?}; page: {}", c.source().await.unwrap_or_default());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

async fn click(c: &Client, css: &str) {
    wait_for(c, css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

async fn login(c: &Client, url: &str, user: &str, password: &str) {
    c.goto(url).await.unwrap();
    wait_for(c, "#username").await.send_keys(user).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    wait_for(c, "table#orders tbody tr").await;
}

/// The browser's session cookie as a `Cookie` header value.
async fn session_cookie(c: &Client) -> String {
    let cookie = c.get_named_cookie("ov_session").await.unwrap();
    format!("ov_session={}", cookie.value())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_takes_reveal_away_and_the_audit_page_shows_it() {
    let Some(s) = server().await else { return };
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, owner) = browser(p1.path()).await;
    let (_d2, staff) = browser(p2.path()).await;

    // The owner creates the account with view + reveal on the staff page (员工).
    login(&owner, &s.base, "shop1", "demo1234").await;
    wait_text(&owner, "#nav-staff", "员工").await;
    click(&owner, "#nav-staff a").await;
    wait_for(&owner, "#staff-table").await;
    wait_for(&owner, "#staff-username").await.send_keys(STAFF).await.unwrap();
    owner.find(Locator::Css("#staff-password")).await.unwrap().send_keys(STAFF_PASSWORD).await.unwrap();
    assert!(wait_for(&owner, "#staff-create-form input.perm[data-perm=\"view\"]").await.is_selected().await.unwrap(), "view is preselected");
    click(&owner, "#staff-create-form input.perm[data-perm=\"reveal\"]").await;
    click(&owner, "#staff-create").await;
    wait_for(&owner, "#staff-status").await;
    let row = format!("#staff-table tr[data-username=\"{STAFF}\"]");
    wait_attr(&owner, &row, "data-perms", "view,reveal").await;
    wait_text(&owner, &row, "解密查看").await;

    // The staff member logs in and sees the eyes.
    login(&staff, &s.base, STAFF, STAFF_PASSWORD).await;
    wait_for(&staff, "tr[data-order-id=\"E2ESTAFF1\"] button.eye").await;
    assert!(count(&staff, "button.eye").await >= 2);

    // The owner takes `reveal` away.
    click(&owner, &format!("{row} input.perm[data-perm=\"reveal\"]")).await;
    click(&owner, &format!("{row} button.save-perms")).await;
    wait_attr(&owner, &row, "data-perms", "view").await;

    // The staff member reloads: no eyes; the same session's grant request is refused.
    staff.refresh().await.unwrap();
    wait_for(&staff, "tr[data-order-id=\"E2ESTAFF1\"]").await;
    assert_eq!(count(&staff, "button.eye").await, 0, "eye icons still shown without `reveal`");
    let cookie = session_cookie(&staff).await;
    let me = http(&s.addr, "GET", "/api/v1/me", &[("Cookie", &cookie)], "").await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
    let csrf = me["csrf_token"].as_str().unwrap();
    let grant = http(
        &s.addr,
        "POST",
        "/api/v1/reveal-grants",
        &[("Cookie", &cookie), ("X-CSRF-Token", csrf), ("Content-Type", "application/json")],
        r#"{"order_ids":["E2ESTAFF1"],"fields":["phone"],"client_public":"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"}"#,
    )
    .await;
    assert_eq!(grant.status, 403, "{}", grant.text());
    assert!(grant.text().contains("\"FORBIDDEN\""), "{}", grant.text());

    // The owner's audit page (操作日志): the staff events, the chain verifies.
    wait_text(&owner, "#nav-audit", "操作日志").await;
    click(&owner, "#nav-audit a").await;
    wait_attr(&owner, "#audit-chain", "data-state", "ok").await;
    wait_text(&owner, "#audit-chain", "哈希链校验通过").await;
    wait_for(&owner, "#audit-table tr[data-action=\"staff_create\"]").await;
    wait_for(&owner, "#audit-table tr[data-action=\"staff_update\"]").await;
    wait_text(&owner, "#audit-table", STAFF).await;

    // Filter by action; the export link carries the filter and downloads those rows.
    wait_for(&owner, "#audit-action").await.send_keys("staff_update").await.unwrap();
    click(&owner, "#audit-apply").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while count(&owner, "#audit-table tbody tr").await != count(&owner, "#audit-table tbody tr[data-action=\"staff_update\"]").await
        || count(&owner, "#audit-table tbody tr").await == 0
    {
        assert!(Instant::now() < deadline, "the action filter did not apply");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let href = wait_for(&owner, "#audit-export").await.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/api/v1/audit/export.csv?") && href.contains("action=staff_update"), "{href}");
    let cookie = session_cookie(&owner).await;
    let csv = http(&s.addr, "GET", &href, &[("Cookie", &cookie)], "").await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(&csv.body[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,chain,seq,at,actor,shop_id,action,outcome,code,order_ids,details,hash");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains(",staff_update,ok,") && lines[1].contains(STAFF), "{text}");
    // Unfiltered, the CSV has the creation too.
    let all = http(&s.addr, "GET", "/api/v1/audit/export.csv", &[("Cookie", &cookie)], "").await;
    assert!(all.text().contains(",staff_create,ok,") && all.text().contains(STAFF));

    owner.close().await.unwrap();
    staff.close().await.unwrap();
}
