//! One key source for every process on a store: a process with other keys, or with no key
//! file for a store that holds orders, refuses to start and says how to fix it; one with the
//! store's key file reveals the orders another process ingested.

use orderveil_api::OrderView;
use orderveil_cipher::{ClientSession, IndexMasterSecret, Kek, KekVersion};
use serde_json::json;

use crate::helpers::*;

both_stores!(a_process_with_other_keys_refuses_to_start_and_one_with_the_store_key_file_reveals);

/// The store flags of `app` for a process whose data directory is elsewhere.
fn store_url(app: &TestApp) -> String {
    app.database_url.clone().unwrap_or_else(|| format!("sqlite://{}?mode=rwc", app.data_dir.path().join("orderveil.db").display()))
}

/// `orderveil serve` in `dir` on `app`'s store that must refuse to start: its output.
async fn refused(app: &TestApp, dir: &std::path::Path, extra: &[&str]) -> String {
    let url = store_url(app);
    let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--service-token", SERVICE_TOKEN];
    args.extend_from_slice(extra);
    let (ok, out) = run_orderveil(dir, Some(&url), &args, "").await;
    assert!(!ok, "it started: {out}");
    out
}

/// A key file of fresh random keys at `path`, with `mode`.
fn other_keys(path: &std::path::Path, mode: u32) {
    use base64::Engine as _;
    let b64 = |b: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b);
    let kek = Kek::generate(KekVersion::new(1).unwrap()).unwrap();
    let index = IndexMasterSecret::generate().unwrap();
    let text = json!({"primary": 1, "keks": {"1": b64(kek.expose_bytes())}, "index_master": b64(index.expose_bytes())}).to_string();
    std::fs::write(path, text).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

async fn a_process_with_other_keys_refuses_to_start_and_one_with_the_store_key_file_reveals(store: Store) {
    let app = TestApp::spawn(store).await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM key_checks").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 2, "kek:1 and index are recorded");
    let elsewhere = tempfile::tempdir().unwrap();

    // No key file for a store that holds orders: refused, nothing created.
    let out = refused(&app, elsewhere.path(), &[]).await;
    assert!(out.contains("no key file at") && out.contains("--key-file"), "{out}");
    assert!(!elsewhere.path().join("keys.json").exists(), "a key file was made for a store with orders");
    // Other keys: refused, naming the key.
    other_keys(&elsewhere.path().join("keys.json"), 0o600);
    let out = refused(&app, elsewhere.path(), &[]).await;
    assert!(out.contains("`index`") || out.contains("`kek:1`"), "{out}");
    assert!(out.contains("same keys"), "{out}");
    // A key file others may read: refused.
    let own = app.data_dir.path().join("keys.json");
    let loose = elsewhere.path().join("loose.json");
    std::fs::copy(&own, &loose).unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(&loose, std::fs::Permissions::from_mode(0o644)).unwrap();
    let out = refused(&app, elsewhere.path(), &["--key-file", loose.to_str().unwrap()]).await;
    assert!(out.contains("chmod 600"), "{out}");

    // A store written before check values were recorded: the master key is tried on an order.
    sqlx::query("DELETE FROM key_checks").execute(&app.state.db.pool).await.unwrap();
    let out = refused(&app, elsewhere.path(), &[]).await;
    assert!(out.contains("does not open this store's orders"), "{out}");

    // The store's own key file, from another data directory: it starts, records the values
    // again, and reveals what the first process ingested.
    let url = store_url(&app);
    let p = ServerProcess::spawn(elsewhere.path(), Some(&url), &["--key-file", own.to_str().unwrap()], &[]).await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM key_checks").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 2);
    let owner = p.login("shop1").await;
    let mut session = ClientSession::new().unwrap();
    let key = {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(session.public_key())
    };
    let r = owner.reveal_with_key(&["S1-AWAIT-1"], &["phone"], &key).await;
    let grant = open(&mut session, &r, "shop1", orderveil_server::clock::Clock::now(&orderveil_server::clock::SystemClock));
    let v: OrderView = owner.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    assert_eq!(decrypt(&grant, "S1-AWAIT-1", &v.ciphertext.phone), app.ingested("S1-AWAIT-1").phone);
    let _ = p.stop().await;

    // `orderveil backup` copies SQLite stores only; PostgreSQL is pg_dump's.
    if store == Store::Postgres {
        let to = elsewhere.path().join("b.db");
        let (ok, out) = run_orderveil(elsewhere.path(), Some(&url), &["backup", "--to", to.to_str().unwrap()], "").await;
        assert!(!ok && out.contains("pg_dump") && !to.exists(), "{out}");
    }
}
