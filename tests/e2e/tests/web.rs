//! The merchant web app in a real headless Chromium (via ChromeDriver) against a real server
//! on a real port, with the app that `trunk build` put in `dist/`.
//!
//! `cargo xtask test` builds `dist/` first. Without Chromium or `dist/`, under `CI=true` the
//! tests fail; otherwise they say loudly that they skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

mod common;

use common::http::{api_cookie, http};
use common::server::{BEDDING, Server, minutes_ago, start_web};
use common::wait::{EVERY, WITHIN, click, count, exact_text, field, login, login_any, until, wait_attr, wait_for, wait_gone, wait_text};
use common::{browser, screenshot, workspace_root};
use fantoccini::{Client, Locator, key::Key};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;

/// Receivers no demo generator produces, so finding one in the DOM means plaintext is there.
/// (order id, shop, status, name, phone, address)
const SECRETS: &[(&str, &str, OrderStatus, &str, &str, &str)] = &[
    ("E2E000000", "shop1", OrderStatus::AwaitingShipment, "端到端测试甲", "13912340001", "浙江省杭州市西湖区端到端测试路1号"),
    ("E2E000001", "shop1", OrderStatus::AwaitingShipment, "端到端测试乙", "13912340002", "北京市朝阳区端到端测试街2号"),
    ("E2E000002", "shop1", OrderStatus::Shipped, "端到端测试丙", "13912340003", "新疆维吾尔自治区乌鲁木齐市天山区端到端测试巷3号"),
    ("E2ECANCEL", "shop1", OrderStatus::Cancelled, "端到端取消丁", "13912340004", "上海市浦东新区端到端取消路4号"),
    ("E2EOTHER2", "shop2", OrderStatus::AwaitingShipment, "端到端他店戊", "13912340005", "四川省成都市武侯区端到端他店路5号"),
];

fn secret(id: &str) -> (&'static str, &'static str, &'static str) {
    let s = SECRETS.iter().find(|s| s.0 == id).unwrap();
    (s.3, s.4, s.5)
}

fn assert_no_plaintext(source: &str, ids: &[&str], when: &str) {
    for id in ids {
        let (n, p, a) = secret(id);
        assert!(!source.contains(n) && !source.contains(p) && !source.contains(a), "{when}: plaintext of {id} is in the DOM");
    }
}

/// A server with the demo users and the orders of `SECRETS`, serving `dist/`; or `None` if
/// the browser or the web build is missing (and not in CI).
async fn server(settings: Settings) -> Option<Server> {
    start_web(settings, |now| {
        SECRETS.iter().enumerate().map(|(i, &(id, shop, status, name, phone, address))| BEDDING.order(id, shop, status, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

async fn meter_used(c: &Client) -> String {
    wait_for(c, "#quota-meter").await.attr("data-used").await.unwrap().unwrap()
}

/// Reveal audit rows of shop1 (as its owner, over the API): (outcome, code, order ids).
async fn reveal_audit(s: &Server) -> Vec<(String, Option<String>, Vec<String>)> {
    let cookie = api_cookie(&s.addr, "shop1").await;
    let page = http(&s.addr, "GET", "/api/v1/audit?action=reveal&per_page=200", &[("Cookie", &cookie)], "").await;
    assert_eq!(page.status, 200, "{}", page.text());
    let v: serde_json::Value = serde_json::from_slice(&page.body).unwrap();
    v["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["outcome"].as_str().unwrap().to_string(),
                e["code"].as_str().map(str::to_string),
                e["order_ids"].as_array().unwrap().iter().map(|o| o.as_str().unwrap().to_string()).collect(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_sees_masked_orders_only_and_can_switch_language() {
    let Some(s) = server(Settings::default()).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;

    // Chinese by default; log in; the list shows masks and no plaintext anywhere in the DOM.
    login(&c, &s.base, "shop1").await;
    wait_text(&c, "header h1", "订单隐私保护").await;
    wait_text(&c, "#quota-meter", "0/10").await;
    let source = c.source().await.unwrap();
    assert_no_plaintext(&source, &SECRETS.iter().map(|s| s.0).collect::<Vec<_>>(), "before any reveal");
    assert!(source.contains("端**") || source.contains("端*"), "masked name missing");
    assert!(source.contains("139****0001"), "masked phone missing");
    assert!(source.contains("浙江省杭州市西湖区****"), "masked address missing");
    // Another shop's order is not in the list.
    assert!(!source.contains("E2EOTHER2") && !source.contains("139****0005"), "shop2's order listed for shop1");
    screenshot(&c, "e2e-orders-zh.png").await;

    // Search: by phone last 4, by full phone, by order id, by address fragment.
    c.find(Locator::Css("#search-by")).await.unwrap().select_by_value("phone_last4").await.unwrap();
    c.find(Locator::Css("#search-text")).await.unwrap().send_keys("0002").await.unwrap();
    click(&c, "#search-go").await;
    wait_for(&c, "#search-clear").await;
    wait_for(&c, "tr[data-order-id=\"E2E000001\"]").await;
    assert_eq!(count(&c, "table#orders tbody tr").await, 1, "last-4 search must find exactly one order");
    // Not four digits: refused in the page, with a message.
    c.find(Locator::Css("#search-text")).await.unwrap().clear().await.unwrap();
    c.find(Locator::Css("#search-text")).await.unwrap().send_keys("12a").await.unwrap();
    click(&c, "#search-go").await;
    wait_for(&c, "#search-error").await;
    for (by, text, want) in [("phone", "13912340003", "E2E000002"), ("order_id", "E2E000000", "E2E000000"), ("address", "乌鲁木齐", "E2E000002")] {
        c.find(Locator::Css("#search-by")).await.unwrap().select_by_value(by).await.unwrap();
        let input = c.find(Locator::Css("#search-text")).await.unwrap();
        input.clear().await.unwrap();
        input.send_keys(text).await.unwrap();
        click(&c, "#search-go").await;
        wait_for(&c, &format!("tr[data-order-id=\"{want}\"]")).await;
        until(WITHIN, EVERY, &format!("search {by}={text} did not narrow to {want}"), async || count(&c, "table#orders tbody tr").await == 1).await;
    }
    click(&c, "#search-clear").await;
    wait_for(&c, "tr[data-order-id=\"E2ECANCEL\"]").await;

    // English switch, remembered across a reload.
    c.find(Locator::Css("#lang-switch")).await.unwrap().click().await.unwrap();
    wait_text(&c, "header h1", "OrderVeil order privacy").await;
    c.refresh().await.unwrap();
    wait_for(&c, "table#orders tbody tr").await;
    wait_text(&c, "header h1", "OrderVeil order privacy").await;
    wait_text(&c, "#quota-meter", "Decryptions today").await;

    // The status filter narrows the list (no shop1 order is closed).
    let select = c.find(Locator::Css("#status-filter")).await.unwrap();
    select.select_by_value("closed").await.unwrap();
    wait_for(&c, "#orders-empty").await;

    // A phone-sized window: the page itself does not scroll sideways (the table scrolls in
    // its own box) and the eye is still there to press.
    select.select_by_value("").await.unwrap();
    wait_for(&c, "tr[data-order-id=\"E2E000000\"]").await;
    c.set_window_size(390, 844).await.unwrap();
    let overflow = c.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![]).await.unwrap();
    assert_eq!(overflow, serde_json::json!(0), "the page scrolls sideways at 390 px");
    click(&c, &field("E2E000002", "phone", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000002", "phone", ".plain")).await, secret("E2E000002").1);
    screenshot(&c, "e2e-orders-390-en.png").await;

    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eye_reveals_the_ingested_plaintext_then_removes_it_and_charges_each_order_once() {
    let Some(s) = server(Settings::default()).await else { return };

    // The pages carry the CSP and the cache headers; dist/ has no inline script.
    let index = std::fs::read_to_string(workspace_root().join("dist/index.html")).unwrap();
    let inline = index.match_indices("<script").filter(|(i, _)| !index[*i..].split('>').next().unwrap().contains("src=")).count();
    assert_eq!(inline, 0, "dist/index.html has an inline script:\n{index}");
    let root = http(&s.addr, "GET", "/", &[], "").await;
    assert_eq!(root.status, 200);
    let csp = root.header("content-security-policy").expect("CSP header on /");
    assert!(csp.contains("script-src 'self' 'wasm-unsafe-eval'") && !csp.contains("unsafe-inline") && !csp.contains("'unsafe-eval'"), "{csp}");
    assert_eq!(root.header("cache-control"), Some("no-cache"));
    let spa = http(&s.addr, "GET", "/orders/E2E000000", &[], "").await;
    assert!(spa.header("content-type").unwrap().starts_with("text/html") && spa.header("cache-control") == Some("no-cache"));
    assert!(spa.header("content-security-policy").is_some());
    let wasm = index.split("data-wasm=\"").nth(1).unwrap().split('"').next().unwrap();
    let asset = http(&s.addr, "GET", wasm, &[], "").await;
    assert_eq!(asset.status, 200, "{wasm}");
    assert_eq!(asset.header("content-type"), Some("application/wasm"));
    assert_eq!(asset.header("cache-control"), Some("public, max-age=31536000, immutable"), "{wasm}");
    // Static files go out gzipped to clients that accept it (same bytes once inflated);
    // API answers never do.
    let gz = http(&s.addr, "GET", wasm, &[("Accept-Encoding", "gzip")], "").await;
    assert_eq!((gz.status, gz.header("content-encoding")), (200, Some("gzip")), "{wasm}");
    let mut inflated = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(gz.body.as_slice()), &mut inflated).unwrap();
    assert!(inflated == asset.body && gz.body.len() * 2 < asset.body.len(), "gzip: {} of {} bytes", gz.body.len(), asset.body.len());
    let api = http(&s.addr, "GET", "/api/v1/me", &[("Accept-Encoding", "gzip")], "").await;
    assert_eq!(api.header("cache-control"), Some("no-store"));
    assert_eq!(api.header("content-encoding"), None);

    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    // Revealed values stay 6 s here instead of 30 (the query may only shorten it).
    login(&c, &format!("{}?reveal_secs=6", s.base), "shop1").await;
    wait_attr(&c, "#quota-meter", "data-used", "0").await;
    let all: Vec<&str> = SECRETS.iter().map(|s| s.0).collect();
    assert_no_plaintext(&c.source().await.unwrap(), &all, "before any reveal");

    // The page size is a remembered preference: choose 50, reload, still 50.
    c.find(Locator::Css("#per-page option[value='50']")).await.unwrap().click().await.unwrap();
    wait_for(&c, "table#orders tbody tr").await;
    let stored = c.execute("return localStorage.getItem('orderveil.per_page')", vec![]).await.unwrap();
    assert_eq!(stored.as_str(), Some("50"));
    c.refresh().await.unwrap();
    wait_for(&c, "table#orders tbody tr").await;
    let chosen = c.execute("return document.querySelector('#per-page').value", vec![]).await.unwrap();
    assert_eq!(chosen.as_str(), Some("50"));
    c.find(Locator::Css("#per-page option[value='20']")).await.unwrap().click().await.unwrap();
    wait_for(&c, "table#orders tbody tr").await;

    // The CSP is in force in the browser: an injected inline script does not run.
    let ran = c
        .execute("const s = document.createElement('script'); s.textContent = 'window.__inlineRan = true'; document.body.appendChild(s); return window.__inlineRan === true;", vec![])
        .await
        .unwrap();
    assert_eq!(ran, serde_json::json!(false), "an inline script ran despite the CSP");

    // One eye: exactly that field's plaintext, nothing else; one order charged.
    let (name0, phone0, addr0) = secret("E2E000000");
    click(&c, &field("E2E000000", "name", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000000", "name", ".plain")).await, name0);
    let countdown = exact_text(&c, &field("E2E000000", "name", ".countdown")).await;
    let secs: u32 = countdown.trim_end_matches('s').parse().unwrap_or_else(|_| panic!("countdown {countdown:?}"));
    assert!((1..=6).contains(&secs), "countdown {countdown}");
    wait_attr(&c, "#quota-meter", "data-used", "1").await;
    let source = c.source().await.unwrap();
    assert!(!source.contains(phone0) && !source.contains(addr0), "only the clicked field may be revealed");
    assert_no_plaintext(&source, &["E2E000001", "E2E000002", "E2ECANCEL", "E2EOTHER2"], "after one eye");

    // The same order's phone: revealed, and free (the meter does not move).
    click(&c, &field("E2E000000", "phone", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000000", "phone", ".plain")).await, phone0);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(meter_used(&c).await, "1", "a repeat reveal of the same order must not be charged");

    // After the timeout the plaintext is gone from the DOM and the masks are back.
    wait_gone(&c, ".field .plain", Duration::from_secs(15)).await;
    let source = c.source().await.unwrap();
    assert_no_plaintext(&source, &all, "after the timeout");
    assert!(source.contains("139****0001"), "mask did not come back");
    wait_for(&c, &field("E2E000000", "name", "button.eye")).await;

    // A whole row: all three fields of that order; charged once.
    let (name1, phone1, addr1) = secret("E2E000001");
    click(&c, "tr[data-order-id=\"E2E000001\"] button.reveal-row").await;
    assert_eq!(exact_text(&c, &field("E2E000001", "name", ".plain")).await, name1);
    assert_eq!(exact_text(&c, &field("E2E000001", "phone", ".plain")).await, phone1);
    assert_eq!(exact_text(&c, &field("E2E000001", "address", ".plain")).await, addr1);
    wait_attr(&c, "#quota-meter", "data-used", "2").await;
    screenshot(&c, "e2e-orders-revealed-zh.png").await;

    // The copy button: the real clipboard call succeeds ("已复制"), and what it is handed is
    // exactly the plaintext (checked through a stand-in, since headless Chromium may not read
    // the clipboard back).
    click(&c, &field("E2E000001", "phone", "button.copy")).await;
    wait_text(&c, &field("E2E000001", "phone", "button.copy"), "已复制").await;
    c.execute("window.__copied = []; navigator.clipboard.writeText = t => { window.__copied.push(t); return Promise.resolve(); };", vec![])
        .await
        .unwrap();
    click(&c, &field("E2E000001", "address", "button.copy")).await;
    wait_text(&c, &field("E2E000001", "address", "button.copy"), "已复制").await;
    let copied = c.execute("return window.__copied;", vec![]).await.unwrap();
    assert_eq!(copied, serde_json::json!([addr1]), "what the copy button put on the clipboard");
    // "Hide" removes the order's plaintext at once.
    click(&c, "tr[data-order-id=\"E2E000001\"] button.hide-row").await;
    wait_gone(&c, "tr[data-order-id=\"E2E000001\"] .plain", Duration::from_secs(5)).await;

    // Several rows with ONE batch grant: E2E000001 (already charged today, free) and E2E000002.
    click(&c, "tr[data-order-id=\"E2E000001\"] input.select-row").await;
    click(&c, "tr[data-order-id=\"E2E000002\"] input.select-row").await;
    wait_text(&c, "#reveal-selected", "(2)").await;
    click(&c, "#reveal-selected").await;
    let (name2, phone2, addr2) = secret("E2E000002");
    assert_eq!(exact_text(&c, &field("E2E000002", "name", ".plain")).await, name2);
    assert_eq!(exact_text(&c, &field("E2E000002", "phone", ".plain")).await, phone2);
    assert_eq!(exact_text(&c, &field("E2E000002", "address", ".plain")).await, addr2);
    assert_eq!(exact_text(&c, &field("E2E000001", "address", ".plain")).await, addr1);
    wait_attr(&c, "#quota-meter", "data-used", "3").await;
    let audit = reveal_audit(&s).await;
    let ok: Vec<_> = audit.iter().filter(|a| a.0 == "ok").collect();
    assert_eq!(ok.len(), 4, "four grants (name, phone, row, batch): {audit:?}");
    let mut batch = ok.iter().find(|a| a.2.len() == 2).expect("one grant covering both selected orders").2.clone();
    batch.sort();
    assert_eq!(batch, ["E2E000001", "E2E000002"]);
    assert_no_plaintext(&c.source().await.unwrap(), &["E2E000000", "E2ECANCEL", "E2EOTHER2"], "after the batch");
    // Nothing revealed went into the page's storage.
    let stored = c
        .execute("return JSON.stringify(Object.entries(localStorage)) + JSON.stringify(Object.entries(sessionStorage)) + document.cookie;", vec![])
        .await
        .unwrap();
    assert_no_plaintext(stored.as_str().unwrap(), &all, "in localStorage/sessionStorage/cookies");

    // A click changes nothing on screen until the answer: only an answer slower than 300 ms
    // brings the "decrypting…" note (and disables the batch button) until the plaintext is in.
    // The page's fetch is wrapped so the grant's answer comes 1.5 s late; the probe notes when
    // the click, the note and the plaintext happened.
    c.execute(
        r#"const t = window.__slow = {};
           document.addEventListener('click', () => { t.click = t.click || performance.now(); }, true);
           new MutationObserver(() => {
             const now = performance.now();
             if (!t.note && document.querySelector('#revealing')) { t.note = now; t.batchDisabled = document.querySelector('#reveal-selected').disabled; }
             if (!t.plain && document.querySelector('tr[data-order-id="E2E000000"] .field[data-field="name"] .plain')) { t.plain = now; t.noteAtPlain = !!document.querySelector('#revealing'); }
           }).observe(document.body, { childList: true, subtree: true, characterData: true });
           const real = window.fetch;
           window.fetch = (input, init) => {
             const answer = real.call(window, input, init);
             const url = typeof input === 'string' ? input : input.url;
             return url.includes('/reveal-grants') ? answer.then(r => new Promise(ok => setTimeout(() => ok(r), 1500))) : answer;
           };"#,
        vec![],
    )
    .await
    .unwrap();
    click(&c, &field("E2E000000", "name", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000000", "name", ".plain")).await, name0);
    wait_gone(&c, "#revealing", Duration::from_secs(5)).await;
    let t = c.execute("return window.__slow;", vec![]).await.unwrap();
    let at = |k: &str| t[k].as_f64().unwrap_or_else(|| panic!("{k} not seen: {t}"));
    assert!(at("note") - at("click") >= 290.0, "the note came before the answer was slow: {t}");
    assert!(at("note") < at("plain") && at("plain") - at("click") >= 1500.0, "{t}");
    assert_eq!((t["batchDisabled"].as_bool(), t["noteAtPlain"].as_bool()), (Some(true), Some(false)), "{t}");
    assert_eq!(meter_used(&c).await, "3", "a repeat reveal of a charged order is free");
    c.refresh().await.unwrap();
    wait_for(&c, "table#orders tbody tr").await;

    // A cancelled order: the state refusal, in Chinese, nothing revealed, nothing charged.
    click(&c, &field("E2ECANCEL", "name", "button.eye")).await;
    wait_attr(&c, "#reveal-notice", "data-code", "ORDER_STATE_FORBIDS_REVEAL").await;
    wait_text(&c, "#reveal-notice", "禁止查看收件人信息").await;
    assert_no_plaintext(&c.source().await.unwrap(), &["E2ECANCEL"], "after a refused reveal");
    assert_eq!(meter_used(&c).await, "3");

    // An order past retention (its key shredded): 信息已销毁 instead of the eye, the masks stay.
    let mut tx = s.state.db.begin_write().await.unwrap();
    orderveil_server::store::retention::shred(&mut tx, &["E2ECANCEL".to_string()]).await.unwrap();
    tx.commit().await.unwrap();
    c.refresh().await.unwrap();
    wait_text(&c, &field("E2ECANCEL", "name", ".shredded"), "信息已销毁").await;
    assert_eq!(count(&c, "tr[data-order-id=\"E2ECANCEL\"] button.eye").await, 0, "an eye on a shredded order");
    assert_eq!(count(&c, "tr[data-order-id=\"E2ECANCEL\"] button.reveal-row").await, 0);
    assert!(count(&c, &field("E2ECANCEL", "name", ".masked")).await == 1, "the mask stays");

    // One order by URL works; another shop's order cannot be reached by URL.
    c.goto(&format!("{}orders/E2E000000", s.base)).await.unwrap();
    wait_for(&c, "#order-detail").await;
    click(&c, "#order-detail .field[data-field=\"address\"] button.eye").await;
    assert_eq!(exact_text(&c, "#order-detail .field[data-field=\"address\"] .plain").await, addr0);
    wait_attr(&c, "#quota-meter", "data-used", "3").await;
    c.goto(&format!("{}orders/E2EOTHER2", s.base)).await.unwrap();
    wait_for(&c, "#order-not-found").await;
    let source = c.source().await.unwrap();
    assert_no_plaintext(&source, &["E2EOTHER2"], "another shop's order page");
    assert!(!source.contains("139****0005") && !source.contains("order-detail"), "another shop's order was shown");

    // The quota page: today's figures and the 30-day chart, reached from the nav.
    click(&c, "#nav-quota a").await;
    wait_for(&c, "#quota-figures").await;
    assert_eq!(exact_text(&c, "#quota-figures [data-key=\"used\"] dd").await, "3");
    assert_eq!(exact_text(&c, "#quota-figures [data-key=\"limit\"] dd").await, "10");
    assert_eq!(exact_text(&c, "#quota-figures [data-key=\"remaining\"] dd").await, "7");
    assert_eq!(exact_text(&c, "#quota-figures [data-key=\"floor\"] dd").await, "10");
    assert_eq!(count(&c, "#quota-chart rect.bar").await, 30);
    let bars = c.find_all(Locator::Css("#quota-chart rect.bar")).await.unwrap();
    assert_eq!(bars.last().unwrap().attr("data-used").await.unwrap().as_deref(), Some("3"), "today's bar");
    c.set_window_size(1280, 1100).await.unwrap();
    screenshot(&c, "e2e-quota-zh.png").await;
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exhausted_quota_shows_its_message_and_reveals_nothing() {
    // A limit of one order a day.
    let Some(s) = server(Settings { quota_floor: 1, quota_rate_bps: 0, ..Settings::default() }).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    // The query may shorten the 30 s a value stays, never lengthen it.
    login(&c, &format!("{}?reveal_secs=500", s.base), "shop1").await;
    wait_attr(&c, "#quota-meter", "data-limit", "1").await;

    click(&c, &field("E2E000000", "name", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000000", "name", ".plain")).await, secret("E2E000000").0);
    let countdown = exact_text(&c, &field("E2E000000", "name", ".countdown")).await;
    let secs: u32 = countdown.trim_end_matches('s').parse().unwrap_or_else(|_| panic!("countdown {countdown:?}"));
    assert!((20..=30).contains(&secs), "default reveal time must be 30 s: {countdown}");
    wait_attr(&c, "#quota-meter", "data-used", "1").await;
    assert!(wait_for(&c, "#quota-meter").await.attr("class").await.unwrap().unwrap().contains("red"), "meter must be red at 100 %");

    // A second order: refused with the quota message and the way to apply; nothing revealed.
    click(&c, "tr[data-order-id=\"E2E000001\"] button.reveal-row").await;
    wait_attr(&c, "#reveal-notice", "data-code", "QUOTA_EXHAUSTED").await;
    let msg = exact_text(&c, "#reveal-notice").await;
    assert!(msg.contains("今日解密额度已用完") && msg.contains("申请提额") && msg.contains("1/1"), "{msg}");
    assert_no_plaintext(&c.source().await.unwrap(), &["E2E000001"], "after QUOTA_EXHAUSTED");
    assert_eq!(meter_used(&c).await, "1");
    assert_eq!(count(&c, "tr[data-order-id=\"E2E000001\"] .plain").await, 0);

    // The order already charged today can still be shown (free).
    click(&c, &field("E2E000000", "phone", "button.eye")).await;
    assert_eq!(exact_text(&c, &field("E2E000000", "phone", ".plain")).await, secret("E2E000000").1);

    // In English too.
    click(&c, "#lang-switch").await;
    click(&c, "tr[data-order-id=\"E2E000002\"] button.reveal-row").await;
    wait_text(&c, "#reveal-notice", "quota is used up").await;
    wait_text(&c, "#reveal-notice", "applies to the platform for a raise").await;
    assert_no_plaintext(&c.source().await.unwrap(), &["E2E000001", "E2E000002"], "after QUOTA_EXHAUSTED (en)");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_without_reveal_sees_no_eye() {
    let Some(s) = server(Settings::default()).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1-staff").await;
    wait_for(&c, "tr[data-order-id=\"E2E000000\"]").await;
    wait_for(&c, "#quota-meter").await;
    assert!(c.source().await.unwrap().contains("139****0001"), "masks shown to staff");
    for css in ["button.eye", "button.reveal-row", "#reveal-selected", "input.select-row", "#select-all"] {
        assert_eq!(count(&c, css).await, 0, "{css} shown to a user without the reveal permission");
    }
    // Nor on an order's own page; and another shop's order is not found.
    c.goto(&format!("{}orders/E2E000001", s.base)).await.unwrap();
    wait_for(&c, "#order-detail").await;
    assert_eq!(count(&c, "button.eye").await, 0);
    c.goto(&format!("{}orders/E2EOTHER2", s.base)).await.unwrap();
    wait_for(&c, "#order-not-found").await;
    // The quota page's empty state: nothing revealed in 30 days.
    c.goto(&format!("{}quota", s.base)).await.unwrap();
    wait_for(&c, "#quota-history-empty").await;
    assert_eq!(exact_text(&c, "#quota-figures [data-key=\"used\"] dd").await, "0");

    // Role-aware navigation: a platform admin browses a shop's masked orders, never reveals;
    // a factory account gets its own console and no shop orders.
    click(&c, "#logout").await;
    wait_for(&c, "#username").await;
    login(&c, &s.base, "admin").await;
    wait_for(&c, "tr[data-order-id=\"E2E000000\"]").await;
    for css in ["button.eye", "button.reveal-row", "#reveal-selected", "#quota-meter"] {
        assert_eq!(count(&c, css).await, 0, "{css} shown to a platform admin");
    }
    wait_for(&c, "#nav-quota").await;
    click(&c, "#logout").await;
    wait_for(&c, "#username").await.send_keys("factory1").await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys("demo1234").await.unwrap();
    click(&c, "#login").await;
    // The factory console (a page load into the console bundle): its dropship orders, none yet.
    wait_for(&c, "#fo-page").await;
    wait_for(&c, "#fo-empty").await;
    wait_for(&c, "#nav-factory").await;
    assert_eq!(count(&c, "table#orders").await + count(&c, "#nav-quota").await, 0, "factory sees shop orders or quota");
    assert_eq!(count(&c, "button.eye").await, 0, "an eye in the factory console");
    // A shop's order page is not for a factory: its path shows the factory's list instead.
    c.goto(&format!("{}orders/E2E000001", s.base)).await.unwrap();
    wait_for(&c, "#fo-page").await;
    assert_eq!(count(&c, "#order-detail").await, 0, "a factory opens a shop's order page");
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cool_down_shows_the_time_left_and_reveals_nothing() {
    // Two reveal requests a minute, then a ten-minute cool-down.
    let Some(s) = server(Settings { risk_per_minute: 2, risk_cooldown_secs: 600, ..Settings::default() }).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1").await;
    for id in ["E2E000000", "E2E000001"] {
        click(&c, &field(id, "name", "button.eye")).await;
        assert_eq!(exact_text(&c, &field(id, "name", ".plain")).await, secret(id).0);
    }
    click(&c, &field("E2E000002", "name", "button.eye")).await;
    wait_attr(&c, "#reveal-notice", "data-code", "RISK_COOLDOWN").await;
    let msg = exact_text(&c, "#reveal-notice").await;
    // "…请在 9 分 59 秒后再试。" (or 10 分 0 秒): the time left from details.retry_after_secs.
    let left = msg.split("请在 ").nth(1).and_then(|t| t.split(" 后再试").next()).unwrap_or_else(|| panic!("{msg}"));
    let mins: i64 = left.split(" 分").next().unwrap().parse().unwrap_or_else(|_| panic!("{msg}"));
    let secs: i64 = left.split("分 ").nth(1).unwrap().trim_end_matches(" 秒").parse().unwrap_or_else(|_| panic!("{msg}"));
    assert!((540..=600).contains(&(mins * 60 + secs)), "{msg}");
    assert!(msg.contains("冷却"), "{msg}");
    assert_eq!(count(&c, &field("E2E000002", "name", ".plain")).await, 0);
    assert_no_plaintext(&c.source().await.unwrap(), &["E2E000002"], "after RISK_COOLDOWN");
    c.close().await.unwrap();
}

/// `GET path` as `user`: the JSON answer (must be 200).
async fn api_get(s: &Server, user: &str, path: &str) -> serde_json::Value {
    let cookie = api_cookie(&s.addr, user).await;
    let r = http(&s.addr, "GET", path, &[("Cookie", &cookie)], "").await;
    assert_eq!(r.status, 200, "GET {path} as {user}: {}", r.text());
    serde_json::from_slice(&r.body).unwrap()
}

/// The app's token endpoint for shop1 with the secret the page showed: status and code.
async fn app_token_status(s: &Server, app_id: &str, secret: &str) -> (u16, String) {
    let body = serde_json::json!({"grant_type": "client_credentials", "app_id": app_id, "app_secret": secret, "shop_id": "shop1"}).to_string();
    let r = http(&s.addr, "POST", "/api/v1/isv/token", &[("Content-Type", "application/json")], &body).await;
    let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap_or_default();
    (r.status, v["code"].as_str().unwrap_or_default().to_string())
}

/// shop1's authorizations of `app_id`, as its owner sees them over the API.
async fn shop1_authorizations(s: &Server, app_id: &str) -> Vec<serde_json::Value> {
    let all = api_get(s, "shop1", "/api/v1/isv-authorizations").await;
    all.as_array().unwrap().iter().filter(|a| a["app_id"] == app_id).cloned().collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_registers_an_app_and_the_owner_authorizes_and_revokes_it() {
    let Some(s) = server(Settings::default()).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;

    // The platform admin registers an app on the apps page. An origin with a path is refused
    // in the page, before anything is sent.
    login(&c, &s.base, "admin").await;
    wait_text(&c, "#nav-apps", "应用授权").await;
    click(&c, "#nav-apps a").await;
    wait_for(&c, "#apps-page[data-view=\"admin\"]").await;
    wait_for(&c, "#apps-empty").await;
    wait_for(&c, "#authorizations-empty").await;
    wait_for(&c, "#app-name").await.send_keys("端到端 ERP").await.unwrap();
    let origins = c.find(Locator::Css("#app-origins")).await.unwrap();
    origins.send_keys("https://erp.example.com\nhttps://erp.example.com/orders").await.unwrap();
    click(&c, "#app-register-submit").await;
    wait_text(&c, "#app-form-error", "第 2 行").await;
    wait_attr(&c, "#app-origins", "aria-invalid", "true").await;
    assert_eq!(api_get(&s, "admin", "/api/v1/isv-apps").await, serde_json::json!([]), "an invalid form reached the server");
    origins.clear().await.unwrap();
    origins.send_keys("https://erp.example.com\n\nhttp://127.0.0.1:8081").await.unwrap();
    click(&c, "#app-register-submit").await;

    // The id and the secret, once, with the warning and a working copy button.
    wait_for(&c, "#app-created").await;
    let app_id = exact_text(&c, "#created-app-id").await;
    let secret = exact_text(&c, "#created-app-secret").await;
    assert!(app_id.starts_with("app_") && secret.starts_with("ovas_"), "{app_id} {secret}");
    wait_text(&c, "#secret-warning", "保存好密钥，关闭后无法再次查看").await;
    wait_text(&c, "#apps-status", "已注册「端到端 ERP」").await;
    let app_row = format!("#isv-apps tr[data-app-id=\"{app_id}\"]");
    wait_text(&c, &app_row, "http://127.0.0.1:8081").await;
    assert_eq!(exact_text(&c, "#app-origins").await, "", "the form is cleared after a registration");
    c.execute("window.__copied = []; navigator.clipboard.writeText = t => { window.__copied.push(t); return Promise.resolve(); };", vec![])
        .await
        .unwrap();
    click(&c, "#copy-secret").await;
    wait_text(&c, "#copy-secret", "已复制").await;
    assert_eq!(c.execute("return window.__copied;", vec![]).await.unwrap(), serde_json::json!([secret.clone()]));
    screenshot(&c, "e2e-apps-admin-zh.png").await;
    click(&c, "#created-close").await;
    wait_gone(&c, "#app-created", Duration::from_secs(5)).await;
    assert!(!c.source().await.unwrap().contains(&secret), "the secret is still in the page after closing");
    let apps = api_get(&s, "admin", "/api/v1/isv-apps").await;
    assert_eq!(apps[0]["origins"], serde_json::json!(["http://127.0.0.1:8081", "https://erp.example.com"]), "{apps}");
    // The secret shown is the real one: the app is known, just not authorized by shop1 yet.
    assert_eq!(app_token_status(&s, &app_id, &secret).await, (403, "APP_NOT_AUTHORIZED".to_string()));
    click(&c, "#logout").await;
    wait_for(&c, "#username").await;

    // The shop owner sees the app, not authorized, with orders.read + reveal preselected.
    login(&c, &s.base, "shop1").await;
    click(&c, "#nav-apps a").await;
    wait_for(&c, "#apps-page[data-view=\"owner\"]").await;
    let state = format!("{app_row} td.auth-state");
    wait_attr(&c, &state, "data-state", "none").await;
    wait_text(&c, &state, "未授权").await;
    wait_text(&c, &app_row, "https://erp.example.com").await;
    wait_for(&c, "#authorizations-empty").await;
    for (scope, want) in [("orders.read", true), ("reveal", true), ("print", false), ("ship", false)] {
        let b = c.find(Locator::Css(&format!("{app_row} input.scope[data-scope=\"{scope}\"]"))).await.unwrap();
        assert_eq!(b.is_selected().await.unwrap(), want, "scope {scope} preselected");
    }
    // With `reveal`, the purposes it may reveal for: at least one (manual shipping preselected).
    let purpose_box = |p: &str| format!("{app_row} input.purpose[data-purpose=\"{p}\"]");
    assert!(wait_for(&c, &purpose_box("manual_shipping")).await.is_selected().await.unwrap(), "manual shipping not preselected");
    click(&c, &purpose_box("manual_shipping")).await;
    wait_for(&c, &format!("{app_row} .purpose-hint")).await;
    assert!(!wait_for(&c, &format!("{app_row} button.authorize")).await.is_enabled().await.unwrap(), "authorize with reveal and no purpose");
    click(&c, &purpose_box("after_sales")).await;
    click(&c, &purpose_box("manual_shipping")).await;
    wait_gone(&c, &format!("{app_row} .purpose-hint"), WITHIN).await;

    // Authorize: the row says so, and the server holds exactly those scopes and purposes.
    click(&c, &format!("{app_row} button.authorize")).await;
    wait_attr(&c, &state, "data-state", "live").await;
    wait_text(&c, &state, "已授权").await;
    wait_text(&c, &state, "查看订单、解密").await;
    wait_text(&c, "#apps-status", "已授权「端到端 ERP」").await;
    wait_attr(&c, &state, "data-scopes", "orders.read,reveal").await;
    let auths = shop1_authorizations(&s, &app_id).await;
    let live: Vec<_> = auths.iter().filter(|a| a["revoked_at"].is_null()).collect();
    assert_eq!(live.len(), 1, "{auths:?}");
    assert_eq!(live[0]["scopes"], serde_json::json!(["orders.read", "reveal"]), "{auths:?}");
    assert_eq!(live[0]["purposes"], serde_json::json!(["manual_shipping", "after_sales"]), "{auths:?}");
    let auth_id = live[0]["id"].as_i64().unwrap();
    wait_attr(&c, &format!("#isv-authorizations tr[data-authorization-id=\"{auth_id}\"]"), "data-state", "live").await;
    wait_attr(&c, &state, "data-purposes", "manual_shipping,after_sales").await;
    wait_text(&c, &format!("#isv-authorizations tr[data-authorization-id=\"{auth_id}\"] td.purposes"), "手工发货、售后处理").await;
    assert_eq!(app_token_status(&s, &app_id, &secret).await.0, 200, "the authorized app gets no token");

    // At phone width the page does not scroll sideways (the table scrolls in its box).
    c.set_window_size(390, 844).await.unwrap();
    let overflow = c.execute("return document.documentElement.scrollWidth - document.documentElement.clientWidth;", vec![]).await.unwrap();
    assert_eq!(overflow, serde_json::json!(0), "the apps page scrolls sideways at 390 px");
    screenshot(&c, "e2e-apps-owner-390-zh.png").await;
    c.set_window_size(1280, 900).await.unwrap();

    // Revoke asks first, and the question takes the keyboard focus; Escape or "cancel" keeps
    // the authorization and gives the focus back.
    let focused = |class: &'static str| {
        let c = c.clone();
        async move {
            let deadline = Instant::now() + Duration::from_secs(5);
            loop {
                let v = c.execute("return document.activeElement ? document.activeElement.className : '';", vec![]).await.unwrap();
                if v.as_str().is_some_and(|n| n.split(' ').any(|k| k == class)) {
                    return;
                }
                assert!(Instant::now() < deadline, "focus is on {v}, not .{class}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    };
    click(&c, &format!("{app_row} button.revoke")).await;
    wait_text(&c, &format!("{app_row} .confirm"), "确定撤销").await;
    focused("revoke-confirm").await;
    screenshot(&c, "e2e-apps-owner-confirm-zh.png").await;
    c.active_element().await.unwrap().send_keys(&Key::Escape.to_string()).await.unwrap();
    wait_gone(&c, &format!("{app_row} .confirm"), Duration::from_secs(5)).await;
    focused("revoke").await;
    click(&c, &format!("{app_row} button.revoke")).await;
    click(&c, &format!("{app_row} button.revoke-cancel")).await;
    wait_for(&c, &format!("{app_row} button.revoke")).await;
    assert_eq!(count(&c, &format!("{app_row} button.revoke-confirm")).await, 0);
    assert!(shop1_authorizations(&s, &app_id).await.iter().any(|a| a["revoked_at"].is_null()), "cancel revoked the app");
    // Confirmed: revoked in the page and on the server; the app's credentials stop working.
    click(&c, &format!("{app_row} button.revoke")).await;
    click(&c, &format!("{app_row} button.revoke-confirm")).await;
    wait_attr(&c, &state, "data-state", "revoked").await;
    wait_text(&c, &state, "已撤销").await;
    wait_text(&c, "#apps-status", "已撤销「端到端 ERP」的授权").await;
    assert_eq!(count(&c, &format!("{app_row} button.revoke")).await, 0, "a revoked row still offers revoke");
    wait_attr(&c, &format!("#isv-authorizations tr[data-authorization-id=\"{auth_id}\"]"), "data-state", "revoked").await;
    let auths = shop1_authorizations(&s, &app_id).await;
    assert_eq!(auths.len(), 1, "{auths:?}");
    assert_eq!(auths[0]["id"].as_i64(), Some(auth_id));
    assert!(auths[0]["revoked_at"].as_str().is_some_and(|t| !t.is_empty()), "not revoked: {auths:?}");
    assert_eq!(app_token_status(&s, &app_id, &secret).await, (403, "APP_NOT_AUTHORIZED".to_string()));
    screenshot(&c, "e2e-apps-owner-zh.png").await;

    // In English too.
    click(&c, "#lang-switch").await;
    wait_text(&c, "#nav-apps", "Apps").await;
    wait_text(&c, &state, "Revoked").await;
    click(&c, "#lang-switch").await;

    // Staff: no apps entry in the nav, and the page itself says it is not for them.
    click(&c, "#logout").await;
    wait_for(&c, "#username").await;
    login(&c, &s.base, "shop1-staff").await;
    wait_for(&c, "#nav-quota").await;
    assert_eq!(count(&c, "#nav-apps").await, 0, "shop1-staff sees the apps nav entry");
    c.goto(&format!("{}apps", s.base)).await.unwrap();
    wait_for(&c, "#apps-forbidden").await;
    assert_eq!(count(&c, "#nav-apps").await + count(&c, "#isv-apps").await + count(&c, "#app-register").await, 0);

    // A factory's owner authorizes the same app as its print software: `reveal` is not even
    // offered, orders.read + print + ship are preselected; the token is the factory's.
    click(&c, "#logout").await;
    wait_for(&c, "#username").await;
    login_any(&c, &s.base, "factory1").await;
    click(&c, "#nav-apps a").await;
    wait_for(&c, "#apps-page[data-view=\"factory\"]").await;
    wait_text(&c, "#apps-page", "它不能解密").await;
    wait_attr(&c, &state, "data-state", "none").await;
    assert_eq!(count(&c, &format!("{app_row} input.scope[data-scope=\"reveal\"]")).await, 0, "a factory is offered reveal");
    for scope in ["orders.read", "print", "ship"] {
        let b = c.find(Locator::Css(&format!("{app_row} input.scope[data-scope=\"{scope}\"]"))).await.unwrap();
        assert!(b.is_selected().await.unwrap(), "scope {scope} preselected for a factory");
    }
    click(&c, &format!("{app_row} button.authorize")).await;
    wait_attr(&c, &state, "data-state", "live").await;
    wait_attr(&c, &state, "data-scopes", "orders.read,print,ship").await;
    let mine = api_get(&s, "factory1", "/api/v1/isv-authorizations").await;
    assert_eq!((mine[0]["factory_id"].as_str(), mine[0]["shop_id"].is_null(), mine[0]["app_id"].as_str()), (Some("factory1"), true, Some(app_id.as_str())), "{mine}");
    let body = serde_json::json!({"grant_type": "client_credentials", "app_id": app_id, "app_secret": secret, "factory_id": "factory1"}).to_string();
    let r = http(&s.addr, "POST", "/api/v1/isv/token", &[("Content-Type", "application/json")], &body).await;
    assert_eq!(r.status, 200, "the factory's app gets no token");
    screenshot(&c, "e2e-apps-factory-zh.png").await;
    // Its staff have no apps entry.
    click(&c, "#logout").await;
    wait_for(&c, "#username").await;
    login_any(&c, &s.base, "factory1-ops").await;
    wait_for(&c, "#nav-factory").await;
    assert_eq!(count(&c, "#nav-apps").await, 0, "factory staff see the apps nav entry");
    c.close().await.unwrap();
}
