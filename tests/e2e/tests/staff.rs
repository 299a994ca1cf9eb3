//! Staff management and the audit page in a real headless Chromium: the shop owner creates a
//! staff account with `view` + `reveal`, the staff member (another browser profile) sees the
//! eye icons, the owner takes `reveal` away and after a reload the eyes are gone (and a grant
//! request of the same session is FORBIDDEN); the owner's audit page lists those events, says
//! the hash chain verifies, and its CSV link downloads them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::browser;
use common::http::http;
use common::server::{BEDDING, Server, minutes_ago, start_web};
use common::wait::{EVERY, ORDER_ROWS, WITHIN, click, count, log_in, until, wait_attr, wait_for, wait_text};
use fantoccini::{Client, Locator};
use orderveil_api::OrderStatus;
use orderveil_server::Settings;

const STAFF: &str = "e2e-packer";
const STAFF_PASSWORD: &str = "packer-pass-1";

/// A server with the demo users and two shop1 orders, serving `dist/`.
async fn server() -> Option<Server> {
    start_web(Settings::default(), |now| {
        [("E2ESTAFF1", "端到端员工甲", "13912349001"), ("E2ESTAFF2", "端到端员工乙", "13912349002")]
            .iter()
            .enumerate()
            .map(|(i, &(id, name, phone))| BEDDING.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, "浙江省杭州市西湖区端到端员工路1号"), minutes_ago(now, i)))
            .collect()
    })
    .await
}

async fn login(c: &Client, url: &str, user: &str, password: &str) {
    log_in(c, url, user, password, ORDER_ROWS, WITHIN).await;
}

/// The browser's session cookie as a `Cookie` header value.
async fn session_cookie(c: &Client) -> String {
    let cookie = c.get_named_cookie("ov_session").await.unwrap();
    format!("ov_session={}", cookie.value())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_takes_reveal_away_and_the_audit_page_shows_it() {
    let Some(s) = server().await else { return };
    let (p1, p2) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (_d1, owner) = browser(p1.path()).await;
    let (_d2, staff) = browser(p2.path()).await;

    // The owner creates the account with view + reveal on the staff page (员工).
    login(&owner, &s.base, "shop1", "demo1234").await;
    wait_text(&owner, "#nav-staff", "员工").await;
    click(&owner, "#nav-staff a").await;
    wait_for(&owner, "#staff-table").await;
    wait_for(&owner, "#staff-username").await.send_keys(STAFF).await.unwrap();
    owner.find(Locator::Css("#staff-password")).await.unwrap().send_keys(STAFF_PASSWORD).await.unwrap();
    assert!(wait_for(&owner, "#staff-create-form input.perm[data-perm=\"view\"]").await.is_selected().await.unwrap(), "view is preselected");
    click(&owner, "#staff-create-form input.perm[data-perm=\"reveal\"]").await;
    click(&owner, "#staff-create").await;
    wait_for(&owner, "#staff-status").await;
    let row = format!("#staff-table tr[data-username=\"{STAFF}\"]");
    wait_attr(&owner, &row, "data-perms", "view,reveal").await;
    wait_text(&owner, &row, "解密查看").await;

    // The staff member logs in and sees the eyes.
    login(&staff, &s.base, STAFF, STAFF_PASSWORD).await;
    wait_for(&staff, "tr[data-order-id=\"E2ESTAFF1\"] button.eye").await;
    assert!(count(&staff, "button.eye").await >= 2);

    // The owner takes `reveal` away.
    click(&owner, &format!("{row} input.perm[data-perm=\"reveal\"]")).await;
    click(&owner, &format!("{row} button.save-perms")).await;
    wait_attr(&owner, &row, "data-perms", "view").await;

    // The staff member reloads: no eyes; the same session's grant request is refused.
    staff.refresh().await.unwrap();
    wait_for(&staff, "tr[data-order-id=\"E2ESTAFF1\"]").await;
    assert_eq!(count(&staff, "button.eye").await, 0, "eye icons still shown without `reveal`");
    let cookie = session_cookie(&staff).await;
    let me = http(&s.addr, "GET", "/api/v1/me", &[("Cookie", &cookie)], "").await;
    assert_eq!(me.status, 200, "{}", me.text());
    let me: serde_json::Value = serde_json::from_slice(&me.body).unwrap();
    let csrf = me["csrf_token"].as_str().unwrap();
    let grant = http(
        &s.addr,
        "POST",
        "/api/v1/reveal-grants",
        &[("Cookie", &cookie), ("X-CSRF-Token", csrf), ("Content-Type", "application/json")],
        r#"{"order_ids":["E2ESTAFF1"],"fields":["phone"],"client_public":"CQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQkJCQk"}"#,
    )
    .await;
    assert_eq!(grant.status, 403, "{}", grant.text());
    assert!(grant.text().contains("\"FORBIDDEN\""), "{}", grant.text());

    // The owner's audit page (操作日志): the staff events, the chain verifies.
    wait_text(&owner, "#nav-audit", "操作日志").await;
    click(&owner, "#nav-audit a").await;
    wait_attr(&owner, "#audit-chain", "data-state", "ok").await;
    wait_text(&owner, "#audit-chain", "哈希链校验通过").await;
    wait_for(&owner, "#audit-table tr[data-action=\"staff_create\"]").await;
    wait_for(&owner, "#audit-table tr[data-action=\"staff_update\"]").await;
    wait_text(&owner, "#audit-table", STAFF).await;

    // Filter by action; the export link carries the filter and downloads those rows.
    wait_for(&owner, "#audit-action").await.send_keys("staff_update").await.unwrap();
    click(&owner, "#audit-apply").await;
    until(WITHIN, EVERY, "the action filter did not apply", async || {
        count(&owner, "#audit-table tbody tr").await == count(&owner, "#audit-table tbody tr[data-action=\"staff_update\"]").await
            && count(&owner, "#audit-table tbody tr").await != 0
    })
    .await;
    let href = wait_for(&owner, "#audit-export").await.attr("href").await.unwrap().unwrap();
    assert!(href.starts_with("/api/v1/audit/export.csv?") && href.contains("action=staff_update"), "{href}");
    let cookie = session_cookie(&owner).await;
    let csv = http(&s.addr, "GET", &href, &[("Cookie", &cookie)], "").await;
    assert_eq!(csv.status, 200, "{}", csv.text());
    assert!(csv.header("content-type").unwrap().starts_with("text/csv"));
    assert_eq!(&csv.body[..3], b"\xEF\xBB\xBF");
    let text = String::from_utf8(csv.body[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "id,chain,seq,at,actor,shop_id,action,outcome,code,order_ids,details,hash");
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[1].contains(",staff_update,ok,") && lines[1].contains(STAFF), "{text}");
    // Unfiltered, the CSV has the creation too.
    let all = http(&s.addr, "GET", "/api/v1/audit/export.csv", &[("Cookie", &cookie)], "").await;
    assert!(all.text().contains(",staff_create,ok,") && all.text().contains(STAFF));

    owner.close().await.unwrap();
    staff.close().await.unwrap();
}
