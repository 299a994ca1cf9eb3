//! E-waybills and label printing in real headless Chromium against a real server: the shop
//! owner applies for an e-waybill account on 电子面单账号, the platform admin (a second
//! browser) rejects without a comment (refused) and approves; the owner asks for a top-up
//! (申请充值), which leaves the balance as it was until the admin confirms the payment in the
//! admin console (确认到账: amount and payment reference required), and the balance shown
//! follows; a second request rejected (a comment required) adds nothing; two
//! orders get a waybill each from the order list; 打印所选 prints both labels: the receivers'
//! plaintext is ONLY in the `#print-frame` document (with the waybill numbers and a Code 128
//! SVG barcode, styled by /print.css under the CSP), never in the page's own DOM; 完成 removes
//! the frame; 发货所选 ships them (已发货, and the orders are shipped). A second test merges two
//! orders of one receiver onto one waybill, cancels an unprinted one (its unit returns),
//! prints the merged label three times (the 100×180 template once) and sees the 4th print
//! refused with PRINT_LIMIT_REACHED.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]


mod common;

use common::http::{Session, api_login, api_post};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{login_any as login, type_into, wait_attr};
use common::wait::{EVERY, ORDER_ROWS, WITHIN, click, count, until, wait_for, wait_gone, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::{Value, json};

/// (order id, name, phone, address) of shop1, all awaiting shipment; PR0000003 goes to the
/// receiver of PR0000001 (a merge). None is a demo receiver.
const ORDERS: &[(&str, &str, &str, &str)] = &[
    ("PR0000001", "面单测试甲", "13712360001", "浙江省杭州市西湖区面单测试路1号"),
    ("PR0000002", "面单测试乙", "13712360002", "北京市朝阳区面单测试街2号"),
    ("PR0000003", "面单测试甲", "13712360001", "浙江省杭州市西湖区面单测试路1号"),
];

const KETTLE: Goods = Goods { title: "电热水壶 1.7L", quantity: 2, price_cents: 9_900 };

const SENDER: (&str, &str, &str) = ("小鹿家居仓", "0571-88886666", "浙江省杭州市余杭区仓前街道仓储路1号");

async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, name, phone, address))| KETTLE.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}


/// A JavaScript expression evaluated in the page.
async fn js(c: &Client, expr: &str) -> Value {
    c.execute(&format!("return {expr};"), vec![]).await.unwrap()
}

/// The text of the print frame's own document.
async fn frame_text(c: &Client) -> String {
    js(c, "document.getElementById('print-frame').contentDocument.body.innerText").await.as_str().unwrap_or_default().to_string()
}

/// How many elements match `css` in the print frame's document.
async fn frame_count(c: &Client, css: &str) -> u64 {
    js(c, &format!("document.getElementById('print-frame').contentDocument.querySelectorAll({css:?}).length")).await.as_u64().unwrap()
}

/// The waybill numbers in the list with state `status`.
async fn waybills(c: &Client, status: &str) -> Vec<String> {
    let mut out = Vec::new();
    for row in c.find_all(Locator::Css(&format!("#wb-table tr[data-status=\"{status}\"]"))).await.unwrap() {
        out.push(row.attr("data-waybill-no").await.unwrap().unwrap());
    }
    out
}

fn row(no: &str) -> String {
    format!("#wb-table tr[data-waybill-no=\"{no}\"]")
}

/// The page's own DOM holds none of the receivers' plaintext (the frame's document is not
/// part of `outerHTML`).
async fn page_holds_no_plaintext(c: &Client) {
    let page = js(c, "document.documentElement.outerHTML").await.as_str().unwrap().to_string();
    for (_, name, phone, address) in ORDERS {
        for plain in [name, phone, address] {
            assert!(!page.contains(plain), "the page's DOM holds the plaintext {plain:?}");
        }
    }
}

/// Open the order list afresh (nothing selected), select `ids` and allocate them from the
/// first approved account.
async fn allocate(c: &Client, url: &str, ids: &[&str], merge: bool) {
    c.goto(url).await.unwrap();
    wait_for(c, ORDER_ROWS).await;
    for id in ids {
        click(c, &format!("tr[data-order-id=\"{id}\"] input.select-row")).await;
    }
    click(c, "#allocate-selected").await;
    wait_for(c, "#allocate-account").await;
    let merge_box = wait_for(c, "#allocate-merge").await;
    if merge {
        assert!(merge_box.is_enabled().await.unwrap(), "merge is disabled for orders of one receiver");
        merge_box.click().await.unwrap();
    }
    click(c, "#allocate-submit").await;
    wait_for(c, "#allocate-status").await;
}

/// Print the selected waybills and wait for the frame with its labels (`print_no` each).
async fn print_selected(c: &Client, print_no: u32) -> String {
    click(c, "#wb-print").await;
    until(WITHIN, EVERY, "the print frame never appeared", async || {
        if let Ok(n) = c.find(Locator::Css("#wb-notice")).await {
            panic!("printing was refused: {} {}", n.attr("data-code").await.unwrap().unwrap_or_default(), n.text().await.unwrap());
        }
        count(c, "#print-frame").await == 1
    })
    .await;
    wait_attr(c, "#print-status", "data-state", "done").await;
    let text = frame_text(c).await;
    assert!(text.contains(&format!("第 {print_no} 次打印")), "{text}");
    text
}

/// An approved SF account of shop1 with `units`, set up over the API; its id.
async fn funded_account(base: &str, units: u32) -> i64 {
    let (owner, admin): (Session, Session) = (api_login(base, "shop1").await, api_login(base, "admin").await);
    let body = json!({"carrier": "SF", "outlet": "杭州余杭仓前网点", "sender_name": SENDER.0, "sender_phone": SENDER.1, "sender_address": SENDER.2});
    let a: Value = api_post(&owner, format!("{base}/api/v1/waybill-accounts"), body).await;
    let id = a["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-accounts/{id}/approve"), json!({"comment": ""})).await;
    let t: Value = api_post(&owner, format!("{base}/api/v1/waybill-accounts/{id}/topups"), json!({"units": units})).await;
    let topup = t["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-topups/{topup}/confirm"), json!({"amount_cents": 100, "payment_ref": "E2E-1"})).await;
    id
}

async fn balance(s: &Session, base: &str, id: i64) -> u64 {
    let all: Vec<Value> = s.0.get(format!("{base}/api/v1/waybill-accounts")).send().await.unwrap().json().await.unwrap();
    all.iter().find(|a| a["id"] == id).unwrap()["balance"].as_u64().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn account_approved_labels_print_only_in_the_frame_and_ship() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let (op, ap) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, o) = browser(op.path()).await;
    let (_d2, a) = browser(ap.path()).await;

    // The owner applies on 电子面单账号; a bad phone is refused next to its field.
    login(&o, &s.base, "shop1").await;
    wait_text(&o, "#nav-waybill-accounts", "电子面单账号").await;
    click(&o, "#nav-waybill-accounts a").await;
    wait_for(&o, "#wa-empty").await;
    wait_for(&o, "#wa-carrier").await.select_by_value("SF").await.unwrap();
    wait_text(&o, "#wa-carrier-format", "SF + 13 位数字").await;
    type_into(&o, "#wa-outlet", "杭州余杭仓前网点").await;
    type_into(&o, "#wa-sender-name", SENDER.0).await;
    type_into(&o, "#wa-sender-phone", "call me").await;
    type_into(&o, "#wa-sender-address", SENDER.2).await;
    click(&o, "#wa-submit").await;
    wait_attr(&o, "#wa-create-error", "data-field", "sender_phone").await;
    type_into(&o, "#wa-sender-phone", SENDER.1).await;
    click(&o, "#wa-submit").await;
    wait_attr(&o, "#wa-status", "data-code", "applied").await;
    let pending = "#wa-table tr[data-status=\"pending\"]";
    wait_text(&o, pending, "待审核").await;
    let id = wait_for(&o, pending).await.attr("data-account-id").await.unwrap().unwrap();
    let account = format!("#wa-table tr[data-account-id=\"{id}\"]");
    assert_eq!(count(&o, &format!("{account} .wa-topup")).await, 0, "a pending account offers a top-up");

    // The admin's queue: a rejection needs a comment; approve.
    login(&a, &s.base, "admin").await;
    wait_text(&a, "#nav-waybill-accounts", "面单账号审核").await;
    click(&a, "#nav-waybill-accounts a").await;
    wait_attr(&a, &account, "data-status", "pending").await;
    click(&a, &format!("{account} .wa-reject")).await;
    wait_attr(&a, "#wa-notice", "data-code", "VALIDATION_FAILED").await;
    type_into(&a, &format!("{account} .wa-comment"), "资料齐全").await;
    let _ = std::fs::write(screenshot_path("e2e-waybill-review.png"), a.screenshot().await.unwrap());
    click(&a, &format!("{account} .wa-approve")).await;
    wait_attr(&a, &account, "data-status", "approved").await;
    wait_attr(&a, "#wa-status", "data-code", "approved").await;

    // The owner sees it approved and asks for 10 waybills (申请充值): a request, the balance stays 0.
    o.refresh().await.unwrap();
    wait_attr(&o, &account, "data-status", "approved").await;
    wait_text(&o, &account, "已通过").await;
    wait_for(&o, "#tu-empty").await;
    type_into(&o, &format!("{account} .wa-topup-units"), "0").await;
    click(&o, &format!("{account} .wa-topup")).await;
    wait_attr(&o, "#wa-notice", "data-code", "VALIDATION_FAILED").await;
    type_into(&o, &format!("{account} .wa-topup-units"), "10").await;
    type_into(&o, &format!("{account} .wa-topup-note"), "12月3日对公转账").await;
    click(&o, &format!("{account} .wa-topup")).await;
    wait_attr(&o, "#wa-status", "data-code", "topup_requested").await;
    let requested = "#topup-table tr[data-status=\"pending\"]";
    wait_text(&o, requested, "待确认到账").await;
    let topup_id = wait_for(&o, requested).await.attr("data-topup-id").await.unwrap().unwrap();
    let topup = format!("#topup-table tr[data-topup-id=\"{topup_id}\"]");
    wait_text(&o, &format!("{topup} td.units"), "10").await;
    wait_text(&o, &format!("{topup} td.note"), "12月3日对公转账").await;
    wait_attr(&o, &account, "data-balance", "0").await;
    assert_eq!(balance(&api_login(&base, "shop1").await, &base, id.parse().unwrap()).await, 0, "a top-up request raised the balance");

    // The admin console: the pending top-up first; confirming needs the amount and the payment's reference.
    a.refresh().await.unwrap();
    wait_attr(&a, &topup, "data-status", "pending").await;
    wait_text(&a, &format!("{topup} td.shop"), "shop1").await;
    click(&a, &format!("{topup} .topup-confirm")).await;
    wait_attr(&a, "#tu-notice", "data-code", "VALIDATION_FAILED").await;
    wait_text(&a, "#tu-notice", "金额").await;
    type_into(&a, &format!("{topup} .topup-amount"), "12.5").await;
    click(&a, &format!("{topup} .topup-confirm")).await;
    wait_text(&a, "#tu-notice", "付款凭证号").await;
    type_into(&a, &format!("{topup} .topup-ref"), "ICBC-20261203-0001").await;
    let _ = std::fs::write(screenshot_path("e2e-topup-confirm.png"), a.screenshot().await.unwrap());
    click(&a, &format!("{topup} .topup-confirm")).await;
    wait_attr(&a, "#tu-status", "data-code", "confirmed").await;
    wait_attr(&a, &topup, "data-status", "confirmed").await;
    wait_text(&a, &format!("{topup} td.amount"), "¥12.50").await;
    wait_text(&a, &format!("{topup} td.payment-ref"), "ICBC-20261203-0001").await;
    wait_attr(&a, &format!("{topup} .balance-after"), "data-balance", "10").await;
    // The admin's account list follows at once.
    wait_attr(&a, &account, "data-balance", "10").await;
    assert_eq!(count(&a, &format!("{topup} .topup-confirm")).await, 0, "a confirmed top-up can be confirmed again");

    // The owner's page: the balance follows, the request shows the amount and reference.
    o.refresh().await.unwrap();
    wait_attr(&o, &account, "data-balance", "10").await;
    wait_text(&o, &format!("{account} td.balance"), "10").await;
    wait_attr(&o, &topup, "data-status", "confirmed").await;
    wait_text(&o, &topup, "已到账").await;
    wait_text(&o, &format!("{topup} td.amount"), "¥12.50").await;
    wait_text(&o, &format!("{topup} td.payment-ref"), "ICBC-20261203-0001").await;
    let _ = std::fs::write(screenshot_path("e2e-waybill-accounts.png"), o.screenshot().await.unwrap());

    // A second request that the admin rejects (a comment is required) adds nothing.
    type_into(&o, &format!("{account} .wa-topup-units"), "5").await;
    click(&o, &format!("{account} .wa-topup")).await;
    wait_attr(&o, "#wa-status", "data-code", "topup_requested").await;
    let second = wait_for(&o, requested).await.attr("data-topup-id").await.unwrap().unwrap();
    let second = format!("#topup-table tr[data-topup-id=\"{second}\"]");
    a.refresh().await.unwrap();
    wait_attr(&a, &second, "data-status", "pending").await;
    click(&a, &format!("{second} .topup-reject")).await;
    wait_attr(&a, "#tu-notice", "data-code", "VALIDATION_FAILED").await;
    type_into(&a, &format!("{second} .topup-comment"), "未收到款项").await;
    click(&a, &format!("{second} .topup-reject")).await;
    wait_attr(&a, "#tu-status", "data-code", "rejected").await;
    wait_attr(&a, &second, "data-status", "rejected").await;
    o.refresh().await.unwrap();
    wait_attr(&o, &second, "data-status", "rejected").await;
    wait_text(&o, &format!("{second} td.comment"), "未收到款项").await;
    wait_attr(&o, &account, "data-balance", "10").await;

    // Two orders of different receivers: no merge (and the panel says why); one waybill each.
    click(&o, "#nav-orders a").await;
    wait_for(&o, ORDER_ROWS).await;
    for id in ["PR0000001", "PR0000002"] {
        click(&o, &format!("tr[data-order-id=\"{id}\"] input.select-row")).await;
    }
    click(&o, "#allocate-selected").await;
    wait_text(&o, "#allocate-account", "顺丰速运").await;
    assert!(!wait_for(&o, "#allocate-merge").await.is_enabled().await.unwrap(), "merge is enabled for two receivers");
    wait_text(&o, "#allocate-merge-why", "收件人不同").await;
    click(&o, "#allocate-submit").await;
    wait_text(&o, "#allocate-status", "已分配 2 张面单").await;
    click(&o, "#allocate-status a.go-waybills").await;

    // 面单与打印: two allocated SF waybills, 0/3 prints.
    wait_for(&o, "#wb-table").await;
    let nos = waybills(&o, "allocated").await;
    assert_eq!(nos.len(), 2, "{nos:?}");
    for no in &nos {
        assert!(no.starts_with("SF") && no.len() == 15, "{no}");
        wait_text(&o, &format!("{} td.prints", row(no)), "0/3").await;
        wait_text(&o, &format!("{} td.carrier", row(no)), "顺丰速运").await;
    }
    assert!(!wait_for(&o, "#wb-print").await.is_enabled().await.unwrap(), "print is enabled with nothing selected");
    click(&o, "#wb-select-all").await;
    assert!(!wait_for(&o, "#wb-ship").await.is_enabled().await.unwrap(), "unprinted waybills can be shipped");

    // Print: the labels exist only in the frame's document.
    let text = print_selected(&o, 1).await;
    wait_attr(&o, "#print-frame", "data-template", "76x130").await;
    assert!(wait_for(&o, "#print-frame").await.attr("class").await.unwrap().unwrap().contains("print-preview"));
    for (id, name, phone, address) in &ORDERS[..2] {
        for want in [id, name, phone, address] {
            assert!(text.contains(want), "the labels lack {want:?}: {text}");
        }
    }
    assert!(!text.contains("PR0000003"), "{text}");
    for no in &nos {
        assert!(text.contains(no.as_str()), "the labels lack {no}: {text}");
    }
    for want in ["顺丰速运", SENDER.0, SENDER.1, SENDER.2, "电热水壶 1.7L"] {
        assert!(text.contains(want), "the labels lack {want:?}: {text}");
    }
    assert_eq!(frame_count(&o, "section.label").await, 2);
    assert_eq!(frame_count(&o, ".receiver").await, 2);
    assert_eq!(frame_count(&o, "svg.barcode").await, 2);
    assert!(frame_count(&o, "svg.barcode rect").await >= 2 * 20, "barcodes without bars");
    // /print.css applied under the CSP: a 76 mm wide label, one per page.
    let width = js(&o, "parseFloat(getComputedStyle(document.getElementById('print-frame').contentDocument.querySelector('section.label')).width)").await;
    assert!((width.as_f64().unwrap() - 76.0 * 96.0 / 25.4).abs() < 1.0, "label width {width}");
    // The page's own DOM (the frame's document is not in outerHTML) holds no plaintext, and no style element or attribute went into the frame.
    page_holds_no_plaintext(&o).await;
    assert_eq!(frame_count(&o, "style, [style]").await, 0);
    let _ = std::fs::write(screenshot_path("e2e-print-preview.png"), o.screenshot().await.unwrap());

    // 完成: the frame goes; the waybills are printed (1/3).
    click(&o, "#print-done").await;
    wait_gone(&o, "#print-frame", WITHIN).await;
    for no in &nos {
        wait_attr(&o, &row(no), "data-status", "printed").await;
        wait_text(&o, &format!("{} td.prints", row(no)), "1/3").await;
        assert_eq!(count(&o, &format!("{} .wb-cancel", row(no))).await, 0, "a printed waybill offers a cancel");
    }

    // 发货所选: shipped, and so are the orders.
    until(WITHIN, EVERY, "#wb-ship never enabled", async || wait_for(&o, "#wb-ship").await.is_enabled().await.unwrap()).await;
    click(&o, "#wb-ship").await;
    wait_attr(&o, "#wb-status", "data-code", "shipped").await;
    for no in &nos {
        wait_attr(&o, &row(no), "data-status", "shipped").await;
        wait_text(&o, &row(no), "已发货").await;
    }
    let owner = api_login(&base, "shop1").await;
    for id in ["PR0000001", "PR0000002"] {
        let v: Value = owner.0.get(format!("{base}/api/v1/orders/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(v["status"], "shipped", "{v}");
    }
    click(&o, "#nav-orders a").await;
    wait_text(&o, "tr[data-order-id=\"PR0000001\"]", "已发货").await;
    wait_text(&o, "tr[data-order-id=\"PR0000002\"]", "已发货").await;
    wait_text(&o, "tr[data-order-id=\"PR0000003\"]", "待发货").await;

    o.close().await.unwrap();
    a.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_receiver_merges_onto_one_label_and_the_fourth_print_is_refused() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let account = funded_account(&base, 5).await;
    let p = tempfile::tempdir().unwrap();
    let (_d, c) = browser(p.path()).await;

    // Staff with `print` (shop1-ops): PR0000001 + PR0000003 share a receiver → one waybill.
    login(&c, &s.base, "shop1-ops").await;
    allocate(&c, &s.base, &["PR0000001", "PR0000003"], true).await;
    wait_text(&c, "#allocate-status", "已分配 1 张面单").await;
    // PR0000002 on its own, then cancelled before printing: its unit returns.
    allocate(&c, &s.base, &["PR0000002"], false).await;
    let ops = api_login(&base, "shop1-ops").await;
    assert_eq!(balance(&ops, &base, account).await, 3);
    click(&c, "#nav-waybills a").await;
    wait_for(&c, "#wb-table").await;
    let all = waybills(&c, "allocated").await;
    assert_eq!(all.len(), 2, "{all:?}");
    let merged = {
        let mut found = None;
        for no in &all {
            if c.find(Locator::Css(&row(no))).await.unwrap().text().await.unwrap().contains("PR0000003") {
                found = Some(no.clone());
            }
        }
        found.unwrap()
    };
    let single = all.iter().find(|n| **n != merged).unwrap().clone();
    wait_text(&c, &format!("{} td.orders", row(&merged)), "PR0000001").await;
    click(&c, &format!("{} .wb-cancel", row(&single))).await;
    wait_attr(&c, &row(&single), "data-status", "cancelled").await;
    wait_attr(&c, "#wb-status", "data-code", "cancelled").await;
    assert_eq!(balance(&ops, &base, account).await, 4);
    assert!(!wait_for(&c, &format!("{} input.wb-select", row(&single))).await.is_enabled().await.unwrap());

    // Three prints of the merged label: one receiver, both orders; the 100×180 template once.
    click(&c, &format!("{} input.wb-select", row(&merged))).await;
    for n in 1..=3u32 {
        if n == 2 {
            wait_for(&c, "#wb-template").await.select_by_value("100x180").await.unwrap();
        }
        let text = print_selected(&c, n).await;
        for want in ["PR0000001", "PR0000003", ORDERS[0].1, ORDERS[0].2, ORDERS[0].3, merged.as_str()] {
            assert!(text.contains(want), "the label lacks {want:?}: {text}");
        }
        assert!(!text.contains(ORDERS[1].1), "{text}");
        assert_eq!(frame_count(&c, "section.label").await, 1);
        assert_eq!(frame_count(&c, ".receiver").await, 1, "one receiver on a merged label");
        let template = if n == 1 { "76x130" } else { "100x180" };
        wait_attr(&c, "#print-frame", "data-template", template).await;
        let class = js(&c, "document.getElementById('print-frame').contentDocument.body.className").await;
        assert_eq!(class, json!(format!("tpl-{template}")));
        page_holds_no_plaintext(&c).await;
        click(&c, "#print-done").await;
        wait_gone(&c, "#print-frame", WITHIN).await;
        wait_text(&c, &format!("{} td.prints", row(&merged)), &format!("{n}/3")).await;
    }

    // The 4th print is refused: nothing is decrypted, no frame.
    click(&c, "#wb-print").await;
    wait_attr(&c, "#wb-notice", "data-code", "PRINT_LIMIT_REACHED").await;
    wait_attr(&c, "#print-status", "data-state", "failed").await;
    assert_eq!(count(&c, "#print-frame").await, 0);
    wait_text(&c, "#wb-notice", "打印次数已达上限").await;
    page_holds_no_plaintext(&c).await;

    c.close().await.unwrap();
}
