//! Accounts in two real headless Chromium sessions against one real server: an owner changes
//! the password on 我的账号 (a mismatch and a wrong current password are refused on the
//! page), the platform admin resets the owner's password in the console (the owner's open
//! session ends), and a locked login says how long to wait, in Chinese and in English.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::Duration;

mod common;

use common::browser;
use common::server::start_web;
use common::wait::{click, log_in, login_any, type_into, wait_attr, wait_for, wait_text};
use fantoccini::Locator;
use orderveil_server::Settings;
use orderveil_server::clock::Clock as _;

const WITHIN: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_changes_the_password_admin_resets_it_and_a_lock_says_how_long() {
    let Some(s) = start_web(Settings::default(), |_| Vec::new()).await else { return };
    let (op, ap) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, o) = browser(op.path()).await;
    let (_d2, a) = browser(ap.path()).await;

    // The owner: 我的账号 from the user name in the header.
    login_any(&o, &s.base, "shop1").await;
    click(&o, "#account-link").await;
    wait_text(&o, "#account-user", "shop1").await;
    let change = async |current: &str, new: &str, repeat: &str| {
        type_into(&o, "#current-password", current).await;
        type_into(&o, "#new-password", new).await;
        type_into(&o, "#repeat-password", repeat).await;
        click(&o, "#change-password").await;
    };
    change("demo1234", "Orchid-Lamp-2026", "Orchid-Lamp-2027").await;
    wait_attr(&o, "#password-refused", "data-code", "MISMATCH").await;
    wait_text(&o, "#password-refused", "两次输入的新密码不一致").await;
    change("not-the-password", "Orchid-Lamp-2026", "Orchid-Lamp-2026").await;
    wait_attr(&o, "#password-refused", "data-code", "CURRENT_PASSWORD_WRONG").await;
    wait_text(&o, "#password-refused", "当前密码错误").await;
    change("demo1234", "password123", "password123").await;
    wait_attr(&o, "#password-refused", "data-code", "PASSWORD_TOO_COMMON").await;
    change("demo1234", "Orchid-Lamp-2026", "Orchid-Lamp-2026").await;
    wait_text(&o, "#password-changed", "密码已修改").await;
    assert_eq!(o.find(Locator::Css("#new-password")).await.unwrap().prop("value").await.unwrap().as_deref(), Some(""), "the form is cleared");
    // Logged out and in again: only the new password works.
    click(&o, "#logout").await;
    log_in(&o, &s.base, "shop1", "demo1234", "#login-error", WITHIN).await;
    wait_attr(&o, "#login-error", "data-code", "INVALID_CREDENTIALS").await;
    log_in(&o, &s.base, "shop1", "Orchid-Lamp-2026", "#logout", WITHIN).await;

    // The admin resets the owner's password in the console; the owner's session ends.
    login_any(&a, &s.base, "admin").await;
    click(&a, "#nav-shops a").await;
    let shop1 = "#shops-table tr[data-shop=\"shop1\"]";
    click(&a, &format!("{shop1} button.shop-users")).await;
    let owner_row = "tr.shop-users-row[data-users-of=\"shop1\"] tr[data-user=\"shop1\"]";
    wait_attr(&a, owner_row, "data-role", "owner").await;
    assert!(a.find(Locator::Css("tr.shop-users-row tr[data-user=\"shop1-ops\"] button.reset-owner")).await.is_err(), "staff have no owner reset");
    click(&a, &format!("{owner_row} button.reset-owner")).await;
    type_into(&a, &format!("{owner_row} input.owner-new-password"), "shop1-new-pass").await;
    click(&a, &format!("{owner_row} button.confirm-owner-reset")).await;
    wait_attr(&a, &format!("{owner_row} .owner-reset-refused"), "data-code", "PASSWORD_CONTAINS_USERNAME").await;
    type_into(&a, &format!("{owner_row} input.owner-new-password"), "Basalt-Heron-77").await;
    click(&a, &format!("{owner_row} button.confirm-owner-reset")).await;
    wait_text(&a, &format!("{owner_row} .owner-reset-done"), "已重置店主「shop1」的密码").await;
    o.refresh().await.unwrap();
    wait_for(&o, "#username").await;
    log_in(&o, &s.base, "shop1", "Basalt-Heron-77", "#logout", WITHIN).await;
    click(&o, "#logout").await;

    // A locked name: the login form says how long, in Chinese, then in English.
    let now = orderveil_server::clock::SystemClock.now();
    let mut conn = s.state.db.begin_write().await.unwrap();
    orderveil_server::store::sessions::set_login_lock(&mut conn, "account:shop2", now + 14 * 60 + 30).await.unwrap();
    conn.commit().await.unwrap();
    log_in(&o, &s.base, "shop2", "demo1234", "#login-error", WITHIN).await;
    wait_attr(&o, "#login-error", "data-code", "LOGIN_LOCKED").await;
    wait_text(&o, "#login-error", "登录失败次数过多，已暂时锁定，请在 14 分").await;
    click(&o, "#lang-switch").await;
    click(&o, "#login").await;
    wait_text(&o, "#login-error", "Too many failed logins: locked for now. Try again in 14 min").await;
    o.close().await.unwrap();
    a.close().await.unwrap();
}
