//! Malformed requests: every one gets a coded error `{code, message, message_zh}` and none
//! costs quota.

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;

use crate::helpers::*;

both_stores!(weak_or_malformed_client_keys_are_refused_before_any_charge, malformed_requests_get_coded_errors, no_get_changes_anything);

fn hex32(h: &str) -> [u8; 32] {
    let v: Vec<u8> = (0..h.len()).step_by(2).map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap()).collect();
    v.try_into().unwrap()
}

async fn weak_or_malformed_client_keys_are_refused_before_any_charge(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    // Low-order points of Curve25519 (0, 1, a point of order 8, p - 1, p): the shared secret
    // would be predictable.
    let low_order = [
        [0u8; 32],
        hex32("0100000000000000000000000000000000000000000000000000000000000000"),
        hex32("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
        hex32("ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
        hex32("edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f"),
    ];
    for k in low_order {
        c.reveal_with_key(&["S1-AWAIT-1"], &["phone"], &URL_SAFE_NO_PAD.encode(k)).await.err(422, "CLIENT_KEY_INVALID");
    }
    let good = URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key());
    for bad in ["", "not base64!", &good[..42], &format!("{good}AA"), &URL_SAFE_NO_PAD.encode([7u8; 16]), &STANDARD.encode([9u8; 32])] {
        c.reveal_with_key(&["S1-AWAIT-1"], &["phone"], bad).await.err(422, "CLIENT_KEY_INVALID");
    }
    assert_eq!((c.quota().await.used, app.charges("shop1").await), (0, 0));
    // Control: the well-formed key is accepted.
    let _: orderveil_api::RevealGrantResponse = c.reveal_with_key(&["S1-AWAIT-1"], &["phone"], &good).await.ok();
}

async fn malformed_requests_get_coded_errors(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    let key = URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key());
    let path = "/api/v1/reveal-grants";

    // Over 2 MiB.
    let huge = json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": "A".repeat(2 * 1024 * 1024 + 1)});
    assert_eq!(c.post(path, &huge).await.err(413, "PAYLOAD_TOO_LARGE")["max_bytes"].as_u64(), Some(2 * 1024 * 1024));
    // Not JSON, or not declared as JSON.
    c.post_raw(path, "{\"order_ids\": [\"S1-AWAIT-1\"], ").await.err(400, "BAD_REQUEST");
    c.post_raw(path, "").await.err(400, "BAD_REQUEST");
    let r = c.http.post(c.url(path)).header("X-CSRF-Token", &c.csrf).body(json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": key}).to_string()).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 400, "no Content-Type");
    assert_error_body(&r.json().await.unwrap());
    // 51 orders.
    let ids: Vec<String> = (0..51).map(|i| format!("S1-X-{i}")).collect();
    let d = c.post(path, &json!({"order_ids": ids, "fields": ["phone"], "client_public": key})).await.err(422, "TOO_MANY_ORDERS");
    assert_eq!((d["max"].as_u64(), d["got"].as_u64()), (Some(50), Some(51)));
    // Unknown or no field kind.
    let d = c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone", "email"], "client_public": key})).await.err(422, "UNKNOWN_FIELD");
    assert_eq!(d["field"], "email");
    c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": [], "client_public": key})).await.err(422, "UNKNOWN_FIELD");
    // Unknown property, wrong type, no orders.
    c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": key, "purpose": PURPOSE, "print": true})).await.err(422, "VALIDATION_FAILED");
    c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": key, "purpose": 3})).await.err(422, "VALIDATION_FAILED");
    c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": key, "purpose": "print"})).await.err(400, "PURPOSE_INVALID");
    c.post(path, &json!({"order_ids": "S1-AWAIT-1", "fields": ["phone"], "client_public": key})).await.err(422, "VALIDATION_FAILED");
    c.post(path, &json!({"order_ids": [], "fields": ["phone"], "client_public": key})).await.err(422, "VALIDATION_FAILED");
    // A missing property is a coded client error too.
    let r = c.post(path, &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"]})).await;
    assert!((400..500).contains(&r.status), "{}", r.text);
    assert_error_body(&r.body);

    // The same rules on the ingest endpoint and on queries.
    let ingest = |body: reqwest::Body| {
        reqwest::Client::new().post(format!("{}/api/v1/orders/ingest", app.base)).bearer_auth(SERVICE_TOKEN).header("Content-Type", "application/json").body(body).send()
    };
    let big = format!("{{\"orders\": [], \"pad\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let r = ingest(big.into()).await.unwrap();
    assert_eq!(r.status().as_u16(), 413);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "PAYLOAD_TOO_LARGE");
    let r = ingest("{\"orders\": [{\"order_id\": ".into()).await.unwrap();
    assert_eq!((r.status().as_u16(), r.json::<serde_json::Value>().await.unwrap()["code"].as_str().map(String::from)), (400, Some("BAD_REQUEST".into())));
    let many = realistic("shop3", "M", 501, app.now(), orderveil_api::OrderStatus::AwaitingShipment);
    app.ingest(&many).await.err(422, "BATCH_TOO_LARGE");
    c.get("/api/v1/orders?per_page=0").await.err(422, "VALIDATION_FAILED");
    c.get("/api/v1/orders?colour=red").await.err(422, "VALIDATION_FAILED");
    c.get("/api/v1/orders?phone_last4=12a4").await.err(422, "VALIDATION_FAILED");
    c.get("/api/v1/no-such-route").await.err(404, "NOT_FOUND");
    // A known path with the wrong method, or a path parameter that does not decode.
    let r = c.get("/api/v1/reveal-grants").await;
    assert_eq!(r.status, 405, "{}", r.text);
    assert_error_body(&r.body);
    let r = c.http.delete(c.url("/api/v1/orders")).header("X-CSRF-Token", &c.csrf).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 405);
    assert_error_body(&r.json().await.unwrap());
    let r = c.get("/api/v1/orders/%FF%FE").await;
    assert!((400..500).contains(&r.status), "{}", r.text);
    assert_error_body(&r.body);

    assert_eq!((c.quota().await.used, app.charges("shop1").await), (0, 0));
    let (total,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders WHERE order_id LIKE 'M-%'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(total, 0);
}

/// Rows in every table of the store.
async fn row_counts(app: &TestApp) -> Vec<(String, i64)> {
    let tables: Vec<String> = match app.store {
        Store::Sqlite => sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
        Store::Postgres => sqlx::query_scalar("SELECT table_name::TEXT FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name"),
    }
    .fetch_all(&app.state.db.pool)
    .await
    .unwrap();
    let mut out = Vec::new();
    for t in tables {
        let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {t}")).fetch_one(&app.state.db.pool).await.unwrap();
        out.push((t, n));
    }
    out
}

/// Every GET route of the OpenAPI document, called by an owner, a staff member, the platform
/// admin and nobody, with real ids where the path takes one (an export job ready to download,
/// an order, a shop): none opens a write transaction, none adds or removes a row.
async fn no_get_changes_anything(store: Store) {
    // Without the SMS outbox worker, whose poll opens a write transaction every second of its
    // own accord: what is counted here is what the GETs do.
    let app = TestApp::spawn_with(store, orderveil_server::Settings { sms_worker: false, ..test_settings() }).await;
    let callers = [app.login("shop1").await, app.login("shop1-staff").await, app.login("admin").await];
    let job: serde_json::Value = callers[0].post("/api/v1/exports", &json!({"format": "csv"})).await.ok();
    let job_id = job["id"].as_str().unwrap().to_string();
    let doc: serde_json::Value = callers[0].get("/api/openapi.json").await.ok();
    let mut paths: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(p, _)| {
            p.replace("{order_id}", "S1-AWAIT-1")
                .replace("{shop_id}", "shop1")
                .replace("/exports/{id}", &format!("/exports/{job_id}"))
                .replace("{app_id}", "app_unknown")
                .replace("{id}", "1")
        })
        .collect();
    paths.extend(["/".to_string(), "/healthz".to_string(), "/orders/S1-AWAIT-1".to_string()]);
    assert!(paths.len() >= 20, "only {} GET paths: {paths:?}", paths.len());
    assert!(!paths.iter().any(|p| p.ends_with("/file")), "the export download is a GET again");
    let (writes, rows) = (app.state.db.writes_begun(), row_counts(&app).await);
    let anon = reqwest::Client::new();
    let mut answered = 0;
    for p in &paths {
        for c in &callers {
            let status = c.get(p).await.status;
            assert!(status < 500, "GET {p} as {}: {status}", c.user.username);
            answered += usize::from(status == 200);
        }
        let _ = anon.get(format!("{}{p}", app.base)).send().await.unwrap();
    }
    assert!(answered >= paths.len(), "too few GETs answered 200 ({answered}) to prove anything");
    assert_eq!(app.state.db.writes_begun(), writes, "a GET opened a write transaction");
    assert_eq!(row_counts(&app).await, rows, "a GET added or removed rows");
    let j: serde_json::Value = callers[0].get(&format!("/api/v1/exports/{job_id}")).await.ok();
    assert_eq!((j["status"].as_str(), j["downloads"].as_u64()), (Some("ready"), Some(0)), "{j}");
}
