//! Crypto-shredding after the retention period: the keys of orders completed or cancelled
//! longer ago than the platform's `retention_days` are dropped; their masks stay, a reveal
//! answers ORDER_SHREDDED, and each run is audited with counts.

use orderveil_api::{OrderView, RevealGrantResponse};

use crate::helpers::*;

both_stores!(orders_past_retention_lose_their_keys_and_keep_their_masks, a_label_of_a_shredded_order_is_not_printed);

async fn orders_past_retention_lose_their_keys_and_keep_their_masks(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    // A completed order that is revealable now (completed yesterday), for the timeline below.
    app.ingest_ok(&[completed_at(order("S1-RECENT", "shop1", orderveil_api::OrderStatus::Completed, app.now(), 3 * DAY, ("王五", "13900001234", "浙江省宁波市鄞州区天童南路1号")), app.now() - DAY)]).await;
    let g: RevealGrantResponse = owner.reveal(&["S1-RECENT"], &["phone"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-RECENT"]);
    let before: OrderView = owner.get("/api/v1/orders/S1-DONE").await.ok();
    assert!(!before.shredded);

    // Nothing is due yet.
    let r = orderveil_server::retention::run(&app.state).await.unwrap();
    assert_eq!(r.orders, 0);
    assert!(owner.audit("action=shred").await.entries.is_empty(), "an empty run is not audited");

    // 91 days on (retention 90): the completed, cancelled and closed orders of the base set and
    // S1-RECENT lose their keys; orders awaiting shipment, shipped or in after-sales keep them.
    app.clock.advance(91 * DAY);
    let r = orderveil_server::retention::run(&app.state).await.unwrap();
    let shredded: Vec<String> =
        sqlx::query_scalar("SELECT order_id FROM orders WHERE wrapped_dek IS NULL ORDER BY order_id").fetch_all(&app.state.db.pool).await.unwrap();
    assert_eq!(shredded, ["S1-CANCELLED", "S1-CLOSED", "S1-DONE", "S1-RECENT"], "{r:?}");
    assert_eq!((r.orders, r.shops), (4, 1));
    // A second run finds nothing left.
    assert_eq!(orderveil_server::retention::run(&app.state).await.unwrap().orders, 0);

    // The order still lists, masked, marked shredded and not revealable; its ciphertexts stay.
    let after: OrderView = owner.get("/api/v1/orders/S1-DONE").await.ok();
    assert!(after.shredded && !after.revealable);
    assert_eq!((after.masked.clone(), after.ciphertext.clone()), (before.masked.clone(), before.ciphertext.clone()));
    // A reveal says the data is destroyed (before anything about the state), charges nothing.
    let used = owner.quota().await.used;
    owner.reveal(&["S1-DONE"], &["phone"]).await.1.err(410, "ORDER_SHREDDED");
    let details = owner.reveal(&["S1-AWAIT-1", "S1-CANCELLED"], &["name"]).await.1.err(410, "ORDER_SHREDDED");
    assert_eq!(details["order_ids"], serde_json::json!(["S1-CANCELLED"]));
    assert_eq!(owner.quota().await.used, used);
    // Others still reveal.
    let _: RevealGrantResponse = owner.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();

    // Audited on the shop's chain with the count, and the chain still verifies.
    let trail = owner.audit("action=shred").await;
    assert_eq!(trail.entries.len(), 1);
    assert_eq!((trail.entries[0].actor.as_str(), trail.entries[0].details["orders"].as_u64()), ("retention", Some(4)));
    assert_eq!(trail.entries[0].details["retention_days"], 90);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");

    // The retention is a platform setting; the command line runs it too.
    let s = app.set_platform(|u| u.retention_days = Some(16)).await;
    assert_eq!(s.retention_days, 16);
    let (ok, out) = app.run_binary(&["retention", "run"], "").await;
    assert!(ok && out.contains("retention: shredded the keys of 0 orders"), "{out}");
}

async fn a_label_of_a_shredded_order_is_not_printed(store: Store) {
    let app = TestApp::spawn(store).await;
    let a = crate::waybills::funded_account(&app, 5).await;
    let owner = app.login("shop1").await;
    let wb: Vec<orderveil_api::Waybill> = owner.post("/api/v1/waybills", &serde_json::json!({"account_id": a.id, "order_ids": ["S1-AWAIT-2"], "merge": false})).await.ok();
    // The order system then reports the order completed (its label never printed), and the
    // retention passes.
    let done = completed_at(order("S1-AWAIT-2", "shop1", orderveil_api::OrderStatus::Completed, app.now(), DAY, ("欧阳娜娜", "13912340001", "上海市浦东新区张江路88弄5号1201室")), app.now());
    app.ingest_ok(&[done]).await;
    app.clock.advance(91 * DAY);
    assert!(orderveil_server::retention::run(&app.state).await.unwrap().orders >= 1);
    let key = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key())
    };
    let body = serde_json::json!({"waybill_nos": [wb[0].waybill_no], "client_public": key});
    let details = owner.post("/api/v1/print-grants", &body).await.err(410, "ORDER_SHREDDED");
    assert_eq!(details["order_ids"], serde_json::json!(["S1-AWAIT-2"]));
}
