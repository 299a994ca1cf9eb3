//! Factory dropshipping (issue 18): bindings, assignment by selection, filter and product
//! rule, recall, the factory's list, and the factory's waybills, prints and shipments — with
//! every refusal a factory can meet, no reveal path open to it, and nothing charged.

use orderveil_api::{
    AssignResult, ShipmentUploadResult, Binding, BindingEnded, BindingStatus, FactoryOrderPage, OrderStatus, OrderView, PrintGrantResponse, RecallResult, StaffMember, Waybill, WaybillAccount,
    WaybillShipped, WaybillTopup,
};
use orderveil_cipher::{ClientSession, SealedGrant, ShopId};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    binding_assignment_and_recall_with_every_refusal,
    two_staff_assigning_at_once_assign_once,
    the_factory_allocates_prints_and_ships_and_the_shop_sees_it,
    a_product_rule_assigns_new_orders_at_ingest,
    a_factory_owner_manages_its_own_staff_only,
    the_factory_ships_its_assigned_orders_by_upload,
    a_factory_prints_one_shops_waybills_per_grant,
);

async fn a_factory_owner_manages_its_own_staff_only(store: Store) {
    let app = TestApp::spawn(store).await;
    let (factory, owner) = (app.login("factory1").await, app.login("shop1").await);
    let body = json!({"username": "f1-printer", "password": "Printer-Pass-7", "permissions": ["print"]});
    app.login("factory1-ops").await.post("/api/v1/factory/staff", &body).await.err(403, "FORBIDDEN");
    let bad = json!({"username": "f1-bad", "password": "Printer-Pass-7", "permissions": ["reveal"]});
    factory.post("/api/v1/factory/staff", &bad).await.err(422, "VALIDATION_FAILED");
    let m: StaffMember = factory.post("/api/v1/factory/staff", &body).await.ok();
    let listed: Vec<StaffMember> = factory.get("/api/v1/factory/staff").await.ok();
    assert!(listed.iter().any(|s| s.id == m.id) && listed.iter().any(|s| s.username == "factory1-ops"));
    // The printer prints but does not ship; the owner adds `ship`, never `reveal`.
    let printer = Client::login_with(&app.base, "f1-printer", "Printer-Pass-7").await;
    assert_eq!(printer.user.permissions, [orderveil_api::Permission::Print]);
    factory.post(&format!("/api/v1/factory/staff/{}", m.id), &json!({"permissions": ["print", "reveal"]})).await.err(422, "VALIDATION_FAILED");
    let m2: StaffMember = factory.post(&format!("/api/v1/factory/staff/{}", m.id), &json!({"permissions": ["print", "ship"]})).await.ok();
    assert_eq!(m2.permissions.len(), 2);
    // Neither side reaches the other's staff.
    owner.post(&format!("/api/v1/staff/{}", m.id), &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    let shop_staff: Vec<StaffMember> = owner.get("/api/v1/staff").await.ok();
    factory.post(&format!("/api/v1/factory/staff/{}", shop_staff[0].id), &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    app.login("factory2").await.post(&format!("/api/v1/factory/staff/{}", m.id), &json!({"disabled": true})).await.err(404, "NOT_FOUND");
    // Disabling ends its sessions; a reset password works.
    let _: StaffMember = factory.post(&format!("/api/v1/factory/staff/{}", m.id), &json!({"disabled": true})).await.ok();
    printer.get("/api/v1/factory/orders").await.err(401, "UNAUTHENTICATED");
    let _: StaffMember = factory.post(&format!("/api/v1/factory/staff/{}", m.id), &json!({"disabled": false})).await.ok();
    let _: StaffMember = factory.post(&format!("/api/v1/factory/staff/{}/password", m.id), &json!({"password": "Another-Pass-8"})).await.ok();
    let again = Client::login_with(&app.base, "f1-printer", "Another-Pass-8").await;
    assert_eq!(again.get("/api/v1/factory/orders").await.ok::<FactoryOrderPage>().total, 0);
    let chain: Value = factory.get("/api/v1/audit?per_page=50").await.ok();
    let actions: Vec<&str> = chain["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert!(actions.contains(&"staff_create") && actions.contains(&"staff_update") && actions.contains(&"staff_password_reset"), "{actions:?}");
}

pub(crate) fn b64(s: &ClientSession) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.public_key())
}

/// shop1 invites factory1 and factory1 accepts: the binding.
pub(crate) async fn bind(app: &TestApp) -> Binding {
    let b: Binding = app.login("shop1").await.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    app.login("factory1").await.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.ok()
}

async fn assign(c: &Client, ids: &[&str]) -> Resp {
    c.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ids})).await
}

async fn factory_orders(c: &Client, query: &str) -> FactoryOrderPage {
    c.get(&format!("/api/v1/factory/orders{query}")).await.ok()
}

/// No plaintext receiver field of `ids` in a response to a factory.
pub(crate) fn no_plaintext(app: &TestApp, text: &str, ids: &[&str]) {
    for id in ids {
        let r = app.ingested(id);
        for v in [&r.name, &r.phone, &r.address] {
            assert!(!text.contains(v.as_str()), "{id}: plaintext in a factory's response");
        }
    }
}

async fn binding_assignment_and_recall_with_every_refusal(store: Store) {
    let app = TestApp::spawn(store).await;
    let (owner, factory, factory2) = (app.login("shop1").await, app.login("factory1").await, app.login("factory2").await);
    assert!(factory.get("/api/v1/factory-bindings").await.ok::<Vec<Binding>>().is_empty());

    // Not bound: refused, and nothing assigned.
    assert_eq!(assign(&owner, &["S1-AWAIT-1"]).await.err(409, "FACTORY_NOT_BOUND")["factory_id"], "factory1");
    owner.post("/api/v1/factory-bindings", &json!({"factory_id": "nobody"})).await.err(404, "NOT_FOUND");
    app.login("shop1-ops").await.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.err(403, "FORBIDDEN");
    let b: Binding = owner.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    assert_eq!((b.status, b.shop_name.as_str(), b.factory_name.as_str()), (BindingStatus::Invited, "杭州小鹿家居旗舰店", "义乌好货代发工厂"));
    owner.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.err(409, "BINDING_STATE_CONFLICT");
    assign(&owner, &["S1-AWAIT-1"]).await.err(409, "FACTORY_NOT_BOUND");
    // Only the invited factory's owner answers.
    owner.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.err(403, "FORBIDDEN");
    factory2.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.err(404, "NOT_FOUND");
    app.login("factory1-ops").await.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.err(403, "FORBIDDEN");
    let b: Binding = factory.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.ok();
    assert_eq!(b.status, BindingStatus::Active);
    factory.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.err(409, "BINDING_STATE_CONFLICT");
    assert_eq!(factory.get("/api/v1/factory-bindings").await.ok::<Vec<Binding>>().len(), 1);

    // Who may assign: owners and staff with `assign` only.
    assign(&app.login("shop1-ops").await, &["S1-AWAIT-1"]).await.err(403, "FORBIDDEN");
    assign(&factory, &["S1-AWAIT-1"]).await.err(403, "FORBIDDEN");
    // All or nothing, every refused order with its reason; another shop's order is "not found".
    let d = assign(&owner, &["S1-AWAIT-1", "S1-DONE", "S2-AWAIT-2", "NO-SUCH"]).await.err(409, "ORDER_NOT_ASSIGNABLE");
    let reasons: Vec<(String, String)> = d["refused"].as_array().unwrap().iter().map(|r| (r["order_id"].as_str().unwrap().into(), r["reason"].as_str().unwrap().into())).collect();
    assert_eq!(
        reasons,
        [("S1-DONE".into(), "not_awaiting_shipment".into()), ("S2-AWAIT-2".into(), "not_found".into()), ("NO-SUCH".into(), "not_found".into())]
    );
    assert_eq!(factory_orders(&factory, "").await.total, 0, "a refused assignment assigns nothing");

    let r: AssignResult = assign(&owner, &["S1-AWAIT-1"]).await.ok();
    assert_eq!(r.assigned, 1);
    let d = assign(&owner, &["S1-AWAIT-1", "S1-AWAIT-2"]).await.err(409, "ORDER_NOT_ASSIGNABLE");
    assert_eq!(d["refused"][0]["reason"], "already_assigned_to_this_factory");
    let v: OrderView = owner.get("/api/v1/orders/S1-AWAIT-1").await.ok();
    let a = v.assignment.expect("the shop sees the assignment");
    assert_eq!((a.factory_id.as_str(), a.status), ("factory1", orderveil_api::AssignmentStatus::Assigned));

    // The factory's list: masks, receiver key, shop name; no ciphertext, no plaintext.
    let resp = factory.get("/api/v1/factory/orders").await;
    no_plaintext(&app, &resp.text, &["S1-AWAIT-1"]);
    assert!(!resp.text.contains(&v.ciphertext.phone) && !resp.text.contains(&v.ciphertext.name), "no ciphertext in the factory's list");
    let page: FactoryOrderPage = resp.ok();
    assert_eq!(page.orders.len(), 1);
    let o = &page.orders[0];
    assert_eq!((o.order_id.as_str(), o.shop_name.as_str(), o.masked.phone.as_str(), o.receiver_key.as_str()), ("S1-AWAIT-1", "杭州小鹿家居旗舰店", v.masked.phone.as_str(), v.receiver_key.as_str()));
    assert_eq!(factory2.get("/api/v1/factory/orders").await.ok::<FactoryOrderPage>().total, 0, "another factory sees nothing");

    // Every reveal path refuses a factory, and nothing is charged.
    let s = ClientSession::new().unwrap();
    for c in [&factory, &app.login("factory1-ops").await] {
        c.post("/api/v1/reveal-grants", &json!({"order_ids": ["S1-AWAIT-1"], "fields": ["phone"], "client_public": b64(&s), "purpose": "dropshipping"})).await.err(403, "FORBIDDEN");
        c.get("/api/v1/orders").await.err(403, "FORBIDDEN");
        c.get("/api/v1/orders?phone=13800138000").await.err(403, "FORBIDDEN");
        c.get("/api/v1/orders/S1-AWAIT-1").await.err(404, "ORDER_NOT_FOUND");
        c.post("/api/v1/exports", &json!({"format": "csv"})).await.err(403, "FORBIDDEN");
        c.get("/api/v1/quota").await.err(403, "FORBIDDEN");
    }
    assert_eq!(app.charges("shop1").await, 0);

    // Recall until it ships: gone from the factory's list; a second recall is refused whole.
    let r: RecallResult = owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-1"]})).await.ok();
    assert_eq!(r.recalled, 1);
    assert_eq!(factory_orders(&factory, "").await.total, 0);
    let d = owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-1"]})).await.err(409, "ASSIGNMENT_STATE_CONFLICT");
    assert_eq!(d["order_ids"], json!(["S1-AWAIT-1"]));

    // By the list's filter: every order awaiting shipment, at once.
    let r: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "filter": {"status": "awaiting_shipment"}})).await.ok();
    let awaiting = owner.orders("status=awaiting_shipment").await.total;
    assert_eq!(r.assigned, awaiting);
    assert_eq!(factory_orders(&factory, "").await.total, awaiting);

    // Ending the binding (the factory's side) recalls every open assignment.
    let ended: BindingEnded = factory.post(&format!("/api/v1/factory-bindings/{}/end", b.id), &json!({})).await.ok();
    assert_eq!((ended.binding.status, ended.recalled), (BindingStatus::Ended, awaiting));
    assert_eq!(factory_orders(&factory, "").await.total, 0);
    assign(&owner, &["S1-AWAIT-1"]).await.err(409, "FACTORY_NOT_BOUND");

    // Both chains hold every step; the factory reads its own; both verify.
    let steps = ["binding_invite", "binding_accept", "assign", "recall", "assign", "binding_end"];
    let shop_chain: Vec<Value> = app.login("shop1").await.get("/api/v1/audit?per_page=200").await.ok::<Value>()["entries"].as_array().unwrap().clone();
    let factory_chain: Vec<Value> = factory.get("/api/v1/audit?per_page=200").await.ok::<Value>()["entries"].as_array().unwrap().clone();
    for chain in [&shop_chain, &factory_chain] {
        let mut actions: Vec<&str> = chain.iter().map(|e| e["action"].as_str().unwrap()).filter(|a| steps.contains(a)).collect();
        actions.reverse();
        assert_eq!(actions, steps);
    }
    assert!(factory_chain.iter().all(|e| e["action"] != "reveal"), "the factory reads only its own chain");
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
    app.login("factory1-ops").await.get("/api/v1/audit").await.err(403, "FORBIDDEN");
}

async fn two_staff_assigning_at_once_assign_once(store: Store) {
    let app = TestApp::spawn(store).await;
    bind(&app).await;
    let owner = app.login("shop1").await;
    let _: StaffMember = owner.post("/api/v1/staff", &json!({"username": "shop1-assign", "password": "Assign-Staff-9", "permissions": ["view", "assign"]})).await.ok();
    let staff = Client::login_with(&app.base, "shop1-assign", "Assign-Staff-9").await;
    let ids = ["S1-AWAIT-1", "S1-AWAIT-2"];
    for round in 0..8 {
        let (a, b) = tokio::join!(assign(&owner, &ids), assign(&staff, &ids));
        let ok = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert_eq!(ok, 1, "round {round}: exactly one assignment wins ({} / {})", a.text, b.text);
        for r in [&a, &b].into_iter().filter(|r| r.status != 200) {
            r.err(409, "ORDER_NOT_ASSIGNABLE");
        }
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM assignments WHERE status = 'assigned'").fetch_one(&app.state.db.pool).await.unwrap();
        assert_eq!(n, 2);
        owner.post("/api/v1/assignments/recall", &json!({"order_ids": ids})).await.ok::<RecallResult>();
    }
}

pub(crate) fn account_body(outlet: &str) -> Value {
    json!({"carrier": "ZTO", "outlet": outlet, "sender_name": "代发仓", "sender_phone": "0579-85550000", "sender_address": "浙江省金华市义乌市稠城街道工人北路1号"})
}

async fn the_factory_allocates_prints_and_ships_and_the_shop_sees_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let now = app.now();
    // Two orders of one receiver (one receiver key), and a third.
    app.ingest_ok(&[
        order("S1-TWIN-1", "shop1", OrderStatus::AwaitingShipment, now, 3600, SHARED_RECEIVER),
        order("S1-TWIN-2", "shop1", OrderStatus::AwaitingShipment, now, 1800, SHARED_RECEIVER),
    ])
    .await;
    bind(&app).await;
    let (owner, admin, factory, ops, factory2) =
        (app.login("shop1").await, app.login("admin").await, app.login("factory1").await, app.login("factory1-ops").await, app.login("factory2").await);
    let _: AssignResult = assign(&owner, &["S1-TWIN-1", "S1-TWIN-2", "S1-AWAIT-2"]).await.ok();

    // The factory's own e-waybill account: applied for, approved, topped up by the platform.
    ops.post("/api/v1/waybill-accounts", &account_body("义乌稠城网点")).await.err(403, "FORBIDDEN");
    let acc: WaybillAccount = factory.post("/api/v1/waybill-accounts", &account_body("义乌稠城网点")).await.ok();
    assert_eq!((acc.factory_id.as_deref(), acc.shop_id.as_str()), (Some("factory1"), ""));
    admin.post(&format!("/api/v1/waybill-accounts/{}/approve", acc.id), &json!({"comment": ""})).await.ok::<WaybillAccount>();
    let t: WaybillTopup = factory.post(&format!("/api/v1/waybill-accounts/{}/topups", acc.id), &json!({"units": 10})).await.ok();
    let _: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 500, "payment_ref": "TX-F1"})).await.ok();
    assert_eq!(ops.get("/api/v1/waybill-accounts").await.ok::<Vec<WaybillAccount>>()[0].balance, 10);
    assert!(owner.get("/api/v1/waybill-accounts").await.ok::<Vec<WaybillAccount>>().is_empty(), "the shop does not see the factory's account");
    factory2.post(&format!("/api/v1/waybill-accounts/{}/topups", acc.id), &json!({"units": 10})).await.err(404, "NOT_FOUND");

    // Allocation: only assigned orders, only from its own accounts; the twins merge.
    let alloc = |ids: &[&str], merge: bool, account: i64| json!({"account_id": account, "order_ids": ids, "merge": merge});
    ops.post("/api/v1/waybills", &alloc(&["S1-AWAIT-1"], false, acc.id)).await.err(404, "ORDER_NOT_FOUND");
    factory2.post("/api/v1/waybills", &alloc(&["S1-TWIN-1"], false, acc.id)).await.err(404, "NOT_FOUND");
    ops.post("/api/v1/waybills", &alloc(&["S1-TWIN-1", "S1-AWAIT-2"], true, acc.id)).await.err(422, "ORDERS_NOT_MERGEABLE");
    let merged: Vec<Waybill> = ops.post("/api/v1/waybills", &alloc(&["S1-TWIN-1", "S1-TWIN-2"], true, acc.id)).await.ok();
    assert_eq!((merged.len(), merged[0].order_ids.len()), (1, 2));
    let single: Vec<Waybill> = ops.post("/api/v1/waybills", &alloc(&["S1-AWAIT-2"], false, acc.id)).await.ok();
    // The shop cannot allocate for an order its factory ships.
    let shop_acc = crate::waybills::funded_account(&app, 5).await;
    let d = owner.post("/api/v1/waybills", &alloc(&["S1-TWIN-1"], false, shop_acc.id)).await.err(409, "WAYBILL_STATE_CONFLICT");
    assert!(d["reason"].as_str().unwrap().contains("assigned to a factory"));
    assert_eq!(factory.get("/api/v1/waybills").await.ok::<Vec<Waybill>>().len(), 2);
    // Nor ship it by hand while it is assigned.
    let d = owner.post("/api/v1/orders/S1-TWIN-1/ship", &json!({"carrier": "SF", "tracking_no": "SF1234567890123"})).await.err(409, "ORDER_NOT_SHIPPABLE");
    assert_eq!(d["assigned_to"], "factory1");

    // Print: the grant opens the labels' receivers (only inside the print frame, in the web
    // app); another factory's print of these waybills is refused; the reveal quota is untouched.
    let mut s = ClientSession::new().unwrap();
    factory2.post("/api/v1/print-grants", &json!({"waybill_nos": [merged[0].waybill_no], "client_public": b64(&s)})).await.err(404, "NOT_FOUND");
    let g: PrintGrantResponse = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [merged[0].waybill_no], "client_public": b64(&s)})).await.ok();
    let grant = s.open(&SealedGrant::from_base64(&g.sealed_grant).unwrap(), &ShopId::new("shop1").unwrap(), app.now()).unwrap();
    for o in &g.labels[0].orders {
        assert_eq!(decrypt(&grant, &o.order_id, &o.phone_ct), SHARED_RECEIVER.1);
    }
    assert_eq!(app.charges("shop1").await, 0);

    // A recalled order's waybill of the factory is void: it does not print, its unit returns
    // to the factory's account, and the shop can take a waybill of its own for the order.
    let balance = async || ops.get("/api/v1/waybill-accounts").await.ok::<Vec<WaybillAccount>>()[0].balance;
    assert_eq!(balance().await, 8);
    let _: RecallResult = owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-2"]})).await.ok();
    let s2 = ClientSession::new().unwrap();
    ops.post("/api/v1/print-grants", &json!({"waybill_nos": [single[0].waybill_no], "client_public": b64(&s2)})).await.err(409, "WAYBILL_STATE_CONFLICT");
    let listed: Vec<Waybill> = factory.get("/api/v1/waybills").await.ok();
    assert_eq!(listed.iter().find(|w| w.waybill_no == single[0].waybill_no).unwrap().status, orderveil_api::WaybillStatus::Cancelled);
    assert_eq!(balance().await, 9, "the voided waybill's unit returned");
    let own: Vec<Waybill> = owner.post("/api/v1/waybills", &alloc(&["S1-AWAIT-2"], false, shop_acc.id)).await.ok();
    assert_eq!(own[0].order_ids, ["S1-AWAIT-2"]);

    // Ship: the tracking number flows back; the shop sees who shipped; recall is refused now.
    let shipped: WaybillShipped = ops.post("/api/v1/waybills/ship", &json!({"waybill_nos": [merged[0].waybill_no]})).await.ok();
    assert_eq!(shipped.order_ids.len(), 2);
    let v: OrderView = owner.get("/api/v1/orders/S1-TWIN-1").await.ok();
    assert_eq!(v.status, OrderStatus::Shipped);
    assert_eq!(v.shipment.unwrap().tracking_no, merged[0].waybill_no);
    assert_eq!(v.assignment.unwrap().status, orderveil_api::AssignmentStatus::Shipped);
    owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-TWIN-1"]})).await.err(409, "ASSIGNMENT_STATE_CONFLICT");
    let done = factory_orders(&factory, "?status=shipped").await;
    assert_eq!(done.total, 2);
    assert!(factory_orders(&factory, "").await.orders.iter().all(|o| o.order_id != "S1-TWIN-1"));

    // Nothing a factory received holds plaintext; both chains verify.
    for path in ["/api/v1/factory/orders?status=shipped", "/api/v1/waybills", "/api/v1/factory-bindings"] {
        no_plaintext(&app, &factory.get(path).await.text, &["S1-TWIN-1", "S1-AWAIT-2"]);
    }
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
    let chain: Value = factory.get("/api/v1/audit?per_page=200").await.ok();
    let actions: Vec<&str> = chain["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for a in ["waybill_account_apply", "waybill_allocate", "print", "factory_ship", "waybill_void"] {
        assert!(actions.contains(&a), "{a} on the factory's chain: {actions:?}");
    }
}

async fn a_product_rule_assigns_new_orders_at_ingest(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    owner.put("/api/v1/assignment-rules", &json!({"sku": "SKU-CHAIR", "factory_id": "factory1"})).await.err(409, "FACTORY_NOT_BOUND");
    bind(&app).await;
    let rules: Vec<Value> = owner.put("/api/v1/assignment-rules", &json!({"sku": "SKU-CHAIR", "factory_id": "factory1"})).await.ok();
    assert_eq!(rules.len(), 1);
    let now = app.now();
    let mut chair = order("S1-RULED", "shop1", OrderStatus::AwaitingShipment, now, 60, ("郑和", "13912345678", "福建省泉州市丰泽区东海街道1号"));
    chair.items[0].sku = Some("SKU-CHAIR".into());
    let mut other = order("S1-UNRULED", "shop1", OrderStatus::AwaitingShipment, now, 60, ("郑和", "13912345678", "福建省泉州市丰泽区东海街道1号"));
    other.items[0].sku = Some("SKU-LAMP".into());
    let mut unpaid = order("S1-RULED-UNPAID", "shop1", OrderStatus::Unpaid, now, 60, ("郑和", "13912345678", "福建省泉州市丰泽区东海街道1号"));
    unpaid.items[0].sku = Some("SKU-CHAIR".into());
    app.ingest_ok(&[chair, other, unpaid]).await;
    let page = factory_orders(&app.login("factory1").await, "").await;
    assert_eq!(page.orders.iter().map(|o| o.order_id.as_str()).collect::<Vec<_>>(), ["S1-RULED"]);
    owner.http.delete(owner.url("/api/v1/assignment-rules/SKU-NONE")).header("X-CSRF-Token", &owner.csrf).send().await.map(|r| assert_eq!(r.status(), 404)).unwrap();
    let left = owner.http.delete(owner.url("/api/v1/assignment-rules/SKU-CHAIR")).header("X-CSRF-Token", &owner.csrf).send().await.unwrap();
    assert_eq!(left.status(), 200);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

/// `POST /api/v1/factory/shipments/upload` with a CSV body.
async fn factory_upload(c: &Client, csv: &str) -> Resp {
    let r = c.http.post(c.url("/api/v1/factory/shipments/upload")).header("X-CSRF-Token", &c.csrf).header("Content-Type", "text/csv").body(csv.to_string()).send().await.unwrap();
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

/// A factory ships the orders two shops assigned to it from one uploaded file, with its own
/// carrier's numbers: all or nothing across the shops, an order not assigned to it (another
/// shop's, recalled, unknown) refused on its line, the shops see the shipments as the
/// factory's, both chains record them; the shop's own upload and other factories are refused.
async fn the_factory_ships_its_assigned_orders_by_upload(store: Store) {
    let app = TestApp::spawn(store).await;
    bind(&app).await;
    let (owner, shop2, factory, ops) = (app.login("shop1").await, app.login("shop2").await, app.login("factory1").await, app.login("factory1-ops").await);
    let b: Binding = shop2.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let _: Binding = factory.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.ok();
    let _: AssignResult = assign(&owner, &["S1-AWAIT-1", "S1-AWAIT-2"]).await.ok();
    let _: AssignResult = shop2.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S2-AWAIT-2"]})).await.ok();
    let _: RecallResult = owner.post("/api/v1/assignments/recall", &json!({"order_ids": ["S1-AWAIT-2"]})).await.ok();
    let good = "订单号,快递公司,运单号\r\nS1-AWAIT-1,中通快递,73100000000001\r\nS2-AWAIT-2,ZTO,73100000000002\r\n";

    // Who may: the factory's users with `ship`; not the shop (not its endpoint), not a factory
    // user with `print` only, and another factory finds none of these orders.
    let r = ops.http.post(ops.url("/api/v1/factory/shipments/upload")).header("Content-Type", "text/csv").body(good).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 403, "without the session's CSRF token");
    factory_upload(&owner, good).await.err(403, "FORBIDDEN");
    let _: StaffMember = factory.post("/api/v1/factory/staff", &json!({"username": "f1-printer", "password": "Printer-Pass-7", "permissions": ["print"]})).await.ok();
    factory_upload(&Client::login_with(&app.base, "f1-printer", "Printer-Pass-7").await, good).await.err(403, "FORBIDDEN");
    let d = factory_upload(&app.login("factory2").await, good).await.err(422, "UPLOAD_INVALID");
    assert_eq!(d["errors"].as_array().unwrap().iter().map(|e| e["code"].as_str().unwrap()).collect::<Vec<_>>(), ["ORDER_NOT_FOUND", "ORDER_NOT_FOUND"], "{d}");

    // One bad line refuses the whole file, every problem listed by line: a recalled order, an
    // order of a shop that never assigned it, an unknown one, a bad number.
    let bad = "order_id,carrier,tracking_no\r\nS1-AWAIT-1,ZTO,73100000000001\r\nS1-AWAIT-2,ZTO,73100000000003\r\nS2-SAME-RECEIVER,ZTO,73100000000004\r\nNOPE-1,ZTO,73100000000005\r\nS2-AWAIT-2,ZTO,12\r\n";
    let d = factory_upload(&ops, bad).await.err(422, "UPLOAD_INVALID");
    let lines: Vec<(u64, &str, &str)> = d["errors"].as_array().unwrap().iter().map(|e| (e["line"].as_u64().unwrap(), e["order_id"].as_str().unwrap(), e["code"].as_str().unwrap())).collect();
    assert_eq!(lines, [(3, "S1-AWAIT-2", "ORDER_NOT_FOUND"), (4, "S2-SAME-RECEIVER", "ORDER_NOT_FOUND"), (5, "NOPE-1", "ORDER_NOT_FOUND"), (6, "S2-AWAIT-2", "TRACKING_NUMBER_INVALID")], "{d}");
    for (c, id) in [(&owner, "S1-AWAIT-1"), (&shop2, "S2-AWAIT-2")] {
        assert_eq!(c.get(&format!("/api/v1/orders/{id}")).await.ok::<OrderView>().status, OrderStatus::AwaitingShipment, "nothing of a refused file applies");
    }

    // The good file ships both shops' orders in one go.
    let r: ShipmentUploadResult = factory_upload(&ops, good).await.ok();
    assert_eq!((r.applied, r.order_ids.len()), (2, 2));
    for (c, id, no) in [(&owner, "S1-AWAIT-1", "73100000000001"), (&shop2, "S2-AWAIT-2", "73100000000002")] {
        let v: OrderView = c.get(&format!("/api/v1/orders/{id}")).await.ok();
        assert_eq!(v.status, OrderStatus::Shipped);
        let shipment = v.shipment.unwrap();
        assert_eq!((shipment.carrier.as_str(), shipment.tracking_no.as_str()), ("ZTO", no));
        assert_eq!(v.assignment.unwrap().status, orderveil_api::AssignmentStatus::Shipped, "the shop sees the factory shipped it");
    }
    // Shipped once: the same file again finds nothing of the factory's to ship.
    factory_upload(&ops, good).await.err(422, "UPLOAD_INVALID");
    assert_eq!(factory_orders(&factory, "?status=shipped").await.total, 2);

    // On each shop's chain and the factory's; all verify; nothing charged.
    let chain: Value = factory.get("/api/v1/audit?per_page=100").await.ok();
    let shipped: Vec<&Value> = chain["entries"].as_array().unwrap().iter().filter(|e| e["action"] == "factory_ship").collect();
    assert_eq!(shipped.len(), 2, "one per shop on the factory's chain: {chain}");
    assert!(shipped.iter().all(|e| e["actor"] == "factory1-ops" && e["details"]["upload"] == true));
    for c in [&owner, &shop2] {
        let page: Value = c.get("/api/v1/audit?per_page=100").await.ok();
        let actions: Vec<&str> = page["entries"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
        assert!(actions.contains(&"factory_ship") && actions.contains(&"ship_batch"), "{actions:?}");
    }
    assert_eq!(app.charges("shop1").await + app.charges("shop2").await, 0);
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");

    // Suspended, the factory's upload is refused and nothing ships.
    let _: AssignResult = assign(&owner, &["S1-AWAIT-2"]).await.ok();
    let _: Value = app.login("admin").await.post("/api/v1/admin/factories/factory1/suspend", &json!({"reason": "资质审核中"})).await.ok();
    factory_upload(&ops, "order_id,carrier,tracking_no\r\nS1-AWAIT-2,ZTO,73100000000009\r\n").await.err(403, "FACTORY_SUSPENDED");
    assert_eq!(owner.get("/api/v1/orders/S1-AWAIT-2").await.ok::<OrderView>().status, OrderStatus::AwaitingShipment);
}

/// A print grant is sealed for one shop: a factory's grant over waybills of two shops' orders
/// is refused with PRINT_SHOPS_MIXED naming the shops, prints nothing; each shop's alone prints.
async fn a_factory_prints_one_shops_waybills_per_grant(store: Store) {
    let app = TestApp::spawn(store).await;
    bind(&app).await;
    let (owner, shop2, factory, admin) = (app.login("shop1").await, app.login("shop2").await, app.login("factory1").await, app.login("admin").await);
    let b: Binding = shop2.post("/api/v1/factory-bindings", &json!({"factory_id": "factory1"})).await.ok();
    let _: Binding = factory.post(&format!("/api/v1/factory-bindings/{}/accept", b.id), &json!({})).await.ok();
    let _: AssignResult = assign(&owner, &["S1-AWAIT-1"]).await.ok();
    let _: AssignResult = shop2.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S2-AWAIT-2"]})).await.ok();
    let acc: WaybillAccount = factory.post("/api/v1/waybill-accounts", &account_body("义乌稠城网点")).await.ok();
    admin.post(&format!("/api/v1/waybill-accounts/{}/approve", acc.id), &json!({"comment": ""})).await.ok::<WaybillAccount>();
    let t: WaybillTopup = factory.post(&format!("/api/v1/waybill-accounts/{}/topups", acc.id), &json!({"units": 10})).await.ok();
    let _: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 500, "payment_ref": "TX-F1"})).await.ok();
    let mut nos = Vec::new();
    for id in ["S1-AWAIT-1", "S2-AWAIT-2"] {
        let w: Vec<Waybill> = factory.post("/api/v1/waybills", &json!({"account_id": acc.id, "order_ids": [id], "merge": false})).await.ok();
        nos.push(w[0].waybill_no.clone());
    }
    let s = ClientSession::new().unwrap();
    let d = factory.post("/api/v1/print-grants", &json!({"waybill_nos": nos, "client_public": b64(&s)})).await.err(422, "PRINT_SHOPS_MIXED");
    assert_eq!(d["shop_ids"], json!(["shop1", "shop2"]));
    let listed: Vec<Waybill> = factory.get("/api/v1/waybills").await.ok();
    assert!(listed.iter().all(|w| w.print_count == 0), "a refused grant printed: {listed:?}");
    for (no, shop) in nos.iter().zip(["shop1", "shop2"]) {
        let s = ClientSession::new().unwrap();
        let g: PrintGrantResponse = factory.post("/api/v1/print-grants", &json!({"waybill_nos": [no], "client_public": b64(&s)})).await.ok();
        assert_eq!(g.shop_id, shop);
    }

    // shop2 ends the binding: its order's printed waybill is void (it does not ship, its unit
    // returns), shop1's stays printed; on both chains.
    let balance = async || factory.get("/api/v1/waybill-accounts").await.ok::<Vec<WaybillAccount>>()[0].balance;
    let before = balance().await;
    let _: BindingEnded = shop2.post(&format!("/api/v1/factory-bindings/{}/end", b.id), &json!({})).await.ok();
    let listed: Vec<Waybill> = factory.get("/api/v1/waybills").await.ok();
    let status = |no: &str| listed.iter().find(|w| w.waybill_no == no).unwrap().status;
    assert_eq!((status(&nos[0]), status(&nos[1])), (orderveil_api::WaybillStatus::Printed, orderveil_api::WaybillStatus::Cancelled));
    assert_eq!(balance().await, before + 1);
    factory.post("/api/v1/waybills/ship", &json!({"waybill_nos": [nos[1]]})).await.err(409, "WAYBILL_STATE_CONFLICT");
    let chain: Value = shop2.get("/api/v1/audit?per_page=50").await.ok();
    let void = chain["entries"].as_array().unwrap().iter().find(|e| e["action"] == "waybill_void").expect("waybill_void on the shop's chain");
    assert_eq!((void["details"]["waybill_nos"].clone(), void["actor"].as_str()), (json!([nos[1]]), Some("shop2")));
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}
