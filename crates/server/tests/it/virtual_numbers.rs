//! Virtual numbers (issue 19): the admin fills the pool; an owner or staff with `reveal`, or
//! the order's factory, binds one to an order's receiver (once per order); the pool runs
//! out with its own code; a binding ends 15 days after completion and its entry returns to
//! the pool; only the telephony token resolves a number to the real one, audited.

use orderveil_api::{AssignResult, VirtualNumber, VirtualNumberPool};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(a_virtual_number_is_bound_once_per_order_and_returns_to_the_pool, only_the_telephony_token_resolves_a_virtual_number);

const DAY: i64 = 86_400;

async fn fill_pool(app: &TestApp, first: &str, last: &str, extensions: u32) -> VirtualNumberPool {
    app.login("admin").await.post("/api/v1/admin/virtual-numbers", &json!({"first": first, "last": last, "extensions": extensions})).await.ok()
}

fn vn(id: &str) -> String {
    format!("/api/v1/orders/{id}/virtual-number")
}

async fn a_virtual_number_is_bound_once_per_order_and_returns_to_the_pool(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, ops, staff, shop2, admin) = (app.login("shop1").await, app.login("shop1-ops").await, app.login("shop1-staff").await, app.login("shop2").await, app.login("admin").await);

    // Only the admin fills the pool, with a checked range.
    owner.post("/api/v1/admin/virtual-numbers", &json!({"first": "17000000000", "last": "17000000001", "extensions": 1})).await.err(403, "FORBIDDEN");
    for bad in [json!({"first": "1700000000a", "last": "17000000001", "extensions": 1}), json!({"first": "17000000009", "last": "17000000001", "extensions": 1}), json!({"first": "170", "last": "171", "extensions": 1})] {
        admin.post("/api/v1/admin/virtual-numbers", &bad).await.err(422, "VALIDATION_FAILED");
    }
    let p = fill_pool(&app, "17000000000", "17000000001", 1).await;
    assert_eq!((p.total, p.free, p.added), (2, 2, 2));
    assert_eq!(fill_pool(&app, "17000000000", "17000000001", 1).await.added, 0, "an entry is added once");

    // Who may ask: not view-only staff, not another shop, not for an unpaid order.
    staff.post(&vn("S1-AWAIT-1"), &json!({})).await.err(403, "FORBIDDEN");
    shop2.post(&vn("S1-AWAIT-1"), &json!({})).await.err(404, "ORDER_NOT_FOUND");
    assert_eq!(owner.post(&vn("S1-UNPAID"), &json!({})).await.err(409, "VIRTUAL_NUMBER_UNAVAILABLE")["reason"], "order_status");
    owner.get(&vn("S1-AWAIT-1")).await.err(404, "NOT_FOUND");

    // One binding per order: asking again, or another user of the shop, gets the same number.
    let a: VirtualNumber = owner.post(&vn("S1-AWAIT-1"), &json!({})).await.ok();
    assert_eq!((a.number.as_str(), a.extension.as_str(), a.display.as_str(), a.valid_to.as_deref()), ("17000000000", "0001", "170 0000 0000 转 0001", None));
    assert_eq!(ops.post(&vn("S1-AWAIT-1"), &json!({})).await.ok::<VirtualNumber>(), a);
    assert_eq!(owner.get(&vn("S1-AWAIT-1")).await.ok::<VirtualNumber>(), a);
    // A completed order's binding ends 15 days after completion (S1-DONE completed 3 days ago).
    let done: VirtualNumber = owner.post(&vn("S1-DONE"), &json!({})).await.ok();
    assert_eq!(done.number, "17000000001");
    assert!(done.valid_to.is_some());
    // The pool is empty now.
    owner.post(&vn("S1-AWAIT-2"), &json!({})).await.err(503, "VIRTUAL_NUMBER_POOL_EXHAUSTED");
    let p: VirtualNumberPool = admin.get("/api/v1/admin/virtual-numbers").await.ok();
    assert_eq!((p.total, p.free), (2, 0));

    // 12 days on, S1-DONE's binding has ended: its entry serves the next order.
    app.clock.advance(12 * DAY);
    owner.get(&vn("S1-DONE")).await.err(404, "NOT_FOUND");
    let next: VirtualNumber = owner.post(&vn("S1-AWAIT-2"), &json!({})).await.ok();
    assert_eq!(next.number, "17000000001");
    assert_eq!(owner.post(&vn("S1-DONE"), &json!({})).await.err(409, "VIRTUAL_NUMBER_UNAVAILABLE")["reason"], "expired");

    // The order's factory (with `ship`) gets the order's number; other factories do not.
    let b: Value = owner.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let _: Value = app.login("factory1").await.post(&format!("/api/v1/factory-bindings/{}/accept", b["id"]), &json!({})).await.ok();
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-2"]})).await.ok();
    let f = app.login("factory1-ops").await;
    assert_eq!(f.post(&vn("S1-AWAIT-2"), &json!({})).await.ok::<VirtualNumber>(), next);
    f.post(&vn("S1-AWAIT-1"), &json!({})).await.err(404, "ORDER_NOT_FOUND");
    app.login("factory2").await.post(&vn("S1-AWAIT-2"), &json!({})).await.err(404, "ORDER_NOT_FOUND");

    // The days are a platform setting: at 30, S1-DONE (completed 15 days ago) is bound again
    // until day 30 after its completion.
    assert_eq!(app.set_platform(|u| u.virtual_number_days = Some(30)).await.virtual_number_days, 30);
    fill_pool(&app, "17000000002", "17000000002", 1).await;
    let again: VirtualNumber = owner.post(&vn("S1-DONE"), &json!({})).await.ok();
    assert_eq!(again.number, "17000000002");
    app.clock.advance(14 * DAY);
    assert_eq!(owner.get(&vn("S1-DONE")).await.ok::<VirtualNumber>(), again);
    app.clock.advance(2 * DAY);
    owner.get(&vn("S1-DONE")).await.err(404, "NOT_FOUND");

    // No answer carries a real number; each binding is on the shop's chain; no quota charged.
    for id in ["S1-AWAIT-1", "S1-AWAIT-2"] {
        assert!(!owner.get(&vn(id)).await.text.contains(&app.ingested(id).phone));
    }
    let chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    let binds: Vec<&Value> = chain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "virtual_number_bind").collect();
    assert_eq!(binds.len(), 4, "S1-AWAIT-1, S1-DONE, S1-AWAIT-2, S1-DONE again");
    assert_eq!(app.charges("shop1").await, 0);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn only_the_telephony_token_resolves_a_virtual_number(store: Store) {
    let app = TestApp::spawn(store).await;
    fill_pool(&app, "17000000100", "17000000100", 20).await;
    let owner = app.login("shop1").await;
    let a: VirtualNumber = owner.post(&vn("S1-AWAIT-2"), &json!({})).await.ok();
    let telephony = std::fs::read_to_string(app.data_dir.path().join(orderveil_server::TELEPHONY_TOKEN_FILE)).unwrap();
    let path = format!("/api/v1/telephony/virtual-numbers/{}?extension={}", a.number, a.extension);
    let http = reqwest::Client::new();
    let call = async |token: Option<&str>, path: &str| {
        let mut r = http.get(format!("{}{path}", app.base));
        if let Some(t) = token {
            r = r.bearer_auth(t);
        }
        let r = r.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    // Nothing but its own token: none, the order system's, a made-up one, a shop's session.
    for token in [None, Some(SERVICE_TOKEN), Some("ovtel_guess"), Some("ovat_guess")] {
        let (status, text) = call(token, &path).await;
        assert_eq!(status, 401, "{token:?}: {text}");
        assert!(!text.contains(&app.ingested("S1-AWAIT-2").phone));
    }
    owner.get(&path).await.err(401, "UNAUTHENTICATED");
    // Its own token: the real number of the bound order.
    let (status, text) = call(Some(telephony.trim()), &path).await;
    assert_eq!(status, 200, "{text}");
    let v: Value = serde_json::from_str(&text).unwrap();
    assert_eq!((v["order_id"].as_str(), v["real_number"].as_str()), (Some("S1-AWAIT-2"), Some(app.ingested("S1-AWAIT-2").phone.as_str())));
    // A number or extension that is not bound is unknown.
    let (status, _) = call(Some(telephony.trim()), &format!("/api/v1/telephony/virtual-numbers/{}?extension=0002", a.number)).await;
    assert_eq!(status, 404);
    let (status, _) = call(Some(telephony.trim()), "/api/v1/telephony/virtual-numbers/17000000999").await;
    assert_eq!(status, 404);
    // Each lookup is on the shop's chain, as the telephony partner.
    let chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    let lookups: Vec<&Value> = chain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "virtual_number_lookup").collect();
    assert_eq!(lookups.len(), 1);
    assert_eq!((lookups[0]["actor"].as_str(), lookups[0]["order_ids"][0].as_str()), (Some("telephony"), Some("S1-AWAIT-2")));
}
