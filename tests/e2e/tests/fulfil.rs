//! Fulfilment in real headless Chromium against a real server: a shipment file with bad rows
//! is refused as a whole on 批量发货 (every bad row listed with its line, field and code, and
//! nothing shipped), the corrected file ships both orders; an order is shipped by hand on its
//! detail page (a bad tracking number is refused with the carrier's format first); and the
//! order list exports its current filter as CSV, the progress reaching the total as the file
//! streams into the browser's downloads.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]


mod common;

use common::browser;
use common::http::{Session, api_login};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{login_any as login, type_into, wait_attr};
use common::wait::{EVERY, ORDER_ROWS, WITHIN, click, count, until, wait_for, wait_text};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::Value;

/// (order id, name, phone, address) of shop1, all awaiting shipment.
const ORDERS: &[(&str, &str, &str, &str)] = &[
    ("FU0000001", "发货测试甲", "13712370001", "浙江省杭州市西湖区发货测试路1号"),
    ("FU0000002", "发货测试乙", "13712370002", "北京市朝阳区发货测试街2号"),
    ("FU0000003", "发货测试丙", "13712370003", "上海市浦东新区发货测试巷3号"),
    ("FU0000004", "发货测试丁", "13712370004", "广东省深圳市南山区发货测试大道4号"),
    ("FU0000005", "发货测试戊", "13712370005", "四川省成都市武侯区发货测试街5号"),
];

const LAMP: Goods = Goods { title: "护眼台灯", quantity: 1, price_cents: 15_900 };

async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, name, phone, address))| LAMP.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}


/// `GET path` in the API session `s` as JSON (must answer 200).
async fn api_get(s: &Session, base: &str, path: &str) -> Value {
    let r = s.0.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200, "{path}");
    r.json().await.unwrap()
}

/// The order's status as the API tells it.
async fn status(s: &Session, base: &str, id: &str) -> String {
    api_get(s, base, &format!("/api/v1/orders/{id}")).await["status"].as_str().unwrap().to_string()
}

/// Choose `path` in the file input and upload it.
async fn upload(c: &Client, path: &std::path::Path) {
    wait_for(c, "#upload-file").await.send_keys(&path.display().to_string()).await.unwrap();
    click(c, "#upload-submit").await;
}

/// `POST /session/{id}/goog/cdp/execute`: a raw Chrome DevTools command.
#[derive(Debug)]
struct Cdp(&'static str, Value);

impl fantoccini::wd::WebDriverCompatibleCommand for Cdp {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }
    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (http::Method::POST, Some(serde_json::json!({ "cmd": self.0, "params": self.1 }).to_string()))
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_upload_lists_every_bad_row_and_applies_nothing_then_the_good_one_ships() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let owner = api_login(&base, "shop1").await;
    let (profile, files) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d, c) = browser(profile.path()).await;

    // 批量发货 is in the console bundle: a page load from the order list.
    login(&c, &s.base, "shop1").await;
    wait_text(&c, "#nav-shipments", "批量发货").await;
    click(&c, "#nav-shipments a").await;
    wait_for(&c, "#upload-file").await;
    assert_eq!(wait_for(&c, "#template-csv").await.attr("href").await.unwrap().as_deref(), Some("/api/v1/shipments/template.csv"));
    assert_eq!(wait_for(&c, "#template-xlsx").await.attr("href").await.unwrap().as_deref(), Some("/api/v1/shipments/template.xlsx"));
    wait_text(&c, "#upload-page", "任一行有误则全部不生效").await;

    // Line 2 is good, line 3 has a bad number, line 4 an unknown order: nothing applies.
    let bad = files.path().join("bad.csv");
    std::fs::write(&bad, "订单号,快递公司,运单号\nFU0000001,SF,SF1000000000001\nFU0000002,SF,SF123\nNOPE-404,顺丰速运,SF1000000000003\n").unwrap();
    upload(&c, &bad).await;
    wait_for(&c, "#upload-nothing-applied").await;
    let rows = "#upload-errors tbody tr";
    assert_eq!(count(&c, rows).await, 2, "{}", c.source().await.unwrap());
    let line3 = "#upload-errors tr[data-line=\"3\"][data-field=\"tracking_no\"][data-code=\"TRACKING_NUMBER_INVALID\"]";
    let line4 = "#upload-errors tr[data-line=\"4\"][data-field=\"order_id\"][data-code=\"ORDER_NOT_FOUND\"]";
    wait_text(&c, line3, "FU0000002").await;
    wait_text(&c, line3, "SF + 13 位数字").await;
    wait_text(&c, line4, "NOPE-404").await;
    assert_eq!(count(&c, "#upload-result").await, 0);
    assert_eq!(status(&owner, &base, "FU0000001").await, "awaiting_shipment", "the good row of a refused file shipped");
    assert_eq!(status(&owner, &base, "FU0000002").await, "awaiting_shipment");

    // The corrected file ships both.
    let good = files.path().join("good.csv");
    std::fs::write(&good, "订单号,快递公司,运单号\nFU0000001,SF,SF1000000000001\nFU0000002,顺丰,SF1000000000002\n").unwrap();
    c.goto(&format!("{base}/shipments/upload")).await.unwrap();
    upload(&c, &good).await;
    wait_attr(&c, "#upload-result", "data-applied", "2").await;
    wait_text(&c, "#upload-result", "已发货 2 单").await;
    assert_eq!(count(&c, "#upload-errors").await, 0);
    for id in ["FU0000001", "FU0000002"] {
        assert_eq!(status(&owner, &base, id).await, "shipped", "{id}");
    }
    let o = api_get(&owner, &base, "/api/v1/orders/FU0000002").await;
    assert_eq!(o["shipment"]["tracking_no"], "SF1000000000002");

    // The order list shows their tracking numbers.
    c.goto(&s.base).await.unwrap();
    wait_text(&c, "tr[data-order-id=\"FU0000001\"] .tracking-no", "SF1000000000001").await;
    assert_eq!(count(&c, "tr[data-order-id=\"FU0000003\"] .tracking-no").await, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_by_hand_refuses_a_bad_number_with_the_format_then_ships() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let owner = api_login(&base, "shop1").await;
    let profile = tempfile::tempdir().unwrap();
    let (_d, c) = browser(profile.path()).await;

    login(&c, &s.base, "shop1").await;
    c.goto(&format!("{base}/orders/FU0000003")).await.unwrap();
    wait_text(&c, "#order-status", "待发货").await;
    assert_eq!(count(&c, "#order-shipment").await, 0);
    wait_for(&c, "#ship-form").await;
    wait_text(&c, "#ship-carrier", "顺丰速运").await;
    wait_for(&c, "#ship-carrier").await.select_by_value("YTO").await.unwrap();
    wait_text(&c, "#ship-format", "YT + 13 位数字").await;
    wait_for(&c, "#ship-carrier").await.select_by_value("SF").await.unwrap();
    wait_text(&c, "#ship-format", "SF + 13 位数字").await;

    // A bad number: refused with the carrier's format; nothing shipped.
    type_into(&c, "#ship-tracking", "SF123").await;
    click(&c, "#ship-submit").await;
    wait_attr(&c, "#ship-notice", "data-code", "TRACKING_NUMBER_INVALID").await;
    wait_text(&c, "#ship-notice", "SF + 13 位数字").await;
    assert_eq!(status(&owner, &base, "FU0000003").await, "awaiting_shipment");

    // A good one: 已发货 with the shipment, and the form gone.
    type_into(&c, "#ship-tracking", "SF 1234-5678-90123").await;
    click(&c, "#ship-submit").await;
    wait_text(&c, "#order-status", "已发货").await;
    wait_attr(&c, "#order-shipment", "data-tracking-no", "SF1234567890123").await;
    wait_text(&c, "#order-shipment", "顺丰速运").await;
    wait_text(&c, "#order-shipment", "SF1234567890123").await;
    assert_eq!(count(&c, "#ship-form").await, 0);
    assert_eq!(status(&owner, &base, "FU0000003").await, "shipped");

    // A shipped order shows its shipment on a fresh load, without the form; in English too.
    c.refresh().await.unwrap();
    wait_text(&c, "#order-shipment", "SF1234567890123").await;
    click(&c, "#lang-switch").await;
    wait_text(&c, "#order-shipment", "SF Express").await;
    wait_text(&c, "#order-status", "Shipped").await;
    assert_eq!(count(&c, "#ship-form").await, 0);
    click(&c, "#lang-switch").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_of_the_current_filter_streams_to_done() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let owner = api_login(&base, "shop1").await;
    // Two shipped, three awaiting shipment: the export follows the status filter.
    let r = owner.0.post(format!("{base}/api/v1/shipments/upload")).header("X-CSRF-Token", &owner.1).header("Content-Type", "text/csv");
    let r = r.body("order_id,carrier,tracking_no\nFU0000004,SF,SF1000000000004\nFU0000005,SF,SF1000000000005\n").send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let (profile, downloads) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d, c) = browser(profile.path()).await;
    let dir = downloads.path().display().to_string();
    c.issue_cmd(Cdp("Browser.setDownloadBehavior", serde_json::json!({ "behavior": "allow", "downloadPath": dir }))).await.unwrap();

    login(&c, &s.base, "shop1").await;
    wait_for(&c, ORDER_ROWS).await;
    wait_for(&c, "#status-filter").await.select_by_value("awaiting_shipment").await.unwrap();
    until(WITHIN, EVERY, "the list never showed only the 3 awaiting orders", async || count(&c, ORDER_ROWS).await == 3).await;
    assert_eq!(count(&c, "#export-panel").await, 0);
    click(&c, "#export-open").await;
    wait_text(&c, "#export-panel", "导出密文订单（不含明文，不扣解密额度）").await;
    wait_for(&c, "#export-format").await.select_by_value("csv").await.unwrap();
    click(&c, "#export-start").await;
    until(WITHIN, EVERY, "no export job", async || count(&c, "#export-job").await + count(&c, "#export-notice").await > 0).await;
    if let Ok(n) = c.find(Locator::Css("#export-notice")).await {
        panic!("the export was refused: {:?} {}", n.attr("data-code").await.unwrap(), n.text().await.unwrap());
    }
    wait_attr(&c, "#export-job", "data-status", "done").await;
    wait_text(&c, "#export-count", "3 / 3").await;
    let progress = wait_for(&c, "#export-progress").await;
    let (value, max) = (progress.attr("value").await.unwrap(), progress.attr("max").await.unwrap());
    assert_eq!((value.as_deref(), max.as_deref()), (Some("3"), Some("3")));

    // The job, as the server tells it: every row streamed.
    let id = wait_for(&c, "#export-job").await.attr("data-job-id").await.unwrap().unwrap();
    let job = api_get(&owner, &base, &format!("/api/v1/exports/{id}")).await;
    assert_eq!((job["status"].as_str(), job["rows_total"].as_u64(), job["rows_done"].as_u64()), (Some("done"), Some(3), Some(3)), "{job}");
    assert_eq!(job["format"], "csv");

    // The browser's download: the three awaiting orders, no plaintext.
    let mut file = None;
    until(WITHIN, EVERY, "the download never finished", async || {
        file = std::fs::read_dir(downloads.path()).unwrap().filter_map(Result::ok).map(|e| e.path()).find(|p| p.extension().is_some_and(|x| x == "csv"));
        file.is_some()
    })
    .await;
    let csv = std::fs::read_to_string(file.unwrap()).unwrap();
    for id in ["FU0000001", "FU0000002", "FU0000003"] {
        assert!(csv.contains(id), "{id} missing: {csv}");
    }
    for id in ["FU0000004", "FU0000005"] {
        assert!(!csv.contains(id), "{id} exported despite the filter");
    }
    for (_, name, phone, address) in ORDERS {
        for plain in [name, phone, address] {
            assert!(!csv.contains(plain), "the export holds the plaintext {plain:?}");
        }
    }

    // Staff without `export` see no export button (and, with `ship`, the bulk page).
    click(&c, "#logout").await;
    login(&c, &s.base, "shop1-staff").await;
    wait_for(&c, "#nav-shipments").await;
    wait_for(&c, ORDER_ROWS).await;
    assert_eq!(count(&c, "#export-open").await, 0);
}
