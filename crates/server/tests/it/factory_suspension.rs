//! Factory suspension (issue 18): the platform admin suspends a factory with a reason and
//! resumes it, audited on the platform's chain and the factory's; while suspended its users
//! still read but every action — accepting a binding, allocating, printing, cancelling,
//! shipping — is `FACTORY_SUSPENDED` and changes nothing; shops cannot assign orders to it (by
//! hand or by product rule); resuming restores all of it. Only admins suspend.

use orderveil_api::{
    AssignResult, Binding, BindingStatus, Factory, FactoryOrderPage, OrderStatus, OrderView, PrintGrantResponse, Waybill, WaybillAccount, WaybillShipped, WaybillTopup,
};
use orderveil_cipher::ClientSession;
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(only_admins_suspend_and_resume_factories, a_suspended_factory_reads_but_acts_on_nothing);

fn suspend_path(f: &str) -> String {
    format!("/api/v1/admin/factories/{f}/suspend")
}

fn resume_path(f: &str) -> String {
    format!("/api/v1/admin/factories/{f}/resume")
}

fn b64(s: &ClientSession) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.public_key())
}

async fn factory_state(c: &Client, f: &str) -> bool {
    let all: Vec<Factory> = c.get("/api/v1/factories").await.ok();
    all.iter().find(|x| x.factory_id == f).unwrap().suspended
}

async fn only_admins_suspend_and_resume_factories(store: Store) {
    let app = TestApp::spawn(store).await;
    let admin = app.login("admin").await;
    let reason = json!({"reason": "资质审核中"});
    for who in ["shop1", "shop1-ops", "factory1", "factory1-ops", "factory2"] {
        let c = app.login(who).await;
        c.post(&suspend_path("factory1"), &reason).await.err(403, "FORBIDDEN");
        c.post(&resume_path("factory1"), &json!({})).await.err(403, "FORBIDDEN");
    }
    assert!(!factory_state(&admin, "factory1").await, "a refused suspension changes nothing");
    // A reason is required (and bounded); an unknown factory is "not found".
    for body in [json!({}), json!({"reason": "  "}), json!({"reason": "x".repeat(201)}), json!({"reason": "a\u{7}b"})] {
        assert_eq!(admin.post(&suspend_path("factory1"), &body).await.err(422, "VALIDATION_FAILED")["field"], "reason");
    }
    admin.post(&suspend_path("nobody"), &reason).await.err(404, "NOT_FOUND");
    assert!(!factory_state(&admin, "factory1").await);

    let f: Factory = admin.post(&suspend_path("factory1"), &reason).await.ok();
    assert!(f.suspended && f.factory_id == "factory1");
    assert!(factory_state(&admin, "factory1").await && !factory_state(&admin, "factory2").await, "only that factory");
    // The factory sees its own state.
    assert!(factory_state(&app.login("factory1-ops").await, "factory1").await);
    let f: Factory = admin.post(&resume_path("factory1"), &json!({"reason": "审核通过"})).await.ok();
    assert!(!f.suspended);
    let _: Factory = admin.post(&resume_path("factory1"), &json!({})).await.ok();

    // On the factory's chain (its owner reads it) and the platform's; both verify.
    let chain: Value = app.login("factory1").await.get("/api/v1/audit?per_page=50").await.ok();
    let entries = chain["entries"].as_array().unwrap();
    let suspend = entries.iter().find(|e| e["action"] == "factory_suspend").expect("factory_suspend on the factory's chain");
    assert_eq!((suspend["actor"].as_str(), suspend["details"]["reason"].as_str()), (Some("admin"), Some("资质审核中")));
    assert_eq!(entries.iter().filter(|e| e["action"] == "factory_resume").count(), 2);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM audit WHERE chain = 'platform' AND action IN ('factory_suspend', 'factory_resume')")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 3, "each change on the platform's chain too");
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

fn account_body() -> Value {
    json!({"carrier": "ZTO", "outlet": "义乌稠城网点", "sender_name": "代发仓", "sender_phone": "0579-85550000", "sender_address": "浙江省金华市义乌市稠城街道工人北路1号"})
}

async fn balance(c: &Client) -> u64 {
    c.get("/api/v1/waybill-accounts").await.ok::<Vec<WaybillAccount>>()[0].balance
}

async fn print_count(app: &TestApp, no: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT print_count FROM waybills WHERE waybill_no = $1").bind(no).fetch_one(&app.state.db.pool).await.unwrap();
    n
}

async fn a_suspended_factory_reads_but_acts_on_nothing(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, admin, factory, ops) = (app.login("shop1").await, app.login("admin").await, app.login("factory1").await, app.login("factory1-ops").await);
    // shop1 binds factory1 and assigns three orders; shop2's invitation stays open.
    let b: Binding = owner.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let _: Binding = factory.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.ok();
    let invite: Binding = app.login("shop2").await.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let now = app.now();
    app.ingest_ok(&[order("S1-F-1", "shop1", OrderStatus::AwaitingShipment, now, 600, SHARED_RECEIVER), order("S1-F-2", "shop1", OrderStatus::AwaitingShipment, now, 600, SHARED_RECEIVER)])
        .await;
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-1", "S1-F-1", "S1-F-2"]})).await.ok();
    // Its e-waybill account, two waybills: one printed (to ship), one to cancel.
    let acc: WaybillAccount = factory.post("/api/v1/waybill-accounts", &account_body()).await.ok();
    admin.post(&format!("/api/v1/waybill-accounts/{}/approve", acc.id), &json!({"comment": ""})).await.ok::<WaybillAccount>();
    let t: WaybillTopup = factory.post(&format!("/api/v1/waybill-accounts/{}/topups", acc.id), &json!({"units": 10})).await.ok();
    let _: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 500, "payment_ref": "TX-F1"})).await.ok();
    let alloc = |ids: &[&str]| json!({"account_id": acc.id, "order_ids": ids, "merge": false});
    let printed: Vec<Waybill> = ops.post("/api/v1/waybills", &alloc(&["S1-F-1"])).await.ok();
    let unprinted: Vec<Waybill> = ops.post("/api/v1/waybills", &alloc(&["S1-F-2"])).await.ok();
    let (printed, unprinted) = (printed[0].waybill_no.clone(), unprinted[0].waybill_no.clone());
    let s = ClientSession::new().unwrap();
    let _: PrintGrantResponse = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [printed], "client_public": b64(&s)})).await.ok();
    owner.put("/api/v1/assignment-rules", &json!({"sku": "SKU-CHAIR", "factory_id": "factory1"})).await.ok::<Vec<Value>>();
    assert_eq!(balance(&factory).await, 8);

    let _: Factory = admin.post(&suspend_path("factory1"), &json!({"reason": "资质审核中"})).await.ok();

    // Every action of the factory's users is refused with the code, on sessions opened
    // before the suspension too.
    let code = |r: Value| assert_eq!(r["factory_id"], "factory1");
    code(ops.post("/api/v1/waybills", &alloc(&["S1-AWAIT-1"])).await.err(403, "FACTORY_SUSPENDED"));
    code(factory.post("/api/v1/waybills", &alloc(&["S1-AWAIT-1"])).await.err(403, "FACTORY_SUSPENDED"));
    let s2 = ClientSession::new().unwrap();
    for no in [&printed, &unprinted] {
        ops.post("/api/v1/print-grants", &json!({"waybill_nos": [no], "client_public": b64(&s2)})).await.err(403, "FACTORY_SUSPENDED");
    }
    ops.post(&format!("/api/v1/waybills/{unprinted}/cancel"), &json!({})).await.err(403, "FACTORY_SUSPENDED");
    ops.post("/api/v1/waybills/ship", &json!({"waybill_nos": [printed]})).await.err(403, "FACTORY_SUSPENDED");
    factory.post(&format!("/api/v1/factory-bindings/{}/accept", invite.id), &json!({})).await.err(403, "FACTORY_SUSPENDED");
    // Nothing changed: balance, prints, waybills, the order, the invitation.
    assert_eq!(balance(&factory).await, 8);
    assert_eq!((print_count(&app, &printed).await, print_count(&app, &unprinted).await), (1, 0));
    let waybills: Vec<Waybill> = factory.get("/api/v1/waybills").await.ok();
    assert_eq!(waybills.len(), 2, "the factory still reads its waybills");
    assert!(waybills.iter().all(|w| w.status != orderveil_api::WaybillStatus::Cancelled && w.status != orderveil_api::WaybillStatus::Shipped), "{waybills:?}");
    assert_eq!(owner.get("/api/v1/orders/S1-F-1").await.ok::<OrderView>().status, OrderStatus::AwaitingShipment);
    let bindings: Vec<Binding> = factory.get("/api/v1/factory-bindings").await.ok();
    assert_eq!(bindings.iter().find(|x| x.id == invite.id).unwrap().status, BindingStatus::Invited);
    // Reads still work; declining is still the factory's to do.
    assert_eq!(ops.get("/api/v1/factory/orders").await.ok::<FactoryOrderPage>().total, 3);
    assert_eq!(app.charges("shop1").await, 0);

    // The shop cannot assign to it: each order refused with the reason, nothing assigned; a
    // filter is refused before it searches (nothing charged); no new rule to it.
    let d = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-2", "S1-DONE"]})).await.err(403, "FACTORY_SUSPENDED");
    let refused: Vec<(&str, &str)> = d["refused"].as_array().unwrap().iter().map(|r| (r["order_id"].as_str().unwrap(), r["reason"].as_str().unwrap())).collect();
    assert_eq!(refused, [("S1-AWAIT-2", "factory_suspended"), ("S1-DONE", "factory_suspended")]);
    let searched = owner.quota().await.search_used;
    owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "filter": {"phone": "13800138000"}})).await.err(403, "FACTORY_SUSPENDED");
    assert_eq!(owner.quota().await.search_used, searched, "no search charged");
    owner.put("/api/v1/assignment-rules", &json!({"sku": "SKU-LAMP", "factory_id": "factory1"})).await.err(403, "FACTORY_SUSPENDED");
    assert!(owner.get("/api/v1/orders/S1-AWAIT-2").await.ok::<OrderView>().assignment.is_none());
    // The product rule assigns nothing at ingest while the factory is suspended.
    let mut chair = order("S1-RULED", "shop1", OrderStatus::AwaitingShipment, now, 60, ("郑和", "13912345678", "福建省泉州市丰泽区东海街道1号"));
    chair.items[0].sku = Some("SKU-CHAIR".into());
    app.ingest_ok(&[chair]).await;
    assert!(owner.get("/api/v1/orders/S1-RULED").await.ok::<OrderView>().assignment.is_none());
    // The shop still recalls.
    owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-1"]})).await.ok::<Value>();

    // Resumed: everything works again, on the same sessions.
    let _: Factory = admin.post(&resume_path("factory1"), &json!({})).await.ok();
    let _: Binding = factory.post(&format!("/api/v1/factory-bindings/{}/accept", invite.id), &json!({})).await.ok();
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-AWAIT-2"]})).await.ok();
    let fresh: Vec<Waybill> = ops.post("/api/v1/waybills", &alloc(&["S1-AWAIT-2"])).await.ok();
    let _: Waybill = ops.post(&format!("/api/v1/waybills/{}/cancel", fresh[0].waybill_no), &json!({})).await.ok();
    let _: Waybill = ops.post(&format!("/api/v1/waybills/{unprinted}/cancel"), &json!({})).await.ok();
    let s3 = ClientSession::new().unwrap();
    let _: PrintGrantResponse = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [printed], "client_public": b64(&s3)})).await.ok();
    let shipped: WaybillShipped = ops.post("/api/v1/waybills/ship", &json!({"waybill_nos": [printed]})).await.ok();
    assert_eq!(shipped.order_ids, ["S1-F-1"]);
    assert_eq!(balance(&factory).await, 9, "8, one taken, two returned");
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}
