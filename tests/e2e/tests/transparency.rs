//! Transparency in real headless Chromium against a real server (issue 20): shop1's owner
//! reveals a receiver's name with the eye; the buyer opens the signed link the order system
//! would send and the buyer page (`/buyer/`) lists that reveal — by the shop, the name, the
//! purpose — in Chinese and, on the switch, in English, with no receiver data in the page.
//! Then a scripted harvesting shop (shop2 reveals a burst of orders) is flagged: the admin
//! runs the rules from the exposure dashboard, sees the flag with the rule, opens the audit
//! rows behind it, and suspends shop2 from the flag; shop2's next reveal is refused.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::http::{Session, api_login, http};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{click, count, field, login, login_any, type_into, wait_attr, wait_for, wait_text};
use common::{browser, screenshot};
use fantoccini::Client;
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::{Value, json};

/// (shop, id, name, phone, address).
const ORDERS: &[(&str, &str, &str, &str, &str)] = &[
    ("shop1", "TR0000001", "透明测试甲", "13812360001", "浙江省杭州市西湖区透明测试路1号"),
    ("shop1", "TR0000002", "透明测试乙", "13812360002", "北京市朝阳区透明测试街2号"),
    ("shop2", "TR2000001", "批量测试一", "13812361001", "上海市浦东新区批量测试道1号"),
    ("shop2", "TR2000002", "批量测试二", "13812361002", "上海市浦东新区批量测试道2号"),
    ("shop2", "TR2000003", "批量测试三", "13812361003", "上海市浦东新区批量测试道3号"),
    ("shop2", "TR2000004", "批量测试四", "13812361004", "上海市浦东新区批量测试道4号"),
    ("shop2", "TR2000005", "批量测试五", "13812361005", "上海市浦东新区批量测试道5号"),
    ("shop2", "TR2000006", "批量测试六", "13812361006", "上海市浦东新区批量测试道6号"),
];

const MUG: Goods = Goods { title: "陶瓷马克杯", quantity: 1, price_cents: 5_900 };

async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        ORDERS.iter().enumerate().map(|(i, &(shop, id, name, phone, address))| MUG.order(id, shop, OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

/// The page's DOM holds no receiver data.
async fn no_receiver_data(c: &Client, when: &str) {
    let page = c.execute("return document.documentElement.outerHTML;", vec![]).await.unwrap();
    let page = page.as_str().unwrap();
    for (_, _, name, phone, address) in ORDERS {
        for secret in [name, phone, address] {
            assert!(!page.contains(secret), "{when}: the page holds {secret}");
        }
    }
}

/// A reveal grant over the API (sealed to a key nobody keeps: only the disclosure matters here).
async fn api_reveal(s: &Session, base: &str, ids: &[&str]) -> reqwest::Response {
    // The X25519 base point: a valid public key nobody holds the secret of here.
    let key = "CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk";
    s.0.post(format!("{base}/api/v1/reveal-grants"))
        .header("X-CSRF-Token", &s.1)
        .json(&json!({"order_ids": ids, "fields": ["name", "phone", "address"], "client_public": key, "purpose": "manual_shipping"}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_buyer_sees_a_reveal_and_the_admin_suspends_a_harvesting_shop_from_its_flag() {
    let Some(s) = server().await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;

    // The merchant reveals TR0000001's name with the eye.
    login(&c, &s.base, "shop1").await;
    click(&c, &field("TR0000001", "name", "button.eye")).await;
    wait_text(&c, &field("TR0000001", "name", ".plain"), "透明测试甲").await;

    // The order system signs the buyer's link; the buyer page lists that reveal.
    let r = http(&s.addr, "POST", "/api/v1/buyer/orders/TR0000001/link", &[("Authorization", "Bearer e2e"), ("Content-Type", "application/json")], "{}").await;
    assert_eq!(r.status, 200, "{}", r.text());
    let link: Value = serde_json::from_str(&r.text()).unwrap();
    c.execute("localStorage.removeItem('orderveil.lang'); return null;", vec![]).await.unwrap();
    c.goto(&format!("{base}{}", link["url"].as_str().unwrap())).await.unwrap();
    wait_for(&c, "li.receipt[data-path=\"reveal\"]").await;
    assert_eq!(count(&c, "li.receipt").await, 1);
    wait_text(&c, "li.receipt .what", "查看了您的信息").await;
    wait_text(&c, "li.receipt .meta", "店铺").await;
    wait_text(&c, "li.receipt .meta", "姓名").await;
    wait_text(&c, "#state", "共 1 条记录").await;
    no_receiver_data(&c, "the buyer page").await;
    screenshot(&c, "e2e-buyer-receipts.png").await;
    click(&c, "#lang").await;
    wait_text(&c, "li.receipt .what", "Viewed your details").await;
    wait_text(&c, "li.receipt .meta", "The shop").await;
    // A tampered link shows nothing but the refusal.
    let url = link["url"].as_str().unwrap().replace("TR0000001", "TR0000002");
    c.goto(&format!("{base}{url}")).await.unwrap();
    wait_text(&c, "#state.error", "invalid or has expired").await;
    assert_eq!(count(&c, "li.receipt").await, 0);

    // A harvesting shop: shop2 reveals its six orders in a burst (the admin's rules are
    // tightened over the API so that a burst of six is far above a new shop's median).
    let admin: Session = api_login(&base, "admin").await;
    let rules: Value = admin.0.get(format!("{base}/api/v1/admin/exposure/rules")).send().await.unwrap().json().await.unwrap();
    let mut tight = rules["rules"].clone();
    tight["spike_min_reveals"] = json!(5);
    let r = admin.0.put(format!("{base}/api/v1/admin/exposure/rules")).header("X-CSRF-Token", &admin.1).json(&json!({"rules": tight, "expected_version": 0})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let shop2: Session = api_login(&base, "shop2").await;
    let ids: Vec<&str> = ORDERS.iter().filter(|o| o.0 == "shop2").map(|o| o.1).collect();
    let r = api_reveal(&shop2, &base, &ids).await;
    assert_eq!(r.status().as_u16(), 200, "{}", r.text().await.unwrap());

    // The admin runs the rules from the dashboard and sees shop2's flag, and only shop2's.
    c.goto(&format!("{base}/")).await.unwrap();
    click(&c, "#logout").await;
    login_any(&c, &s.base, "admin").await;
    click(&c, "#nav-exposure a").await;
    wait_for(&c, "#admin-exposure").await;
    click(&c, "#exposure-scan").await;
    wait_for(&c, "#exposure-status").await;
    let flag = "tr.flag-row[data-rule=\"reveal_spike\"][data-shop-id=\"shop2\"]";
    wait_for(&c, flag).await;
    assert_eq!(count(&c, "tr.flag-row[data-shop-id=\"shop1\"]").await, 0, "shop1's single reveal was flagged");
    wait_text(&c, &format!("{flag} td.rule"), "解密量远超自身中位数").await;
    wait_attr(&c, "#exposure-shops tr[data-shop-id=\"shop2\"] rect.bar:last-of-type", "data-reveals", "6").await;
    // The audit rows behind it: the one grant of six orders.
    click(&c, &format!("{flag} button.flag-evidence")).await;
    wait_for(&c, "table.evidence tr.evidence-row").await;
    assert_eq!(count(&c, "table.evidence tr.evidence-row").await, 1);
    wait_text(&c, "table.evidence tr.evidence-row", "shop2").await;
    screenshot(&c, "e2e-exposure-flag.png").await;
    // Suspend needs a comment; then the shop is suspended from the flag.
    click(&c, &format!("{flag} button.flag-suspend")).await;
    wait_for(&c, "#flags-notice").await;
    type_into(&c, &format!("{flag} input.flag-comment"), "短时间内批量查看买家信息，暂停核查").await;
    click(&c, &format!("{flag} button.flag-suspend")).await;
    wait_for(&c, "#flags-status").await;
    wait_for(&c, "#exposure-shops tr.suspended[data-shop-id=\"shop2\"]").await;
    no_receiver_data(&c, "the dashboard").await;
    let r = api_reveal(&shop2, &base, &ids[..1]).await;
    assert_eq!(r.status().as_u16(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], "SHOP_SUSPENDED");
    // The flag is now among the suspended ones.
    wait_for(&c, "#flags-status-filter").await.select_by_value("suspended").await.unwrap();
    wait_attr(&c, "tr.flag-row[data-shop-id=\"shop2\"]", "data-status", "suspended").await;
    c.close().await.unwrap();
}
