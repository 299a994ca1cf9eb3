//! Quota raise applications in two real headless Chromium sessions against one real server:
//! a merchant exhausts the day's quota, sees QUOTA_EXHAUSTED on an eye, applies on the quota
//! page; the platform admin approves in another browser profile; without reloading the app,
//! the merchant's header meter shows the new limit, a banner tells of the decision, and the
//! eye reveals again.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

mod common;

use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{WITHIN, click, field, log_in, wait_for, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::{Settings, demo};

/// (order id, status, name, phone, address) of shop1; none is a demo receiver.
const ORDERS: &[(&str, OrderStatus, &str, &str, &str)] = &[
    ("QA0000001", OrderStatus::AwaitingShipment, "提额测试甲", "13712340001", "浙江省杭州市西湖区提额测试路1号"),
    ("QA0000002", OrderStatus::AwaitingShipment, "提额测试乙", "13712340002", "北京市朝阳区提额测试街2号"),
    ("QA0000003", OrderStatus::Shipped, "提额测试丙", "13712340003", "上海市浦东新区提额测试巷3号"),
];

const GAME_CARD: Goods = Goods { title: "点卡 100 元", quantity: 1, price_cents: 10_000 };

/// A server with the demo users and `ORDERS`, serving `dist/`.
async fn server(settings: Settings) -> Option<Server> {
    start_web(settings, |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, status, name, phone, address))| GAME_CARD.order(id, "shop1", status, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}

/// Attribute waits here look every 100 ms.
async fn wait_attr_within(c: &Client, css: &str, attr: &str, want: &str, within: Duration) {
    common::wait::wait_attr_every(c, css, attr, want, within, Duration::from_millis(100)).await;
}

async fn wait_attr(c: &Client, css: &str, attr: &str, want: &str) {
    wait_attr_within(c, css, attr, want, WITHIN).await;
}

async fn login(c: &Client, url: &str, user: &str) {
    log_in(c, url, user, demo::PASSWORD, "#logout", WITHIN).await;
}

fn eye(id: &str, kind: &str) -> String {
    field(id, kind, "button.eye")
}

fn plain(id: &str, kind: &str) -> String {
    field(id, kind, ".plain")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn merchant_applies_admin_approves_and_the_eye_reveals_again() {
    // Shop1 has 3 orders: the floor of 2 is its limit. Risk limits out of the way.
    let settings = Settings { quota_floor: 2, risk_per_minute: 10_000, risk_per_hour: 100_000, ..Settings::default() };
    let Some(s) = server(settings).await else { return };
    let (merchant_profile, admin_profile) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, m) = browser(merchant_profile.path()).await;
    let (_d2, a) = browser(admin_profile.path()).await;

    // The merchant uses up the day's 2 reveals; the third order's eye is refused.
    login(&m, &s.base, "shop1").await;
    wait_for(&m, "table#orders tbody tr").await;
    wait_attr(&m, "#quota-meter", "data-limit", "2").await;
    for id in ["QA0000001", "QA0000002"] {
        click(&m, &eye(id, "name")).await;
        wait_for(&m, &plain(id, "name")).await;
    }
    wait_attr(&m, "#quota-meter", "data-used", "2").await;
    click(&m, &eye("QA0000003", "name")).await;
    wait_attr(&m, "#reveal-notice", "data-code", "QUOTA_EXHAUSTED").await;
    assert!(m.find_all(Locator::Css(&plain("QA0000003", "name"))).await.unwrap().is_empty());

    // It applies on the quota page: base 2 from the base rule, no extras yet.
    click(&m, "#nav-quota a").await;
    wait_attr(&m, "#quota-sources li[data-source=\"base\"]", "data-per-day", "2").await;
    wait_for(&m, "#quota-no-extras").await;
    wait_for(&m, "#qa-empty").await;
    let per_day = wait_for(&m, "#qa-per-day").await;
    per_day.clear().await.unwrap();
    per_day.send_keys("10").await.unwrap();
    m.find(Locator::Css("#qa-reason")).await.unwrap().select_by_value("virtual_goods").await.unwrap();
    m.find(Locator::Css("#qa-description")).await.unwrap().send_keys("双十一点卡发码，每天需额外查看约 10 个订单").await.unwrap();
    // Start and end default to today (Asia/Shanghai).
    let start = m.find(Locator::Css("#qa-start")).await.unwrap().prop("value").await.unwrap().unwrap();
    assert_eq!(start.len(), 10, "start day {start:?}");
    click(&m, "#qa-submit").await;
    wait_for(&m, "#qa-message").await;
    wait_attr(&m, "#qa-list tbody tr", "data-status", "pending").await;
    let id = m.find(Locator::Css("#qa-list tbody tr")).await.unwrap().attr("data-application-id").await.unwrap().unwrap();
    wait_text(&m, "#qa-list tbody tr .app-status", "待审核").await;

    // Back to the orders (a client-side route, no reload); mark the page to prove it is not reloaded.
    click(&m, "#nav-orders a").await;
    wait_for(&m, "table#orders tbody tr").await;
    m.execute("window.__sameApp = 'yes'; return null;", vec![]).await.unwrap();

    // The admin, in another browser profile, sees it in the queue with the shop's context and approves.
    login(&a, &s.base, "admin").await;
    click(&a, "#nav-applications a").await;
    let row = format!("#aa-list tr[data-application-id=\"{id}\"]");
    wait_attr(&a, &row, "data-shop-id", "shop1").await;
    wait_text(&a, &format!("{row} dd[data-key=\"orders30\"]"), "3").await;
    wait_text(&a, &format!("{row} dd[data-key=\"reveals30\"]"), "2").await;
    wait_text(&a, &format!("{row} dd[data-key=\"previous\"]"), "0").await;
    wait_text(&a, &format!("{row} .per-day"), "+10").await;
    a.find(Locator::Css(&format!("{row} .aa-comment"))).await.unwrap().send_keys("同意，活动期间临时提额").await.unwrap();
    let _ = std::fs::write(screenshot_path("e2e-admin-applications.png"), a.screenshot().await.unwrap());
    click(&a, &format!("{row} .aa-approve")).await;
    wait_for(&a, "#aa-message").await;
    wait_for(&a, "#aa-empty").await;

    // The merchant's meter follows without a reload (the poll runs every 30 s; a focus
    // refreshes at once, at most once a second), and a banner tells of the decision.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    m.execute("window.dispatchEvent(new Event('focus')); return null;", vec![]).await.unwrap();
    wait_attr_within(&m, "#quota-meter", "data-limit", "12", Duration::from_secs(10)).await;
    wait_attr_within(&m, "#application-notice p.decided", "data-status", "active", Duration::from_secs(10)).await;
    wait_text(&m, "#application-notice", "已通过审核").await;
    let same = m.execute("return window.__sameApp || null;", vec![]).await.unwrap();
    assert_eq!(same, serde_json::json!("yes"), "the app was reloaded");
    let _ = std::fs::write(screenshot_path("e2e-application-approved.png"), m.screenshot().await.unwrap());

    // The eye reveals again at once.
    click(&m, &eye("QA0000003", "name")).await;
    wait_text(&m, &plain("QA0000003", "name"), "提额测试丙").await;
    wait_attr(&m, "#quota-meter", "data-used", "3").await;

    // Dismissed, the banner stays away after a reload; the quota page shows the extra's source.
    click(&m, "#application-notice-dismiss").await;
    m.refresh().await.unwrap();
    wait_for(&m, "table#orders tbody tr").await;
    click(&m, "#nav-quota a").await;
    wait_attr(&m, &format!("#quota-sources li[data-application-id=\"{id}\"]"), "data-per-day", "10").await;
    wait_attr(&m, "#qa-list tbody tr", "data-status", "active").await;
    assert!(m.find_all(Locator::Css("#application-notice")).await.unwrap().is_empty(), "a dismissed notice came back");

    m.close().await.unwrap();
    a.close().await.unwrap();
}
