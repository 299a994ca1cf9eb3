//! `kill -9` in the middle of a stream of reveals: every grant a client received was charged
//! and audited before it was answered, and the audit chain verifies after the restart. The
//! real `orderveil` binary, 20 rounds on each store.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use orderveil_api::{OrderStatus, RevealGrantResponse};

use crate::helpers::*;

both_stores!(kill_9_under_a_stream_of_reveals_loses_no_charged_grant);

const ROUNDS: usize = 20;
const CLIENTS: usize = 4;

/// A fresh client public key as a grant request carries it.
fn fresh_key() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key())
}

async fn kill_9_under_a_stream_of_reveals_loses_no_charged_grant(store: Store) {
    let app = TestApp::spawn(store).await;
    app.set_platform(|s| {
        s.quota_floor = 100_000;
        s.risk_per_minute = 100_000;
        s.risk_per_hour = 1_000_000;
        s.shop_risk_per_minute = 1_000_000;
        s.shop_risk_per_hour = 10_000_000;
    })
    .await;
    let orders = realistic("shop1", "KILL", 3_000, orderveil_server::clock::Clock::now(&orderveil_server::clock::SystemClock), OrderStatus::AwaitingShipment);
    for chunk in orders.chunks(500) {
        app.ingest_ok(chunk).await;
    }
    let ids: Arc<Vec<String>> = Arc::new(orders.iter().map(|o| o.order_id.clone()).collect());
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let received: Arc<Mutex<Vec<RevealGrantResponse>>> = Arc::default();
    let t = Instant::now();
    let mut killed_after = Vec::new();
    for round in 0..ROUNDS {
        let mut p = app.spawn_binary(&[], &[]).await;
        let clients: Vec<Client> = futures_util::future::join_all((0..CLIENTS).map(|i| p.login(if i % 2 == 0 { "shop1" } else { "shop1-ops" }))).await;
        let mut tasks = Vec::new();
        for c in clients {
            let (ids, next, received) = (ids.clone(), next.clone(), received.clone());
            tasks.push(tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) % ids.len();
                    let body = serde_json::json!({"order_ids": [ids[i]], "fields": ["phone"], "client_public": fresh_key(), "purpose": PURPOSE});
                    let Ok(r) = c.http.post(c.url("/api/v1/reveal-grants")).header("X-CSRF-Token", &c.csrf).json(&body).send().await else { break };
                    if r.status().as_u16() != 200 {
                        continue;
                    }
                    // A body cut by the kill is no grant received.
                    let Ok(g) = r.json::<RevealGrantResponse>().await else { break };
                    received.lock().unwrap().push(g);
                }
            }));
        }
        // Kill at a moment that differs from round to round (20–320 ms into the stream).
        let after = Duration::from_millis(20 + (round as u64 * 157) % 300);
        tokio::time::sleep(after).await;
        p.kill9().await;
        killed_after.push(after);
        for t in tasks {
            let _ = tokio::time::timeout(Duration::from_secs(30), t).await;
        }
    }
    let grants = received.lock().unwrap().clone();
    // Every grant received: its charges (or, for a free repeat, its audit row) are in the store.
    let mut charged = 0;
    for g in &grants {
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM reveal_charges WHERE grant_id = $1").bind(&g.grant_id).fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(n as usize, g.charged_order_ids.len(), "grant {} answered but its charges are not all stored", g.grant_id);
        charged += n;
        let like = format!("%{}%", g.grant_id);
        let (a,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'reveal' AND outcome = 'ok' AND details LIKE $1").bind(&like).fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(a, 1, "grant {} answered without its audit row", g.grant_id);
    }
    let (ok, out) = app.audit_verify().await;
    println!(
        "kill -9 ({store:?}): {ROUNDS} rounds in {:.1?}, {} grants received ({charged} orders charged), all charged and audited; audit verify: {}",
        t.elapsed(),
        grants.len(),
        out.lines().last().unwrap_or("")
    );
    assert!(grants.len() >= ROUNDS, "too few grants to show anything: {}", grants.len());
    assert!(ok, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_settlers_sqlite_commits_are_synced_to_disk() {
    // A delivered grant's charge must survive a power cut, not only a crash: the settler's
    // connection syncs every commit (FULL = 2); the others keep NORMAL (1).
    let app = TestApp::spawn(Store::Sqlite).await;
    let mut durable = app.state.db.connect_durable().await.unwrap();
    let (level,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut durable).await.unwrap();
    assert_eq!(level, 2, "the settler's connection");
    let mut other = app.state.db.connect_one().await.unwrap();
    let (level,): (i64,) = sqlx::query_as("PRAGMA synchronous").fetch_one(&mut other).await.unwrap();
    assert_eq!(level, 1, "other connections");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stop_whose_grace_runs_out_marks_the_cut_export_failed() {
    let app = TestApp::spawn(Store::Sqlite).await;
    // An export large enough to outlast a stalled client's socket buffers.
    let orders = realistic("shop2", "STOP", 30_000, app.now(), OrderStatus::AwaitingShipment);
    for chunk in orders.chunks(500) {
        app.ingest_ok(chunk).await;
    }
    let mut p = app.spawn_binary(&["--shutdown-grace-secs", "1"], &[]).await;
    let owner = p.login("shop2").await;
    let job: serde_json::Value = owner.post("/api/v1/exports", &serde_json::json!({"format": "csv"})).await.ok();
    let id = job["id"].as_str().unwrap().to_string();
    // The client reads the first block, then stops reading and keeps the connection open.
    let mut resp = owner.http.post(owner.url(&format!("/api/v1/exports/{id}/file"))).header("X-CSRF-Token", &owner.csrf).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let _ = resp.chunk().await.unwrap();
    let (ok, took) = p.terminate(Duration::from_secs(20)).await;
    assert!(ok && took < Duration::from_secs(10), "exit {ok} after {took:?}");
    drop(resp);
    let (status, downloads): (String, i64) = sqlx::query_as("SELECT status, downloads FROM exports WHERE id = $1").bind(&id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!((status.as_str(), downloads), ("failed", 1), "the cut download's job");
    let (cut,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'export_download' AND details LIKE '%the server stopped%'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(cut, 1);
}
