//! The platform admin console: shops (create, suspend, resume, their users), the platform
//! settings (stored, re-read by every process, versioned), disabling ISV apps; who may do
//! it; and that every admin action lands in the audit trail.

use orderveil_api::{IsvAppCreated, PlatformSettings, ShopSummary, ShopUser};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    shops_are_created_suspended_and_resumed,
    only_platform_admins_reach_the_console,
    settings_apply_at_once_and_never_silently_overwrite,
    another_process_follows_settings_and_suspension_at_once,
    a_disabled_app_stops_at_once,
    every_admin_action_is_in_the_audit_trail,
);

async fn shops(c: &Client) -> Vec<ShopSummary> {
    c.get("/api/v1/admin/shops").await.ok()
}

fn new_shop(id: &str, owner: &str) -> Value {
    json!({"shop_id": id, "name": "温州鞋业工厂店", "owner_username": owner, "owner_password": "s3cret-pass"})
}

async fn shops_are_created_suspended_and_resumed(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;

    let all = shops(&admin).await;
    assert_eq!(all.iter().map(|s| s.shop_id.as_str()).collect::<Vec<_>>(), ["shop1", "shop2", "shop3"]);
    let s1 = &all[0];
    assert_eq!((s1.owners.clone(), s1.staff, s1.orders, s1.reveals_today, s1.suspended), (vec!["shop1".to_string()], 2, 8, 0, false), "{s1:?}");

    // Create: validation per field, then the shop and its owner, who can log in at once.
    for (body, field) in [
        (new_shop("Shop 4", "shop4-owner"), "shop_id"),
        (new_shop("s4", "shop4-owner"), "shop_id"),
        (json!({"shop_id": "shop4", "name": " ", "owner_username": "shop4-owner", "owner_password": "s3cret-pass"}), "name"),
        (json!({"shop_id": "shop4", "name": "x".repeat(61), "owner_username": "shop4-owner", "owner_password": "s3cret-pass"}), "name"),
        (new_shop("shop4", "Shop4"), "owner_username"),
    ] {
        assert_eq!(admin.post("/api/v1/admin/shops", &body).await.err(422, "VALIDATION_FAILED")["field"], field, "{body}");
    }
    // The owner's password follows the password rules, each with its code.
    for (password, code) in [("short", "PASSWORD_LENGTH"), ("Shop4-Owner-1", "PASSWORD_CONTAINS_USERNAME"), ("qwerty123", "PASSWORD_TOO_COMMON")] {
        let body = json!({"shop_id": "shop4", "name": "n", "owner_username": "shop4-owner", "owner_password": password});
        admin.post("/api/v1/admin/shops", &body).await.err(422, code);
    }
    admin.post("/api/v1/admin/shops", &new_shop("shop2", "someone-new")).await.err(409, "SHOP_EXISTS");
    admin.post("/api/v1/admin/shops", &new_shop("shop4", "shop1-ops")).await.err(409, "USERNAME_TAKEN");
    assert_eq!(shops(&admin).await.len(), 3, "a refused creation left nothing behind");
    let created: ShopSummary = admin.post("/api/v1/admin/shops", &new_shop("shop4", "shop4-owner")).await.ok();
    assert_eq!((created.shop_id.as_str(), created.name.as_str(), created.owners.clone(), created.orders), ("shop4", "温州鞋业工厂店", vec!["shop4-owner".to_string()], 0));
    let r = reqwest::Client::new().post(format!("{}/api/v1/auth/login", app.base)).json(&json!({"username": "shop4-owner", "password": "s3cret-pass"})).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let me: orderveil_api::SessionInfo = r.json().await.unwrap();
    assert_eq!((me.user.role, me.user.shop_id.as_deref()), (orderveil_api::Role::Owner, Some("shop4")));

    // Users of a shop: the owner first, then staff.
    let users: Vec<ShopUser> = admin.get("/api/v1/admin/shops/shop1/users").await.ok();
    assert_eq!(users.iter().map(|u| u.username.as_str()).collect::<Vec<_>>(), ["shop1", "shop1-ops", "shop1-staff"]);
    assert_eq!(users[0].permissions.len(), orderveil_api::Permission::ALL.len(), "an owner has every permission");
    assert!(!users[2].permissions.contains(&orderveil_api::Permission::Reveal));
    admin.get("/api/v1/admin/shops/nope/users").await.err(404, "NOT_FOUND");

    // Suspend: a reason is required; then shop1 cannot reveal, nothing is charged, and its
    // quota says so. Other shops are untouched.
    let owner = app.login("shop1").await;
    let (_, ok) = owner.reveal(&["S1-AWAIT-1"], &["phone"]).await;
    ok.ok::<orderveil_api::RevealGrantResponse>();
    assert_eq!(admin.post("/api/v1/admin/shops/shop1", &json!({"suspended": true})).await.err(422, "VALIDATION_FAILED")["field"], "reason");
    admin.post("/api/v1/admin/shops/nope", &json!({"suspended": true, "reason": "x"})).await.err(404, "NOT_FOUND");
    let s: ShopSummary = admin.post("/api/v1/admin/shops/shop1", &json!({"suspended": true, "reason": "涉嫌批量导出买家信息"})).await.ok();
    assert!(s.suspended);
    assert_eq!(s.reveals_today, 1);
    let charged = app.charges("shop1").await;
    for ids in [&["S1-AWAIT-1"][..], &["S1-AWAIT-2", "S1-SHIPPED"][..]] {
        owner.reveal(ids, &["phone"]).await.1.err(403, "SHOP_SUSPENDED");
    }
    app.login("shop1-ops").await.reveal(&["S1-AWAIT-2"], &["name"]).await.1.err(403, "SHOP_SUSPENDED");
    assert_eq!(app.charges("shop1").await, charged, "a suspended shop is never charged");
    assert!(owner.quota().await.shop_suspended);
    assert!(!owner.orders("per_page=5").await.orders.is_empty(), "a suspended shop still sees its masked orders");
    let other = app.login("shop2").await;
    assert!(!other.quota().await.shop_suspended);
    let s2 = other.order_ids("").await;
    other.reveal(&[s2[0].as_str()], &["phone"]).await.1.ok::<orderveil_api::RevealGrantResponse>();

    // Resume and rename: reveals work again.
    let s: ShopSummary = admin.post("/api/v1/admin/shops/shop1", &json!({"suspended": false, "name": "杭州小鹿家居"})).await.ok();
    assert_eq!((s.suspended, s.name.as_str()), (false, "杭州小鹿家居"));
    owner.reveal(&["S1-AWAIT-2"], &["phone"]).await.1.ok::<orderveil_api::RevealGrantResponse>();
    assert!(!owner.quota().await.shop_suspended);
    admin.post("/api/v1/admin/shops/shop1", &json!({})).await.err(422, "VALIDATION_FAILED");

    // The owner sees in their own trail that the platform suspended and resumed the shop.
    let trail = owner.audit("actor=admin&per_page=50").await;
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"shop_suspend") && actions.contains(&"shop_resume"), "{actions:?}");
    let suspend = trail.entries.iter().find(|e| e.action == "shop_suspend").unwrap();
    assert_eq!(suspend.details["reason"], "涉嫌批量导出买家信息");
}

async fn only_platform_admins_reach_the_console(store: Store) {
    let app = TestApp::spawn(store).await;
    let reg: IsvAppCreated = app.login("admin").await.post("/api/v1/isv-apps", &json!({"name": "ERP", "origins": ["http://erp.example"]})).await.ok();
    let before: PlatformSettings = app.login("admin").await.get("/api/v1/admin/settings").await.ok();
    let settings = json!({"quota_rate_bps": 10_000, "quota_floor": 100_000, "risk_per_minute": 100_000, "risk_per_hour": 1_000_000,
        "shop_risk_per_minute": 1_000_000, "shop_risk_per_hour": 10_000_000, "risk_cooldown_secs": 60, "search_per_minute": 10_000,
        "search_budget_floor": 1_000_000, "search_budget_factor": 100, "expected_version": before.version});
    for user in ["shop1", "shop1-ops", "shop1-staff", "shop2", "factory1"] {
        let c = app.login(user).await;
        c.get("/api/v1/admin/shops").await.err(403, "FORBIDDEN");
        c.post("/api/v1/admin/shops", &new_shop("evil", "evil-owner")).await.err(403, "FORBIDDEN");
        c.post("/api/v1/admin/shops/shop2", &json!({"suspended": true, "reason": "x"})).await.err(403, "FORBIDDEN");
        c.post("/api/v1/admin/shops/shop1", &json!({"name": "mine now"})).await.err(403, "FORBIDDEN");
        c.get("/api/v1/admin/shops/shop1/users").await.err(403, "FORBIDDEN");
        c.get("/api/v1/admin/settings").await.err(403, "FORBIDDEN");
        c.put("/api/v1/admin/settings", &settings).await.err(403, "FORBIDDEN");
        c.post(&format!("/api/v1/isv-apps/{}", reg.app.app_id), &json!({"disabled": true})).await.err(403, "FORBIDDEN");
    }
    // Without a session, and with a session but no CSRF token.
    let anon = reqwest::Client::new();
    let r = anon.get(format!("{}/api/v1/admin/shops", app.base)).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let admin = app.login("admin").await;
    let r = admin.http.put(admin.url("/api/v1/admin/settings")).json(&settings).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "no CSRF token");
    // Nothing changed.
    let after: PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
    assert_eq!(after, before);
    let all = shops(&admin).await;
    assert_eq!(all.len(), 3);
    assert!(all.iter().all(|s| !s.suspended) && all[0].name == "杭州小鹿家居旗舰店");
    let apps: Vec<orderveil_api::IsvApp> = admin.get("/api/v1/isv-apps").await.ok();
    assert!(!apps[0].disabled);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE action IN ('shop_create', 'shop_suspend', 'shop_rename', 'settings_update', 'isv_app_disable')")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

async fn settings_apply_at_once_and_never_silently_overwrite(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let owner = app.login("shop1").await;

    // The store started with the server's initial settings.
    let s: PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
    let t = test_settings();
    assert_eq!((s.quota_rate_bps, s.quota_floor, s.risk_per_minute, s.risk_per_hour, s.version, s.updated_by.as_str()), (500, 10, t.risk_per_minute, t.risk_per_hour, 1, "initial"));
    let q = owner.quota().await;
    assert_eq!((q.base, q.limit, q.floor), (10, 10, 10), "8 orders: 5 % of 8 / 30 rounds up to 1, the floor of 10 wins");

    // Out of range, field by field; nothing stored.
    let body = |f: &dyn Fn(&mut Value)| {
        let mut b = json!({"quota_rate_bps": 500, "quota_floor": 10, "risk_per_minute": 30, "risk_per_hour": 300, "shop_risk_per_minute": 300,
            "shop_risk_per_hour": 3000, "risk_cooldown_secs": 1800, "search_per_minute": 20, "search_budget_floor": 200, "search_budget_factor": 4,
            "expected_version": 1});
        f(&mut b);
        b
    };
    for (b, field) in [
        (body(&|b| b["quota_rate_bps"] = json!(10_001)), "quota_rate_bps"),
        (body(&|b| b["quota_floor"] = json!(100_001)), "quota_floor"),
        (body(&|b| b["risk_per_minute"] = json!(0)), "risk_per_minute"),
        (body(&|b| b["risk_per_hour"] = json!(29)), "risk_per_hour"),
        (body(&|b| b["risk_cooldown_secs"] = json!(59)), "risk_cooldown_secs"),
        (body(&|b| b["shop_risk_per_minute"] = json!(29)), "shop_risk_per_minute"),
        (body(&|b| b["shop_risk_per_hour"] = json!(299)), "shop_risk_per_hour"),
        (body(&|b| b["search_per_minute"] = json!(0)), "search_per_minute"),
        (body(&|b| b["search_budget_floor"] = json!(1_000_001)), "search_budget_floor"),
        (body(&|b| b["search_budget_factor"] = json!(101)), "search_budget_factor"),
        (body(&|b| b["session_idle_secs"] = json!(299)), "session_idle_secs"),
        (body(&|b| b["session_idle_secs"] = json!(12 * 3600 + 1)), "session_idle_secs"),
    ] {
        assert_eq!(admin.put("/api/v1/admin/settings", &b).await.err(422, "VALIDATION_FAILED")["field"], field);
    }
    admin.put("/api/v1/admin/settings", &body(&|b| b["quota_floor"] = json!(-1))).await.err(422, "VALIDATION_FAILED");
    admin.put("/api/v1/admin/settings", &body(&|b| b["extra"] = json!(1))).await.err(422, "VALIDATION_FAILED");

    // A floor of 3 applies to today's limit at once, before any reveal…
    let s = app.set_platform(|u| u.quota_floor = 3).await;
    assert_eq!((s.quota_floor, s.version, s.updated_by.as_str()), (3, 2, "admin"));
    let q = owner.quota().await;
    assert_eq!((q.base, q.limit, q.floor), (3, 3, 3));
    // …and to a day whose quota row exists already: three reveals use it up.
    for id in &S1_REVEALABLE[..3] {
        owner.reveal(&[id], &["phone"]).await.1.ok::<orderveil_api::RevealGrantResponse>();
    }
    let d = owner.reveal(&[S1_REVEALABLE[3]], &["phone"]).await.1.err(429, "QUOTA_EXHAUSTED");
    assert_eq!(d["quota"]["limit"], 3);
    // A rate of 100 % with a floor of 0: ceil(8 / 30) = 1, below what was used; then a
    // floor of 5 lets two more through.
    let s = app.set_platform(|u| {
        u.quota_rate_bps = 10_000;
        u.quota_floor = 0;
    })
    .await;
    assert_eq!(s.version, 3);
    let q = owner.quota().await;
    assert_eq!((q.base, q.used, q.remaining, q.rate), (1, 3, 0, 1.0));
    owner.reveal(&[S1_REVEALABLE[3]], &["phone"]).await.1.err(429, "QUOTA_EXHAUSTED");
    app.set_platform(|u| u.quota_floor = 5).await;
    let g: orderveil_api::RevealGrantResponse = owner.reveal(&[S1_REVEALABLE[3]], &["phone"]).await.1.ok();
    assert_eq!((g.quota.limit, g.quota.used, g.quota.floor), (5, 4, 5));

    // Risk thresholds: two requests a minute, then a 2-minute cool-down for the account.
    app.set_platform(|u| {
        u.risk_per_minute = 2;
        u.risk_per_hour = 2;
        u.risk_cooldown_secs = 120;
    })
    .await;
    let ops = app.login("shop1-ops").await;
    for _ in 0..2 {
        ops.reveal(&[S1_REVEALABLE[0]], &["name"]).await.1.ok::<orderveil_api::RevealGrantResponse>();
    }
    let d = ops.reveal(&[S1_REVEALABLE[0]], &["name"]).await.1.err(429, "RISK_COOLDOWN");
    assert_eq!(d["retry_after_secs"], 120);

    // Two admins read version 5; the first save wins, the second is refused and changes nothing.
    let cur: PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
    assert_eq!(cur.version, 5);
    let other = app.login("admin").await;
    let mine = json!({"quota_rate_bps": 600, "quota_floor": 20, "risk_per_minute": 30, "risk_per_hour": 300, "shop_risk_per_minute": 300, "shop_risk_per_hour": 3000, "search_per_minute": 20, "search_budget_floor": 200, "search_budget_factor": 4, "risk_cooldown_secs": 1800, "expected_version": 5});
    let theirs = json!({"quota_rate_bps": 100, "quota_floor": 1, "risk_per_minute": 30, "risk_per_hour": 300, "shop_risk_per_minute": 300, "shop_risk_per_hour": 3000, "search_per_minute": 20, "search_budget_floor": 200, "search_budget_factor": 4, "risk_cooldown_secs": 1800, "expected_version": 5});
    let saved: PlatformSettings = admin.put("/api/v1/admin/settings", &mine).await.ok();
    assert_eq!((saved.quota_rate_bps, saved.quota_floor, saved.version), (600, 20, 6));
    assert_eq!(other.put("/api/v1/admin/settings", &theirs).await.err(409, "SETTINGS_CHANGED")["version"], 6);
    let now: PlatformSettings = admin.get("/api/v1/admin/settings").await.ok();
    assert_eq!(now, saved);

    // Every change is on the platform chain with the values before and after.
    let trail = admin.audit("action=settings_update&per_page=50").await;
    assert_eq!(trail.entries.len(), 5);
    let last = &trail.entries[0];
    assert_eq!((last.actor.as_str(), last.shop_id.as_deref(), last.outcome.as_str()), ("admin", None, "ok"));
    assert_eq!((last.details["before"]["quota_floor"].clone(), last.details["after"]["quota_floor"].clone()), (json!(5), json!(20)));
    assert_eq!(last.details["after"]["quota_rate_bps"], 600);
    // Merchants do not see platform events.
    assert!(owner.audit("action=settings_update").await.entries.is_empty());
}

async fn another_process_follows_settings_and_suspension_at_once(store: Store) {
    let app = TestApp::spawn(store).await;
    // The second process runs on the system clock: never straddle an Asia/Shanghai midnight.
    let to_midnight = secs_to_real_midnight();
    if to_midnight < 60 {
        tokio::time::sleep(std::time::Duration::from_secs(u64::try_from(to_midnight).unwrap() + 2)).await;
    }
    // Its command line asks for other rules; the store's settings are in force.
    let p = app.spawn_binary(&["--quota-floor", "77"], &[]).await;
    let owner = p.login("shop1").await;
    assert_eq!(owner.quota().await.floor, 10);
    // Changed in this process, seen by the other on its next request.
    app.set_platform(|u| u.quota_floor = 42).await;
    let q = owner.quota().await;
    assert_eq!((q.floor, q.limit), (42, 42));
    let now = orderveil_server::clock::Clock::now(&orderveil_server::clock::SystemClock);
    let fresh = realistic("shop1", "X", 2, now, orderveil_api::OrderStatus::AwaitingShipment);
    let _: orderveil_api::IngestResponse = ingest_at(&p.base, &fresh).await.ok();
    let g: orderveil_api::RevealGrantResponse = owner.reveal(&[fresh[0].order_id.as_str()], &["phone"]).await.1.ok();
    assert_eq!(g.quota.limit, 42);
    // Suspended here, refused there.
    let admin = app.login("admin").await;
    admin.post("/api/v1/admin/shops/shop1", &json!({"suspended": true, "reason": "风控核查"})).await.ok::<ShopSummary>();
    owner.reveal(&[fresh[1].order_id.as_str()], &["phone"]).await.1.err(403, "SHOP_SUSPENDED");
    admin.post("/api/v1/admin/shops/shop1", &json!({"suspended": false})).await.ok::<ShopSummary>();
    owner.reveal(&[fresh[1].order_id.as_str()], &["phone"]).await.1.ok::<orderveil_api::RevealGrantResponse>();
    p.stop().await;
}

async fn a_disabled_app_stops_at_once(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let reg: IsvAppCreated = admin.post("/api/v1/isv-apps", &json!({"name": "打单助手", "origins": ["http://print.example"]})).await.ok();
    app.login("shop1").await.post("/api/v1/isv-authorizations", &json!({"app_id": reg.app.app_id, "scopes": ["orders.read"]})).await.ok::<Value>();
    let token = |secret: String| {
        let base = app.base.clone();
        let id = reg.app.app_id.clone();
        async move {
            let body = json!({"grant_type": "client_credentials", "app_id": id, "app_secret": secret, "shop_id": "shop1"});
            reqwest::Client::new().post(format!("{base}/api/v1/isv/token")).json(&body).send().await.unwrap()
        }
    };
    let t: orderveil_api::TokenResponse = token(reg.app_secret.clone()).await.json().await.unwrap();
    let list = || reqwest::Client::new().get(format!("{}/api/v1/orders", app.base)).bearer_auth(&t.access_token).send();
    assert_eq!(list().await.unwrap().status().as_u16(), 200);

    admin.post("/api/v1/isv-apps/app_nope", &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    let a: orderveil_api::IsvApp = admin.post(&format!("/api/v1/isv-apps/{}", reg.app.app_id), &json!({"disabled": true})).await.ok();
    assert!(a.disabled);
    assert_eq!(list().await.unwrap().status().as_u16(), 403, "the live token stops at once");
    assert_eq!(token(reg.app_secret.clone()).await.status().as_u16(), 401, "no new token");
    let owners_view: Vec<orderveil_api::IsvApp> = app.login("shop1").await.get("/api/v1/isv-apps").await.ok();
    assert!(owners_view.is_empty(), "owners no longer see a disabled app");

    let a: orderveil_api::IsvApp = admin.post(&format!("/api/v1/isv-apps/{}", reg.app.app_id), &json!({"disabled": false})).await.ok();
    assert!(!a.disabled);
    assert_eq!(list().await.unwrap().status().as_u16(), 200);
}

async fn every_admin_action_is_in_the_audit_trail(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let shop = app.login("shop1").await;
    let apply = |per_day: u32| json!({"per_day": per_day, "reason": "after_sales", "description": "售后回访", "start_day": "2026-11-28", "end_day": "2026-11-30"});
    let a1: Value = shop.post("/api/v1/quota/applications", &apply(5)).await.ok();
    let a2: Value = shop.post("/api/v1/quota/applications", &apply(6)).await.ok();

    admin.post(&format!("/api/v1/quota/applications/{}/approve", a1["id"]), &json!({"comment": "同意"})).await.ok::<Value>();
    admin.post(&format!("/api/v1/quota/applications/{}/reject", a2["id"]), &json!({"comment": "理由不足"})).await.ok::<Value>();
    let reg: IsvAppCreated = admin.post("/api/v1/isv-apps", &json!({"name": "ERP", "origins": ["http://erp.example"]})).await.ok();
    admin.post(&format!("/api/v1/isv-apps/{}", reg.app.app_id), &json!({"disabled": true})).await.ok::<Value>();
    admin.post(&format!("/api/v1/isv-apps/{}", reg.app.app_id), &json!({"disabled": false})).await.ok::<Value>();
    admin.post("/api/v1/admin/shops", &new_shop("shop9", "shop9-owner")).await.ok::<ShopSummary>();
    admin.post("/api/v1/admin/shops/shop9", &json!({"name": "新名字"})).await.ok::<ShopSummary>();
    admin.post("/api/v1/admin/shops/shop9", &json!({"suspended": true, "reason": "test"})).await.ok::<ShopSummary>();
    admin.post("/api/v1/admin/shops/shop9", &json!({"suspended": false})).await.ok::<ShopSummary>();
    app.set_platform(|u| u.quota_floor = 11).await;

    let trail = admin.audit("actor=admin&outcome=ok&per_page=100").await;
    let mut actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).filter(|a| *a != "login").collect();
    actions.sort_unstable();
    assert_eq!(
        actions,
        [
            "isv_app_disable",
            "isv_app_enable",
            "isv_app_register",
            "quota_approve",
            "quota_reject",
            "settings_update",
            "shop_create",
            "shop_rename",
            "shop_resume",
            "shop_suspend",
        ]
    );
    assert!(trail.entries.iter().all(|e| e.actor == "admin"));
    let v: orderveil_api::AuditVerifyReport = admin.get("/api/v1/audit/verify").await.ok();
    assert!(v.ok, "{v:?}");
    let (ok, text) = app.audit_verify().await;
    assert!(ok, "{text}");
}
