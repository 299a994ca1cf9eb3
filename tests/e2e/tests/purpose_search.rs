//! Issue 14 in real headless Chromium against a real server: the purpose of a reveal and the
//! metered receiver search, as the merchant meets them.
//!
//! * The purpose chosen in the header selector (next to the quota meter) goes with each reveal
//!   (one eye, and a batch of the selected orders) and is what 操作日志 shows and filters by;
//!   "other" without a note is refused in the page before anything is sent, and the choice
//!   stays for the tab's session.
//! * With a daily search budget of 3, three receiver searches (full phone, name, address) pass,
//!   a whole phone number is required, order-id and last-4 searches stay free, the fourth
//!   receiver search shows SEARCH_BUDGET_EXHAUSTED in Chinese and, after the switch, in
//!   English; the quota page shows 3 used of 3.
//! * Past the per-minute search limit, SEARCH_COOLDOWN shows with the time left.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::http::{api_cookie, http};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{EVERY, ORDER_ROWS, WITHIN, click, count, exact_text, field, login, type_into, until, wait_attr, wait_for, wait_gone, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::Value;

/// (order id, name, phone, address) of shop1, all awaiting shipment; none is a demo receiver.
const ORDERS: &[(&str, &str, &str, &str)] = &[
    ("PS0000001", "用途测试甲", "13712370001", "浙江省杭州市西湖区用途测试路1号"),
    ("PS0000002", "用途测试乙", "13712370002", "北京市朝阳区用途测试街2号"),
    ("PS0000003", "用途测试丙", "13712370003", "上海市浦东新区用途测试巷3号"),
    ("PS0000004", "用途测试丁", "13712370004", "四川省成都市武侯区用途测试道4号"),
];

const TOWEL: Goods = Goods { title: "纯棉毛巾 3 条装", quantity: 1, price_cents: 3_900 };

async fn server(settings: Settings) -> Option<Server> {
    start_web(settings, |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, name, phone, address))| TOWEL.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

/// `GET path` as shop1's owner: the JSON answer (must be 200).
async fn owner_get(s: &Server, path: &str) -> Value {
    let cookie = api_cookie(&s.addr, "shop1").await;
    let r = http(&s.addr, "GET", path, &[("Cookie", &cookie)], "").await;
    assert_eq!(r.status, 200, "GET {path}: {}", r.text());
    serde_json::from_slice(&r.body).unwrap()
}

/// Choose `purpose` in the header and wait until the selector says so.
async fn choose(c: &Client, purpose: &str) {
    wait_for(c, "#purpose-select").await.select_by_value(purpose).await.unwrap();
    wait_attr(c, "#purpose-picker", "data-purpose", purpose).await;
}

/// Reveal the `kind` of order `id` with its eye and wait for the plaintext.
async fn reveal(c: &Client, id: &str, kind: &str) {
    click(c, &field(id, kind, "button.eye")).await;
    let want = ORDERS.iter().find(|o| o.0 == id).map(|o| if kind == "name" { o.1 } else if kind == "phone" { o.2 } else { o.3 }).unwrap();
    wait_text(c, &field(id, kind, ".plain"), want).await;
}

/// The audit table's rows now: (action, purpose shown, order ids, purpose cell text).
async fn audit_rows(c: &Client) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for row in c.find_all(Locator::Css("#audit-table tbody tr")).await.unwrap() {
        let action = row.attr("data-action").await.unwrap().unwrap_or_default();
        let orders = row.attr("data-order-ids").await.unwrap().unwrap_or_default();
        let (purpose, text) = match row.find(Locator::Css("td.purpose")).await {
            Ok(td) => (td.attr("data-purpose").await.unwrap().unwrap_or_default(), td.text().await.unwrap()),
            Err(_) => (String::new(), String::new()),
        };
        out.push((action, purpose, orders, text));
    }
    out
}

/// Filter 操作日志 by `purpose` and wait until every row shown is a reveal for it; the rows.
async fn audit_for(c: &Client, purpose: &str) -> Vec<(String, String, String, String)> {
    wait_for(c, "#audit-purpose").await.select_by_value(purpose).await.unwrap();
    click(c, "#audit-apply").await;
    let mut rows = Vec::new();
    until(WITHIN, EVERY, &format!("the audit page never showed only the {purpose} reveals"), async || {
        rows = audit_rows(c).await;
        !rows.is_empty() && rows.iter().all(|r| r.0 == "reveal" && r.1 == purpose)
    })
    .await;
    rows
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_purpose_chosen_in_the_header_goes_with_each_reveal_into_the_audit_log() {
    let Some(s) = server(Settings::default()).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1").await;

    // The default is manual shipping; one eye reveals with it.
    wait_attr(&c, "#purpose-picker", "data-purpose", "manual_shipping").await;
    wait_text(&c, "#purpose-picker", "手工发货").await;
    assert_eq!(count(&c, "#purpose-note").await, 0, "a note is asked for without \"other\"");
    reveal(&c, "PS0000001", "name").await;

    // After-sales for the next one.
    choose(&c, "after_sales").await;
    reveal(&c, "PS0000002", "phone").await;

    // Other: a note is required, checked in the page, and may hold no phone number.
    choose(&c, "other").await;
    wait_attr(&c, "#purpose-problem", "data-problem", "note_required").await;
    click(&c, &field("PS0000003", "address", "button.eye")).await;
    wait_attr(&c, "#reveal-notice", "data-code", "PURPOSE_INVALID").await;
    wait_text(&c, "#reveal-notice", "用途说明").await;
    assert_eq!(count(&c, &field("PS0000003", "address", ".plain")).await, 0, "revealed without a note");
    type_into(&c, "#purpose-note", "回访 13800001111").await;
    wait_attr(&c, "#purpose-problem", "data-problem", "note_has_phone_number").await;
    type_into(&c, "#purpose-note", "补寄发票").await;
    wait_gone(&c, "#purpose-problem", WITHIN).await;
    reveal(&c, "PS0000003", "address").await;

    // The choice stays for the tab's session (a reload keeps it, note and all).
    c.refresh().await.unwrap();
    wait_for(&c, ORDER_ROWS).await;
    wait_attr(&c, "#purpose-picker", "data-purpose", "other").await;
    assert_eq!(wait_for(&c, "#purpose-note").await.prop("value").await.unwrap().as_deref(), Some("补寄发票"));

    // A batch of the selected orders goes with the purpose too.
    choose(&c, "customer_service").await;
    for id in ["PS0000001", "PS0000004"] {
        click(&c, &format!("tr[data-order-id=\"{id}\"] input.select-row")).await;
    }
    click(&c, "#reveal-selected").await;
    wait_text(&c, &field("PS0000004", "name", ".plain"), "用途测试丁").await;
    let _ = std::fs::write(screenshot_path("e2e-purpose-selector.png"), c.screenshot().await.unwrap());

    // 操作日志: each purpose filters to its reveals, each shown with its label.
    click(&c, "#nav-audit a").await;
    wait_for(&c, "#audit-table").await;
    let rows = audit_for(&c, "after_sales").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2, "PS0000002");
    assert!(rows[0].3.contains("售后处理"), "{rows:?}");
    let href = wait_for(&c, "#audit-export").await.attr("href").await.unwrap().unwrap();
    assert!(href.contains("purpose=after_sales"), "the CSV export ignores the purpose: {href}");
    let rows = audit_for(&c, "other").await;
    assert_eq!(rows.len(), 1, "the refused \"other\" without a note reached the server: {rows:?}");
    assert_eq!(rows[0].2, "PS0000003");
    assert!(rows[0].3.contains("其他") && rows[0].3.contains("补寄发票"), "{rows:?}");
    let rows = audit_for(&c, "customer_service").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2, "PS0000001 PS0000004");
    let rows = audit_for(&c, "manual_shipping").await;
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0].2, "PS0000001");
    assert!(rows[0].3.contains("手工发货"), "{rows:?}");
    // The label follows the language.
    click(&c, "#lang-switch").await;
    wait_text(&c, "#audit-table td.purpose", "Manual shipping").await;
    let _ = std::fs::write(screenshot_path("e2e-audit-purpose.png"), c.screenshot().await.unwrap());

    // The server holds the same: each reveal's audit row names the purpose it was sent with.
    let audit = owner_get(&s, "/api/v1/audit?action=reveal&per_page=200").await;
    let mut seen: Vec<(String, String, Option<String>)> = audit["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let ids: Vec<&str> = e["order_ids"].as_array().unwrap().iter().map(|o| o.as_str().unwrap()).collect();
            (ids.join(" "), e["details"]["purpose"].as_str().unwrap().to_string(), e["details"]["purpose_note"].as_str().map(str::to_string))
        })
        .collect();
    seen.sort();
    let want = [
        ("PS0000001", "manual_shipping", None),
        ("PS0000001 PS0000004", "customer_service", None),
        ("PS0000002", "after_sales", None),
        ("PS0000003", "other", Some("补寄发票")),
    ];
    let want: Vec<(String, String, Option<String>)> = want.iter().map(|(o, p, n)| (o.to_string(), p.to_string(), n.map(str::to_string))).collect();
    assert_eq!(seen, want);
    c.close().await.unwrap();
}

/// Search by `by` (`#search-by` value) for `text`.
async fn search(c: &Client, by: &str, text: &str) {
    wait_for(c, "#search-by").await.select_by_value(by).await.unwrap();
    type_into(c, "#search-text", text).await;
    click(c, "#search-go").await;
}

/// Search and wait until the list shows exactly the orders `ids`.
async fn search_finds(c: &Client, by: &str, text: &str, ids: &[&str]) {
    search(c, by, text).await;
    let mut shown = Vec::new();
    until(WITHIN, EVERY, &format!("searching {by} never showed {ids:?} (last: {shown:?})"), async || {
        if count(c, "#search-refused").await > 0 {
            panic!("the search was refused: {}", exact_text(c, "#search-refused").await);
        }
        shown.clear();
        for row in c.find_all(Locator::Css(ORDER_ROWS)).await.unwrap() {
            shown.push(row.attr("data-order-id").await.unwrap().unwrap_or_default());
        }
        shown == ids
    })
    .await;
}

/// Search and wait for the refusal with `code`; its text.
async fn search_refused(c: &Client, by: &str, text: &str, code: &str) -> String {
    search(c, by, text).await;
    wait_attr(c, "#search-refused", "data-code", code).await;
    assert_eq!(count(c, ORDER_ROWS).await, 0, "a refused search shows orders");
    exact_text(c, "#search-refused").await
}

/// The figure `key` of the quota page's receiver searches.
async fn search_figure(c: &Client, key: &str) -> String {
    wait_for(c, &format!("#search-figures .figure[data-key=\"{key}\"]")).await.attr("data-value").await.unwrap().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_search_past_the_budget_is_refused_in_zh_and_en_and_the_quota_page_counts_searches() {
    // Three receiver searches a day for the shop, whatever its reveal limit.
    let settings = Settings { search_budget_floor: 3, search_budget_factor: 0, ..Settings::default() };
    let Some(s) = server(settings).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1").await;

    // Nothing used yet.
    click(&c, "#nav-quota a").await;
    assert_eq!(search_figure(&c, "search_used").await, "0");
    assert_eq!(search_figure(&c, "search_budget").await, "3");
    click(&c, "#nav-orders a").await;
    wait_for(&c, ORDER_ROWS).await;

    // A phone search takes a whole number: the field says so; a partial one is refused (and not charged).
    wait_for(&c, "#search-by").await.select_by_value("phone").await.unwrap();
    wait_attr(&c, "#search-hint", "data-search-by", "phone").await;
    wait_text(&c, "#search-hint", "完整手机号").await;
    let msg = search_refused(&c, "phone", "1371237", "VALIDATION_FAILED").await;
    assert!(msg.contains("11 位") && msg.contains("尾号"), "{msg}");

    // Three receiver searches: a full phone, a name, an address fragment.
    search_finds(&c, "phone", "13712370001", &["PS0000001"]).await;
    search_finds(&c, "name", "测试乙", &["PS0000002"]).await;
    search_finds(&c, "address", "浦东新区", &["PS0000003"]).await;
    // Order id and last-4 searches are free.
    search_finds(&c, "order_id", "PS0000004", &["PS0000004"]).await;
    search_finds(&c, "phone_last4", "0004", &["PS0000004"]).await;

    // The fourth receiver search: the budget's refusal, in Chinese, then in English.
    let zh = search_refused(&c, "phone", "13712370002", "SEARCH_BUDGET_EXHAUSTED").await;
    assert!(zh.contains("收件人搜索次数已用完") && zh.contains("已用 3/3") && zh.contains("尾号"), "{zh}");
    let _ = std::fs::write(screenshot_path("e2e-search-budget-zh.png"), c.screenshot().await.unwrap());
    click(&c, "#lang-switch").await;
    wait_text(&c, "#search-refused", "used up").await;
    let en = exact_text(&c, "#search-refused").await;
    assert!(en.contains("receiver searches for today are used up") && en.contains("3/3 used") && en.contains("last-4"), "{en}");
    assert!(!en.contains("已用完"), "{en}");
    let _ = std::fs::write(screenshot_path("e2e-search-budget-en.png"), c.screenshot().await.unwrap());
    click(&c, "#lang-switch").await;
    wait_text(&c, "#search-refused", "已用完").await;

    // The way out: last-4 still finds the order.
    click(&c, "#search-refused-last4").await;
    wait_attr(&c, "#search-text", "placeholder", "手机尾号后 4 位").await;
    search_finds(&c, "phone_last4", "0002", &["PS0000002"]).await;

    // The quota page counts the three (the refused and the free ones cost nothing).
    click(&c, "#nav-quota a").await;
    assert_eq!(search_figure(&c, "search_used").await, "3");
    assert_eq!(search_figure(&c, "search_budget").await, "3");
    assert_eq!(search_figure(&c, "search_remaining").await, "0");
    wait_text(&c, "#search-explain", "订单号").await;
    let _ = std::fs::write(screenshot_path("e2e-quota-searches.png"), c.screenshot().await.unwrap());

    // 操作日志 shows the searches as counts, never the terms.
    click(&c, "#nav-audit a").await;
    type_into(&c, "#audit-action", "search").await;
    click(&c, "#audit-apply").await;
    wait_text(&c, "#audit-table tr[data-action=\"search\"] td.search-counts", "1 个搜索词").await;
    let page = c.source().await.unwrap();
    for term in ["13712370001", "测试乙", "浦东新区", "13712370002"] {
        assert!(!page.contains(term), "the audit page shows the search term {term}");
    }
    c.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receiver_searches_too_fast_cool_the_account_down() {
    let settings = Settings { search_per_minute: 2, risk_cooldown_secs: 600, ..Settings::default() };
    let Some(s) = server(settings).await else { return };
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1").await;
    search_finds(&c, "name", "测试甲", &["PS0000001"]).await;
    search_finds(&c, "name", "测试乙", &["PS0000002"]).await;
    let msg = search_refused(&c, "name", "测试丙", "SEARCH_COOLDOWN").await;
    // "…请在 9 分 59 秒后再试。" (or 10 分 0 秒), from details.retry_after_secs.
    let left = msg.split("请在 ").nth(1).and_then(|t| t.split(" 后再试").next()).unwrap_or_else(|| panic!("{msg}"));
    let mins: i64 = left.split(" 分").next().unwrap().parse().unwrap_or_else(|_| panic!("{msg}"));
    assert!((9..=10).contains(&mins), "{msg}");
    assert!(msg.contains("冷却"), "{msg}");
    // Searching again is read again, and still refused; order-id searches still work.
    click(&c, "#search-go").await;
    wait_attr(&c, "#search-refused", "data-code", "SEARCH_COOLDOWN").await;
    search_finds(&c, "order_id", "PS0000003", &["PS0000003"]).await;
    c.close().await.unwrap();
}
