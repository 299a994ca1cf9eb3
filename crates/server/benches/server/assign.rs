//! `--assign-5k` (issue 18): assigning 5,000 orders to a factory by the list's filter, beside
//! reading the same 5,000 orders through the order list, over HTTP against the real binary.

use std::time::Instant;

use serde_json::json;

use crate::fixtures::{seed_users, time_now};
use crate::{awaiting_in_shop2, ingest_all, login, post, read_awaiting, start};

pub(crate) async fn assign_5k(name: &str, db_url: Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    seed_users(dir, db_url.as_deref()).await;
    let server = start(dir, db_url.as_deref());
    let base = server.base.clone();
    let now = time_now();
    // 5,000 orders awaiting shipment in shop2 (the filter matches exactly these).
    let orders = awaiting_in_shop2("BA", 5_000, now);
    ingest_all(&base, orders).await;
    let (owner, factory) = (login(&base, "shop2").await, login(&base, "factory2").await);
    let b = post(&base, &owner, "/api/v1/factory-bindings", &json!({"factory_id": "factory2"})).await;
    post(&base, &factory, &format!("/api/v1/factory-bindings/{}/accept", b["id"]), &json!({})).await;

    let _ = read_awaiting(&base, &owner, 25).await;
    let mut rows = Vec::new();
    for round in 0..3 {
        let (read_s, n) = read_awaiting(&base, &owner, 25).await;
        assert_eq!(n, 5_000);
        let t = Instant::now();
        let r = post(&base, &owner, "/api/v1/assignments", &json!({"factory_id": "factory2", "filter": {"status": "awaiting_shipment"}})).await;
        let assign_s = t.elapsed().as_secs_f64();
        assert_eq!(r["assigned"], 5_000);
        let ids = r["order_ids"].clone();
        let t = Instant::now();
        let rc = post(&base, &owner, "/api/v1/assignments/recall", &json!({"order_ids": ids})).await;
        let recall_s = t.elapsed().as_secs_f64();
        assert_eq!(rc["recalled"], 5_000);
        println!(
            "[{name}] round {round}: read the 5,000 orders (25 list pages of 200): {:.3} s; assign 5,000 by filter: {:.3} s ({:.0} orders/s, {:.2} x the read); recall them: {:.3} s",
            read_s,
            assign_s,
            5_000.0 / assign_s,
            assign_s / read_s,
            recall_s
        );
        rows.push(assign_s / read_s);
    }
    rows.sort_by(f64::total_cmp);
    println!("[{name}] assign by filter / read, median of 3: {:.2} x", rows[1]);
}
