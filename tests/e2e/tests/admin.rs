//! The platform admin console in two real headless Chromium sessions against one real server:
//! the admin creates a shop, looks at a shop's users, suspends shop1 with a reason (the
//! merchant's page shows the banner and its eye is refused with SHOP_SUSPENDED), resumes it,
//! raises the platform's quota floor in 平台设置 (the merchant's meter follows without a
//! reload and the eye reveals again) together with the shop-wide burst limit (refused below
//! the account's, with the range) and the receiver search limits, and finds every one of
//! those actions on the audit page.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

mod common;

use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{login_any as login, type_into, wait_attr};
use common::wait::{click, count, field, wait_for, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;

const ORDERS: &[(&str, &str, &str, &str)] = &[
    ("AD0000001", "后台测试甲", "13712350001", "浙江省杭州市西湖区后台测试路1号"),
    ("AD0000002", "后台测试乙", "13712350002", "北京市朝阳区后台测试街2号"),
    ("AD0000003", "后台测试丙", "13712350003", "上海市浦东新区后台测试巷3号"),
];

const TEA: Goods = Goods { title: "龙井茶 250g", quantity: 1, price_cents: 12_800 };

async fn server(settings: Settings) -> Option<Server> {
    start_web(settings, |now| {
        ORDERS.iter().enumerate().map(|(i, &(id, name, phone, address))| TEA.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), minutes_ago(now, i))).collect()
    })
    .await
}


/// Make the merchant's app re-read its quota now (it also polls every 30 s).
async fn refocus(c: &Client) {
    tokio::time::sleep(Duration::from_millis(1100)).await;
    c.execute("window.dispatchEvent(new Event('focus')); return null;", vec![]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_runs_shops_and_settings_and_the_merchant_feels_it() {
    // Three orders: the floor of 2 is shop1's limit.
    let settings = Settings {
        quota_floor: 2,
        risk_per_minute: 10_000,
        risk_per_hour: 100_000,
        shop_risk_per_minute: 10_000,
        shop_risk_per_hour: 100_000,
        ..Settings::default()
    };
    let Some(s) = server(settings).await else { return };
    let (mp, ap) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, m) = browser(mp.path()).await;
    let (_d2, a) = browser(ap.path()).await;

    login(&m, &s.base, "shop1").await;
    wait_for(&m, "table#orders tbody tr").await;
    wait_attr(&m, "#quota-meter", "data-limit", "2").await;
    m.execute("window.__sameApp = 'yes'; return null;", vec![]).await.unwrap();

    // The admin's shops: the demo shops with their owners; shop1's users.
    login(&a, &s.base, "admin").await;
    wait_text(&a, "#nav-shops", "店铺管理").await;
    click(&a, "#nav-shops a").await;
    let shop1 = "#shops-table tr[data-shop=\"shop1\"]";
    wait_attr(&a, shop1, "data-suspended", "false").await;
    wait_text(&a, &format!("{shop1} td.owners"), "shop1").await;
    click(&a, &format!("{shop1} button.shop-users")).await;
    wait_attr(&a, "tr.shop-users-row[data-users-of=\"shop1\"] tr[data-user=\"shop1-ops\"]", "data-role", "staff").await;

    // Create a shop with its owner; a taken owner name is refused next to its field.
    type_into(&a, "#new-shop-id", "shop7").await;
    type_into(&a, "#new-shop-name", "宁波文具批发店").await;
    type_into(&a, "#new-owner-username", "shop1-ops").await;
    type_into(&a, "#new-owner-password", "first-pass-77").await;
    click(&a, "#shop-create-submit").await;
    wait_attr(&a, "#shop-create-error", "data-code", "USERNAME_TAKEN").await;
    type_into(&a, "#new-owner-username", "shop7-owner").await;
    click(&a, "#shop-create-submit").await;
    wait_attr(&a, "#shops-status", "data-code", "created").await;
    wait_text(&a, "#shops-table tr[data-shop=\"shop7\"] td.owners", "shop7-owner").await;

    // Suspend shop1: the confirm button waits for a reason.
    click(&a, &format!("{shop1} button.shop-suspend")).await;
    let confirm = wait_for(&a, &format!("{shop1} button.suspend-confirm")).await;
    assert!(confirm.attr("disabled").await.unwrap().is_some(), "confirm is enabled without a reason");
    type_into(&a, &format!("{shop1} input.suspend-reason"), "涉嫌批量查看买家信息，暂停核查").await;
    click(&a, &format!("{shop1} button.suspend-confirm")).await;
    wait_attr(&a, shop1, "data-suspended", "true").await;
    wait_text(&a, &format!("{shop1} .shop-status"), "已停用").await;
    let _ = std::fs::write(screenshot_path("e2e-admin-shops.png"), a.screenshot().await.unwrap());

    // The merchant's page says so and its eye is refused; nothing shows.
    refocus(&m).await;
    wait_for(&m, "#shop-suspended-banner").await;
    click(&m, &field("AD0000001", "name", "button.eye")).await;
    wait_attr(&m, "#reveal-notice", "data-code", "SHOP_SUSPENDED").await;
    assert!(m.find_all(Locator::Css(&field("AD0000001", "name", ".plain"))).await.unwrap().is_empty());
    wait_attr(&m, "#quota-meter", "data-used", "0").await;

    // Resume; then raise the floor to 3 in 平台设置.
    click(&a, &format!("{shop1} button.shop-resume")).await;
    wait_attr(&a, shop1, "data-suspended", "false").await;
    click(&a, "#nav-settings a").await;
    wait_attr(&a, "#settings-current dd[data-field=\"quota_floor\"]", "data-value", "2").await;
    let version = wait_for(&a, "#settings-current").await.attr("data-version").await.unwrap().unwrap();
    type_into(&a, "#set-floor", "3").await;
    type_into(&a, "#set-rate", "abc").await;
    click(&a, "#settings-save").await;
    wait_attr(&a, "#settings-form-error", "data-code", "NOT_A_NUMBER").await;
    type_into(&a, "#set-rate", "5").await;
    // The shop-wide burst limit may not be below the account's: refused next to its field, with the range.
    type_into(&a, "#set-shop-per-minute", "5").await;
    click(&a, "#settings-save").await;
    wait_attr(&a, "#settings-form-error", "data-field", "shop_risk_per_minute").await;
    wait_text(&a, "#settings-form-error", "10000").await;
    type_into(&a, "#set-shop-per-minute", "20000").await;
    // The receiver search limits.
    wait_for(&a, "#set-search-floor-help").await;
    type_into(&a, "#set-search-per-minute", "30").await;
    type_into(&a, "#set-search-floor", "50").await;
    type_into(&a, "#set-search-factor", "2").await;
    click(&a, "#settings-save").await;
    wait_for(&a, "#settings-status").await;
    wait_attr(&a, "#settings-current dd[data-field=\"quota_floor\"]", "data-value", "3").await;
    for (field, value) in [("shop_risk_per_minute", "20000"), ("search_per_minute", "30"), ("search_budget_floor", "50"), ("search_budget_factor", "2")] {
        wait_attr(&a, &format!("#settings-current dd[data-field=\"{field}\"]"), "data-value", value).await;
    }
    let after = wait_for(&a, "#settings-current").await.attr("data-version").await.unwrap().unwrap();
    assert_eq!(after.parse::<i64>().unwrap(), version.parse::<i64>().unwrap() + 1);
    wait_text(&a, "#settings-updated-by", "admin").await;

    // The merchant: banner gone, meter at 3 without a reload, three reveals.
    refocus(&m).await;
    wait_attr(&m, "#quota-meter", "data-limit", "3").await;
    assert_eq!(count(&m, "#shop-suspended-banner").await, 0, "the banner stayed after the resume");
    for (id, name, _, _) in ORDERS {
        click(&m, &field(id, "name", "button.eye")).await;
        wait_text(&m, &field(id, "name", ".plain"), name).await;
    }
    wait_attr(&m, "#quota-meter", "data-used", "3").await;
    assert_eq!(m.execute("return window.__sameApp || null;", vec![]).await.unwrap(), serde_json::json!("yes"), "the app was reloaded");

    // The admin's audit page lists every one of its actions.
    click(&a, "#nav-audit a").await;
    wait_attr(&a, "#audit-chain", "data-state", "ok").await;
    for action in ["shop_create", "shop_suspend", "shop_resume", "settings_update"] {
        wait_for(&a, &format!("#audit-table tr[data-action=\"{action}\"]")).await;
    }
    let _ = std::fs::write(screenshot_path("e2e-admin-audit.png"), a.screenshot().await.unwrap());

    m.close().await.unwrap();
    a.close().await.unwrap();
}
