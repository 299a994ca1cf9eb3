//! The daily limit `max(floor, ceil(rate × orders of the last 30 days / 30))` and what
//! happens when it is used up.

use orderveil_api::{OrderStatus, RevealGrantResponse};
use orderveil_server::Settings;

use crate::helpers::*;

both_stores!(exhausted_quota_refuses_and_reveals_nothing, daily_limit_follows_the_rate_of_the_last_30_days);

async fn exhausted_quota_refuses_and_reveals_nothing(store: Store) {
    // Shop1 has 8 orders in the last 30 days: ceil(5 % × 8 / 30) = 1, so the floor of 3 rules.
    let app = TestApp::spawn_with(store, Settings { quota_floor: 3, ..test_settings() }).await;
    let c = app.login("shop1").await;
    let q = c.quota().await;
    assert_eq!((q.limit, q.base, q.extra, q.floor, q.used, q.remaining, q.orders_last_30_days), (3, 3, 0, 3, 0, 3, 8));

    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1", "S1-AWAIT-2"], &["phone"]).await.1.ok();
    assert_eq!(g.quota.remaining, 1);

    // Two new orders with one unit left: refused whole, nothing charged.
    let (_, r) = c.reveal(&["S1-SHIPPED", "S1-AFTERSALE"], &["phone"]).await;
    let d = r.err(429, "QUOTA_EXHAUSTED");
    assert_eq!((d["remaining"].as_u64(), d["needed"].as_u64()), (Some(1), Some(2)), "{d}");
    assert_eq!(app.charges("shop1").await, 2);

    let g: RevealGrantResponse = c.reveal(&["S1-SHIPPED"], &["phone"]).await.1.ok();
    assert_eq!((g.quota.used, g.quota.remaining), (3, 0));

    // Used up: a new order is refused with remaining 0, and nothing is sealed or charged.
    let (_, r) = c.reveal(&["S1-AFTERSALE"], &["phone", "name", "address"]).await;
    let d = r.err(429, "QUOTA_EXHAUSTED");
    assert_eq!(d["remaining"].as_u64(), Some(0), "{d}");
    assert_eq!(d["quota"]["used"].as_u64(), Some(3));
    assert!(r.body.get("sealed_grant").is_none());
    let q = c.quota().await;
    assert_eq!((q.used, q.remaining), (3, 0));
    assert_eq!(app.charges("shop1").await, 3);

    // Re-revealing an order charged today stays free even with the quota used up.
    let g: RevealGrantResponse = c.reveal(&["S1-AWAIT-1"], &["address"]).await.1.ok();
    assert_eq!((g.charged_order_ids.len(), g.free_order_ids.as_slice()), (0, &["S1-AWAIT-1".to_string()][..]));

    // The refusal is audited with the quota it saw.
    let page = c.audit("action=reveal&outcome=refused&order_id=S1-AFTERSALE").await;
    let codes: Vec<_> = page.entries.iter().map(|e| e.code.clone().unwrap_or_default()).collect();
    assert_eq!(codes, ["QUOTA_EXHAUSTED", "QUOTA_EXHAUSTED"]);
    assert_eq!(page.entries[0].details["quota"]["limit"].as_u64(), Some(3));
}

async fn daily_limit_follows_the_rate_of_the_last_30_days(store: Store) {
    // Rate 100 % and floor 2: the limit is ceil(orders of the last 30 days / 30).
    let app = TestApp::spawn_with(store, Settings { quota_rate_bps: 10_000, quota_floor: 2, ..test_settings() }).await;
    let now = app.now();
    let recv = ("吴敏", "17700002222", "陕西省西安市雁塔区小寨东路1号");
    // Shop3 has 1 base order; 60 more in the last 30 days, 40 older ones that must not count.
    let mut orders: Vec<_> = (0..60).map(|i| order(&format!("R3-NEW-{i:03}"), "shop3", OrderStatus::AwaitingShipment, now, 3600 + i * 9 * 3600, recv)).collect();
    orders.extend((0..40).map(|i| order(&format!("R3-OLD-{i:03}"), "shop3", OrderStatus::Shipped, now, 31 * DAY + i * 3600, recv)));
    app.ingest_ok(&orders).await;

    let c = app.login("shop3").await;
    let q = c.quota().await;
    // ceil(61 / 30) = 3 (2.03 rounded up, not to nearest); with the 40 old ones it would be 4.
    assert_eq!((q.orders_last_30_days, q.base, q.limit, q.floor), (61, 3, 3, 2), "{q:?}");

    for id in ["R3-NEW-000", "R3-NEW-001", "R3-NEW-002"] {
        let _: RevealGrantResponse = c.reveal(&[id], &["phone"]).await.1.ok();
    }
    let (_, r) = c.reveal(&["R3-NEW-003"], &["phone"]).await;
    assert_eq!(r.err(429, "QUOTA_EXHAUSTED")["remaining"].as_u64(), Some(0));
    assert_eq!(app.charges("shop3").await, 3);

    // The day's base is fixed once the day has started; 30 more orders count from tomorrow.
    let more: Vec<_> = (0..30).map(|i| order(&format!("R3-MORE-{i:03}"), "shop3", OrderStatus::AwaitingShipment, now, 600 + i, recv)).collect();
    app.ingest_ok(&more).await;
    assert_eq!(c.quota().await.limit, 3);
    app.clock.set(START + 2 * 3600); // Shanghai midnight
    let q = c.quota().await;
    assert_eq!((q.day.as_str(), q.orders_last_30_days, q.limit, q.used), ("2026-11-29", 91, 4, 0), "ceil(91 / 30) = 4");
    let _: RevealGrantResponse = c.reveal(&["R3-NEW-003"], &["phone"]).await.1.ok();
}
