//! Who may reveal what: shop ownership, permissions, order state, the once-a-day charge.

use orderveil_api::{OrderView, RevealGrantResponse};
use serde_json::json;

use crate::helpers::*;

both_stores!(
    another_shops_order_is_not_found_and_costs_nothing,
    only_shop_users_with_reveal_permission_may_reveal,
    unpaid_cancelled_and_closed_orders_are_refused,
    completed_orders_are_revealable_for_15_days,
    rereveal_is_free_until_shanghai_midnight,
);

async fn another_shops_order_is_not_found_and_costs_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let shop1 = app.login("shop1").await;
    let shop2 = app.login("shop2").await;

    // shop2 asks for shop1's order: it looks exactly like an order that does not exist.
    let (_, r) = shop2.reveal(&["S1-AWAIT-1"], &["phone", "name", "address"]).await;
    let details = r.err(404, "ORDER_NOT_FOUND");
    assert_eq!(details, json!({"order_ids": ["S1-AWAIT-1"]}));
    assert!(r.body.get("sealed_grant").is_none(), "no grant in a refusal: {}", r.text);
    let (_, missing) = shop2.reveal(&["NO-SUCH-ORDER"], &["phone", "name", "address"]).await;
    assert_eq!(missing.err(404, "ORDER_NOT_FOUND"), json!({"order_ids": ["NO-SUCH-ORDER"]}));

    // A batch mixing an own order with another shop's is refused whole: the own one is not charged.
    let (_, r) = shop2.reveal(&["S2-AWAIT-2", "S1-AWAIT-1"], &["phone"]).await;
    assert_eq!(r.err(404, "ORDER_NOT_FOUND"), json!({"order_ids": ["S1-AWAIT-1"]}));

    assert_eq!(shop2.quota().await.used, 0);
    assert_eq!(shop1.quota().await.used, 0);
    assert_eq!((app.charges("shop1").await, app.charges("shop2").await), (0, 0));

    // Control: the same request for shop2's own order goes through and is charged.
    let (_, r) = shop2.reveal(&["S2-AWAIT-2"], &["phone"]).await;
    let g: RevealGrantResponse = r.ok();
    assert_eq!(g.charged_order_ids, ["S2-AWAIT-2"]);
    assert_eq!((shop2.quota().await.used, app.charges("shop2").await, app.charges("shop1").await), (1, 1, 0));
}

async fn only_shop_users_with_reveal_permission_may_reveal(store: Store) {
    let app = TestApp::spawn(store).await;
    for user in ["shop1-staff", "factory1", "admin"] {
        let c = app.login(user).await;
        assert!(!c.user.permissions.contains(&orderveil_api::Permission::Reveal), "{user} is not meant to hold `reveal`");
        let (_, r) = c.reveal(&["S1-AWAIT-1"], &["phone"]).await;
        r.err(403, "FORBIDDEN");
    }
    let owner = app.login("shop1").await;
    assert_eq!((owner.quota().await.used, app.charges("shop1").await), (0, 0), "a refused user charged the quota");

    // Staff with `reveal` and the owner may.
    let ops = app.login("shop1-ops").await;
    assert_eq!((ops.user.role, ops.user.shop_id.as_deref()), (orderveil_api::Role::Staff, Some("shop1")));
    let g: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-AWAIT-1"]);
    let g: RevealGrantResponse = owner.reveal(&["S1-AWAIT-2"], &["name"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-AWAIT-2"]);
    assert_eq!(app.charges("shop1").await, 2);
}

async fn unpaid_cancelled_and_closed_orders_are_refused(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    for id in ["S1-UNPAID", "S1-CANCELLED", "S1-CLOSED"] {
        let (_, r) = c.reveal(&[id], &["phone"]).await;
        assert_eq!(r.err(409, "ORDER_STATE_FORBIDS_REVEAL"), json!({"order_ids": [id]}));
        let v: OrderView = c.get(&format!("/api/v1/orders/{id}")).await.ok();
        assert!(!v.revealable, "{id} is shown as revealable");
    }
    // One forbidden order refuses the whole batch.
    let (_, r) = c.reveal(&["S1-AWAIT-1", "S1-CANCELLED"], &["phone"]).await;
    assert_eq!(r.err(409, "ORDER_STATE_FORBIDS_REVEAL"), json!({"order_ids": ["S1-CANCELLED"]}));
    assert_eq!((c.quota().await.used, app.charges("shop1").await), (0, 0));

    // Awaiting shipment, shipped, after-sales and recently completed orders are revealable.
    let (_, r) = c.reveal(&["S1-AWAIT-1", "S1-SHIPPED", "S1-AFTERSALE", "S1-DONE"], &["phone"]).await;
    let g: RevealGrantResponse = r.ok();
    assert_eq!(g.charged_order_ids.len(), 4);
    assert_eq!(c.quota().await.used, 4);
}

async fn completed_orders_are_revealable_for_15_days(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    let completed = now - DAY;
    let o = completed_at(order("S1-DONE-EDGE", "shop1", orderveil_api::OrderStatus::Completed, now, 20 * DAY, ("冯程程", "13566667777", "浙江省宁波市鄞州区天童南路588号")), completed);
    app.ingest_ok(&[o]).await;
    let c = app.login("shop1").await;
    let _: RevealGrantResponse = c.reveal(&["S1-DONE-EDGE"], &["phone"]).await.1.ok();

    // Exactly 15 days after completion: still allowed.
    app.clock.set(completed + 15 * DAY);
    let v: OrderView = c.get("/api/v1/orders/S1-DONE-EDGE").await.ok();
    assert!(v.revealable);
    let _: RevealGrantResponse = c.reveal(&["S1-DONE-EDGE"], &["phone"]).await.1.ok();
    let charged = app.charges("shop1").await;
    assert_eq!(charged, 2, "a new day charges again");

    // One second later: refused, nothing charged.
    app.clock.set(completed + 15 * DAY + 1);
    let (_, r) = c.reveal(&["S1-DONE-EDGE"], &["phone"]).await;
    r.err(409, "ORDER_STATE_FORBIDS_REVEAL");
    let v: OrderView = c.get("/api/v1/orders/S1-DONE-EDGE").await.ok();
    assert!(!v.revealable);
    assert_eq!(app.charges("shop1").await, charged);
}

async fn rereveal_is_free_until_shanghai_midnight(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    // START is 22:00 in Shanghai on 2026-11-28.
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!((g.charged_order_ids.as_slice(), g.free_order_ids.len(), g.quota.used), (&["S1-AWAIT-1".to_string()][..], 0, 1));
    assert_eq!(g.quota.day, "2026-11-28");

    // Again, other fields: free.
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1"], &["name", "address"]).await.1.ok();
    assert_eq!((g.charged_order_ids.len(), g.free_order_ids.as_slice(), g.quota.used), (0, &["S1-AWAIT-1".to_string()][..], 1));
    assert_eq!(c.quota().await.used, 1);

    // A batch of a free and a new order charges the new one only.
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1", "S1-AWAIT-2"], &["phone"]).await.1.ok();
    assert_eq!((g.charged_order_ids, g.free_order_ids, g.quota.used), (vec!["S1-AWAIT-2".to_string()], vec!["S1-AWAIT-1".to_string()], 2));

    // The charge is per shop and day, not per user: another account of the shop is free too.
    let ops = app.login("shop1-ops").await;
    assert_eq!((ops.user.role, ops.user.shop_id.as_deref()), (orderveil_api::Role::Staff, Some("shop1")));
    let g: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!(g.free_order_ids, ["S1-AWAIT-1"]);

    // 23:59:59 in Shanghai: the same day.
    app.clock.set(START + 2 * 3600 - 1);
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!((g.free_order_ids.len(), g.quota.used, g.quota.day.as_str()), (1, 2, "2026-11-28"));

    // 00:00:00 in Shanghai (16:00 UTC): a new day, the same order is charged again.
    app.clock.set(START + 2 * 3600);
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!((g.charged_order_ids, g.quota.used, g.quota.day.as_str()), (vec!["S1-AWAIT-1".to_string()], 1, "2026-11-29"));
    let q: orderveil_api::QuotaResponse = c.get("/api/v1/quota").await.ok();
    assert_eq!((q.today.day.as_str(), q.today.used), ("2026-11-29", 1));
    let tail: Vec<(&str, u32)> = q.history.iter().rev().take(2).map(|d| (d.day.as_str(), d.used)).collect();
    assert_eq!(tail, [("2026-11-29", 1), ("2026-11-28", 2)]);
    assert_eq!(app.charges("shop1").await, 3);
}
