//! `--sms-500` (issue 19): queueing one SMS template for 500 orders and the file-sink
//! worker's messages per second, beside reading those 500 orders through the order list,
//! over HTTP against the real binary (its worker decrypts each number just before the hand-over).

use std::time::{Duration, Instant};

use serde_json::json;

use crate::fixtures::{seed_users, time_now};
use crate::{awaiting_in_shop2, get_json, ingest_all, login, post, read_awaiting, start};

pub(crate) async fn sms_500(name: &str, db_url: Option<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    seed_users(dir, db_url.as_deref()).await;
    let server = start(dir, db_url.as_deref());
    let base = server.base.clone();
    let now = time_now();
    let orders = awaiting_in_shop2("SM", 500, now);
    let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).collect();
    ingest_all(&base, orders).await;
    let (owner, admin) = (login(&base, "shop2").await, login(&base, "admin").await);
    let t = post(&base, &owner, "/api/v1/sms/templates", &json!({"name": "发货通知", "kind": "logistics", "body": "您在{shop_name}的订单{order_id}已安排发货。"})).await;
    post(&base, &admin, &format!("/api/v1/sms/templates/{}/approve", t["id"]), &json!({"comment": ""})).await;

    let _ = read_awaiting(&base, &owner, 3).await;
    let mut ratios = Vec::new();
    // Three rounds: the per-order daily limit (3) allows exactly three.
    for round in 0..3 {
        let (read_s, n) = read_awaiting(&base, &owner, 3).await;
        assert_eq!(n, 500);
        let before = get_json(&base, &owner, "/api/v1/sms/outbox?status=sent&per_page=1").await["total"].as_u64().unwrap();
        let t0 = Instant::now();
        let q = post(&base, &owner, "/api/v1/sms/send", &json!({"template_id": t["id"], "order_ids": ids})).await;
        let enqueue_s = t0.elapsed().as_secs_f64();
        assert_eq!(q["queued"], 500);
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let sent = get_json(&base, &owner, "/api/v1/sms/outbox?status=sent&per_page=1").await["total"].as_u64().unwrap();
            if sent >= before + 500 {
                break;
            }
            assert!(Instant::now() < deadline, "the worker did not send 500 messages within 300 s");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let all_s = t0.elapsed().as_secs_f64();
        let worker_s = all_s - enqueue_s;
        println!(
            "[{name}] round {round}: read the 500 orders (3 list pages of 200): {read_s:.3} s; queue 500 SMS: {enqueue_s:.3} s ({:.2} x the read); \
             the worker sent them in {worker_s:.3} s ({:.0} messages/s, decrypt + file sink)",
            enqueue_s / read_s,
            500.0 / worker_s
        );
        ratios.push(enqueue_s / read_s);
    }
    ratios.sort_by(f64::total_cmp);
    println!("[{name}] queue 500 / read 500, median of 3: {:.2} x", ratios[1]);
    drop(server);
}
