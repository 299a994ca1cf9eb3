//! `--sms-500` (issue 19): queueing one SMS template for 500 orders and the file-sink
//! worker's messages per second, beside reading those 500 orders through the order list,
//! over HTTP against the real binary (its worker decrypts each number just before the hand-over).

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fixtures::{seed_users, time_now};
use crate::{Session, awaiting_in_shop2, ingest_all, login, post, start};

async fn get(base: &str, s: &Session, path: &str) -> Value {
    reqwest::Client::new().get(format!("{base}{path}")).header("cookie", &s.cookie).send().await.unwrap().json().await.unwrap()
}

/// The baseline: the 500 orders read through `GET /api/v1/orders` (3 pages of 200).
async fn read_pages(base: &str, s: &Session) -> (f64, u64) {
    let t = Instant::now();
    let mut n = 0;
    for page in 1..=3 {
        let v = get(base, s, &format!("/api/v1/orders?status=awaiting_shipment&per_page=200&page={page}")).await;
        n += v["orders"].as_array().map_or(0, Vec::len) as u64;
    }
    (t.elapsed().as_secs_f64(), n)
}

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

    let _ = read_pages(&base, &owner).await;
    let mut ratios = Vec::new();
    // Three rounds: the per-order daily limit (3) allows exactly three.
    for round in 0..3 {
        let (read_s, n) = read_pages(&base, &owner).await;
        assert_eq!(n, 500);
        let before = get(&base, &owner, "/api/v1/sms/outbox?status=sent&per_page=1").await["total"].as_u64().unwrap();
        let t0 = Instant::now();
        let q = post(&base, &owner, "/api/v1/sms/send", &json!({"template_id": t["id"], "order_ids": ids})).await;
        let enqueue_s = t0.elapsed().as_secs_f64();
        assert_eq!(q["queued"], 500);
        let deadline = Instant::now() + Duration::from_secs(300);
        loop {
            let sent = get(&base, &owner, "/api/v1/sms/outbox?status=sent&per_page=1").await["total"].as_u64().unwrap();
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
