//! The burst rule: too many reveals too fast put the account into a cool-down.

use orderveil_api::{OrderStatus, RevealGrantResponse};
use orderveil_server::Settings;

use crate::helpers::*;

both_stores!(bursts_put_the_account_into_cool_down, too_many_reveals_in_an_hour_cool_down_too, a_concurrent_burst_cannot_outrun_the_limit);

async fn bursts_put_the_account_into_cool_down(store: Store) {
    let settings = Settings { risk_per_minute: 3, risk_per_hour: 100, risk_cooldown_secs: 30 * 60, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let ops = app.login("shop1-ops").await;

    // Three reveals within the minute are fine (free re-reveals count too).
    for id in ["S1-AWAIT-1", "S1-AWAIT-2", "S1-AWAIT-1"] {
        let _: RevealGrantResponse = ops.reveal(&[id], &["phone"]).await.1.ok();
    }
    app.clock.advance(30);
    // The fourth: cool-down, nothing charged.
    let (_, r) = ops.reveal(&["S1-SHIPPED"], &["phone"]).await;
    let d = r.err(429, "RISK_COOLDOWN");
    assert_eq!(d["retry_after_secs"].as_i64(), Some(30 * 60), "{d}");
    let until = d["until_unix"].as_i64().unwrap();
    assert_eq!(until, app.now() + 30 * 60);
    assert_eq!(app.charges("shop1").await, 2);

    // Per account: the owner of the same shop is not cooling down.
    let owner = app.login("shop1").await;
    let _: RevealGrantResponse = owner.reveal(&["S1-AFTERSALE"], &["phone"]).await.1.ok();

    // Ten minutes later: still refused, and the wait shrank accordingly.
    app.clock.advance(10 * 60);
    let (_, r) = ops.reveal(&["S1-SHIPPED"], &["phone"]).await;
    assert_eq!(r.err(429, "RISK_COOLDOWN")["retry_after_secs"].as_i64(), Some(20 * 60));
    app.clock.set(until - 1);
    let (_, r) = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    assert_eq!(r.err(429, "RISK_COOLDOWN")["retry_after_secs"].as_i64(), Some(1));
    assert_eq!(app.charges("shop1").await, 3);

    // After the cool-down: allowed again.
    app.clock.set(until);
    let g: RevealGrantResponse = ops.reveal(&["S1-SHIPPED"], &["phone"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-SHIPPED"]);

    // Each refusal is audited with its code.
    let refused = owner.audit("actor=shop1-ops&outcome=refused").await;
    assert_eq!(refused.total, 3);
    assert!(refused.entries.iter().all(|e| e.code.as_deref() == Some("RISK_COOLDOWN")));
}

async fn too_many_reveals_in_an_hour_cool_down_too(store: Store) {
    let settings = Settings { risk_per_minute: 100, risk_per_hour: 4, risk_cooldown_secs: 5 * 60, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let ops = app.login("shop1-ops").await;
    // Four reveals, 10 minutes apart: never a burst within a minute.
    for _ in 0..4 {
        let _: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
        app.clock.advance(10 * 60);
    }
    let (_, r) = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    assert_eq!(r.err(429, "RISK_COOLDOWN")["retry_after_secs"].as_i64(), Some(5 * 60));
    let owner = app.login("shop1").await;
    let e = &owner.audit("actor=shop1-ops&outcome=refused").await.entries[0];
    assert_eq!(e.details["risk"]["rule"], "per_hour");
    // Once the first of the four is more than an hour old and the cool-down is over: allowed.
    app.clock.set(START + 3600 + 1);
    let _: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
}

/// The limit holds for a burst fired all at once: requests racing each other must not all
/// count the same "fewer than N in the last minute".
async fn a_concurrent_burst_cannot_outrun_the_limit(store: Store) {
    const LIMIT: u32 = 5;
    let settings = Settings { risk_per_minute: LIMIT, risk_per_hour: 1000, quota_floor: 100, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let batch = realistic("shop1", "R", 40, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&batch).await;
    let ops = std::sync::Arc::new(app.login("shop1-ops").await);
    let mut tasks = tokio::task::JoinSet::new();
    for o in &batch {
        let (ops, id) = (ops.clone(), o.order_id.clone());
        tasks.spawn(async move { ops.reveal(&[&id], &["phone"]).await.1 });
    }
    let (mut ok, mut cooling, mut other) = (0, 0, Vec::new());
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        match (r.status, r.body["code"].as_str()) {
            (200, _) => ok += 1,
            (429, Some("RISK_COOLDOWN")) => cooling += 1,
            _ => other.push(r.text),
        }
    }
    assert!(other.is_empty(), "{other:?}");
    assert_eq!((ok, cooling), (LIMIT, 40 - LIMIT), "a concurrent burst passed the per-minute limit");
    assert_eq!(app.charges("shop1").await, i64::from(LIMIT));
}
