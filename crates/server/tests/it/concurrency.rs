//! Quota atomicity: N concurrent reveals at the limit grant exactly what is left, across two
//! server processes on one store.

use std::collections::BTreeSet;
use std::sync::Arc;

use orderveil_api::{OrderStatus, RevealGrantResponse};
use orderveil_server::clock::{Clock as _, SystemClock};

use crate::helpers::*;

both_stores!(concurrent_reveals_grant_exactly_what_is_left_across_two_processes, requests_settled_together_are_decided_one_by_one);

const FLOOR: u32 = 50;
const LEFT: u32 = 37;
const REQUESTS: usize = 200;

/// Two real `orderveil` processes on one store (for SQLite: one database file and one key
/// file in a shared data directory; for PostgreSQL: one database, the key file shared the
/// same way). 200 one-order grants for 200 distinct orders, split between the processes and
/// four sessions, with 37 units left: exactly 37 succeed.
async fn concurrent_reveals_grant_exactly_what_is_left_across_two_processes(store: Store) {
    // The store, seeded with the users, and the key file both processes will read.
    let app = TestApp::spawn(store).await;
    // The processes run on the system clock: never straddle an Asia/Shanghai midnight.
    let to_midnight = secs_to_real_midnight();
    if to_midnight < 90 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(to_midnight).unwrap() + 2)).await;
    }
    // The rules are the store's platform settings, which both processes read.
    app.set_platform(|s| {
        s.quota_floor = FLOOR;
        s.risk_per_minute = 100_000;
        s.risk_per_hour = 100_000;
    })
    .await;
    let (a, b) = tokio::join!(app.spawn_binary(&[], &[]), app.spawn_binary(&[], &[]));

    // 200 orders for the burst plus 13 to burn the quota down to 37, in the last 30 days.
    let now = SystemClock.now();
    let orders = realistic("shop1", "C", REQUESTS + (FLOOR - LEFT) as usize, now, OrderStatus::AwaitingShipment);
    for chunk in orders.chunks(500) {
        let _: orderveil_api::IngestResponse = ingest_at(&a.base, chunk).await.ok();
    }
    let burst: Vec<String> = orders[..REQUESTS].iter().map(|o| o.order_id.clone()).collect();
    let burn: Vec<&str> = orders[REQUESTS..].iter().map(|o| o.order_id.as_str()).collect();

    let owner_a = a.login("shop1").await;
    let q = owner_a.quota().await;
    assert_eq!((q.limit, q.used), (FLOOR, 0), "the floor must set the limit: {q:?}");
    let g: RevealGrantResponse = owner_a.reveal(&burn, &["phone"]).await.1.ok();
    assert_eq!(g.quota.remaining, LEFT);
    let day = g.quota.day.clone();

    // Four sessions: two users on each process.
    let clients = Arc::new([owner_a, a.login("shop1-ops").await, b.login("shop1").await, b.login("shop1-ops").await]);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, id) in burst.iter().cloned().enumerate() {
        let clients = clients.clone();
        tasks.spawn(async move {
            let (_, r) = clients[i % 4].reveal(&[&id], &["phone"]).await;
            (id, r)
        });
    }
    let (mut granted, mut exhausted, mut other) = (BTreeSet::new(), 0, Vec::new());
    while let Some(res) = tasks.join_next().await {
        let (id, r) = res.unwrap();
        match (r.status, r.body["code"].as_str()) {
            (200, _) => {
                let g: RevealGrantResponse = r.ok();
                assert_eq!((g.charged_order_ids.as_slice(), g.quota.day.as_str()), (&[id.clone()][..], day.as_str()));
                assert!(g.quota.used <= FLOOR, "used beyond the limit: {:?}", g.quota);
                granted.insert(id);
            }
            (429, Some("QUOTA_EXHAUSTED")) => {
                assert_eq!(r.err(429, "QUOTA_EXHAUSTED")["remaining"].as_u64(), Some(0), "{}", r.text);
                exhausted += 1;
            }
            _ => other.push(format!("{id}: {} {}", r.status, r.text)),
        }
    }
    assert!(other.is_empty(), "unexpected responses: {other:#?}");
    assert_eq!((granted.len(), exhausted), (LEFT as usize, REQUESTS - LEFT as usize));

    // Both processes see the same, full quota.
    for c in [&clients[0], &clients[2]] {
        let q = c.quota().await;
        assert_eq!((q.used, q.limit, q.remaining, q.day.as_str()), (FLOOR, FLOOR, 0, day.as_str()));
    }
    // Exactly 37 charge rows for the burst (plus the 13 burnt), and they are the granted orders.
    let rows: Vec<(String,)> = sqlx::query_as("SELECT order_id FROM reveal_charges WHERE shop_id = 'shop1' AND day = $1")
        .bind(&day)
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    let charged: BTreeSet<String> = rows.into_iter().map(|r| r.0).filter(|id| burst.contains(id)).collect();
    assert_eq!(charged, granted);
    assert_eq!(app.charges("shop1").await, i64::from(FLOOR));

    // Every request left one audit row, and the chain stayed intact under the race.
    let (ok,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'reveal' AND outcome = 'ok'").fetch_one(&app.state.db.pool).await.unwrap();
    let (refused,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'reveal' AND code = 'QUOTA_EXHAUSTED'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!((ok, refused), (1 + i64::from(LEFT), (REQUESTS - LEFT as usize) as i64));
    let (_, _) = tokio::join!(a.stop(), b.stop());
    let (verified, out) = app.audit_verify().await;
    assert!(verified, "audit chain broken by concurrent appends:\n{out}");
}

/// Requests that arrive together are settled in one transaction (group commit), yet each is
/// decided on its own, as if they had come one after another: a refusal among them charges
/// nothing and spoils nothing for the others, shops do not mix, and two requests for one
/// order charge it once.
async fn requests_settled_together_are_decided_one_by_one(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner1, ops1, staff1, owner2) = (app.login("shop1").await, app.login("shop1-ops").await, app.login("shop1-staff").await, app.login("shop2").await);
    let (a, b, c, d, e, f, g, h) = tokio::join!(
        owner1.reveal(&["S1-AWAIT-1"], &["phone"]),
        ops1.reveal(&["S1-AWAIT-1"], &["name"]),
        owner1.reveal(&["S1-SHIPPED", "S1-AFTERSALE"], &["address"]),
        owner1.reveal(&["S1-DONE", "S2-AWAIT-2"], &["phone"]),
        ops1.reveal(&["S1-AWAIT-2", "S1-CANCELLED"], &["phone"]),
        staff1.reveal(&["S1-AWAIT-2"], &["phone"]),
        owner2.reveal(&["S2-SAME-RECEIVER", "S2-AWAIT-2"], &["phone", "name"]),
        owner2.reveal(&["S1-DONE"], &["phone"]),
    );
    // The same order twice at once: both get a grant, exactly one pays.
    let (ga, gb): (RevealGrantResponse, RevealGrantResponse) = (a.1.ok(), b.1.ok());
    let mut paid: Vec<String> = ga.charged_order_ids.iter().chain(&gb.charged_order_ids).cloned().collect();
    let free: Vec<String> = ga.free_order_ids.iter().chain(&gb.free_order_ids).cloned().collect();
    assert_eq!((paid.as_slice(), free.as_slice()), (&["S1-AWAIT-1".to_string()][..], &["S1-AWAIT-1".to_string()][..]));
    let gc: RevealGrantResponse = c.1.ok();
    assert_eq!(gc.charged_order_ids, ["S1-SHIPPED", "S1-AFTERSALE"]);
    paid.extend(gc.charged_order_ids);
    // Another shop's order in the batch: not found, nothing charged, not even the own one.
    assert_eq!(d.1.err(404, "ORDER_NOT_FOUND")["order_ids"], serde_json::json!(["S2-AWAIT-2"]));
    assert_eq!(e.1.err(409, "ORDER_STATE_FORBIDS_REVEAL")["order_ids"], serde_json::json!(["S1-CANCELLED"]));
    f.1.err(403, "FORBIDDEN");
    let gg: RevealGrantResponse = g.1.ok();
    assert_eq!((gg.shop_id.as_str(), gg.charged_order_ids.len(), gg.quota.used), ("shop2", 2, 2));
    h.1.err(404, "ORDER_NOT_FOUND");

    assert_eq!(app.charges("shop1").await, 3, "S1-AWAIT-1 once, S1-SHIPPED, S1-AFTERSALE; {paid:?}");
    assert_eq!(app.charges("shop2").await, 2);
    assert_eq!((owner1.quota().await.used, owner2.quota().await.used), (3, 2));
    // One audit row per settled request (the staff member was refused before settling).
    let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'reveal'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(rows, 7);
    let (verified, out) = app.audit_verify().await;
    assert!(verified, "{out}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_finishes_the_requests_under_way_and_exits_0() {
    let app = TestApp::spawn(Store::Sqlite).await;
    let mut p = app.spawn_binary(&[], &[]).await;
    let owner = p.login("shop1").await;
    // A stream of reveals is under way when the signal comes: every one answered is whole (a
    // grant or a coded refusal), and the process exits 0 promptly.
    let reveals = tokio::spawn(async move {
        let mut answered = 0;
        for _ in 0..200 {
            match owner.http.post(owner.url("/api/v1/reveal-grants")).header("X-CSRF-Token", &owner.csrf).json(&serde_json::json!({
                "order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": fresh_key(), "purpose": PURPOSE
            })).send().await {
                Ok(r) => {
                    assert!(r.status().is_success() || r.status().as_u16() == 503 || r.status().is_client_error(), "{}", r.status());
                    answered += 1;
                }
                Err(_) => break, // the listener is closed
            }
        }
        answered
    });
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let (ok, took) = p.terminate(std::time::Duration::from_secs(40)).await;
    let answered = reveals.await.unwrap();
    println!("SIGTERM: exited {} after {took:.1?}; {answered} reveals answered before", if ok { "0" } else { "non-zero" });
    assert!(ok, "the process did not exit 0 on SIGTERM");
    assert!(answered > 0);
    // Every reveal answered with a grant was charged (and audited) before it was answered.
    let (ok_rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action = 'reveal' AND outcome = 'ok'").fetch_one(&app.state.db.pool).await.unwrap();
    assert!(ok_rows >= 1);
}

/// A fresh client public key as a grant request carries it.
fn fresh_key() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(orderveil_cipher::ClientSession::new().unwrap().public_key())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_write_load_opens_verifies_and_holds_every_committed_order() {
    let app = std::sync::Arc::new(TestApp::spawn(Store::Sqlite).await);
    // Orders keep arriving, 50 a batch, while the backup runs; every acknowledged id is noted.
    let acked = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (app, acked, stop) = (app.clone(), acked.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let batch = realistic("shop1", &format!("BK{n:04}"), 50, app.now(), OrderStatus::AwaitingShipment);
                let r = app.ingest(&batch).await;
                assert_eq!(r.status, 200, "{}", r.text);
                acked.lock().unwrap().extend(batch.iter().map(|o| o.order_id.clone()));
                n += 1;
            }
            n
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before: Vec<String> = acked.lock().unwrap().clone();
    let to = app.data_dir.path().join("backup.db");
    let (ok, out) = run_orderveil(app.data_dir.path(), None, &["backup", "--to", to.to_str().unwrap()], "").await;
    assert!(ok, "{out}");
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let batches = load.await.unwrap();
    // A second backup to the same file is refused (nothing overwritten).
    let (again, out2) = run_orderveil(app.data_dir.path(), None, &["backup", "--to", to.to_str().unwrap()], "").await;
    assert!(!again && out2.contains("exists"), "{out2}");

    // The copy opens, holds every order acknowledged before the backup started, and its audit
    // chains verify.
    let url = format!("sqlite://{}?mode=ro", to.display());
    let mut copy = <sqlx::SqliteConnection as sqlx::Connection>::connect(&url).await.unwrap();
    let ids: BTreeSet<String> = sqlx::query_scalar("SELECT order_id FROM orders").fetch_all(&mut copy).await.unwrap().into_iter().collect();
    let missing = before.iter().filter(|id| !ids.contains(*id)).count();
    println!("backup under load: {} orders acknowledged before it, {} in the copy, {batches} batches in all; {}", before.len(), ids.len(), out.trim());
    assert!(before.len() >= 50, "the load had not started");
    assert_eq!(missing, 0, "orders committed before the backup are missing from it");
    drop(copy);
    // Restored as a store of its own (read-write, as `serve` would open it).
    let restored = format!("sqlite://{}", to.display());
    let (ok, verify) = run_orderveil(app.data_dir.path(), Some(&restored), &["audit", "verify"], "").await;
    assert!(ok && verify.contains("OK"), "{verify}");
    assert!(!std::fs::read(&to).unwrap().windows(9).any(|w| w == b"index_mas"), "keys in the backup");
}
