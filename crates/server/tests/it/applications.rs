//! Quota raise applications: every legal and illegal transition with its code, who may do
//! what, and what an approval does to the limit — exactly `per_day` more on the days it
//! covers, at once, and nothing on the others or for an application that was not approved.

use orderveil_api::{ApplicationStatus, QuotaApplication, QuotaResponse, RevealGrantResponse};
use orderveil_server::Settings;
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    transitions_follow_the_rules_with_stable_codes,
    only_the_right_people_apply_decide_and_see,
    approval_raises_the_limit_on_covered_days_only,
    an_approval_lets_an_exhausted_shop_reveal_at_once,
);

/// `START` is 2026-11-28 22:00 in Shanghai.
const TODAY: &str = "2026-11-28";
const TOMORROW: &str = "2026-11-29";

fn body(per_day: u32, start: &str, end: Option<&str>) -> Value {
    match end {
        Some(e) => json!({"per_day": per_day, "reason": "after_sales", "description": "双十一售后回访量大", "start_day": start, "end_day": e}),
        None => json!({"per_day": per_day, "reason": "virtual_goods", "description": "虚拟商品长期发码", "start_day": start, "long_term": true}),
    }
}

async fn apply(c: &Client, per_day: u32, start: &str, end: Option<&str>) -> QuotaApplication {
    c.post("/api/v1/quota/applications", &body(per_day, start, end)).await.ok()
}

async fn act(c: &Client, id: i64, what: &str, comment: &str) -> Resp {
    let b = if what == "withdraw" { json!({}) } else { json!({"comment": comment}) };
    c.post(&format!("/api/v1/quota/applications/{id}/{what}"), &b).await
}

async fn list(c: &Client, query: &str) -> Vec<QuotaApplication> {
    c.get(&format!("/api/v1/quota/applications{query}")).await.ok()
}

async fn quota(c: &Client) -> QuotaResponse {
    c.get("/api/v1/quota").await.ok()
}

async fn transitions_follow_the_rules_with_stable_codes(store: Store) {
    let app = TestApp::spawn(store).await;
    let shop = app.login("shop1").await;
    let admin = app.login("admin").await;

    // Validation.
    for (b, field) in [
        (body(0, TODAY, Some(TODAY)), "per_day"),
        (body(100_001, TODAY, Some(TODAY)), "per_day"),
        (body(5, "2026-11-27", Some(TODAY)), "start_day"),
        (body(5, TODAY, Some("2027-02-26")), "end_day"),
        (body(5, TOMORROW, Some(TODAY)), "end_day"),
        (json!({"per_day": 5, "reason": "other", "description": "x", "start_day": TODAY}), "end_day"),
        (json!({"per_day": 5, "reason": "other", "description": "x", "start_day": TODAY, "end_day": TODAY, "long_term": true}), "end_day"),
        (json!({"per_day": 5, "reason": "other", "description": "  ", "start_day": TODAY, "end_day": TODAY}), "description"),
        (json!({"per_day": 5, "reason": "other", "description": "字".repeat(501), "start_day": TODAY, "end_day": TODAY}), "description"),
        (json!({"per_day": 5, "reason": "other", "description": "x", "start_day": "2026-11-31", "end_day": TODAY}), "start_day"),
    ] {
        let d = shop.post("/api/v1/quota/applications", &b).await.err(422, "VALIDATION_FAILED");
        assert_eq!(d["field"].as_str(), Some(field), "{b}: {d}");
    }
    let d = shop.post("/api/v1/quota/applications", &json!({"per_day": 5, "reason": "bribery", "description": "x", "start_day": TODAY, "end_day": TODAY})).await;
    d.err(422, "VALIDATION_FAILED");
    // Exactly 90 days is allowed.
    let a = apply(&shop, 5, TODAY, Some("2027-02-25")).await;
    assert_eq!((a.status, a.long_term, a.applied_by.as_str(), a.shop_id.as_str()), (ApplicationStatus::Pending, false, "shop1", "shop1"));
    assert!(a.context.is_none(), "merchants do not get the reviewer's context");

    // pending → approved; then every other move is a conflict.
    let r = act(&admin, a.id, "approve", "").await;
    let approved: QuotaApplication = r.ok();
    assert_eq!((approved.status, approved.decided_by.as_deref()), (ApplicationStatus::Active, Some("admin")));
    assert_eq!(act(&admin, a.id, "approve", "").await.err(409, "APPLICATION_STATE_CONFLICT")["status"], "active");
    act(&admin, a.id, "reject", "changed my mind").await.err(409, "APPLICATION_STATE_CONFLICT");
    act(&shop, a.id, "withdraw", "").await.err(409, "APPLICATION_STATE_CONFLICT");

    // pending → withdrawn; then nothing more.
    let b = apply(&shop, 7, TOMORROW, None).await;
    assert!(b.long_term && b.end_day.is_none());
    let w: QuotaApplication = act(&shop, b.id, "withdraw", "").await.ok();
    assert_eq!(w.status, ApplicationStatus::Withdrawn);
    assert_eq!(act(&shop, b.id, "withdraw", "").await.err(409, "APPLICATION_STATE_CONFLICT")["status"], "withdrawn");
    act(&admin, b.id, "approve", "").await.err(409, "APPLICATION_STATE_CONFLICT");
    act(&admin, b.id, "reject", "no").await.err(409, "APPLICATION_STATE_CONFLICT");

    // pending → rejected needs a comment; then nothing more.
    let c = apply(&shop, 9, TODAY, Some(TOMORROW)).await;
    assert_eq!(act(&admin, c.id, "reject", "  ").await.err(422, "VALIDATION_FAILED")["field"], "comment");
    let rj: QuotaApplication = act(&admin, c.id, "reject", "订单量不支持该额度").await.ok();
    assert_eq!((rj.status, rj.comment.as_deref()), (ApplicationStatus::Rejected, Some("订单量不支持该额度")));
    act(&admin, c.id, "reject", "again").await.err(409, "APPLICATION_STATE_CONFLICT");
    act(&admin, c.id, "approve", "").await.err(409, "APPLICATION_STATE_CONFLICT");
    act(&shop, c.id, "withdraw", "").await.err(409, "APPLICATION_STATE_CONFLICT");

    // Unknown ids.
    act(&admin, 999_999, "approve", "").await.err(404, "NOT_FOUND");
    act(&shop, 999_999, "withdraw", "").await.err(404, "NOT_FOUND");

    // The shop's list, newest first, with the derived states.
    let mine = list(&shop, "").await;
    let states: Vec<_> = mine.iter().map(|a| (a.id, a.status)).collect();
    assert_eq!(states, [(c.id, ApplicationStatus::Rejected), (b.id, ApplicationStatus::Withdrawn), (a.id, ApplicationStatus::Active)]);
    assert_eq!(list(&shop, "?status=rejected").await.len(), 1);
    assert!(list(&shop, "?status=pending").await.is_empty());
    shop.get("/api/v1/quota/applications?status=nonsense").await.err(422, "VALIDATION_FAILED");

    // Every action is in the shop's audit trail, the admin's decisions included.
    let page = shop.audit("per_page=200").await;
    let mut actions: Vec<(String, String)> =
        page.entries.iter().filter(|e| e.action.starts_with("quota_")).map(|e| (e.action.clone(), e.actor.clone())).collect();
    actions.reverse();
    let expect: Vec<(String, String)> = [
        ("quota_apply", "shop1"),
        ("quota_approve", "admin"),
        ("quota_apply", "shop1"),
        ("quota_withdraw", "shop1"),
        ("quota_apply", "shop1"),
        ("quota_reject", "admin"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(actions, expect);
    let approve = page.entries.iter().find(|e| e.action == "quota_approve").unwrap();
    assert_eq!((approve.details["application_id"].as_i64(), approve.details["per_day"].as_i64()), (Some(a.id), Some(5)));
    assert_eq!(approve.chain, "shop:shop1");
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn only_the_right_people_apply_decide_and_see(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let staff = app.login("shop1-staff").await; // view, ship
    let ops = app.login("shop1-ops").await; // view, reveal, print, ship, export: no quota
    let other = app.login("shop2").await;
    let admin = app.login("admin").await;

    // Staff without `quota` can neither apply, nor list, nor withdraw.
    for s in [&staff, &ops] {
        s.post("/api/v1/quota/applications", &body(5, TODAY, Some(TODAY))).await.err(403, "FORBIDDEN");
        s.get("/api/v1/quota/applications").await.err(403, "FORBIDDEN");
    }
    let a = apply(&owner, 5, TODAY, Some(TODAY)).await;
    ops.post(&format!("/api/v1/quota/applications/{}/withdraw", a.id), &json!({})).await.err(403, "FORBIDDEN");
    // The platform admin does not apply for a shop.
    admin.post("/api/v1/quota/applications", &body(5, TODAY, Some(TODAY))).await.err(403, "FORBIDDEN");

    // Granted `quota`, the staff member applies and withdraws on the next request.
    sqlx::query("UPDATE users SET permissions = 'view,reveal,print,ship,export,quota' WHERE username = 'shop1-ops'").execute(&app.state.db.pool).await.unwrap();
    let by_ops = apply(&ops, 3, TODAY, Some(TODAY)).await;
    assert_eq!(by_ops.applied_by, "shop1-ops");
    assert_eq!(list(&ops, "").await.len(), 2);

    // A merchant (owner or staff) cannot approve or reject, not even their own.
    for s in [&owner, &ops, &other] {
        act(s, a.id, "approve", "ok").await.err(403, "FORBIDDEN");
        act(s, a.id, "reject", "no").await.err(403, "FORBIDDEN");
    }
    // Another shop's application does not exist for shop2.
    act(&other, a.id, "withdraw", "").await.err(404, "NOT_FOUND");
    assert!(list(&other, "").await.is_empty());
    other.get("/api/v1/quota/applications?shop_id=shop1").await.err(403, "FORBIDDEN");
    assert_eq!(act(&ops, a.id, "withdraw", "").await.ok::<QuotaApplication>().decided_by.as_deref(), Some("shop1-ops"));

    // Shop2 applies too; the admin's queue holds every shop's pending ones, oldest first, each
    // with its shop's 30-day orders, reveals and previous applications.
    let s2 = apply(&other, 4, TOMORROW, None).await;
    let _: RevealGrantResponse = owner.reveal(&["S1-AWAIT-1", "S1-AWAIT-2"], &["phone"]).await.1.ok();
    let queue = list(&admin, "?status=pending").await;
    let ids: Vec<_> = queue.iter().map(|q| (q.id, q.shop_id.as_str())).collect();
    assert_eq!(ids, [(by_ops.id, "shop1"), (s2.id, "shop2")]);
    let ctx = queue[0].context.clone().unwrap();
    assert_eq!((ctx.orders_last_30_days, ctx.reveals_last_30_days, ctx.previous_applications), (8, 2, 1));
    assert_eq!(queue[0].shop_name, "杭州小鹿家居旗舰店");
    let ctx = queue[1].context.clone().unwrap();
    assert_eq!((ctx.orders_last_30_days, ctx.reveals_last_30_days, ctx.previous_applications), (2, 0, 0));
    assert!(queue[1].long_term, "flagged for stricter review");
    assert_eq!(list(&admin, "").await.len(), 3);
    assert_eq!(list(&admin, "?shop_id=shop2").await.len(), 1);

    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn approval_raises_the_limit_on_covered_days_only(store: Store) {
    // Shop1 has 8 orders in 30 days: the floor of 3 is its base.
    let app = TestApp::spawn_with(store, Settings { quota_floor: 3, ..test_settings() }).await;
    let shop = app.login("shop1").await;
    let admin = app.login("admin").await;
    let base = |q: &QuotaResponse| (q.today.base, q.today.extra, q.today.limit, q.extras.len());
    assert_eq!(base(&quota(&shop).await), (3, 0, 3, 0));

    // Pending, rejected and withdrawn applications change nothing.
    let pending = apply(&shop, 50, TODAY, Some(TOMORROW)).await;
    let rejected = apply(&shop, 60, TODAY, Some(TOMORROW)).await;
    act(&admin, rejected.id, "reject", "不符合条件").await.ok::<QuotaApplication>();
    let withdrawn = apply(&shop, 70, TODAY, Some(TOMORROW)).await;
    act(&shop, withdrawn.id, "withdraw", "").await.ok::<QuotaApplication>();
    assert_eq!(base(&quota(&shop).await), (3, 0, 3, 0));
    act(&shop, pending.id, "withdraw", "").await.ok::<QuotaApplication>();

    // 5 more per day on 11-29 and 11-30, approved today: today stays at the base.
    let a = apply(&shop, 5, TOMORROW, Some("2026-11-30")).await;
    let approved: QuotaApplication = act(&admin, a.id, "approve", "双十一期间临时提升").await.ok();
    assert_eq!(approved.status, ApplicationStatus::Approved, "approved, not active before its first day");
    assert_eq!(base(&quota(&shop).await), (3, 0, 3, 0));

    // Tomorrow (Shanghai midnight is two hours away) and the day after: base + 5.
    app.clock.advance(2 * 3600);
    for day in [TOMORROW, "2026-11-30"] {
        let q = quota(&shop).await;
        assert_eq!(q.today.day, day);
        assert_eq!(base(&q), (3, 5, 8, 1), "{day}");
        let e = &q.extras[0];
        assert_eq!((e.application_id, e.per_day, e.start_day.as_str(), e.end_day.as_str(), e.reason.as_str()), (Some(a.id), 5, TOMORROW, "2026-11-30", "after_sales"));
        assert_eq!(list(&shop, "?status=active").await.iter().map(|x| x.id).collect::<Vec<_>>(), [a.id]);
        app.clock.advance(DAY);
    }
    // The day after the end: back to the base, and the application reads as expired.
    let q = quota(&shop).await;
    assert_eq!((q.today.day.as_str(), base(&q)), ("2026-12-01", (3, 0, 3, 0)));
    assert_eq!(list(&shop, "?status=expired").await[0].id, a.id);

    // A long-term one stays on, and adds to others of the same day.
    let lt = apply(&shop, 2, "2026-12-01", None).await;
    let short = apply(&shop, 4, "2026-12-01", Some("2026-12-01")).await;
    act(&admin, lt.id, "approve", "").await.ok::<QuotaApplication>();
    act(&admin, short.id, "approve", "").await.ok::<QuotaApplication>();
    let q = quota(&shop).await;
    assert_eq!(base(&q), (3, 6, 9, 2));
    assert_eq!(q.extras.iter().map(|e| e.end_day.as_str()).collect::<Vec<_>>(), ["9999-12-31", "2026-12-01"]);
    app.clock.advance(300 * DAY);
    let q = quota(&shop).await;
    assert_eq!((base(&q), q.extras[0].application_id), ((3, 2, 5, 1), Some(lt.id)));
    assert_eq!(list(&shop, "").await.iter().find(|x| x.id == lt.id).unwrap().status, ApplicationStatus::Active);
}

async fn an_approval_lets_an_exhausted_shop_reveal_at_once(store: Store) {
    let app = TestApp::spawn_with(store, Settings { quota_floor: 2, ..test_settings() }).await;
    let shop = app.login("shop1").await;
    let ops = app.login("shop1-ops").await;
    let admin = app.login("admin").await;
    let _: RevealGrantResponse = ops.reveal(&["S1-AWAIT-1", "S1-AWAIT-2"], &["phone"]).await.1.ok();
    ops.reveal(&["S1-SHIPPED"], &["phone"]).await.1.err(429, "QUOTA_EXHAUSTED");

    let a = apply(&shop, 1, TODAY, Some(TODAY)).await;
    ops.reveal(&["S1-SHIPPED"], &["phone"]).await.1.err(429, "QUOTA_EXHAUSTED");
    act(&admin, a.id, "approve", "").await.ok::<QuotaApplication>();

    // At once: one more order today, exactly.
    let g: RevealGrantResponse = ops.reveal(&["S1-SHIPPED"], &["phone"]).await.1.ok();
    assert_eq!((g.quota.limit, g.quota.extra, g.quota.used, g.quota.remaining), (3, 1, 3, 0));
    let d = ops.reveal(&["S1-AFTERSALE"], &["phone"]).await.1.err(429, "QUOTA_EXHAUSTED");
    assert_eq!(d["quota"]["limit"].as_u64(), Some(3), "{d}");
    assert_eq!(app.charges("shop1").await, 3);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}
