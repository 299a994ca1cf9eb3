//! Master key rotation while a server serves (issue 17, item 2): `orderveil keys rotate`,
//! `rewrap` (killed midway, then run again) and `retire`, as the real binary beside the test's
//! server, under a stream of reveals that must all succeed. Field ciphertexts never change.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use orderveil_api::{OrderStatus, OrderView};
use tokio::io::AsyncBufReadExt as _;

use crate::helpers::*;

both_stores!(a_rotation_under_a_stream_of_reveals_loses_nothing);

/// Data keys per master key version.
async fn versions(app: &TestApp) -> BTreeMap<i64, i64> {
    let rows: Vec<(i64, i64)> = sqlx::query_as("SELECT kek_version, COUNT(*) FROM orders WHERE wrapped_dek IS NOT NULL GROUP BY kek_version")
        .fetch_all(&app.state.db.pool)
        .await
        .unwrap();
    rows.into_iter().collect()
}

/// The master key version of an order's data key.
async fn kek_version(app: &TestApp, order_id: &str) -> i64 {
    let (v,): (i64,) = sqlx::query_as("SELECT kek_version FROM orders WHERE order_id = $1").bind(order_id).fetch_one(&app.state.db.pool).await.unwrap();
    v
}

/// Every order's three field ciphertexts.
async fn ciphertexts(app: &TestApp) -> Vec<(String, String, String, String)> {
    sqlx::query_as("SELECT order_id, name_ct, phone_ct, address_ct FROM orders ORDER BY order_id").fetch_all(&app.state.db.pool).await.unwrap()
}

/// `orderveil keys ARGS` on the app's store: (success, output).
async fn keys(app: &TestApp, args: &[&str]) -> (bool, String) {
    let mut all = vec!["keys"];
    all.extend_from_slice(args);
    app.run_binary(&all, "").await
}

/// Reveal the phones of `orders` (id, phone ciphertext), a few at a time, until `stop`;
/// every grant must open and give the ingested phone. Returns the reveals made.
async fn reveal_stream(app: &TestApp, owner: &Client, orders: &[(String, String)], stop: &AtomicBool, failures: &AtomicU64) -> u64 {
    let mut n = 0u64;
    let mut i = 0usize;
    while !stop.load(Ordering::Relaxed) {
        let pick: Vec<&(String, String)> = (0..3).map(|k| &orders[(i + k * 7) % orders.len()]).collect();
        i += 1;
        let ids: Vec<&str> = pick.iter().map(|(id, _)| id.as_str()).collect();
        let (mut session, r) = owner.reveal(&ids, &["phone"]).await;
        if r.status != 200 {
            failures.fetch_add(1, Ordering::Relaxed);
            eprintln!("reveal of {ids:?} failed: {} {}", r.status, r.body);
            continue;
        }
        let grant = open(&mut session, &r, "shop1", app.now());
        for (id, ct) in pick {
            assert_eq!(decrypt(&grant, id, ct), app.ingested(id).phone, "{id}");
        }
        n += 1;
    }
    n
}

async fn a_rotation_under_a_stream_of_reveals_loses_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    // Every reveal of the stream counts against nothing: the watched orders are charged once.
    app.set_platform(|u| u.quota_floor = 1000).await;
    let now = app.now();
    for chunk in realistic("shop1", "ROT", 3000, now, OrderStatus::AwaitingShipment).chunks(500) {
        app.ingest_ok(chunk).await;
    }
    assert_eq!(versions(&app).await.keys().copied().collect::<Vec<_>>(), vec![1]);
    let before = ciphertexts(&app).await;
    let owner = app.login("shop1").await;
    let mut watched = Vec::new();
    for k in 0..40 {
        let id = format!("ROT-{:04}", 1 + k * 73);
        let v: OrderView = owner.get(&format!("/api/v1/orders/{id}")).await.ok();
        watched.push((id, v.ciphertext.phone));
    }
    let key_file = app.data_dir.path().join("keys.json");
    let (stop, failures) = (AtomicBool::new(false), AtomicU64::new(0));

    let app = &app;
    let rotation = async {
        // Retiring the primary, or before a rotation: refused.
        let (ok, out) = keys(app, &["retire", "--version", "1"]).await;
        assert!(!ok && out.contains("primary"), "{out}");

        let (ok, out) = keys(app, &["rotate"]).await;
        assert!(ok && out.contains("version 2 is the primary (was 1)"), "{out}");
        let file = std::fs::read_to_string(&key_file).unwrap();
        assert!(file.contains("\"1\"") && file.contains("\"2\""), "both versions in the key file");
        // Orders ingested after the rotation by the server that started before it are
        // wrapped under version 2: its writer read the new primary.
        let fresh = realistic("shop1", "NEW", 20, app.now(), OrderStatus::AwaitingShipment);
        app.ingest_ok(&fresh).await;
        let (v,): (i64,) = sqlx::query_as("SELECT MIN(kek_version) FROM orders WHERE order_id LIKE 'NEW-%'").fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(v, 2, "a batch sealed under the old primary was re-wrapped under the new one");
        let (ok, out) = keys(app, &["retire", "--version", "1"]).await;
        assert!(!ok && out.contains("orders still have data keys under version 1"), "{out}");

        // A rewrap killed after its first batches…
        let url = app.database_url.clone();
        let mut child = orderveil_command(app.data_dir.path(), url.as_deref(), &["keys", "rewrap", "--batch", "5"])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next_line().await.unwrap().unwrap_or_default();
        assert!(first.starts_with("keys rewrap: 5 / "), "{first}");
        child.kill().await.unwrap();
        let split = versions(app).await;
        assert!(split.get(&1).copied().unwrap_or(0) > 0 && split.get(&2).copied().unwrap_or(0) > 5, "a partial rewrap: {split:?}");
        // … leaves both versions opening: the first watched order was moved, the last not.
        let (first_id, last_id) = (&watched[0].0, &watched[watched.len() - 1].0);
        assert_eq!((kek_version(app, first_id).await, kek_version(app, last_id).await), (2, 1));
        let (mut session, r) = owner.reveal(&[first_id, last_id], &["phone"]).await;
        assert_eq!(r.status, 200, "{}", r.body);
        let grant = open(&mut session, &r, "shop1", app.now());
        for (id, ct) in [&watched[0], &watched[watched.len() - 1]] {
            assert_eq!(decrypt(&grant, id, ct), app.ingested(id).phone);
        }
        let (ok, out) = keys(app, &["retire", "--version", "1"]).await;
        assert!(!ok && out.contains("still have data keys"), "{out}");
        // … and a second run moves only what is left.
        let (ok, out) = keys(app, &["status"]).await;
        assert!(ok && out.contains(&format!("to re-wrap under the primary: {}", split[&1])), "{out}");
        let (ok, out) = keys(app, &["rewrap", "--batch", "200"]).await;
        assert!(ok && out.contains(&format!("{} data keys re-wrapped under version 2", split[&1])) && out.contains("0 left"), "{out}");
        assert_eq!(versions(app).await.keys().copied().collect::<Vec<_>>(), vec![2]);

        let (ok, out) = keys(app, &["retire", "--version", "1"]).await;
        assert!(ok, "{out}");
        let file = std::fs::read_to_string(&key_file).unwrap();
        assert!(!file.contains("\"1\"") && file.contains("\"2\""), "version 1 left the key file: {file}");
        let (ok, out) = keys(app, &["status"]).await;
        assert!(ok && out.contains("retired") && out.contains("absent") && out.contains("to re-wrap under the primary: 0"), "{out}");
        // Let the stream run on the new version alone for a moment.
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        stop.store(true, Ordering::Relaxed);
    };
    let (reveals, ()) = tokio::join!(reveal_stream(app, &owner, &watched, &stop, &failures), rotation);
    assert_eq!(failures.load(Ordering::Relaxed), 0, "every reveal during the rotation succeeds");
    assert!(reveals >= 10, "the stream ran ({reveals} reveals)");

    // The field ciphertexts never changed.
    let after = ciphertexts(app).await;
    let after: Vec<_> = after.into_iter().filter(|(id, ..)| !id.starts_with("NEW-")).collect();
    assert_eq!(after, before);

    // The chain verifies (the binary's rows are keyed like the server's), and the CLI's three
    // steps are on it.
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
    let actions: Vec<(String, String)> =
        sqlx::query_as("SELECT action, outcome FROM audit WHERE action LIKE 'keys_%' ORDER BY id").fetch_all(&app.state.db.pool).await.unwrap();
    let actions: Vec<String> = actions.iter().map(|(a, o)| format!("{a}:{o}")).collect();
    assert_eq!(actions, ["keys_rotate:ok", "keys_rewrap:started", "keys_rewrap:started", "keys_rewrap:ok", "keys_retire:ok"], "the killed run left its start");

    // A process started now with the key file (version 2 alone) serves every order.
    let elsewhere = tempfile::tempdir().unwrap();
    let kf = key_file.to_str().unwrap();
    let p = ServerProcess::spawn(elsewhere.path(), Some(&app.database_url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", app.data_dir.path().join("orderveil.db").display()))), &["--key-file", kf], &[]).await;
    let other = p.login("shop1").await;
    let (mut session, r) = other.reveal(&["ROT-0001", "NEW-0001"], &["phone"]).await;
    let grant = open(&mut session, &r, "shop1", app.now());
    assert_eq!(decrypt(&grant, "ROT-0001", &watched[0].1), app.ingested("ROT-0001").phone);
    let _ = p.stop().await;
}
