//! The platform admin console in two real headless Chromium sessions against one real server:
//! the admin creates a shop, looks at a shop's users, suspends shop1 with a reason (the
//! merchant's page shows the banner and its eye is refused with SHOP_SUSPENDED), resumes it,
//! raises the platform's quota floor in 平台设置 (the merchant's meter follows without a
//! reload and the eye reveals again) together with the shop-wide burst limit (refused below
//! the account's, with the range) and the receiver search limits, and finds every one of
//! those actions on the audit page. Then factories (厂商管理): the admin creates a factory
//! with its owner on the page (the password rules' refusals shown with their messages), the
//! new owner logs in to the factory console and accepts shop1's invitation; the admin suspends
//! the factory with a reason and its allocation is refused with the suspension's message;
//! resumed, it allocates.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

mod common;

use common::http::{Session, api_login, api_post};
use common::server::{Goods, Server, minutes_ago, start_web};
use common::wait::{WITHIN, log_in, login_any as login, type_into, wait_attr};
use common::wait::{click, count, field, wait_for, wait_text};
use common::{browser, screenshot_path};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;
use serde_json::{Value, json};

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

/// The new factory owner's first password.
const F7_PASSWORD: &str = "Ningbo-Wujin-77";

/// factory7's approved ZTO account with 10 units, over the API: its owner applies and asks
/// for a top-up, the admin approves and confirms the payment.
async fn fund_factory7(base: &str) {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r: Value = http.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": "factory7-owner", "password": F7_PASSWORD})).send().await.unwrap().json().await.unwrap();
    let factory: Session = (http, r["csrf_token"].as_str().unwrap().to_string());
    let admin = api_login(base, "admin").await;
    let body = json!({"carrier": "ZTO", "outlet": "宁波北仑网点", "sender_name": "五金代发仓", "sender_phone": "0574-86660000", "sender_address": "浙江省宁波市北仑区新碶街道明州路1号"});
    let a: Value = api_post(&factory, format!("{base}/api/v1/waybill-accounts"), body).await;
    let id = a["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-accounts/{id}/approve"), json!({"comment": ""})).await;
    let t: Value = api_post(&factory, format!("{base}/api/v1/waybill-accounts/{id}/topups"), json!({"units": 10})).await;
    let topup = t["id"].as_i64().unwrap();
    let _: Value = api_post(&admin, format!("{base}/api/v1/waybill-topups/{topup}/confirm"), json!({"amount_cents": 500, "payment_ref": "E2E-F7"})).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_creates_a_factory_suspends_it_and_its_allocation_is_refused() {
    let Some(s) = server(Settings::default()).await else { return };
    let base = s.base.trim_end_matches('/').to_string();
    let (ap, fp) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, a) = browser(ap.path()).await;
    let (_d2, f) = browser(fp.path()).await;

    // 厂商管理: the demo factories.
    login(&a, &s.base, "admin").await;
    wait_text(&a, "#nav-factories", "厂商管理").await;
    click(&a, "#nav-factories a").await;
    wait_attr(&a, "#factories-table tr[data-factory=\"factory1\"]", "data-suspended", "false").await;

    // Create factory7 with its owner; the password rules' refusals show next to the field.
    type_into(&a, "#new-factory-id", "factory7").await;
    type_into(&a, "#new-factory-name", "宁波五金代发厂").await;
    type_into(&a, "#new-factory-owner-username", "factory7-owner").await;
    type_into(&a, "#new-factory-owner-password", "short").await;
    click(&a, "#factory-create-submit").await;
    wait_attr(&a, "#factory-create-error", "data-code", "PASSWORD_LENGTH").await;
    wait_attr(&a, "#factory-create-error", "data-field", "owner_password").await;
    wait_text(&a, "#factory-create-error", "密码长度须为 8 到 256 个字符").await;
    type_into(&a, "#new-factory-owner-password", "my-factory7-owner-pass").await;
    click(&a, "#factory-create-submit").await;
    wait_attr(&a, "#factory-create-error", "data-code", "PASSWORD_CONTAINS_USERNAME").await;
    wait_text(&a, "#factory-create-error", "密码不能包含用户名").await;
    type_into(&a, "#new-factory-owner-password", F7_PASSWORD).await;
    click(&a, "#factory-create-submit").await;
    wait_attr(&a, "#factories-status", "data-code", "created").await;
    wait_text(&a, "#factories-status", "factory7-owner").await;
    let row = "#factories-table tr[data-factory=\"factory7\"]";
    wait_attr(&a, row, "data-suspended", "false").await;
    wait_text(&a, row, "宁波五金代发厂").await;

    // shop1 invites factory7; its new owner logs in to the factory console and accepts.
    let shop = api_login(&base, "shop1").await;
    let _: Value = api_post(&shop, format!("{base}/api/v1/factory-bindings"), json!({"factory_id": "factory7"})).await;
    log_in(&f, &s.base, "factory7-owner", F7_PASSWORD, "#logout", WITHIN).await;
    wait_for(&f, "#fo-page").await;
    wait_for(&f, "#fo-empty").await;
    wait_text(&f, "#nav-factory", "代发订单").await;
    assert_eq!(count(&f, "table#orders").await, 0, "the shop's order list shown to a factory");
    click(&f, "#nav-bindings a").await;
    let invitation = "#bind-table tr[data-shop-id=\"shop1\"]";
    wait_attr(&f, invitation, "data-status", "invited").await;
    click(&f, &format!("{invitation} .bind-accept")).await;
    wait_attr(&f, invitation, "data-status", "active").await;
    let _: Value = api_post(&shop, format!("{base}/api/v1/assignments"), json!({"factory_id": "factory7", "order_ids": ["AD0000001"]})).await;
    fund_factory7(&base).await;

    // The admin suspends factory7: the confirm button waits for a reason.
    click(&a, &format!("{row} button.factory-suspend")).await;
    let confirm = wait_for(&a, &format!("{row} button.suspend-confirm")).await;
    assert!(confirm.attr("disabled").await.unwrap().is_some(), "confirm is enabled without a reason");
    type_into(&a, &format!("{row} input.suspend-reason"), "营业执照待复核").await;
    click(&a, &format!("{row} button.suspend-confirm")).await;
    wait_attr(&a, row, "data-suspended", "true").await;
    wait_text(&a, &format!("{row} .factory-status"), "已停用").await;
    wait_attr(&a, "#factories-status", "data-code", "suspended").await;
    let _ = std::fs::write(screenshot_path("e2e-admin-factories.png"), a.screenshot().await.unwrap());

    // The factory still reads its list; its allocation is refused with the suspension's message.
    click(&f, "#nav-factory a").await;
    wait_text(&f, "#factory-suspended-banner", "本厂商已被平台暂停").await;
    let order = "#fo-table tr[data-order-id=\"AD0000001\"]";
    wait_for(&f, order).await;
    click(&f, &format!("{order} input.fo-select")).await;
    click(&f, "#allocate-selected").await;
    wait_text(&f, "#allocate-account", "中通快递").await;
    click(&f, "#allocate-submit").await;
    wait_attr(&f, "#allocate-notice", "data-code", "FACTORY_SUSPENDED").await;
    wait_text(&f, "#allocate-notice", "该厂商已被平台暂停").await;
    assert_eq!(count(&f, "#allocate-status").await, 0, "a suspended factory allocated");

    // Resumed: the same allocation goes through.
    click(&a, &format!("{row} button.factory-resume")).await;
    wait_attr(&a, row, "data-suspended", "false").await;
    wait_attr(&a, "#factories-status", "data-code", "resumed").await;
    click(&f, "#allocate-submit").await;
    wait_text(&f, "#allocate-status", "已分配 1 张面单").await;

    // In English; and on the audit page.
    click(&a, "#lang-switch").await;
    wait_text(&a, "#factories-page h2", "Factories").await;
    wait_text(&a, &format!("{row} .factory-status"), "Active").await;
    click(&a, "#nav-audit a").await;
    wait_attr(&a, "#audit-chain", "data-state", "ok").await;
    for action in ["factory_create", "factory_suspend", "factory_resume"] {
        wait_for(&a, &format!("#audit-table tr[data-action=\"{action}\"]")).await;
    }

    a.close().await.unwrap();
    f.close().await.unwrap();
}
