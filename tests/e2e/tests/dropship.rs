//! 厂商代发 in real headless Chromium against a real server, two browsers: shop1's owner
//! invites factory1 on 厂商代发; factory1 (its console, no shop pages) accepts on 绑定; the
//! owner assigns the order list's filter (待发货: both orders) to factory1, and a selection
//! that cannot be assigned is refused whole with each order's reason; the factory (its
//! e-waybill account approved and funded over the API) sees both orders masked, with no eye,
//! allocates a waybill, prints it — the receiver's plaintext only inside the print frame's
//! document, never in the factory page's own DOM — and ships it; the shop's order page shows
//! the tracking number and "shipped by factory1"; the owner recalls the other order on its
//! page and it leaves the factory's list; assigned again, the factory ships it from an uploaded
//! file (批量发货) and the shop sees it shipped by the factory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::http::{Session, api_login, api_post};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{EVERY, ORDER_ROWS, WITHIN, click, count, login, login_any, type_into, until, wait_attr, wait_for, wait_gone, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::{Value, json};

/// shop1's orders: (id, status, name, phone, address). None is a demo receiver.
const ORDERS: &[(&str, OrderStatus, &str, &str, &str)] = &[
    ("DS0000001", OrderStatus::AwaitingShipment, "代发测试甲", "13712370001", "浙江省杭州市西湖区代发测试路1号"),
    ("DS0000002", OrderStatus::AwaitingShipment, "代发测试乙", "13712370002", "北京市朝阳区代发测试街2号"),
    ("DS0000003", OrderStatus::Unpaid, "代发测试丙", "13712370003", "上海市浦东新区代发测试道3号"),
];

const CHAIR: Goods = Goods { title: "实木餐椅 2把装", quantity: 1, price_cents: 39_900 };

async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, status, name, phone, address))| CHAIR.order(id, "shop1", status, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

/// A JavaScript expression evaluated in the page.
async fn js(c: &Client, expr: &str) -> Value {
    c.execute(&format!("return {expr};"), vec![]).await.unwrap()
}

/// The page's own DOM (the print frame's document is not part of `outerHTML`) holds no
/// receiver's plaintext.
async fn page_holds_no_plaintext(c: &Client, when: &str) {
    let page = js(c, "document.documentElement.outerHTML").await.as_str().unwrap().to_string();
    for (_, _, name, phone, address) in ORDERS {
        for plain in [name, phone, address] {
            assert!(!page.contains(plain), "{when}: the factory page's DOM holds the plaintext {plain:?}");
        }
    }
}

/// factory1's approved ZTO account with 10 units, set up over the API as the server's suite
/// does: the factory's owner applies, the admin approves, the factory asks for a top-up and the
/// admin confirms the payment.
async fn funded_factory_account(base: &str) {
    let (factory, admin): (Session, Session) = (api_login(base, "factory1").await, api_login(base, "admin").await);
    let body = json!({"carrier": "ZTO", "outlet": "义乌稠城网点", "sender_name": "代发仓", "sender_phone": "0579-85550000", "sender_address": "浙江省金华市义乌市稠城街道工人北路1号"});
    let a: Value = api_post(&factory, format!("{base}/api/v1/waybill-accounts"), body).await;
    let id = a["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-accounts/{id}/approve"), json!({"comment": ""})).await;
    let t: Value = api_post(&factory, format!("{base}/api/v1/waybill-accounts/{id}/topups"), json!({"units": 10})).await;
    let topup = t["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-topups/{topup}/confirm"), json!({"amount_cents": 500, "payment_ref": "E2E-F1"})).await;
}

fn order_row(id: &str) -> String {
    format!("tr[data-order-id=\"{id}\"]")
}

fn fo_row(id: &str) -> String {
    format!("#fo-table tr[data-order-id=\"{id}\"]")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shop_binds_assigns_factory_prints_only_in_the_frame_ships_and_shop_recalls() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let (op, fp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, o) = browser(op.path()).await;
    let (_d2, f) = browser(fp.path()).await;

    // The owner invites factory1 on 厂商代发 (the console bundle).
    login(&o, &s.base, "shop1").await;
    wait_text(&o, "#nav-dropship", "厂商代发").await;
    click(&o, "#nav-dropship a").await;
    wait_for(&o, "#bind-empty").await;
    wait_for(&o, "#rule-no-factory").await;
    type_into(&o, "#bind-factory-id", "factory1").await;
    click(&o, "#bind-invite").await;
    wait_attr(&o, "#bind-status", "data-code", "invited").await;
    let bound = "#bind-table tr[data-factory-id=\"factory1\"]";
    wait_attr(&o, bound, "data-status", "invited").await;
    wait_text(&o, bound, "待接受").await;
    wait_text(&o, bound, "义乌好货代发工厂").await;

    // factory1 logs in: its console (代发订单, empty), no shop order list, no quota; 绑定: accept.
    login_any(&f, &s.base, "factory1").await;
    wait_for(&f, "#fo-page").await;
    wait_for(&f, "#fo-empty").await;
    wait_text(&f, "#nav-factory", "代发订单").await;
    for css in ["table#orders", "#nav-quota", "#nav-orders", "#quota-meter", "#factory-note"] {
        assert_eq!(count(&f, css).await, 0, "{css} shown to a factory");
    }
    for css in ["#nav-waybills", "#nav-waybill-accounts", "#nav-bindings", "#nav-staff", "#nav-audit"] {
        wait_for(&f, css).await;
    }
    click(&f, "#nav-bindings a").await;
    let invitation = "#bind-table tr[data-shop-id=\"shop1\"]";
    wait_attr(&f, invitation, "data-status", "invited").await;
    wait_text(&f, invitation, "杭州小鹿家居旗舰店").await;
    click(&f, &format!("{invitation} .bind-accept")).await;
    wait_attr(&f, "#bind-status", "data-code", "accept").await;
    wait_attr(&f, invitation, "data-status", "active").await;
    wait_text(&f, invitation, "合作中").await;

    // The owner's page follows; a product rule for a SKU is set and deleted.
    o.refresh().await.unwrap();
    wait_attr(&o, bound, "data-status", "active").await;
    type_into(&o, "#rule-sku", "SKU-CHAIR").await;
    wait_for(&o, "#rule-factory").await;
    click(&o, "#rule-save").await;
    wait_attr(&o, "#rule-status", "data-code", "saved").await;
    wait_attr(&o, "#rule-table tr[data-sku=\"SKU-CHAIR\"]", "data-factory-id", "factory1").await;
    click(&o, "#rule-table tr[data-sku=\"SKU-CHAIR\"] .rule-delete").await;
    wait_attr(&o, "#rule-status", "data-code", "deleted").await;
    wait_for(&o, "#rule-empty").await;
    let _ = std::fs::write(screenshot_path("e2e-dropship-shop.png"), o.screenshot().await.unwrap());

    // 订单: filter 待发货, then 按当前筛选分配 (2) to factory1.
    click(&o, "#ds-go-orders").await;
    wait_for(&o, ORDER_ROWS).await;
    wait_for(&o, "#status-filter").await.select_by_value("awaiting_shipment").await.unwrap();
    wait_gone(&o, &order_row("DS0000003"), WITHIN).await;
    wait_text(&o, "#assign-filter", "按当前筛选分配 (2)").await;
    click(&o, "#assign-filter").await;
    wait_attr(&o, "#assign-panel", "data-mode", "filter").await;
    wait_text(&o, "#assign-factory", "义乌好货代发工厂").await;
    wait_for(&o, "#assign-filter-note").await;
    click(&o, "#assign-submit").await;
    wait_attr(&o, "#assign-status", "data-code", "assigned").await;
    wait_text(&o, "#assign-status", "已把 2 个订单分配给 义乌好货代发工厂（factory1）").await;
    for id in ["DS0000001", "DS0000002"] {
        wait_attr(&o, &format!("{} small.assignment", order_row(id)), "data-assignment", "assigned").await;
        wait_text(&o, &format!("{} small.assignment", order_row(id)), "已分配给 义乌好货代发工厂（factory1）").await;
    }

    // A selection that cannot be assigned is refused whole, each order with its reason.
    wait_for(&o, "#status-filter").await.select_by_value("").await.unwrap();
    wait_for(&o, &order_row("DS0000003")).await;
    for id in ["DS0000001", "DS0000003"] {
        click(&o, &format!("{} input.select-row", order_row(id))).await;
    }
    wait_text(&o, "#assign-selected", "分配给厂商 (2)").await;
    click(&o, "#assign-selected").await;
    wait_for(&o, "#assign-factory").await;
    click(&o, "#assign-submit").await;
    wait_attr(&o, "#assign-notice", "data-code", "ORDER_NOT_ASSIGNABLE").await;
    wait_text(&o, "#assign-notice", "本次未分配任何订单").await;
    wait_attr(&o, "#assign-refused tr[data-order-id=\"DS0000001\"]", "data-reason", "already_assigned_to_this_factory").await;
    wait_text(&o, "#assign-refused tr[data-order-id=\"DS0000001\"]", "已分配给该厂商").await;
    wait_attr(&o, "#assign-refused tr[data-order-id=\"DS0000003\"]", "data-reason", "not_awaiting_shipment").await;
    wait_text(&o, "#assign-refused tr[data-order-id=\"DS0000003\"]", "不是待发货状态").await;
    assert_eq!(count(&o, &format!("{} small.assignment", order_row("DS0000003"))).await, 0, "a refused assignment assigned DS0000003");
    let _ = std::fs::write(screenshot_path("e2e-dropship-refused.png"), o.screenshot().await.unwrap());

    // The factory's own e-waybill account, approved and funded over the API.
    funded_factory_account(&base).await;

    // 代发订单: both orders, masked, shop named, no eye; no plaintext anywhere in the page.
    click(&f, "#nav-factory a").await;
    for (id, _, _, phone, _) in &ORDERS[..2] {
        let row = fo_row(id);
        wait_text(&f, &row, "杭州小鹿家居旗舰店").await;
        wait_text(&f, &format!("{row} td.phone"), &format!("{}****{}", &phone[..3], &phone[7..])).await;
        wait_text(&f, &format!("{row} td.items"), CHAIR.title).await;
        wait_attr(&f, &row, "data-status", "assigned").await;
    }
    assert_eq!(count(&f, "#fo-table tbody tr").await, 2);
    assert_eq!(count(&f, "button.eye, .reveal-row, #reveal-selected").await, 0, "an eye in the factory console");
    page_holds_no_plaintext(&f, "the factory's order list").await;
    // The factory writes to the buyer of an assigned order from its list (no number needed).
    click(&f, &format!("{} .thread-open", fo_row("DS0000002"))).await;
    wait_for(&f, "#order-thread #thread-empty").await;
    type_into(&f, "#thread-body", "您好，工厂今天发货。").await;
    click(&f, "#thread-send").await;
    wait_attr(&f, "#thread", "data-count", "1").await;
    wait_attr(&f, "#thread li.message", "data-sender", "factory").await;

    // Allocate a waybill for DS0000001 from the factory's account.
    click(&f, &format!("{} input.fo-select", fo_row("DS0000001"))).await;
    click(&f, "#allocate-selected").await;
    wait_text(&f, "#allocate-account", "中通快递").await;
    click(&f, "#allocate-submit").await;
    wait_text(&f, "#allocate-status", "已分配 1 张面单").await;
    let waybill_cell = format!("{} td.waybill", fo_row("DS0000001"));
    until(WITHIN, EVERY, "the factory's list never showed the waybill", async || {
        match f.find(Locator::Css(&waybill_cell)).await {
            Ok(e) => !e.text().await.unwrap().trim().is_empty(),
            Err(_) => false,
        }
    })
    .await;
    let no = f.find(Locator::Css(&waybill_cell)).await.unwrap().text().await.unwrap().trim().to_string();
    assert!(no.starts_with("ZTO") || no.chars().all(|c| c.is_ascii_digit()), "{no}");

    // 面单与打印: print it — the labels exist only in the frame's document; then ship.
    click(&f, "#allocate-status a.go-waybills").await;
    let wb = format!("#wb-table tr[data-waybill-no=\"{no}\"]");
    wait_attr(&f, &wb, "data-status", "allocated").await;
    wait_text(&f, &format!("{wb} td.orders"), "DS0000001").await;
    assert_eq!(count(&f, &format!("{wb} a.order-link")).await, 0, "a factory gets a link to the shop's order page");
    click(&f, &format!("{wb} input.wb-select")).await;
    click(&f, "#wb-print").await;
    until(WITHIN, EVERY, "the print frame never appeared", async || {
        if let Ok(n) = f.find(Locator::Css("#wb-notice")).await {
            panic!("printing was refused: {} {}", n.attr("data-code").await.unwrap().unwrap_or_default(), n.text().await.unwrap());
        }
        count(&f, "#print-frame").await == 1
    })
    .await;
    wait_attr(&f, "#print-status", "data-state", "done").await;
    let text = js(&f, "document.getElementById('print-frame').contentDocument.body.innerText").await.as_str().unwrap_or_default().to_string();
    let (_, _, name, phone, address) = ORDERS[0];
    for want in ["DS0000001", name, phone, address, no.as_str(), "代发仓", CHAIR.title] {
        assert!(text.contains(want), "the label lacks {want:?}: {text}");
    }
    assert!(!text.contains(ORDERS[1].2), "{text}");
    page_holds_no_plaintext(&f, "printing").await;
    let _ = std::fs::write(screenshot_path("e2e-dropship-print.png"), f.screenshot().await.unwrap());
    click(&f, "#print-done").await;
    wait_gone(&f, "#print-frame", WITHIN).await;
    wait_attr(&f, &wb, "data-status", "printed").await;
    until(WITHIN, EVERY, "#wb-ship never enabled", async || wait_for(&f, "#wb-ship").await.is_enabled().await.unwrap()).await;
    click(&f, "#wb-ship").await;
    wait_attr(&f, "#wb-status", "data-code", "shipped").await;
    wait_attr(&f, &wb, "data-status", "shipped").await;
    page_holds_no_plaintext(&f, "after shipping").await;

    // The shop's order page: shipped, the tracking number, shipped by factory1; no recall.
    o.goto(&format!("{}orders/DS0000001", s.base)).await.unwrap();
    wait_attr(&o, "#order-status", "data-status", "shipped").await;
    wait_attr(&o, "#order-shipment", "data-tracking-no", &no).await;
    wait_attr(&o, "#order-assignment", "data-status", "shipped").await;
    wait_text(&o, "#order-assignment", "由 义乌好货代发工厂（factory1）代发").await;
    assert_eq!(count(&o, "#recall").await, 0, "a shipped order offers a recall");

    // The owner recalls DS0000002 on its page: it is the shop's to ship again...
    o.goto(&format!("{}orders/DS0000002", s.base)).await.unwrap();
    wait_attr(&o, "#order-assignment", "data-status", "assigned").await;
    assert_eq!(count(&o, "#ship-form").await, 0, "an order its factory ships can be shipped by hand");
    click(&o, "#recall").await;
    wait_gone(&o, "#order-assignment", WITHIN).await;
    wait_for(&o, "#ship-form").await;

    // ...and leaves the factory's list; the shipped one is under 已发货 with its number.
    click(&f, "#nav-factory a").await;
    wait_for(&f, "#fo-empty").await;
    wait_for(&f, "#fo-status").await.select_by_value("shipped").await.unwrap();
    wait_text(&f, &fo_row("DS0000001"), &no).await;
    assert_eq!(count(&f, &fo_row("DS0000002")).await, 0);
    page_holds_no_plaintext(&f, "the shipped list").await;

    // 批量发货 in the factory console: DS0000002, assigned again (over the API), ships from an
    // uploaded file with the factory's own carrier's number; the shop sees it shipped by factory1.
    let owner_api = api_login(&base, "shop1").await;
    let _: Value = api_post(&owner_api, format!("{base}/api/v1/assignments"), json!({"factory_id": "factory1", "order_ids": ["DS0000002"]})).await;
    click(&f, "#nav-shipments a").await;
    wait_for(&f, "#upload-factory-note").await;
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("factory-ship.csv");
    std::fs::write(&csv, "订单号,快递公司,运单号\r\nDS0000002,中通快递,73100000000002\r\n").unwrap();
    wait_for(&f, "#upload-file").await.send_keys(&csv.display().to_string()).await.unwrap();
    click(&f, "#upload-submit").await;
    wait_attr(&f, "#upload-result", "data-applied", "1").await;
    o.goto(&format!("{}orders/DS0000002", s.base)).await.unwrap();
    wait_attr(&o, "#order-status", "data-status", "shipped").await;
    wait_attr(&o, "#order-shipment", "data-tracking-no", "73100000000002").await;
    wait_attr(&o, "#order-assignment", "data-status", "shipped").await;

    // In English too.
    click(&o, "#nav-dropship a").await;
    wait_text(&o, "#ds-page h2", "厂商代发").await;
    click(&o, "#lang-switch").await;
    wait_text(&o, "#ds-page h2", "Factory dropshipping").await;
    wait_text(&o, bound, "Active").await;

    o.close().await.unwrap();
    f.close().await.unwrap();
}
