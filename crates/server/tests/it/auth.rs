//! Sessions, CSRF and the order system's service token.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::json;

use crate::helpers::*;

both_stores!(csrf_and_sessions_are_enforced, ingest_requires_the_service_token);

async fn csrf_and_sessions_are_enforced(store: Store) {
    let app = TestApp::spawn(store).await;
    let c = app.login("shop1").await;
    let other = app.login("shop1-ops").await;
    let key = URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key());
    let body = json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": key, "purpose": PURPOSE});
    let url = c.url("/api/v1/reveal-grants");

    // A valid session cookie without the CSRF token, with a wrong one, with another session's.
    for token in [None, Some(""), Some("wrong"), Some(other.csrf.as_str())] {
        let mut rq = c.http.post(&url).json(&body);
        if let Some(t) = token {
            rq = rq.header("X-CSRF-Token", t);
        }
        let r = rq.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 403, "token {token:?}");
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["code"], "CSRF_FAILED");
        assert_error_body(&b);
    }
    assert_eq!((c.quota().await.used, app.charges("shop1").await), (0, 0));
    // GETs need no token.
    let _: orderveil_api::SessionInfo = c.get("/api/v1/me").await.ok();

    // No cookie, or a forged one.
    let anon = reqwest::Client::new();
    for rq in [
        anon.post(&url).json(&body),
        anon.post(&url).header("X-CSRF-Token", &c.csrf).json(&body),
        anon.get(c.url("/api/v1/orders")),
        anon.get(c.url("/api/v1/quota")),
        anon.get(c.url("/api/v1/me")),
        anon.get(c.url("/api/v1/orders")).header("Cookie", "ov_session=forged"),
    ] {
        let r = rq.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["code"], "UNAUTHENTICATED");
        assert_error_body(&b);
    }
    assert_eq!(app.charges("shop1").await, 0);

    // Wrong password.
    let r = anon.post(c.url("/api/v1/auth/login")).json(&json!({"username": "shop1", "password": "demo12345"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    assert_eq!(r.json::<serde_json::Value>().await.unwrap()["code"], "INVALID_CREDENTIALS");

    // Logout needs the token too; then it ends the session.
    let r = c.http.post(c.url("/api/v1/auth/logout")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    let _: orderveil_api::SessionInfo = c.get("/api/v1/me").await.ok();
    assert_eq!(c.post_raw("/api/v1/auth/logout", "").await.status, 204);
    c.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    // Sessions expire on the server's clock.
    let _: orderveil_api::SessionInfo = other.get("/api/v1/me").await.ok();
    app.clock.advance(test_settings().session_ttl_secs);
    other.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
}

async fn ingest_requires_the_service_token(store: Store) {
    let app = TestApp::spawn(store).await;
    let orders = vec![order("S3-TOKEN-1", "shop3", orderveil_api::OrderStatus::AwaitingShipment, app.now(), 60, ("沈括", "13512345670", "浙江省杭州市钱塘区梦溪路1号"))];
    let body = json!({ "orders": orders });
    let url = format!("{}/api/v1/orders/ingest", app.base);
    let shop1 = app.login("shop1").await;
    let http = reqwest::Client::new();
    for rq in [
        http.post(&url).json(&body),
        http.post(&url).bearer_auth("ovs_wrong").json(&body),
        http.post(&url).bearer_auth(format!("{SERVICE_TOKEN}x")).json(&body),
        http.post(&url).header("Authorization", SERVICE_TOKEN).json(&body),
        // A merchant's session is not the order system.
        shop1.http.post(&url).header("X-CSRF-Token", &shop1.csrf).json(&body),
    ] {
        let r = rq.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let b: serde_json::Value = r.json().await.unwrap();
        assert_eq!(b["code"], "UNAUTHENTICATED");
        assert_error_body(&b);
    }
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM orders WHERE order_id = 'S3-TOKEN-1'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 0, "a refused ingest stored an order");
    // Control: with the token it goes in.
    let r: orderveil_api::IngestResponse = app.ingest(&orders).await.ok();
    assert_eq!(r.created, 1);
}
