//! Accounts under abuse: the admin bootstrap, password changes and resets, password rules,
//! and login throttling, written as attacks.

use std::time::{Duration, Instant};

use orderveil_api::{PasswordChanged, SessionInfo, ShopUser};
use orderveil_server::login_throttle::{ACCOUNT, FORGET_SECS, LOCK_SECS};
use serde_json::{Value, json};

use orderveil_server::Settings;

use crate::helpers::*;

both_stores!(
    a_real_install_gets_its_admin_from_the_command_line,
    everyone_changes_their_own_password_and_other_sessions_end,
    the_admin_resets_an_owners_password_and_nobody_else_can,
    a_burst_of_bad_logins_locks_the_account_not_the_others,
    an_idle_session_ends_and_the_purge_removes_what_ended,
);

async fn a_real_install_gets_its_admin_from_the_command_line(store: Store) {
    let app = TestApp::spawn(store).await;
    // The password rules hold on the command line too, with the same codes.
    let (ok, out) = app.run_binary(&["admin", "create", "--username", "ops-admin"], "12345678\n").await;
    assert!(!ok && out.contains("PASSWORD_TOO_COMMON"), "{out}");
    let (ok, out) = app.run_binary(&["admin", "create", "--username", "admin"], "Another-strong-1\n").await;
    assert!(!ok && out.contains("USERNAME_TAKEN"), "{out}");
    let (ok, out) = app.run_binary(&["admin", "create", "--username", "ops-admin"], "").await;
    assert!(!ok && out.contains("no password"), "{out}");
    // From stdin, then from a file (its first line).
    let (ok, out) = app.run_binary(&["admin", "create", "--username", "ops-admin"], "Tide-pool-Lantern-7\n").await;
    assert!(ok, "{out}");
    let file = app.data_dir.path().join("pw.txt");
    std::fs::write(&file, "Copper-Kettle-Rain-4\nignored second line\n").unwrap();
    let (ok, out) = app.run_binary(&["admin", "create", "--username", "ops-admin2", "--password-file", file.to_str().unwrap()], "").await;
    assert!(ok, "{out}");
    let admin = login_with(&app, "ops-admin", "Tide-pool-Lantern-7").await;
    assert_eq!(admin.user.role, orderveil_api::Role::Admin);
    let _: Vec<Value> = admin.get("/api/v1/admin/shops").await.ok();
    login_with(&app, "ops-admin2", "Copper-Kettle-Rain-4").await;
    // Audited on the platform chain, without the password.
    let trail = admin.audit("action=admin_create").await;
    assert_eq!(trail.entries.len(), 2, "{trail:?}");
    assert!(trail.entries.iter().all(|e| e.actor == "cli" && e.shop_id.is_none()));
    assert!(!format!("{trail:?}").contains("Lantern"));

    // A store without an admin and without --demo: `serve` says how to make one.
    if store == Store::Sqlite {
        let fresh = tempfile::tempdir().unwrap();
        let p = ServerProcess::spawn(fresh.path(), None, &[], &[]).await;
        let out = p.stdout();
        assert!(out.contains("No platform admin yet") && out.contains("orderveil admin create --username NAME"), "{out}");
        let _ = p.stop().await;
        let (ok, out) = run_orderveil(fresh.path(), None, &["admin", "create", "--username", "first-admin"], "Moss-Granite-Owl-5\n").await;
        assert!(ok, "{out}");
        let p = ServerProcess::spawn(fresh.path(), None, &[], &[]).await;
        assert!(!p.stdout().contains("No platform admin yet"), "{}", p.stdout());
        let _ = p.stop().await;
    }
}

async fn everyone_changes_their_own_password_and_other_sessions_end(store: Store) {
    let app = TestApp::spawn(store).await;
    let here = app.login("shop1").await;
    let elsewhere = app.login("shop1").await;
    let change = |current: &str, new: &str| json!({"current_password": current, "new_password": new});
    // The current password is required; the new one follows the rules.
    here.post("/api/v1/me/password", &change("not-my-password", "Harbor-Mist-91")).await.err(403, "CURRENT_PASSWORD_WRONG");
    here.post("/api/v1/me/password", &change(PASSWORD, "short")).await.err(422, "PASSWORD_LENGTH");
    here.post("/api/v1/me/password", &change(PASSWORD, "my-shop1-pass")).await.err(422, "PASSWORD_CONTAINS_USERNAME");
    here.post("/api/v1/me/password", &change(PASSWORD, "Iloveyou1")).await.err(422, "PASSWORD_TOO_COMMON");
    // Without the CSRF token: refused, nothing changed.
    let r = here.http.post(here.url("/api/v1/me/password")).json(&change(PASSWORD, "Harbor-Mist-91")).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403);
    login_with(&app, "shop1", PASSWORD).await;
    let before = here.get("/api/v1/me").await;
    assert_eq!(before.status, 200);

    let done: PasswordChanged = here.post("/api/v1/me/password", &change(PASSWORD, "Harbor-Mist-91")).await.ok();
    assert_eq!(done.sessions_ended, 2, "the other two sessions of shop1 end");
    elsewhere.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    let me: SessionInfo = here.get("/api/v1/me").await.ok();
    assert_eq!(me.user.username, "shop1", "the session that changed it goes on");
    try_login(&app, "shop1", PASSWORD).await.1.err(401, "INVALID_CREDENTIALS");
    login_with(&app, "shop1", "Harbor-Mist-91").await;
    // Staff and the admin change theirs the same way.
    for user in ["shop1-staff", "admin"] {
        let c = app.login(user).await;
        let _: PasswordChanged = c.post("/api/v1/me/password", &change(PASSWORD, "Quiet-Fjord-2026")).await.ok();
        login_with(&app, user, "Quiet-Fjord-2026").await;
    }
    // Audited on the account's chain, with no password in it.
    let trail = here.audit("action=password_change").await;
    assert_eq!(trail.entries.len(), 2, "shop1 and its staff member: {trail:?}");
    let text = format!("{trail:?}");
    assert!(!text.contains("Harbor") && !text.contains("Fjord") && !text.contains(PASSWORD), "{text}");
}

async fn the_admin_resets_an_owners_password_and_nobody_else_can(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let users: Vec<ShopUser> = admin.get("/api/v1/admin/shops/shop1/users").await.ok();
    let owner = users.iter().find(|u| u.username == "shop1").unwrap().id;
    let staff = users.iter().find(|u| u.username == "shop1-staff").unwrap().id;
    let shop2: Vec<ShopUser> = admin.get("/api/v1/admin/shops/shop2/users").await.ok();
    let owner2 = shop2.iter().find(|u| u.username == "shop2").unwrap().id;
    let body = json!({"password": "Lantern-Quay-58"});
    let path = |shop: &str, id: i64| format!("/api/v1/admin/shops/{shop}/users/{id}/password");

    // Owners, staff and other roles are refused; staff accounts and another shop's owner look absent.
    for user in ["shop1", "shop1-staff", "shop2"] {
        app.login(user).await.post(&path("shop1", owner), &body).await.err(403, "FORBIDDEN");
    }
    admin.post(&path("shop1", staff), &body).await.err(404, "NOT_FOUND");
    admin.post(&path("shop1", owner2), &body).await.err(404, "NOT_FOUND");
    admin.post(&path("nope", owner), &body).await.err(404, "NOT_FOUND");
    admin.post(&path("shop1", owner), &json!({"password": "shop1shop1"})).await.err(422, "PASSWORD_CONTAINS_USERNAME");
    login_with(&app, "shop1", PASSWORD).await;

    let logged_in = app.login("shop1").await;
    let done: PasswordChanged = admin.post(&path("shop1", owner), &body).await.ok();
    assert!(done.sessions_ended >= 1, "{done:?}");
    logged_in.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    try_login(&app, "shop1", PASSWORD).await.1.err(401, "INVALID_CREDENTIALS");
    let owner_again = login_with(&app, "shop1", "Lantern-Quay-58").await;
    // The owner sees in the own chain that the platform reset it.
    let trail = owner_again.audit("action=owner_password_reset").await;
    assert_eq!(trail.entries.len(), 1);
    assert_eq!(trail.entries[0].actor, "admin");
    assert!(!format!("{trail:?}").contains("Lantern"));
}

async fn a_burst_of_bad_logins_locks_the_account_not_the_others(store: Store) {
    let app = TestApp::spawn(store).await;
    // 500 bad logins at once: only the free few are even checked, the rest are refused at the door.
    let attempts = (0..500).map(|i| {
        let app = &app;
        async move { try_login(app, "shop1", &format!("guess-{i:04}")).await.1 }
    });
    let answers = futures_util::future::join_all(attempts).await;
    let checked = answers.iter().filter(|r| r.status == 401).count();
    let held = answers.iter().filter(|r| r.status == 429).count();
    assert_eq!((checked, held), (ACCOUNT.free as usize, 500 - ACCOUNT.free as usize), "{:?}", answers.iter().map(|r| r.status).collect::<Vec<_>>());
    for r in answers.iter().filter(|r| r.status == 429) {
        assert_eq!(r.err(429, "LOGIN_LOCKED")["locked"], json!(false));
    }
    // The attacker waits out each delay: the account locks.
    lock_out(&app, "shop1").await;
    // Now the right password is refused too, with Retry-After, until the lock ends.
    let http = reqwest::Client::new();
    let r = http.post(format!("{}/api/v1/auth/login", app.base)).json(&json!({"username": "shop1", "password": PASSWORD})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 429);
    let retry: i64 = r.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((LOCK_SECS - 60..=LOCK_SECS).contains(&retry), "Retry-After {retry}");
    let body: Value = r.json().await.unwrap();
    assert_eq!((body["code"].as_str(), body["details"]["locked"].as_bool(), body["details"]["scope"].as_str()), (Some("LOGIN_LOCKED"), Some(true), Some("account")));
    // Upper case is the same name.
    try_login(&app, "SHOP1", PASSWORD).await.1.err(429, "LOGIN_LOCKED");
    // Another account from the same address still logs in.
    login_with(&app, "shop2", PASSWORD).await;
    // One audit row for the lock, none per attempt.
    let admin = app.login("admin").await;
    let locks = admin.audit("action=login_locked").await;
    let refused = admin.audit("action=login&outcome=refused").await;
    assert_eq!((locks.total, refused.total), (1, 0), "{locks:?}");
    assert_eq!(locks.entries[0].shop_id.as_deref(), Some("shop1"));
    // The lock is stored, so every process on the store honours it.
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM login_locks WHERE subject = 'account:shop1'").fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, 1);
    // When it ends, the owner logs in again.
    app.clock.advance(LOCK_SECS);
    login_with(&app, "shop1", PASSWORD).await;
}

/// The median of `xs` (milliseconds).
fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_login_takes_as_long_for_a_live_a_disabled_and_an_unknown_account() {
    let app = TestApp::spawn(Store::Sqlite).await;
    let owner = app.login("shop1").await;
    let made: Value = owner.post("/api/v1/staff", &json!({"username": "s1-gone", "password": "Gone-Away-2026", "permissions": ["view"]})).await.ok();
    let _: Value = owner.post(&format!("/api/v1/staff/{}", made["id"]), &json!({"disabled": true})).await.ok();
    // The disabled account's right password is refused like a wrong one.
    try_login(&app, "s1-gone", "Gone-Away-2026").await.1.err(401, "INVALID_CREDENTIALS");
    let kinds = [("live", "shop3", "wrong-pass-1"), ("disabled", "s1-gone", "Gone-Away-2026"), ("unknown", "no-such-user", "wrong-pass-1")];
    let mut times: Vec<Vec<f64>> = vec![Vec::new(); kinds.len()];
    for round in 0..15 {
        // Alternate the order, and let the throttle forget between rounds.
        for k in 0..kinds.len() {
            let (_, user, password) = kinds[(k + round) % kinds.len()];
            let t = Instant::now();
            try_login(&app, user, password).await.1.err(401, "INVALID_CREDENTIALS");
            times[(k + round) % kinds.len()].push(t.elapsed().as_secs_f64() * 1000.0);
        }
        app.clock.advance(FORGET_SECS);
    }
    let medians: Vec<f64> = times.into_iter().map(median).collect();
    let line: Vec<String> = kinds.iter().zip(&medians).map(|((k, _, _), m)| format!("{k} {m:.1} ms")).collect();
    println!("failed login, median of 15: {}", line.join(", "));
    let (lo, hi) = (medians.iter().copied().fold(f64::MAX, f64::min), medians.iter().copied().fold(0.0, f64::max));
    assert!(hi / lo < 1.5, "a failed login's time tells the kind of account: {}", line.join(", "));
}

/// Read a process's peak resident set (`VmHWM`), KiB.
fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spray_of_logins_from_many_addresses_hashes_a_few_at_a_time() {
    // The real binary, behind a "proxy" (this test) that names 500 different clients: each
    // attempt is its own account and address, so the throttle admits them all, and only the
    // hashing semaphore stands between them and 500 argon2 runs of ~19 MiB at once.
    let app = TestApp::spawn(Store::Sqlite).await;
    let p = app.spawn_binary(&["--trusted-proxy", "127.0.0.1"], &[]).await;
    let before = peak_rss_kib(p.pid());
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(300)).build().unwrap();
    let t = Instant::now();
    let attempts = (0..500u32).map(|i| {
        let (http, base) = (http.clone(), p.base.clone());
        async move {
            let r = http
                .post(format!("{base}/api/v1/auth/login"))
                .header("X-Forwarded-For", format!("198.51.100.7, 10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256))
                .json(&json!({"username": format!("sprayed-{i}"), "password": "Spring2026!"}))
                .send()
                .await
                .unwrap();
            r.status().as_u16()
        }
    });
    let statuses = futures_util::future::join_all(attempts).await;
    assert!(statuses.iter().all(|s| *s == 401), "{statuses:?}");
    let after = peak_rss_kib(p.pid());
    println!(
        "500 parallel logins in {:.1} s: peak RSS {} MiB before, {} MiB after (+{} MiB)",
        t.elapsed().as_secs_f64(),
        before / 1024,
        after / 1024,
        (after - before) / 1024
    );
    // Unbounded, 500 × 19 MiB would be ~9.5 GiB; the semaphore allows two at a time.
    assert!(after - before < 200 * 1024, "peak RSS grew by {} MiB", (after - before) / 1024);
    let _ = p.stop().await;
}

async fn an_idle_session_ends_and_the_purge_removes_what_ended(store: Store) {
    let app = TestApp::spawn(store).await;
    // The admin sets a 10-minute idle timeout (the console's unit is seconds on the wire).
    let set = app.set_platform(|u| u.session_idle_secs = Some(600)).await;
    assert_eq!(set.session_idle_secs, 600);
    // Another change leaves it as it is.
    assert_eq!(app.set_platform(|u| u.quota_floor = 11).await.session_idle_secs, 600);

    let busy = app.login("shop1").await;
    let idle = app.login("shop2").await;
    // A request every 9 minutes keeps a session alive well past 10 minutes.
    for _ in 0..3 {
        app.clock.advance(9 * 60);
        let _: SessionInfo = busy.get("/api/v1/me").await.ok();
    }
    // The other one did nothing for 27 minutes: it has ended, and says so.
    idle.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");
    // Ten minutes of silence end the busy one too.
    app.clock.advance(600);
    busy.get("/api/v1/me").await.err(401, "UNAUTHENTICATED");

    // The purge removes ended sessions and login locks; a live session stays.
    let live = app.login("shop3").await;
    lock_out(&app, "shop1").await;
    let count = |table: &'static str| {
        let pool = app.state.db.pool.clone();
        async move {
            let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&pool).await.unwrap();
            n
        }
    };
    assert!(count("sessions").await >= 4);
    // The lock runs out while the live session keeps being used.
    app.clock.advance(LOCK_SECS / 2);
    let _: SessionInfo = live.get("/api/v1/me").await.ok();
    app.clock.advance(LOCK_SECS - LOCK_SECS / 2);
    let _: SessionInfo = live.get("/api/v1/me").await.ok();
    let purged = orderveil_server::purge(&app.state).await.unwrap();
    assert!(purged.sessions >= 3 && purged.login_locks == 1, "{purged:?}");
    assert_eq!((count("sessions").await, count("login_locks").await), (1, 0));
    let _: SessionInfo = live.get("/api/v1/me").await.ok();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cookies_are_secure_and_hsts_is_sent_only_behind_https() {
    for (public_url, secure) in [(None, false), (Some("http://orders.example.com"), false), (Some("https://orders.example.com"), true)] {
        let app = TestApp::spawn_with(Store::Sqlite, Settings { public_url: public_url.map(Into::into), ..test_settings() }).await;
        let http = reqwest::Client::new();
        let r = http.post(format!("{}/api/v1/auth/login", app.base)).json(&json!({"username": "shop1", "password": PASSWORD})).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        let cookie = r.headers()["set-cookie"].to_str().unwrap().to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), "{cookie}");
        assert_eq!(cookie.contains("; Secure"), secure, "{public_url:?}: {cookie}");
        assert_eq!(r.headers().contains_key("strict-transport-security"), secure, "{public_url:?}");
        let health = http.get(format!("{}/healthz", app.base)).send().await.unwrap();
        let hsts = health.headers().get("strict-transport-security").map(|v| v.to_str().unwrap().to_string());
        assert_eq!(hsts.as_deref(), secure.then_some("max-age=31536000; includeSubDomains"), "{public_url:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flood_of_slow_requests_gets_503_for_the_excess_while_healthz_answers() {
    // The real binary, at most 64 requests at once. 2,000 logins at once, each a different
    // client behind the trusted proxy (so the throttle lets them all through): each waits
    // for the two hashing places, so they are slow, and the excess must be refused at once.
    let app = TestApp::spawn(Store::Sqlite).await;
    let p = app.spawn_binary(&["--trusted-proxy", "127.0.0.1", "--max-concurrent-requests", "64"], &[]).await;
    let http = reqwest::Client::builder().pool_max_idle_per_host(0).timeout(Duration::from_secs(300)).build().unwrap();
    let base = p.base.clone();
    let flood = (0..2000u32).map(|i| {
        let (http, base) = (http.clone(), base.clone());
        async move {
            let r = http
                .post(format!("{base}/api/v1/auth/login"))
                .header("X-Forwarded-For", format!("10.9.{}.{}", i / 256, i % 256))
                .json(&json!({"username": format!("flood-{i}"), "password": "Spring2026!"}))
                .send()
                .await
                .unwrap();
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_string());
            let status = r.status().as_u16();
            let body: Value = r.json().await.unwrap_or(Value::Null);
            (status, retry, body["code"].as_str().unwrap_or("").to_string())
        }
    });
    let health = {
        let (http, base) = (http.clone(), base.clone());
        tokio::spawn(async move {
            // While the flood runs: the health check answers, and fast.
            tokio::time::sleep(Duration::from_millis(200)).await;
            let mut slowest = Duration::ZERO;
            for _ in 0..10 {
                let t = Instant::now();
                let r = http.get(format!("{base}/healthz")).send().await.unwrap();
                assert_eq!(r.status().as_u16(), 200);
                slowest = slowest.max(t.elapsed());
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            slowest
        })
    };
    let t = Instant::now();
    let answers = futures_util::future::join_all(flood).await;
    let took = t.elapsed();
    let busy: Vec<_> = answers.iter().filter(|a| a.0 == 503).collect();
    let refused = answers.iter().filter(|a| a.0 == 401).count();
    let slowest_health = health.await.unwrap();
    println!("2,000 concurrent logins in {took:.1?}: {} answered 401, {} refused 503; /healthz slowest {slowest_health:.1?}", refused, busy.len());
    assert_eq!(refused + busy.len(), 2000, "{:?}", answers.iter().filter(|a| a.0 != 401 && a.0 != 503).take(3).collect::<Vec<_>>());
    assert!(busy.len() >= 1000, "only {} of 2,000 were refused with a limit of 64", busy.len());
    assert!(refused >= 64, "only {refused} were served");
    assert!(busy.iter().all(|a| a.1.as_deref() == Some("1") && a.2 == "SERVER_BUSY"), "{:?}", busy.first());
    assert!(slowest_health < Duration::from_secs(2), "/healthz took {slowest_health:?} during the flood");
    // Recovered: a login and the order list work again.
    let owner = Client::login(&p.base, "shop1").await;
    let _: Value = owner.get("/api/v1/orders").await.ok();
    let _ = p.stop().await;
}
