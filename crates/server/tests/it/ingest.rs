//! The order system's ingest: idempotent on the order id, all or nothing per batch.

use orderveil_api::{IngestResponse, OrderStatus, OrderView};

use crate::helpers::*;

both_stores!(ingest_is_idempotent_and_all_or_nothing);

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
