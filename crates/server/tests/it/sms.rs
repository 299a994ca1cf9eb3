//! Platform SMS (issue 19): templates checked for forbidden content and decided by the
//! platform, sends all-or-nothing within the limits, the outbox worker handing the real
//! number only to the gateway (a file sink, or a provider over HTTP that fails and then
//! succeeds), and the outbox resuming in a new process. Never charged to the reveal quota.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orderveil_api::{OrderStatus, SmsOutboxPage, SmsPreview, SmsQueued, SmsStatus, SmsTemplate, SmsTemplateStatus};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    marketing_queued_before_21_waits_in_the_outbox_until_8,
    templates_are_checked_and_decided_by_the_platform,
    a_send_is_all_or_nothing_within_the_limits_and_the_sink_gets_the_real_numbers,
    the_outbox_retries_a_failing_provider_and_resumes_in_a_new_process,
);

const LOGISTICS: &str = "您在{shop_name}的订单{order_id}已安排发货，请留意查收。";

fn template(name: &str, kind: &str, body: &str) -> Value {
    json!({"name": name, "kind": kind, "body": body})
}

/// shop1 submits a template and the admin approves it.
pub(crate) async fn approved(app: &TestApp, name: &str, kind: &str, body: &str) -> SmsTemplate {
    let t: SmsTemplate = app.login("shop1").await.post("/api/v1/sms/templates", &template(name, kind, body)).await.ok();
    app.login("admin").await.post(&format!("/api/v1/sms/templates/{}/approve", t.id), &json!({"comment": ""})).await.ok()
}

async fn outbox(c: &Client, query: &str) -> SmsOutboxPage {
    c.get(&format!("/api/v1/sms/outbox{query}")).await.ok()
}

/// Wait (real time) until every message of shop1's outbox is in `status`.
async fn outbox_settles(c: &Client, status: SmsStatus, n: u64) -> SmsOutboxPage {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = outbox(c, "?per_page=200").await;
        if page.total == n && page.messages.iter().all(|m| m.status == status) {
            return page;
        }
        assert!(Instant::now() < deadline, "the outbox did not settle on {status:?}: {page:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The sink's lines: (to, text, idempotency key).
fn sink(app: &TestApp) -> Vec<(String, String, String)> {
    let text = std::fs::read_to_string(app.data_dir.path().join(orderveil_server::SMS_SINK)).unwrap_or_default();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            (v["to"].as_str().unwrap().to_string(), v["text"].as_str().unwrap().to_string(), v["idempotency_key"].as_str().unwrap().to_string())
        })
        .collect()
}

async fn templates_are_checked_and_decided_by_the_platform(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, staff, admin, shop2) = (app.login("shop1").await, app.login("shop1-ops").await, app.login("admin").await, app.login("shop2").await);

    // Forbidden content is refused with each problem named, and nothing is stored.
    for (body, problem) in [
        ("有问题请拨打 138-0013-8000 联系我们", "phone_number"),
        ("领取优惠 https://coupon.example.cn/x", "link:coupon.example.cn"),
        ("亲爱的{receiver_name}，您好", "unknown_variable:receiver_name"),
    ] {
        let d = owner.post("/api/v1/sms/templates", &template("促销", "marketing", body)).await.err(422, "SMS_TEMPLATE_FORBIDDEN");
        assert!(d["problems"].as_array().unwrap().iter().any(|p| p == problem), "{body}: {d}");
    }
    assert!(owner.get("/api/v1/sms/templates").await.ok::<Vec<SmsTemplate>>().is_empty());
    // Staff without `sms`, and the admin, do not submit.
    staff.post("/api/v1/sms/templates", &template("发货", "logistics", LOGISTICS)).await.err(403, "FORBIDDEN");
    admin.post("/api/v1/sms/templates", &template("发货", "logistics", LOGISTICS)).await.err(403, "FORBIDDEN");

    // Pending: it cannot be sent; the shop cannot approve its own; a rejection needs a comment.
    let v1: SmsTemplate = owner.post("/api/v1/sms/templates", &template("发货", "logistics", LOGISTICS)).await.ok();
    assert_eq!((v1.version, v1.status), (1, SmsTemplateStatus::Pending));
    owner.post("/api/v1/sms/send", &json!({"template_id": v1.id, "order_ids": ["S1-AWAIT-1"]})).await.err(409, "SMS_TEMPLATE_STATE_CONFLICT");
    owner.post(&format!("/api/v1/sms/templates/{}/approve", v1.id), &json!({"comment": ""})).await.err(403, "FORBIDDEN");
    assert_eq!(admin.post(&format!("/api/v1/sms/templates/{}/reject", v1.id), &json!({"comment": " "})).await.err(422, "VALIDATION_FAILED")["field"], "comment");
    let v1: SmsTemplate = admin.post(&format!("/api/v1/sms/templates/{}/approve", v1.id), &json!({"comment": "ok"})).await.ok();
    assert_eq!((v1.status, v1.decided_by.as_deref()), (SmsTemplateStatus::Approved, Some("admin")));
    admin.post(&format!("/api/v1/sms/templates/{}/reject", v1.id), &json!({"comment": "晚了"})).await.err(409, "SMS_TEMPLATE_STATE_CONFLICT");

    // A new version of the name; approving it supersedes version 1, which no longer sends.
    let v2: SmsTemplate = owner.post("/api/v1/sms/templates", &template("发货", "logistics", "订单{order_id}已发货。——{shop_name}")).await.ok();
    assert_eq!(v2.version, 2);
    let pending: Vec<SmsTemplate> = admin.get("/api/v1/sms/templates?status=pending").await.ok();
    assert_eq!(pending.iter().map(|t| t.id).collect::<Vec<_>>(), [v2.id]);
    let _: SmsTemplate = admin.post(&format!("/api/v1/sms/templates/{}/approve", v2.id), &json!({"comment": ""})).await.ok();
    let mine: Vec<SmsTemplate> = owner.get("/api/v1/sms/templates").await.ok();
    assert_eq!(mine.iter().find(|t| t.id == v1.id).unwrap().status, SmsTemplateStatus::Superseded);
    owner.post("/api/v1/sms/send", &json!({"template_id": v1.id, "order_ids": ["S1-AWAIT-1"]})).await.err(409, "SMS_TEMPLATE_STATE_CONFLICT");

    // A rejected one says why; a pending one can be withdrawn, once.
    let bad: SmsTemplate = owner.post("/api/v1/sms/templates", &template("关怀", "care", "感谢您在{shop_name}购物")).await.ok();
    let bad: SmsTemplate = admin.post(&format!("/api/v1/sms/templates/{}/reject", bad.id), &json!({"comment": "内容过于空泛"})).await.ok();
    assert_eq!((bad.status, bad.comment.as_deref()), (SmsTemplateStatus::Rejected, Some("内容过于空泛")));
    let w: SmsTemplate = owner.post("/api/v1/sms/templates", &template("售后", "after_sales", "订单{order_id}的售后已受理")).await.ok();
    shop2.post(&format!("/api/v1/sms/templates/{}/withdraw", w.id), &json!({})).await.err(404, "NOT_FOUND");
    let w: SmsTemplate = owner.post(&format!("/api/v1/sms/templates/{}/withdraw", w.id), &json!({})).await.ok();
    assert_eq!(w.status, SmsTemplateStatus::Withdrawn);
    owner.post(&format!("/api/v1/sms/templates/{}/withdraw", w.id), &json!({})).await.err(409, "SMS_TEMPLATE_STATE_CONFLICT");

    // Another shop sees none of them and cannot send them.
    assert!(shop2.get("/api/v1/sms/templates").await.ok::<Vec<SmsTemplate>>().is_empty());
    shop2.post("/api/v1/sms/send", &json!({"template_id": v2.id, "order_ids": ["S2-AWAIT-2"]})).await.err(404, "NOT_FOUND");
    // Every step is on the shop's chain.
    let chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    let actions: Vec<&str> = chain["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for (a, n) in [("sms_template_submit", 4), ("sms_template_approve", 2), ("sms_template_reject", 1), ("sms_template_withdraw", 1)] {
        assert_eq!(actions.iter().filter(|x| **x == a).count(), n, "{a}: {actions:?}");
    }
}

async fn a_send_is_all_or_nothing_within_the_limits_and_the_sink_gets_the_real_numbers(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, staff) = (app.login("shop1").await, app.login("shop1-staff").await);
    let t = approved(&app, "发货", "logistics", LOGISTICS).await;
    let ids = ["S1-AWAIT-1", "S1-AWAIT-2", "S1-SHIPPED"];
    let send = |ids: &[&str]| json!({"template_id": t.id, "order_ids": ids});

    // Staff without `sms` cannot send or read the outbox.
    staff.post("/api/v1/sms/send", &send(&ids)).await.err(403, "FORBIDDEN");
    staff.get("/api/v1/sms/outbox").await.err(403, "FORBIDDEN");
    // One unknown and one other shop's order: nothing is queued, each is listed.
    let d = owner.post("/api/v1/sms/send", &send(&["S1-AWAIT-1", "NOPE-1", "S2-AWAIT-2"])).await.err(409, "SMS_NOT_SENDABLE");
    assert_eq!(d["refused"], json!([{"order_id": "NOPE-1", "reason": "order_not_found"}, {"order_id": "S2-AWAIT-2", "reason": "order_not_found"}]));
    assert_eq!(outbox(&owner, "").await.total, 0);
    // More than 500 is refused before anything is read.
    let many: Vec<String> = (0..501).map(|i| format!("X-{i}")).collect();
    owner.post("/api/v1/sms/send", &json!({"template_id": t.id, "order_ids": many})).await.err(422, "TOO_MANY_ORDERS");

    // The preview fills the text and shows only masks.
    let p: Vec<SmsPreview> = owner.post("/api/v1/sms/preview", &send(&ids)).await.ok();
    assert_eq!(p[0].text, format!("您在{}的订单S1-AWAIT-1已安排发货，请留意查收。", shop_name(&app, "shop1").await));
    assert!(p.iter().all(|x| x.phone_masked.contains('*')), "{p:?}");

    // Sent: queued, handed to the sink with the real numbers, shown as sent with masks only.
    let q: SmsQueued = owner.post("/api/v1/sms/send", &send(&ids)).await.ok();
    assert_eq!(q.queued, 3);
    let page = outbox_settles(&owner, SmsStatus::Sent, 3).await;
    let mut got: Vec<(String, String)> = sink(&app).into_iter().map(|(to, text, _)| (to, text)).collect();
    got.sort();
    let mut want: Vec<(String, String)> = Vec::new();
    for id in ids {
        let text = page.messages.iter().find(|m| m.order_id == id).unwrap().text.clone();
        want.push((app.ingested(id).phone, text));
    }
    want.sort();
    assert_eq!(got, want, "the sink got each order's real number and text");
    // No answer holds a number; the quota is untouched.
    for r in [owner.get("/api/v1/sms/outbox?per_page=200").await, owner.post("/api/v1/sms/preview", &send(&ids)).await, owner.get("/api/v1/audit?per_page=200").await] {
        for id in ids {
            assert!(!r.text.contains(&app.ingested(id).phone), "a response holds {id}'s number");
        }
    }
    assert_eq!(app.charges("shop1").await, 0);

    // The per-order daily limit (3): two more for S1-AWAIT-1 pass, the next is refused.
    for _ in 0..2 {
        let _: SmsQueued = owner.post("/api/v1/sms/send", &send(&["S1-AWAIT-1"])).await.ok();
    }
    let d = owner.post("/api/v1/sms/send", &send(&["S1-AWAIT-1", "S1-AWAIT-2"])).await.err(409, "SMS_NOT_SENDABLE");
    assert_eq!(d["refused"], json!([{"order_id": "S1-AWAIT-1", "reason": "order_daily_limit"}]));
    // The shop's daily limit, a platform setting the admin changes (checked, audited): 5 used,
    // 6 allowed, 2 asked.
    let admin = app.login("admin").await;
    let cur: orderveil_api::PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
    assert_eq!((cur.sms_per_order_day, cur.sms_per_shop_day), (3, 2000));
    let mut up = serde_json::to_value(&cur).unwrap();
    up["expected_version"] = json!(cur.version);
    for k in ["version", "updated_at", "updated_by", "session_idle_secs", "retention_days"] {
        up.as_object_mut().unwrap().remove(k);
    }
    up["sms_per_order_day"] = json!(0);
    assert_eq!(admin.put("/api/v1/admin/settings", &up).await.err(422, "VALIDATION_FAILED")["field"], "sms_per_order_day");
    let s = app.set_platform(|u| u.sms_per_shop_day = Some(6)).await;
    assert_eq!((s.sms_per_order_day, s.sms_per_shop_day), (3, 6));
    let d = owner.post("/api/v1/sms/send", &send(&["S1-AWAIT-2", "S1-SHIPPED"])).await.err(429, "SMS_SHOP_LIMIT");
    assert_eq!((d["limit"].as_i64(), d["used"].as_i64(), d["asked"].as_i64()), (Some(6), Some(5), Some(2)));
    // A new day (Asia/Shanghai) starts the counts again.
    app.clock.advance(86_400);
    let _: SmsQueued = owner.post("/api/v1/sms/send", &send(&["S1-AWAIT-1", "S1-AWAIT-2"])).await.ok();

    // A template with the tracking number refuses an order not shipped yet, and fills the
    // carrier's name and the number for a shipped one.
    let _: Value = owner.post("/api/v1/orders/S1-AWAIT-1/ship", &json!({"carrier": "SF", "tracking_no": "SF1234567890123"})).await.ok();
    let tracking = approved(&app, "物流", "logistics", "订单{order_id}由{carrier}承运，运单号{tracking_no}").await;
    let d = owner.post("/api/v1/sms/send", &json!({"template_id": tracking.id, "order_ids": ["S1-AWAIT-2", "S1-AWAIT-1"]})).await.err(409, "SMS_NOT_SENDABLE");
    assert_eq!(d["refused"], json!([{"order_id": "S1-AWAIT-2", "reason": "not_shipped"}]));
    let p: Vec<SmsPreview> = owner.post("/api/v1/sms/preview", &json!({"template_id": tracking.id, "order_ids": ["S1-AWAIT-1"]})).await.ok();
    assert_eq!(p[0].text, "订单S1-AWAIT-1由顺丰速运承运，运单号SF1234567890123");

    // Marketing: never 21:00–08:00 Asia/Shanghai, and only orders of the last 90 days.
    let now = app.now();
    app.ingest_ok(&[order("S1-OLD-1", "shop1", OrderStatus::Completed, now, 100 * 86_400, ("老客户", "13700001111", "浙江省杭州市上城区解放路1号"))]).await;
    let promo = approved(&app, "上新", "marketing", "{shop_name}上新了，订单{order_id}的老朋友专享九折").await;
    let night = now - now.rem_euclid(86_400) + 14 * 3600; // 22:00 Shanghai
    app.clock.set(night);
    owner.post("/api/v1/sms/send", &json!({"template_id": promo.id, "order_ids": ["S1-AWAIT-2"]})).await.err(409, "SMS_QUIET_HOURS");
    app.clock.set(night + 11 * 3600); // 09:00
    let d = owner.post("/api/v1/sms/send", &json!({"template_id": promo.id, "order_ids": ["S1-AWAIT-2", "S1-OLD-1"]})).await.err(409, "SMS_NOT_SENDABLE");
    assert_eq!(d["refused"], json!([{"order_id": "S1-OLD-1", "reason": "marketing_order_too_old"}]));
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": promo.id, "order_ids": ["S1-AWAIT-2"]})).await.ok();

    // Each send is audited with the template and the count; the chain verifies.
    let chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    let sends: Vec<&Value> = chain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "sms_send").collect();
    assert_eq!(sends.len(), 5);
    let first = sends.last().unwrap();
    assert_eq!((first["details"]["template_id"].as_i64(), first["details"]["count"].as_i64()), (Some(t.id), Some(3)));
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn shop_name(app: &TestApp, shop: &str) -> String {
    sqlx::query_scalar("SELECT name FROM shops WHERE shop_id = $1").bind(shop).fetch_one(&app.state.db.pool).await.unwrap()
}

/// A provider on loopback that answers 503 to its first `fail` requests, then 200; it keeps
/// every request's `to` and idempotency key.
async fn provider(fail: usize) -> (String, Arc<Mutex<Vec<(String, String, u16)>>>) {
    use axum::routing::post;
    let seen: Arc<Mutex<Vec<(String, String, u16)>>> = Arc::default();
    let s2 = seen.clone();
    let app = axum::Router::new().route(
        "/send",
        post(move |headers: axum::http::HeaderMap, axum::Json(body): axum::Json<Value>| {
            let seen = s2.clone();
            async move {
                let key = headers.get("idempotency-key").and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
                assert_eq!(body["idempotency_key"].as_str(), Some(key.as_str()));
                let mut s = seen.lock().unwrap();
                let status = if s.len() < fail { 503 } else { 200 };
                s.push((body["to"].as_str().unwrap_or_default().to_string(), key, status));
                (axum::http::StatusCode::from_u16(status).unwrap(), axum::Json(json!({"id": format!("prov-{}", s.len())})))
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/send", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (url, seen)
}

async fn the_outbox_retries_a_failing_provider_and_resumes_in_a_new_process(store: Store) {
    let (url, seen) = provider(2).await;
    let settings = orderveil_server::Settings { sms_http_endpoint: Some(url.clone()), ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let owner = app.login("shop1").await;
    let t = approved(&app, "发货", "logistics", LOGISTICS).await;
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": t.id, "order_ids": ["S1-AWAIT-1"]})).await.ok();

    // Two 503s: failed, retried after 5 s and then 10 s of the store's clock, then sent.
    let wait_attempts = async |n: usize| {
        let deadline = Instant::now() + Duration::from_secs(20);
        while seen.lock().unwrap().len() < n {
            assert!(Instant::now() < deadline, "the provider got {} requests, not {n}", seen.lock().unwrap().len());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    wait_attempts(1).await;
    let m = outbox_settles(&owner, SmsStatus::Failed, 1).await.messages.remove(0);
    assert_eq!((m.attempts, m.last_error.as_deref()), (1, Some("provider answered 503")));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(seen.lock().unwrap().len(), 1, "retried before its time");
    app.clock.advance(5);
    wait_attempts(2).await;
    // The worker records the second failure (its next attempt counted from the clock as it
    // records it) before the clock moves on.
    let deadline = Instant::now() + Duration::from_secs(20);
    while outbox(&owner, "").await.messages[0].attempts != 2 || outbox(&owner, "").await.messages[0].status != SmsStatus::Failed {
        assert!(Instant::now() < deadline, "the second failure was not recorded");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    app.clock.advance(10);
    let page = outbox_settles(&owner, SmsStatus::Sent, 1).await;
    assert_eq!(page.messages[0].attempts, 3);
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.iter().map(|c| c.2).collect::<Vec<_>>(), [503, 503, 200]);
    assert!(calls.iter().all(|c| c.0 == app.ingested("S1-AWAIT-1").phone && c.1 == calls[0].1), "one number, one idempotency key: {calls:?}");

    drop(owner);
    drop(app);

    // A process without a worker queues and sends nothing; the next process's worker sends
    // what it finds — a message left `sending` by a process that died only once its lease
    // ends, with the key it had.
    let quiet = TestApp::spawn_with(store, orderveil_server::Settings { sms_http_endpoint: Some(url.clone()), sms_worker: false, ..test_settings() }).await;
    let owner = quiet.login("shop1").await;
    let t = approved(&quiet, "发货", "logistics", LOGISTICS).await;
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": t.id, "order_ids": ["S1-AWAIT-1", "S1-AWAIT-2"]})).await.ok();
    let before = seen.lock().unwrap().len();
    tokio::time::sleep(Duration::from_millis(1500)).await;
    outbox_settles(&owner, SmsStatus::Queued, 2).await;
    assert_eq!(seen.lock().unwrap().len(), before);
    sqlx::query("UPDATE sms_outbox SET status = 'sending', attempts = 1, lease_until = $1 WHERE order_id = 'S1-AWAIT-2'").bind(quiet.now() + 30).execute(&quiet.state.db.pool).await.unwrap();
    let cfg = orderveil_server::Config {
        data_dir: quiet.data_dir.path().to_path_buf(),
        database_url: quiet.database_url.clone(),
        service_token: Some(SERVICE_TOKEN.into()),
        key_file: None,
        settings: orderveil_server::Settings { sms_http_endpoint: Some(url.clone()), ..test_settings() },
    };
    let next = orderveil_server::build_state(&cfg, quiet.clock.clone()).await.unwrap();
    wait_attempts(before + 1).await;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls.len(), before + 1, "the leased message went out before its lease ended: {calls:?}");
    assert_eq!(calls[before].0, quiet.ingested("S1-AWAIT-1").phone);
    quiet.clock.advance(31);
    wait_attempts(before + 2).await;
    let page = outbox_settles(&owner, SmsStatus::Sent, 2).await;
    let calls = seen.lock().unwrap().clone();
    assert_eq!(calls[before + 1].0, quiet.ingested("S1-AWAIT-2").phone);
    let key: String = sqlx::query_scalar("SELECT idempotency_key FROM sms_outbox WHERE order_id = 'S1-AWAIT-2'").fetch_one(&quiet.state.db.pool).await.unwrap();
    assert_eq!(calls[before + 1].1, key);
    assert_eq!(page.messages.iter().find(|m| m.order_id == "S1-AWAIT-2").unwrap().attempts, 2);
    drop(next);
}

/// A marketing message queued at 20:59:59 (allowed) that no worker sent before 21:00 waits in
/// the outbox through the night and leaves at 08:00; a logistics one does not wait.
async fn marketing_queued_before_21_waits_in_the_outbox_until_8(store: Store) {
    let quiet = TestApp::spawn_with(store, orderveil_server::Settings { sms_worker: false, ..test_settings() }).await;
    let owner = quiet.login("shop1").await;
    let promo = approved(&quiet, "上新", "marketing", "{shop_name}上新了，订单{order_id}专享九折").await;
    let notice = approved(&quiet, "发货", "logistics", LOGISTICS).await;
    let now = quiet.now();
    let day = now - (now + 8 * 3600).rem_euclid(86_400); // 00:00 Shanghai of today
    quiet.clock.set(day + 21 * 3600 - 1);
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": promo.id, "order_ids": ["S1-AWAIT-1"]})).await.ok();
    quiet.clock.set(day + 21 * 3600 + 1800); // 21:30
    let _: SmsQueued = owner.post("/api/v1/sms/send", &json!({"template_id": notice.id, "order_ids": ["S1-AWAIT-2"]})).await.ok();
    let cfg = orderveil_server::Config {
        data_dir: quiet.data_dir.path().to_path_buf(),
        database_url: quiet.database_url.clone(),
        service_token: Some(SERVICE_TOKEN.into()),
        key_file: None,
        settings: test_settings(),
    };
    let next = orderveil_server::build_state(&cfg, quiet.clock.clone()).await.unwrap();
    let status = async |id: &str| outbox(&owner, &format!("?order_id={id}")).await.messages[0].status;
    let deadline = Instant::now() + Duration::from_secs(20);
    while status("S1-AWAIT-2").await != SmsStatus::Sent {
        assert!(Instant::now() < deadline, "the logistics notice was not sent at night");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(status("S1-AWAIT-1").await, SmsStatus::Queued, "marketing left during the quiet hours");
    assert_eq!(sink(&quiet).len(), 1);
    quiet.clock.set(day + 86_400 + 8 * 3600); // 08:00 next morning
    let deadline = Instant::now() + Duration::from_secs(20);
    while status("S1-AWAIT-1").await != SmsStatus::Sent {
        assert!(Instant::now() < deadline, "the marketing message did not leave at 08:00");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sink(&quiet).len(), 2);
    drop(next);
}
