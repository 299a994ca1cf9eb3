//! Issue 14: the quota holds against every side door. Each test is written as the attack.
//!
//! * Search is metered: 10,000 phone guesses through the order list (a view-only staff
//!   account) or through the ISV `search-index` helper (an app with only `orders.read`) stop
//!   with SEARCH_COOLDOWN / SEARCH_BUDGET_EXHAUSTED long before the number is found; the
//!   searches are audited as counts, never as terms.
//! * A print grant is only as cheap as a label: balance only through the platform's
//!   confirmation, only orders awaiting shipment, only the caller's own waybills, only apps
//!   with `print`, and printed orders count in the burst rules.
//! * Bursts are counted in orders, per account and per shop.
//! * Every reveal names a purpose.

use orderveil_api::{
    AuditPage, OrderPage, OrderStatus, PrintGrantResponse, RevealGrantResponse, SearchIndexResponse, Waybill, WaybillAccount, WaybillTopup,
};
use orderveil_cipher::{ClientSession, FieldCiphertext};
use orderveil_server::Settings;
use serde_json::{Value, json};

use crate::helpers::*;
use crate::isv::{app_client, authorize, authorize_for, register};
use crate::waybills::funded_account;

both_stores!(
    ten_thousand_list_guesses_stop_before_the_number_is_found,
    ten_thousand_search_index_guesses_stop_before_the_number_is_found,
    free_searches_stay_free_and_metered_ones_are_counted_everywhere,
    twenty_fifty_order_grants_in_a_minute_charge_no_more_than_the_threshold,
    a_cooled_down_shop_refuses_new_staff_and_re_authorized_apps,
    print_grants_are_only_as_cheap_as_a_label,
    every_reveal_names_a_purpose,
);

/// The default search rules (20 terms a minute per account; the shop's budget
/// `max(200, 4 × today's reveal limit)`), everything else as in most tests.
fn search_settings() -> Settings {
    let d = Settings::default();
    Settings { search_per_minute: d.search_per_minute, search_budget_floor: d.search_budget_floor, search_budget_factor: d.search_budget_factor, ..test_settings() }
}

/// S1-AWAIT-2's receiver phone is 13912340001; its mask shows `139****0001`. The guesses an
/// attacker makes for the four hidden digits, in an order that puts the right one at
/// position 6,234 (any order does: the budget allows 200 guesses a day).
fn guesses() -> Vec<String> {
    (0..10_000).map(|i| format!("139{:04}0001", (i + 5_000) % 10_000)).collect()
}

const TARGET: &str = "13912340001";

/// Move the clock to just after an Asia/Shanghai midnight, so the attack's cool-downs all
/// fall within one quota day.
fn start_of_day(app: &TestApp) {
    let into_day = (app.now() + 8 * 3600).rem_euclid(DAY);
    app.clock.set(app.now() - into_day + DAY + 60);
}

/// What an attacker saw.
#[derive(Default, Debug)]
struct Attack {
    answered: u32,
    found: bool,
    cooldowns: u32,
    budget: u32,
    other: Vec<String>,
}

async fn ten_thousand_list_guesses_stop_before_the_number_is_found(store: Store) {
    let app = TestApp::spawn_with(store, search_settings()).await;
    start_of_day(&app);
    let owner = app.login("shop1").await;
    // The right whole number finds its order (one unit of the budget).
    assert_eq!(owner.order_ids(&format!("phone={TARGET}")).await, ["S1-AWAIT-2"]);
    // A partial number is refused, not charged.
    let d = owner.get("/api/v1/orders?phone=1391234").await.err(422, "VALIDATION_FAILED");
    assert_eq!(d["field"], "phone");
    assert_eq!(owner.quota().await.search_used, 1);

    // A staff account that may only view tries every candidate against the order.
    let staff = app.login("shop1-staff").await;
    let mut seen = Attack::default();
    let all = guesses();
    let mut i = 0;
    while i < all.len() {
        let r = staff.get(&format!("/api/v1/orders?order_id=S1-AWAIT-2&phone={}", all[i])).await;
        match (r.status, r.body["code"].as_str()) {
            (200, _) => {
                seen.answered += 1;
                seen.found |= r.body["total"] == json!(1);
            }
            (429, Some("SEARCH_COOLDOWN")) => {
                // The attacker waits the cool-down out and tries the same guess again.
                if seen.cooldowns == 0 {
                    assert_eq!(seen.answered, 20, "the first cool-down starts after 20 terms in a minute");
                }
                seen.cooldowns += 1;
                app.clock.advance(r.body["details"]["retry_after_secs"].as_i64().unwrap());
                continue;
            }
            (429, Some("SEARCH_BUDGET_EXHAUSTED")) => seen.budget += 1,
            _ => seen.other.push(r.text),
        }
        i += 1;
    }
    assert!(seen.other.is_empty(), "{:?}", &seen.other[..seen.other.len().min(3)]);
    assert!(!seen.found, "the number was recovered: {seen:?}");
    // The shop's budget (200 at a limit of 10) bounds every account together.
    let q = owner.quota().await;
    assert_eq!((q.search_budget, q.search_used, q.search_remaining), (200, 200, 0));
    assert_eq!((seen.answered, seen.budget, seen.cooldowns), (199, 10_000 - 199, 9), "{seen:?}");

    // Audited as counts: one row per answered search with its terms and matches, the start of
    // each cool-down and the first budget refusal; never a term.
    let ok: AuditPage = owner.get("/api/v1/audit?action=search&outcome=ok&per_page=200").await.ok();
    assert_eq!(ok.total, 200);
    assert!(ok.entries.iter().all(|e| e.details["terms"] == json!(1) && e.details["fields"] == json!(["phone"])), "{:?}", ok.entries[0]);
    let matched: Vec<&str> = ok.entries.iter().filter(|e| e.details["matches"] == json!(1)).map(|e| e.actor.as_str()).collect();
    assert_eq!(matched, ["shop1"], "only the owner's own search matched");
    let refused = owner.audit("action=search&outcome=refused&per_page=200").await;
    let codes: Vec<&str> = refused.entries.iter().filter_map(|e| e.code.as_deref()).collect();
    assert_eq!(codes.iter().filter(|c| **c == "SEARCH_BUDGET_EXHAUSTED").count(), 1, "{codes:?}");
    assert_eq!(codes.iter().filter(|c| **c == "SEARCH_COOLDOWN").count(), 9, "the start of each cool-down: {codes:?}");
    let trail = owner.get("/api/v1/audit/export.csv").await.text;
    for g in guesses().iter().take(300).chain([&TARGET.to_string()]) {
        assert!(!trail.contains(g.as_str()), "a search term in the audit trail: {g}");
    }
    let stored: Vec<(String, String, String)> = sqlx::query_as("SELECT actor, order_ids, details FROM audit").fetch_all(&app.state.db.pool).await.unwrap();
    assert!(stored.len() > 200);
    let subjects: Vec<(String,)> = sqlx::query_as("SELECT subject FROM risk_subjects").fetch_all(&app.state.db.pool).await.unwrap();
    let text = format!("{stored:?}{subjects:?}");
    for g in guesses().iter().take(300).chain([&TARGET.to_string()]) {
        assert!(!text.contains(g.as_str()), "a search term is stored: {g}");
    }
    let (ok_chain, out) = app.audit_verify().await;
    assert!(ok_chain, "{out}");
}

async fn ten_thousand_search_index_guesses_stop_before_the_number_is_found(store: Store) {
    let app = TestApp::spawn_with(store, search_settings()).await;
    start_of_day(&app);
    let reg = register(&app, "订单助手", &["http://isv.example:8081"]).await;
    authorize(&app, &reg.app.app_id, &["orders.read"]).await;
    let isv = app_client(&app, &reg).await;
    let order: orderveil_api::OrderView = isv.get("/api/v1/orders/S1-AWAIT-2").await.0.ok();
    let stored = FieldCiphertext::parse(&order.ciphertext.phone).unwrap().index_text();
    let hits = |r: &SearchIndexResponse| r.items.iter().filter(|i| i.tokens == [stored.clone()]).count();

    // A known whole number gives the token stored in the order's ciphertext.
    let known: SearchIndexResponse = isv.post("/api/v1/isv/search-index", &json!({"items": [{"field": "phone", "value": TARGET}]})).await.0.ok();
    assert_eq!(hits(&known), 1);
    // A partial number is refused.
    isv.post("/api/v1/isv/search-index", &json!({"items": [{"field": "phone", "value": "1391234"}]})).await.0.err(422, "VALIDATION_FAILED");
    // A name item hands over one window token per two characters, each testable on its own:
    // one unit per token.
    let name: SearchIndexResponse = isv.post("/api/v1/isv/search-index", &json!({"items": [{"field": "name", "value": "欧阳娜娜"}]})).await.0.ok();
    assert_eq!(name.items[0].tokens.len(), 3);
    let owner = app.login("shop1").await;
    assert_eq!(owner.quota().await.search_used, 1 + 3);

    // 200 calls of 50 guesses: 50 units in one request can never fit the 20 a minute.
    let all = guesses();
    let mut seen = Attack::default();
    for chunk in all.chunks(50) {
        let items: Vec<Value> = chunk.iter().map(|g| json!({"field": "phone", "value": g})).collect();
        let (r, _) = isv.post("/api/v1/isv/search-index", &json!({"items": items})).await;
        match (r.status, r.body["code"].as_str()) {
            (200, _) => seen.answered += 1,
            (422, Some("VALIDATION_FAILED")) if r.body["details"]["max"] == json!(20) => seen.budget += 1,
            _ => seen.other.push(r.text),
        }
    }
    assert_eq!((seen.answered, seen.budget, seen.other.len()), (0, 200, 0), "{seen:?}");
    seen.budget = 0;
    // The attacker adapts: 20 guesses a call, a minute apart, waiting out every cool-down
    // and trying the same guesses again.
    let mut tokens_seen = 0;
    let chunks: Vec<&[String]> = all.chunks(20).collect();
    let mut i = 0;
    while i < chunks.len() {
        let items: Vec<Value> = chunks[i].iter().map(|g| json!({"field": "phone", "value": g})).collect();
        let (r, _) = isv.post("/api/v1/isv/search-index", &json!({"items": items})).await;
        match (r.status, r.body["code"].as_str()) {
            (200, _) => {
                let got: SearchIndexResponse = r.ok();
                tokens_seen += got.items.len();
                seen.found |= hits(&got) > 0;
                app.clock.advance(61);
            }
            (429, Some("SEARCH_COOLDOWN")) => {
                app.clock.advance(r.body["details"]["retry_after_secs"].as_i64().unwrap());
                continue;
            }
            (429, Some("SEARCH_BUDGET_EXHAUSTED")) => seen.budget += 1,
            _ => seen.other.push(r.text),
        }
        i += 1;
    }
    assert!(seen.other.is_empty(), "{:?}", seen.other);
    assert!(!seen.found, "the number was recovered");
    // The shop's budget of 200 units: four went to the known number and the name, and a call
    // that needs more than what is left is refused whole.
    assert_eq!((tokens_seen, seen.budget), (180, 500 - 9), "{seen:?}");
    // Audited as counts with the app as actor; matches are the app's to know.
    let rows = owner.audit(&format!("action=search&outcome=ok&actor=app:{}&per_page=200", reg.app.app_id)).await;
    assert_eq!(rows.entries.iter().map(|e| e.details["units"].as_u64().unwrap()).sum::<u64>(), 184);
    assert!(rows.entries.iter().all(|e| e.details["path"] == "isv_search_index" && e.details["matches"].is_null()));
    assert_eq!(owner.quota().await.search_used, 184);
}

async fn free_searches_stay_free_and_metered_ones_are_counted_everywhere(store: Store) {
    let app = TestApp::spawn_with(store, search_settings()).await;
    start_of_day(&app);
    let owner = app.login("shop1").await;
    // Order id, last 4 and status: free, and never cooled down (50 in a minute).
    for _ in 0..25 {
        assert_eq!(owner.order_ids("phone_last4=0001").await, ["S1-AWAIT-2"]);
        assert_eq!(owner.order_ids("order_id=S1-AWAIT-1").await, ["S1-AWAIT-1"]);
    }
    let before = owner.quota().await;
    assert_eq!((before.search_used, before.search_budget, before.search_remaining), (0, 200, 200));
    // Each receiver term is one unit: phone + name + address in one request is three.
    let page: OrderPage = owner.orders(&format!("phone={TARGET}&name={}&address={}", q("欧阳"), q("张江路"))).await;
    assert_eq!(page.total, 1);
    assert_eq!(owner.quota().await.search_used, 3);
    // An export's filter is metered once, when the job is created.
    let job: Value = owner.post("/api/v1/exports", &json!({"format": "csv", "filter": {"name": "欧阳"}})).await.ok();
    assert_eq!(job["rows_total"], 1);
    assert_eq!(owner.quota().await.search_used, 4);
    let e = &owner.audit("action=search&per_page=10").await.entries[0];
    assert_eq!((e.details["path"].as_str(), e.details["terms"].as_u64(), e.details["matches"].as_u64()), (Some("export"), Some(1), Some(1)));
    // The platform tightens the burst rule: it applies at once.
    app.set_platform(|s| s.search_per_minute = 5).await;
    app.clock.advance(61);
    let staff = app.login("shop1-staff").await;
    for _ in 0..5 {
        staff.orders(&format!("name={}", q("欧阳"))).await;
    }
    let d = staff.get(&format!("/api/v1/orders?name={}", q("欧阳"))).await.err(429, "SEARCH_COOLDOWN");
    assert_eq!((d["scope"].as_str(), d["rule"].as_str(), d["retry_after_secs"].as_i64()), (Some("account"), Some("per_minute"), Some(30 * 60)));
    // Per account: the owner still searches; the staff member's last-4 search stays free.
    owner.orders(&format!("name={}", q("欧阳"))).await;
    assert_eq!(staff.order_ids("phone_last4=0001").await, ["S1-AWAIT-2"]);
    // A higher reveal limit raises the budget: 4 × limit once that passes the floor.
    app.set_platform(|s| s.quota_floor = 100).await;
    assert_eq!(owner.quota().await.search_budget, 400);
    // The bilingual refusal body.
    let r = staff.get(&format!("/api/v1/orders?name={}", q("欧阳"))).await;
    assert!(r.body["message_zh"].as_str().unwrap().contains("冷却"), "{}", r.text);
}

async fn twenty_fifty_order_grants_in_a_minute_charge_no_more_than_the_threshold(store: Store) {
    let d = Settings::default();
    let settings = Settings { risk_per_minute: d.risk_per_minute, risk_per_hour: d.risk_per_hour, shop_risk_per_minute: d.shop_risk_per_minute, shop_risk_per_hour: d.shop_risk_per_hour, quota_floor: 100_000, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let batch = realistic("shop1", "B", 1_000, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&batch).await;
    let ops = app.login("shop1-ops").await;
    let (mut granted, mut cooling) = (0usize, 0);
    for i in 0..20 {
        let ids: Vec<&str> = batch[i * 50..(i + 1) * 50].iter().map(|o| o.order_id.as_str()).collect();
        let (_, r) = ops.reveal(&ids, &["phone"]).await;
        match r.status {
            200 => granted += r.ok::<RevealGrantResponse>().charged_order_ids.len(),
            _ => {
                let d = r.err(429, "RISK_COOLDOWN");
                if cooling == 0 {
                    assert_eq!((d["scope"].as_str(), d["rule"].as_str(), d["last_minute"].as_i64()), (Some("account"), Some("per_minute"), Some(100)), "{d}");
                }
                cooling += 1;
            }
        }
        app.clock.advance(2);
    }
    assert_eq!((granted, cooling), (100, 18));
    assert!(app.charges("shop1").await <= i64::from(d.risk_per_minute));
    assert_eq!(app.charges("shop1").await, 100);
    // Free repeats count too: after the cool-down, re-revealing the same 50 orders twice
    // (nothing charged) fills the minute again.
    app.clock.advance(30 * 60);
    let ids: Vec<&str> = batch[..50].iter().map(|o| o.order_id.as_str()).collect();
    for _ in 0..2 {
        let g: RevealGrantResponse = ops.reveal(&ids, &["phone"]).await.1.ok();
        assert_eq!((g.charged_order_ids.len(), g.free_order_ids.len()), (0, 50));
    }
    ops.reveal(&ids[..21], &["phone"]).await.1.err(429, "RISK_COOLDOWN");
}

async fn a_cooled_down_shop_refuses_new_staff_and_re_authorized_apps(store: Store) {
    let settings = Settings { risk_per_minute: 60, risk_per_hour: 1000, shop_risk_per_minute: 100, shop_risk_per_hour: 1000, quota_floor: 100_000, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let batch = realistic("shop1", "C", 200, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&batch).await;
    let ids: Vec<&str> = batch.iter().map(|o| o.order_id.as_str()).collect();
    let ops = app.login("shop1-ops").await;
    let owner = app.login("shop1").await;
    // Two accounts, 50 orders each: the shop is at its 100 a minute.
    let _: RevealGrantResponse = ops.reveal(&ids[0..50], &["phone"]).await.1.ok();
    let _: RevealGrantResponse = owner.reveal(&ids[50..100], &["phone"]).await.1.ok();
    // A third account is made to get a fresh budget: the shop's count binds it.
    let _: Value = owner.post("/api/v1/staff", &json!({"username": "shop1-fresh", "password": "fresh-pass-2026", "permissions": ["view", "reveal"]})).await.ok();
    let fresh = Client::login_with(&app.base, "shop1-fresh", "fresh-pass-2026").await;
    let d = fresh.reveal(&ids[100..101], &["phone"]).await.1.err(429, "RISK_COOLDOWN");
    assert_eq!((d["scope"].as_str(), d["rule"].as_str()), (Some("shop"), Some("per_minute")));
    // The shop is cooling down now: everyone in it is refused, an app re-authorized too.
    let reg = register(&app, "仓储助手", &["http://isv.example:8081"]).await;
    authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    let isv = app_client(&app, &reg).await;
    assert_eq!(isv.reveal(&ids[101..102], &["phone"]).await.1.err(429, "RISK_COOLDOWN")["scope"], "shop");
    ops.reveal(&ids[102..103], &["phone"]).await.1.err(429, "RISK_COOLDOWN");
    assert_eq!(app.charges("shop1").await, 100);

    // After the shop's cool-down: an app that bursts cools down as an account, and
    // re-authorizing it (a new authorization) does not start its count afresh.
    app.clock.advance(30 * 60 + 1);
    let _: RevealGrantResponse = isv.reveal(&ids[110..160], &["phone"]).await.1.ok();
    let d = isv.reveal(&ids[160..171], &["phone"]).await.1.err(429, "RISK_COOLDOWN");
    assert_eq!(d["scope"], "account");
    authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    let again = app_client(&app, &reg).await;
    assert_eq!(again.reveal(&ids[171..172], &["phone"]).await.1.err(429, "RISK_COOLDOWN")["scope"], "account");
    // Other accounts of the shop are not affected by the app's cool-down.
    let _: RevealGrantResponse = owner.reveal(&ids[180..181], &["phone"]).await.1.ok();
}

async fn print_grants_are_only_as_cheap_as_a_label(store: Store) {
    let settings = Settings { risk_per_minute: 3, risk_per_hour: 1000, ..test_settings() };
    let app = TestApp::spawn_with(store, settings).await;
    let owner = app.login("shop1").await;
    let admin = app.login("admin").await;
    let a = funded_account(&app, 2).await;

    // Nothing but the platform's confirmation raises a balance.
    let t: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 100_000})).await.ok();
    owner.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 1, "payment_ref": "self"})).await.err(403, "FORBIDDEN");
    app.login("shop1-ops").await.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 1, "payment_ref": "self"})).await.err(403, "FORBIDDEN");
    admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 0, "payment_ref": "x"})).await.err(422, "VALIDATION_FAILED");
    admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 100, "payment_ref": " "})).await.err(422, "VALIDATION_FAILED");
    let balance = |all: Vec<WaybillAccount>| all.into_iter().find(|x| x.id == a.id).unwrap().balance;
    assert_eq!(balance(owner.get("/api/v1/waybill-accounts").await.ok()), 2, "an unconfirmed top-up credited units");
    let rejected: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/reject", t.id), &json!({"comment": "未收到款项"})).await.ok();
    assert_eq!(rejected.status, orderveil_api::WaybillTopupStatus::Rejected);
    admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 100, "payment_ref": "late"})).await.err(409, "TOPUP_STATE_CONFLICT");
    assert_eq!(balance(owner.get("/api/v1/waybill-accounts").await.ok()), 2);
    let t2: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 3})).await.ok();
    let c: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t2.id), &json!({"amount_cents": 150, "payment_ref": "BANK-20261203-01"})).await.ok();
    assert_eq!((c.balance_after, c.amount_cents, c.payment_ref.as_deref()), (Some(5), Some(150), Some("BANK-20261203-01")));
    admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t2.id), &json!({"amount_cents": 150, "payment_ref": "again"})).await.err(409, "TOPUP_STATE_CONFLICT");
    assert_eq!(balance(owner.get("/api/v1/waybill-accounts").await.ok()), 5, "a second confirmation credited twice");
    let confirms = owner.audit("action=waybill_topup_confirm").await;
    assert_eq!((confirms.total, confirms.entries[0].details["payment_ref"].as_str()), (2, Some("BANK-20261203-01")), "funded_account's and this one");

    // A waybill of an order that then ships is dead for printing.
    let w: Vec<Waybill> = owner.post("/api/v1/waybills", &json!({"account_id": a.id, "order_ids": ["S1-AWAIT-1"], "merge": false})).await.ok();
    let _: Value = owner.post("/api/v1/orders/S1-AWAIT-1/ship", &json!({"carrier": "YTO", "tracking_no": "YT1234567890123"})).await.ok();
    let d = print(&owner, &[w[0].waybill_no.clone()]).await.err(409, "ORDER_NOT_SHIPPABLE");
    assert_eq!(d["order_ids"], json!(["S1-AWAIT-1"]));
    // Another shop cannot print this shop's waybills.
    let w2: Vec<Waybill> = owner.post("/api/v1/waybills", &json!({"account_id": a.id, "order_ids": ["S1-AWAIT-2"], "merge": false})).await.ok();
    print(&app.login("shop2").await, &[w2[0].waybill_no.clone()]).await.err(404, "NOT_FOUND");

    // An app without `print` is refused every print path; with `print` it allocates and
    // prints, with `ship` it ships.
    let reg = register(&app, "打印助手", &["http://isv.example:8081"]).await;
    authorize(&app, &reg.app.app_id, &["orders.read"]).await;
    let reader = app_client(&app, &reg).await;
    reader.post("/api/v1/print-grants", &json!({"waybill_nos": [w2[0].waybill_no], "client_public": base64_key()})).await.0.err(403, "SCOPE_MISSING");
    reader.post("/api/v1/waybills", &json!({"account_id": a.id, "order_ids": ["S1-AWAIT-2"], "merge": false})).await.0.err(403, "SCOPE_MISSING");
    reader.get("/api/v1/waybill-accounts").await.0.err(403, "SCOPE_MISSING");
    reader.post("/api/v1/waybills/ship", &json!({"waybill_nos": [w2[0].waybill_no]})).await.0.err(403, "SCOPE_MISSING");
    authorize(&app, &reg.app.app_id, &["orders.read", "print"]).await;
    let printer = app_client(&app, &reg).await;
    let accounts: Vec<WaybillAccount> = printer.get("/api/v1/waybill-accounts").await.0.ok();
    assert_eq!(accounts.iter().map(|x| x.id).collect::<Vec<_>>(), [a.id]);
    let p: PrintGrantResponse = printer.post("/api/v1/print-grants", &json!({"waybill_nos": [w2[0].waybill_no], "client_public": base64_key()})).await.0.ok();
    assert_eq!(p.labels[0].orders[0].order_id, "S1-AWAIT-2");
    printer.post("/api/v1/waybills/ship", &json!({"waybill_nos": [w2[0].waybill_no]})).await.0.err(403, "SCOPE_MISSING");
    authorize(&app, &reg.app.app_id, &["orders.read", "print", "ship"]).await;
    let shipper = app_client(&app, &reg).await;
    let shipped: Value = shipper.post("/api/v1/waybills/ship", &json!({"waybill_nos": [w2[0].waybill_no]})).await.0.ok();
    assert_eq!(shipped["order_ids"], json!(["S1-AWAIT-2"]));
    let trail = owner.audit(&format!("actor=app:{}", reg.app.app_id)).await;
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    assert!(actions.contains(&"print") && actions.contains(&"ship_waybill"), "{actions:?}");

    // Printed orders count in the burst rule (3 a minute here): the owner prints three
    // orders, then a fourth print and a reveal are refused alike.
    let more = realistic("shop1", "P", 4, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&more).await;
    let t3: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 10})).await.ok();
    let _: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t3.id), &json!({"amount_cents": 500, "payment_ref": "BANK-2"})).await.ok();
    app.clock.advance(120);
    let ids: Vec<&str> = more.iter().map(|o| o.order_id.as_str()).collect();
    let wbs: Vec<Waybill> = owner.post("/api/v1/waybills", &json!({"account_id": a.id, "order_ids": ids, "merge": false})).await.ok();
    let nos: Vec<String> = wbs.iter().map(|w| w.waybill_no.clone()).collect();
    let _: PrintGrantResponse = print(&owner, &nos[..3]).await.ok();
    let d = print(&owner, &nos[3..]).await.err(429, "RISK_COOLDOWN");
    assert_eq!((d["scope"].as_str(), d["rule"].as_str(), d["last_minute"].as_i64()), (Some("account"), Some("per_minute"), Some(3)));
    owner.reveal(&["S1-AFTERSALE"], &["phone"]).await.1.err(429, "RISK_COOLDOWN");
    let refused = owner.audit("action=print&outcome=refused").await;
    assert!(refused.entries.iter().any(|e| e.code.as_deref() == Some("RISK_COOLDOWN") && e.details["risk"]["rule"] == "per_minute"));
    // None of it touched the reveal quota.
    assert_eq!(owner.quota().await.used, 0);
}

async fn every_reveal_names_a_purpose(store: Store) {
    let app = TestApp::spawn(store).await;
    let ops = app.login("shop1-ops").await;
    for (purpose, note, reason) in [
        (None, None, "missing"),
        (Some(""), None, "missing"),
        (Some("curiosity"), None, "unknown"),
        (Some("other"), None, "note_required"),
        (Some("other"), Some("  "), "note_required"),
        (Some("other"), Some("回访 138 0013 8000"), "note_has_phone_number"),
    ] {
        let d = ops.reveal_for(&["S1-AWAIT-1"], purpose, note).await.err(400, "PURPOSE_INVALID");
        assert_eq!(d["reason"], reason, "{purpose:?} {note:?}");
    }
    let long = "说".repeat(201);
    assert_eq!(ops.reveal_for(&["S1-AWAIT-1"], Some("other"), Some(&long)).await.err(400, "PURPOSE_INVALID")["reason"], "note_too_long");
    assert_eq!(app.charges("shop1").await, 0, "a refused purpose charged");
    let _: RevealGrantResponse = ops.reveal_for(&["S1-AWAIT-1"], Some("after_sales"), None).await.ok();
    let _: RevealGrantResponse = ops.reveal_for(&["S1-AWAIT-2"], Some("other"), Some("买家来电要求改期送货")).await.ok();
    // In the audit trail, and filterable.
    let owner = app.login("shop1").await;
    let after_sales = owner.audit("action=reveal&purpose=after_sales").await;
    assert_eq!(after_sales.entries.iter().map(|e| e.order_ids.clone()).collect::<Vec<_>>(), [vec!["S1-AWAIT-1".to_string()]]);
    let other = owner.audit("purpose=other").await;
    assert_eq!((other.total, other.entries[0].details["purpose_note"].as_str()), (1, Some("买家来电要求改期送货")));
    assert_eq!(owner.audit("purpose=dropshipping").await.total, 0);
    owner.get("/api/v1/audit?purpose=curiosity").await.err(422, "VALIDATION_FAILED");

    // An app reveals only for the purposes its authorization lists.
    let reg = register(&app, "客服助手", &["http://isv.example:8081"]).await;
    authorize_for(&app, &reg.app.app_id, &["orders.read", "reveal"], &[]).await.err(422, "VALIDATION_FAILED");
    let auth: orderveil_api::IsvAuthorization = authorize_for(&app, &reg.app.app_id, &["orders.read", "reveal"], &["customer_service"]).await.ok();
    assert_eq!(auth.purposes, [orderveil_api::RevealPurpose::CustomerService]);
    let isv = app_client(&app, &reg).await;
    let body = |purpose: &str| json!({"order_ids": ["S1-SHIPPED"], "fields": ["phone"], "client_public": base64_key(), "purpose": purpose});
    let d = isv.post("/api/v1/reveal-grants", &body("manual_shipping")).await.0.err(403, "PURPOSE_NOT_ALLOWED");
    assert_eq!(d["allowed"], json!(["customer_service"]));
    assert_eq!(app.charges("shop1").await, 2);
    let _: RevealGrantResponse = isv.post("/api/v1/reveal-grants", &body("customer_service")).await.0.ok();
    let e = &owner.audit(&format!("actor=app:{}&action=reveal", reg.app.app_id)).await.entries[0];
    assert_eq!(e.details["purpose"], "customer_service");
}

/// Ask for a print grant of these waybills with a fresh key.
async fn print(c: &Client, nos: &[String]) -> Resp {
    c.post("/api/v1/print-grants", &json!({"waybill_nos": nos, "client_public": base64_key()})).await
}

/// A fresh client public key, base64url.
fn base64_key() -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(ClientSession::new().unwrap().public_key())
}
