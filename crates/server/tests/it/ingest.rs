//! The order system's ingest: idempotent on the order id, all or nothing per batch.

use orderveil_api::{IngestResponse, OrderStatus, OrderView};

use crate::helpers::*;

both_stores!(
    ingest_is_idempotent_and_all_or_nothing,
    a_full_batch_stays_aligned_across_the_encryption_split,
    a_conflict_at_the_end_of_a_full_batch_applies_nothing,
    repeats_update_in_bulk_and_re_encrypt_only_changed_receivers,
    batches_written_together_still_succeed_and_fail_alone,
);

async fn stored(app: &TestApp, prefix: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders WHERE order_id LIKE $1").bind(format!("{prefix}%")).fetch_one(&app.state.db.pool).await.unwrap();
    n
}

async fn ingest_is_idempotent_and_all_or_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let s2 = app.login("shop2").await;
    let mut batch = realistic("shop2", "I", 5, app.now(), OrderStatus::AwaitingShipment);

    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (5, 0));
    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (0, 5));
    assert_eq!(stored(&app, "I-").await, 5);
    assert_eq!(s2.orders("").await.total, 7, "the per-shop count must not double");

    // A repeat with a new status updates the order (and the counts); the state rule follows.
    batch[0].status = OrderStatus::Cancelled;
    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (0, 5));
    let v: OrderView = s2.get("/api/v1/orders/I-0001").await.ok();
    assert_eq!(v.status, OrderStatus::Cancelled);
    assert_eq!(s2.orders("status=cancelled").await.total, 1);
    assert_eq!(s2.orders("status=awaiting_shipment").await.total, 6);
    s2.reveal(&["I-0001"], &["phone"]).await.1.err(409, "ORDER_STATE_FORBIDS_REVEAL");

    // One bad order id: 422, and none of the batch is stored.
    let mut bad = realistic("shop2", "J", 4, app.now(), OrderStatus::AwaitingShipment);
    bad[2].order_id = "J 0003!".into();
    let d = app.ingest(&bad).await.err(422, "VALIDATION_FAILED");
    assert_eq!((d["errors"][0]["index"].as_u64(), d["errors"][0]["field"].as_str()), (Some(2), Some("order_id")), "{d}");
    assert_eq!(stored(&app, "J").await, 0);
    s2.get("/api/v1/orders/J-0001").await.err(404, "ORDER_NOT_FOUND");

    // Other invalid orders, each refusing its whole batch.
    let fresh = || realistic("shop2", "K", 3, app.now(), OrderStatus::AwaitingShipment);
    let mut b = fresh();
    b[1].receiver.phone = String::new();
    app.ingest(&b).await.err(422, "VALIDATION_FAILED");
    let mut b = fresh();
    b[2].order_id = b[0].order_id.clone();
    app.ingest(&b).await.err(422, "VALIDATION_FAILED");
    let mut b = fresh();
    b[1].status = OrderStatus::Completed;
    b[1].completed_at = None;
    app.ingest(&b).await.err(422, "VALIDATION_FAILED");
    let mut b = fresh();
    b[0].created_at = "yesterday".into();
    app.ingest(&b).await.err(422, "VALIDATION_FAILED");
    assert_eq!(stored(&app, "K-").await, 0);

    // A conflict found inside the transaction (an id of another shop) rolls back the orders
    // written before it.
    let mut b = fresh();
    b[2].order_id = "S1-AWAIT-1".into();
    app.ingest(&b).await.err(409, "INGEST_CONFLICT");
    assert_eq!(stored(&app, "K-").await, 0);
    assert_eq!(s2.orders("").await.total, 7);
    let _: OrderView = app.login("shop1").await.get("/api/v1/orders/S1-AWAIT-1").await.ok();

    // Fixed, the same batch goes in whole.
    let r: IngestResponse = app.ingest(&fresh()).await.ok();
    assert_eq!((r.created, r.existing), (3, 0));
    assert_eq!(s2.orders("").await.total, 10);
}

async fn ingest_audit_rows(app: &TestApp, shop: &str) -> Vec<String> {
    let rows: Vec<(String,)> = sqlx::query_as("SELECT details FROM audit WHERE action = 'ingest' AND shop_id = $1 ORDER BY seq")
        .bind(shop)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    rows.into_iter().map(|r| r.0).collect()
}

/// The batch is encrypted in slices on several threads and written with one multi-row
/// statement: every stored row must carry its own order's ciphertexts, masks and tokens,
/// notably at the slice boundaries (250/251 with 2 cores; others with more).
async fn a_full_batch_stays_aligned_across_the_encryption_split(store: Store) {
    let app = TestApp::spawn(store).await;
    let s2 = app.login("shop2").await;
    let batch = realistic("shop2", "P", 500, app.now(), OrderStatus::AwaitingShipment);
    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (500, 0));
    assert_eq!(stored(&app, "P-").await, 500);
    assert_eq!(s2.orders("").await.total, 502);
    assert_eq!(s2.orders("status=awaiting_shipment").await.total, 502);

    for o in &batch {
        let v: OrderView = s2.get(&format!("/api/v1/orders/{}", o.order_id)).await.ok();
        assert_eq!(v.masked.phone, orderveil_cipher::mask_phone(&o.receiver.phone), "{}", o.order_id);
        assert_eq!(v.masked.name, orderveil_cipher::mask_name(&o.receiver.name), "{}", o.order_id);
        assert_eq!(v.masked.address, orderveil_cipher::mask_address(&o.receiver.address), "{}", o.order_id);
        assert_eq!((v.amount_cents, v.items.len()), (o.amount_cents, o.items.len()), "{}", o.order_id);
    }
    // Phone tokens and last-4 columns belong to their rows too.
    for i in [0usize, 249, 250, 499] {
        let o = &batch[i];
        let by_phone = s2.order_ids(&format!("phone={}", q(&o.receiver.phone))).await;
        assert!(by_phone.contains(&o.order_id), "{} not found by its phone: {by_phone:?}", o.order_id);
        let last4 = &o.receiver.phone[o.receiver.phone.len() - 4..];
        assert!(s2.order_ids(&format!("phone_last4={last4}")).await.contains(&o.order_id), "{} not found by last 4", o.order_id);
    }
    // And the ciphertexts open, with each order's own key, to each order's own plaintext.
    let ids = ["P-0001", "P-0250", "P-0251", "P-0500"];
    let (mut session, r) = s2.reveal(&ids, &["name", "phone", "address"]).await;
    let grant = open(&mut session, &r, "shop2", app.now());
    for id in ids {
        let v: OrderView = s2.get(&format!("/api/v1/orders/{id}")).await.ok();
        let want = app.ingested(id);
        assert_eq!(decrypt(&grant, id, &v.ciphertext.name), want.name, "{id}");
        assert_eq!(decrypt(&grant, id, &v.ciphertext.phone), want.phone, "{id}");
        assert_eq!(decrypt(&grant, id, &v.ciphertext.address), want.address, "{id}");
    }
    // One audit row for the batch.
    let audit = ingest_audit_rows(&app, "shop2").await;
    let last: serde_json::Value = serde_json::from_str(audit.last().unwrap()).unwrap();
    assert_eq!((last["orders"].as_u64(), last["first"].as_str(), last["last"].as_str()), (Some(500), Some("P-0001"), Some("P-0500")), "{last}");
}

/// A conflict found inside the transaction, in the last order of a full batch (the last
/// encryption slice, after repeats and new orders), applies nothing: no new order, no status
/// change, no count change, no audit row.
async fn a_conflict_at_the_end_of_a_full_batch_applies_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let s2 = app.login("shop2").await;
    let first = realistic("shop2", "Q", 200, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&first).await;
    let audit_before = ingest_audit_rows(&app, "shop2").await.len();

    // 200 repeats with a new status, 299 new orders, and an order id of shop1 last.
    let mut batch: Vec<_> = first.iter().cloned().map(|mut o| {
        o.status = OrderStatus::Shipped;
        o
    }).collect();
    batch.extend(realistic("shop2", "Q2", 299, app.now(), OrderStatus::AwaitingShipment));
    let mut bad = realistic("shop2", "X", 1, app.now(), OrderStatus::AwaitingShipment).remove(0);
    bad.order_id = "S1-AWAIT-1".into();
    batch.push(bad);
    assert_eq!(batch.len(), 500);
    let d = app.ingest(&batch).await.err(409, "INGEST_CONFLICT");
    assert_eq!(d["order_id"].as_str(), Some("S1-AWAIT-1"), "{d}");

    assert_eq!(stored(&app, "Q2-").await, 0);
    assert_eq!(stored(&app, "Q-").await, 200);
    assert_eq!(s2.orders("").await.total, 202);
    assert_eq!(s2.orders("status=shipped").await.total, 0);
    assert_eq!(s2.orders("status=awaiting_shipment").await.total, 202);
    let v: OrderView = s2.get("/api/v1/orders/Q-0200").await.ok();
    assert_eq!(v.status, OrderStatus::AwaitingShipment);
    assert_eq!(ingest_audit_rows(&app, "shop2").await.len(), audit_before, "a refused batch writes no ingest audit row");
    // shop1's order is untouched.
    let v: OrderView = app.login("shop1").await.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(v.shop_id, "shop1");

    // Without the stray order the same batch goes in whole.
    batch.pop();
    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (299, 200));
    assert_eq!(s2.orders("status=shipped").await.total, 200);
    assert_eq!(s2.orders("status=awaiting_shipment").await.total, 2 + 299);
}

/// Repeats are written set-based: statuses and completion times of many orders in one
/// statement, and new ciphertexts only for the orders whose receiver changed.
async fn repeats_update_in_bulk_and_re_encrypt_only_changed_receivers(store: Store) {
    let app = TestApp::spawn(store).await;
    let s2 = app.login("shop2").await;
    let first = realistic("shop2", "R", 300, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&first).await;
    let before: Vec<OrderView> = {
        let mut v = Vec::new();
        for id in ["R-0001", "R-0101", "R-0150", "R-0300"] {
            v.push(s2.get(&format!("/api/v1/orders/{id}")).await.ok());
        }
        v
    };

    let completed = orderveil_server::clock::rfc3339(app.now() - 3600);
    let mut batch = first.clone();
    for o in &mut batch[..100] {
        o.status = OrderStatus::Shipped;
    }
    for o in &mut batch[100..120] {
        o.status = OrderStatus::Completed;
        o.completed_at = Some(completed.clone());
    }
    // The buyer of R-0150 edited the address; R-0300 got a new phone number.
    batch[149].receiver.address = "浙江省宁波市鄞州区天童南路588号".into();
    batch[299].receiver.phone = "13700001234".into();
    batch.extend(realistic("shop2", "R2", 50, app.now(), OrderStatus::AwaitingShipment));
    let r: IngestResponse = app.ingest(&batch).await.ok();
    assert_eq!((r.created, r.existing), (50, 300));
    assert_eq!(s2.orders("").await.total, 352);
    assert_eq!(s2.orders("status=shipped").await.total, 100);
    assert_eq!(s2.orders("status=completed").await.total, 20);
    assert_eq!(s2.orders("status=awaiting_shipment").await.total, 2 + 180 + 50);

    let after = |id: &'static str| {
        let s2 = &s2;
        async move { s2.get(&format!("/api/v1/orders/{id}")).await.ok::<OrderView>() }
    };
    let a = after("R-0001").await;
    assert_eq!(a.status, OrderStatus::Shipped);
    assert_eq!(a.ciphertext, before[0].ciphertext, "an unchanged receiver is not re-encrypted");
    let a = after("R-0101").await;
    assert_eq!((a.status, a.completed_at.as_deref()), (OrderStatus::Completed, Some(completed.as_str())));
    assert_eq!(a.ciphertext, before[1].ciphertext);
    let a = after("R-0150").await;
    assert_ne!(a.receiver_key, before[2].receiver_key);
    assert_ne!(a.ciphertext.address, before[2].ciphertext.address);
    assert_eq!(a.masked.address, orderveil_cipher::mask_address("浙江省宁波市鄞州区天童南路588号"));
    let a = after("R-0300").await;
    assert_ne!(a.receiver_key, before[3].receiver_key);
    assert_eq!(a.masked.phone, "137****1234");
    assert!(s2.order_ids("phone=13700001234").await.contains(&"R-0300".to_string()), "the new phone token is searchable");
    assert!(s2.order_ids("phone_last4=1234").await.contains(&"R-0300".to_string()));

    let (mut session, r) = s2.reveal(&["R-0150", "R-0300"], &["phone", "address"]).await;
    let grant = open(&mut session, &r, "shop2", app.now());
    let v = after("R-0150").await;
    assert_eq!(decrypt(&grant, "R-0150", &v.ciphertext.address), "浙江省宁波市鄞州区天童南路588号");
    let v = after("R-0300").await;
    assert_eq!(decrypt(&grant, "R-0300", &v.ciphertext.phone), "13700001234");
}

/// On SQLite, batches that queue while the writer is busy are written in one transaction
/// (group commit): a conflicting batch is refused alone and applies nothing, the others of
/// its group apply whole, and two batches with the same orders in one group count them once.
/// On PostgreSQL (one transaction per batch, in parallel) the same outcomes hold.
async fn batches_written_together_still_succeed_and_fail_alone(store: Store) {
    let app = TestApp::spawn(store).await;
    let s2 = app.login("shop2").await;
    let now = app.now();
    let good: Vec<Vec<orderveil_api::IngestOrder>> = (0..5).map(|i| realistic("shop2", &format!("G{i}"), 120, now, OrderStatus::AwaitingShipment)).collect();
    // Batch 5 repeats batch 0 exactly; batch 6 has 119 new orders and one of shop1.
    let mut bad = realistic("shop2", "GX", 119, now, OrderStatus::AwaitingShipment);
    let mut stray = bad[0].clone();
    stray.order_id = "S1-AWAIT-1".into();
    bad.push(stray);
    let mut batches = good.clone();
    batches.push(good[0].clone());
    batches.push(bad);
    let audit_before = ingest_audit_rows(&app, "shop2").await.len();
    let (groups_before, batches_before) = app.state.ingest_writer.stats();

    // Hold the writer up so the batches queue behind one another: SQLite's write slot, or on
    // PostgreSQL a lock on the audit heads that every batch appends to.
    let mut blocker = match store {
        Store::Sqlite => Some(app.state.db.begin_write().await.unwrap()),
        Store::Postgres => None,
    };
    let mut pg_lock = None;
    if store == Store::Postgres {
        let mut tx = app.state.db.pool.begin().await.unwrap();
        sqlx::query("LOCK TABLE audit_heads IN EXCLUSIVE MODE").execute(&mut *tx).await.unwrap();
        pg_lock = Some(tx);
    }
    let mut tasks = tokio::task::JoinSet::new();
    for (i, b) in batches.into_iter().enumerate() {
        let state = app.state.clone();
        tasks.spawn(async move { (i, orderveil_server::ingest::ingest(&state, b, "order-system").await) });
    }
    tokio::time::sleep(std::time::Duration::from_millis(800)).await;
    blocker.take();
    if let Some(tx) = pg_lock.take() {
        tx.rollback().await.unwrap();
    }

    let (mut created, mut existing) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        match r.unwrap() {
            (6, Err(e)) => assert_eq!(e.code, orderveil_api::ErrorCode::IngestConflict),
            (6, Ok(r)) => panic!("the batch with another shop's order went in: {r:?}"),
            (i, Ok(r)) => {
                created += r.created;
                existing += r.existing;
                assert_eq!(r.created + r.existing, 120, "batch {i}: {r:?}");
            }
            (i, Err(e)) => panic!("batch {i} failed: {e:?}"),
        }
    }
    // 5 × 120 new orders once, and 120 repeats (whichever of the two identical batches came second).
    assert_eq!((created, existing), (600, 120));
    let (groups, written) = app.state.ingest_writer.stats();
    assert_eq!(written - batches_before, 7);
    match store {
        Store::Sqlite => assert!(groups - groups_before <= 3, "7 queued batches took {} transactions: not grouped", groups - groups_before),
        Store::Postgres => assert_eq!(groups - groups_before, 7, "one transaction per batch"),
    }
    for i in 0..5 {
        assert_eq!(stored(&app, &format!("G{i}-")).await, 120);
    }
    assert_eq!(stored(&app, "GX-").await, 0, "nothing of the refused batch");
    assert_eq!(s2.orders("").await.total, 2 + 600);
    assert_eq!(ingest_audit_rows(&app, "shop2").await.len(), audit_before + 6, "one audit row per applied batch");
    let v: OrderView = app.login("shop1").await.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(v.shop_id, "shop1");
    let (ok, text) = app.audit_verify().await;
    assert!(ok, "the audit chain must verify: {text}");
}
