//! Reaching the buyer without the number, in real headless Chromium against a real server
//! (issue 19): shop1's owner selects three orders in the order list and sends them an
//! approved SMS template from the console's SMS page — a preview of each filled text with the
//! masked number, then the outbox showing all three sent by the worker, no real number in
//! the page; on an order's page the owner gets a virtual number and answers the buyer's
//! message, which the buyer's app reads through the order system, and the order list's
//! unread count clears.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::http::{Session, api_login, api_post, http};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{EVERY, WITHIN, click, count, login, type_into, until, wait_attr, wait_for, wait_text};
use common::{browser, screenshot};
use fantoccini::Client;
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::{Value, json};

/// shop1's orders: (id, name, phone, address).
const ORDERS: &[(&str, &str, &str, &str)] = &[
    ("BY0000001", "联系测试甲", "13812340001", "浙江省杭州市西湖区联系测试路1号"),
    ("BY0000002", "联系测试乙", "13812340002", "北京市朝阳区联系测试街2号"),
    ("BY0000003", "联系测试丙", "13812340003", "上海市浦东新区联系测试道3号"),
    ("BY0000004", "联系测试丁", "13812340004", "广东省广州市天河区联系测试大道4号"),
];

const LAMP: Goods = Goods { title: "护眼台灯", quantity: 1, price_cents: 19_900 };

async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, name, phone, address))| LAMP.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

/// The page's DOM holds no receiver's real number.
async fn no_real_number(c: &Client, when: &str) {
    let page = c.execute("return document.documentElement.outerHTML;", vec![]).await.unwrap();
    let page = page.as_str().unwrap();
    for (_, _, phone, _) in ORDERS {
        assert!(!page.contains(phone), "{when}: the page holds {phone}");
    }
}

/// The order system relays a buyer message (`body`) or reads the thread as the buyer.
async fn buyer(s: &Server, order: &str, body: Option<&str>) -> Value {
    let path = format!("/api/v1/buyer/orders/{order}/messages");
    let r = match body {
        Some(b) => http(&s.addr, "POST", &path, &[("Authorization", "Bearer e2e"), ("Content-Type", "application/json")], &json!({"body": b}).to_string()).await,
        None => http(&s.addr, "GET", &path, &[("Authorization", "Bearer e2e")], "").await,
    };
    assert_eq!(r.status, 200, "{}", r.text());
    serde_json::from_str(&r.text()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn send_sms_to_a_selection_get_a_virtual_number_and_answer_the_buyer() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    // Set-up over the API: an approved template, the number pool, a buyer's message.
    let (owner, admin): (Session, Session) = (api_login(&base, "shop1").await, api_login(&base, "admin").await);
    let t: Value = api_post(&owner, format!("{base}/api/v1/sms/templates"), json!({"name": "发货通知", "kind": "logistics", "body": "您在{shop_name}的订单{order_id}已安排发货。"})).await;
    let _: Value = api_post(&admin, format!("{base}/api/v1/sms/templates/{}/approve", t["id"]), json!({"comment": ""})).await;
    let _: Value = api_post(&admin, format!("{base}/api/v1/admin/virtual-numbers"), json!({"first": "17000000000", "last": "17000000009", "extensions": 5})).await;
    buyer(&s, "BY0000001", Some("灯是暖光还是白光？")).await;

    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    login(&c, &s.base, "shop1").await;
    // The order with the buyer's message shows one unread; select three orders and send.
    wait_attr(&c, "tr[data-order-id=\"BY0000001\"] .badge.unread", "data-unread", "1").await;
    assert_eq!(count(&c, "tr[data-order-id=\"BY0000002\"] .badge.unread").await, 0);
    for id in ["BY0000001", "BY0000002", "BY0000003"] {
        click(&c, &format!("tr[data-order-id=\"{id}\"] input.select-row")).await;
    }
    wait_text(&c, "#sms-selected", "(3)").await;
    click(&c, "#sms-selected").await;
    wait_attr(&c, "#sms-send", "data-orders", "3").await;
    until(WITHIN, EVERY, "three previews", async || count(&c, "#sms-preview li").await == 3).await;
    wait_text(&c, "#sms-preview li[data-order-id=\"BY0000002\"]", "订单BY0000002已安排发货").await;
    wait_text(&c, "#sms-preview li[data-order-id=\"BY0000002\"]", "138****0002").await;
    no_real_number(&c, "the preview").await;
    screenshot(&c, "e2e-sms-send-zh.png").await;
    click(&c, "#sms-send-button").await;
    wait_attr(&c, "#sms-status", "data-queued", "3").await;
    // The worker hands them to the gateway; the outbox (refreshing itself) shows them sent.
    until(WITHIN, EVERY, "three sent messages in the outbox", async || count(&c, "#outbox tr[data-status=\"sent\"]").await == 3).await;
    no_real_number(&c, "the outbox").await;
    screenshot(&c, "e2e-sms-outbox-zh.png").await;

    // The order page: a virtual number, and the thread with the buyer.
    c.goto(&format!("{}orders/BY0000001", s.base)).await.unwrap();
    click(&c, "#virtual-number-ask").await;
    wait_attr(&c, "#virtual-number", "data-number", "17000000000").await;
    wait_text(&c, "#virtual-number", "170 0000 0000 转 0001").await;
    wait_text(&c, "#thread li[data-sender=\"buyer\"]", "灯是暖光还是白光？").await;
    type_into(&c, "#thread-body", "是暖光，3000K。").await;
    click(&c, "#thread-send").await;
    wait_attr(&c, "#thread", "data-count", "2").await;
    no_real_number(&c, "the order page").await;
    screenshot(&c, "e2e-order-contact-zh.png").await;
    // The buyer's app reads the answer with the shop's name; the shop's list has no unread left.
    let thread = buyer(&s, "BY0000001", None).await;
    assert_eq!(thread["messages"][1]["body"], "是暖光，3000K。");
    assert_ne!(thread["messages"][1]["author"], "shop1", "the buyer sees a user name");
    c.goto(&s.base).await.unwrap();
    wait_for(&c, "tr[data-order-id=\"BY0000001\"]").await;
    assert_eq!(count(&c, "tr[data-order-id=\"BY0000001\"] .badge.unread").await, 0);
    // The virtual number is the one the order keeps.
    let vn = http(&s.addr, "GET", "/api/v1/orders/BY0000001/virtual-number", &[("Cookie", &common::http::api_cookie(&s.addr, "shop1").await)], "").await;
    assert!(vn.text().contains("17000000000"), "{}", vn.text());
    c.close().await.unwrap();
}
