//! E-waybill accounts, allocation, cancellation, merged shipments and print grants: the
//! balance never goes below zero, a 4th print is refused, a print grant opens only the
//! labels' orders bound to their waybills and never touches the reveal quota.

use orderveil_api::carriers;
use orderveil_api::{OrderStatus, PrintGrantResponse, Waybill, WaybillAccount, WaybillAccountStatus, WaybillStatus, WaybillTopup, WaybillTopupStatus};
use orderveil_cipher::{ClientSession, GrantPurpose, OrderId, SealedGrant, ShopId};
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    accounts_are_applied_for_approved_and_recharged,
    allocation_takes_the_balance_and_cancelling_returns_it,
    the_balance_never_goes_below_zero_under_100_concurrent_allocations,
    orders_with_one_receiver_share_one_waybill,
    print_grants_open_only_their_labels_and_never_touch_the_quota,
    printed_waybills_ship_their_orders,
    concurrent_allocations_from_two_processes_give_each_order_one_live_waybill,
);

fn account_body(carrier: &str, outlet: &str) -> Value {
    json!({"carrier": carrier, "outlet": outlet, "sender_name": "小鹿家居仓", "sender_phone": "0571-88886666", "sender_address": "浙江省杭州市余杭区仓前街道仓储路1号"})
}

/// shop1's owner gets an approved SF account with `units` waybills (asked for by the owner,
/// confirmed by the platform).
pub async fn funded_account(app: &TestApp, units: u32) -> WaybillAccount {
    let owner = app.login("shop1").await;
    let admin = app.login("admin").await;
    let a: WaybillAccount = owner.post("/api/v1/waybill-accounts", &account_body("SF", "杭州余杭仓前网点")).await.ok();
    admin.post(&format!("/api/v1/waybill-accounts/{}/approve", a.id), &json!({"comment": ""})).await.ok::<WaybillAccount>();
    let t: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": units})).await.ok();
    let t: WaybillTopup = admin.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": i64::from(units) * 50, "payment_ref": "TX-1"})).await.ok();
    assert_eq!(t.balance_after, Some(u64::from(units)));
    let all: Vec<WaybillAccount> = owner.get("/api/v1/waybill-accounts").await.ok();
    all.into_iter().find(|x| x.id == a.id).unwrap()
}

async fn allocate(c: &Client, account: i64, orders: &[&str], merge: bool) -> Resp {
    c.post("/api/v1/waybills", &json!({"account_id": account, "order_ids": orders, "merge": merge})).await
}

async fn balance(c: &Client, id: i64) -> u64 {
    let all: Vec<WaybillAccount> = c.get("/api/v1/waybill-accounts").await.ok();
    all.into_iter().find(|a| a.id == id).unwrap().balance
}

async fn accounts_are_applied_for_approved_and_recharged(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let admin = app.login("admin").await;

    // Only owners apply; carriers and fields are checked.
    app.login("shop1-ops").await.post("/api/v1/waybill-accounts", &account_body("SF", "x")).await.err(403, "FORBIDDEN");
    admin.post("/api/v1/waybill-accounts", &account_body("SF", "x")).await.err(403, "FORBIDDEN");
    owner.post("/api/v1/waybill-accounts", &account_body("UPS", "x")).await.err(422, "CARRIER_UNKNOWN");
    let mut bad = account_body("SF", "x");
    bad["sender_phone"] = json!("call me");
    assert_eq!(owner.post("/api/v1/waybill-accounts", &bad).await.err(422, "VALIDATION_FAILED")["field"], "sender_phone");
    assert_eq!(owner.post("/api/v1/waybill-accounts", &account_body("SF", " ")).await.err(422, "VALIDATION_FAILED")["field"], "outlet");

    let a: WaybillAccount = owner.post("/api/v1/waybill-accounts", &account_body("sf", "杭州余杭仓前网点")).await.ok();
    assert_eq!((a.carrier.as_str(), a.status, a.balance, a.applied_by.as_str()), ("SF", WaybillAccountStatus::Pending, 0, "shop1"));
    owner.post("/api/v1/waybill-accounts", &account_body("SF", "杭州余杭仓前网点")).await.err(409, "APPLICATION_STATE_CONFLICT");
    // Not usable before approval.
    owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 10})).await.err(409, "WAYBILL_ACCOUNT_INACTIVE");
    allocate(&owner, a.id, &["S1-AWAIT-1"], false).await.err(409, "WAYBILL_ACCOUNT_INACTIVE");

    // The admin's queue; only the admin decides; a rejection needs a comment.
    let queue: Vec<WaybillAccount> = admin.get("/api/v1/waybill-accounts?status=pending").await.ok();
    assert_eq!(queue.iter().map(|q| q.id).collect::<Vec<_>>(), [a.id]);
    owner.post(&format!("/api/v1/waybill-accounts/{}/approve", a.id), &json!({"comment": ""})).await.err(403, "FORBIDDEN");
    admin.post(&format!("/api/v1/waybill-accounts/{}/reject", a.id), &json!({"comment": " "})).await.err(422, "VALIDATION_FAILED");
    let ok: WaybillAccount = admin.post(&format!("/api/v1/waybill-accounts/{}/approve", a.id), &json!({"comment": "资料齐全"})).await.ok();
    assert_eq!((ok.status, ok.decided_by.as_deref()), (WaybillAccountStatus::Approved, Some("admin")));
    admin.post(&format!("/api/v1/waybill-accounts/{}/approve", a.id), &json!({"comment": ""})).await.err(409, "APPLICATION_STATE_CONFLICT");
    admin.post(&format!("/api/v1/waybill-accounts/{}/reject", a.id), &json!({"comment": "no"})).await.err(409, "APPLICATION_STATE_CONFLICT");

    // A top-up: asked for by the shop's owner (1–100000 units), credited only when the
    // platform confirms the payment.
    for units in [0, 100_001] {
        owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": units})).await.err(422, "VALIDATION_FAILED");
    }
    app.login("shop2").await.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 5})).await.err(404, "NOT_FOUND");
    app.login("shop1-ops").await.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 5})).await.err(403, "FORBIDDEN");
    let t: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 120, "note": "12月3日转账"})).await.ok();
    assert_eq!((t.status, t.units, t.balance_after), (WaybillTopupStatus::Pending, 120, None));
    assert_eq!(balance(&owner, a.id).await, 0, "a request alone credits nothing");
    let mine: Vec<WaybillTopup> = owner.get("/api/v1/waybill-topups").await.ok();
    assert_eq!(mine.iter().map(|x| x.id).collect::<Vec<_>>(), [t.id]);
    assert!(app.login("shop2").await.get("/api/v1/waybill-topups").await.ok::<Vec<WaybillTopup>>().is_empty());
    owner.post(&format!("/api/v1/waybill-topups/{}/reject", t.id), &json!({"comment": "no"})).await.err(403, "FORBIDDEN");
    admin.post(&format!("/api/v1/waybill-topups/{}/reject", t.id), &json!({"comment": " "})).await.err(422, "VALIDATION_FAILED");
    admin.post("/api/v1/waybill-topups/999999/confirm", &json!({"amount_cents": 1, "payment_ref": "x"})).await.err(404, "NOT_FOUND");
    // At most five open requests per account: the platform's queue cannot be flooded.
    for _ in 0..4 {
        owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 1})).await.ok::<WaybillTopup>();
    }
    let d = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 1})).await.err(429, "RATE_LIMITED");
    assert_eq!(d["max_pending"], 5);
    let queue: Vec<WaybillTopup> = admin.get("/api/v1/waybill-topups?status=pending").await.ok();
    assert_eq!(queue.len(), 5);
    assert!(queue.iter().all(|q| q.status == WaybillTopupStatus::Pending && q.shop_id == "shop1"));
    // Another shop cannot see or use it.
    let theirs: Vec<WaybillAccount> = app.login("shop2").await.get("/api/v1/waybill-accounts").await.ok();
    assert!(theirs.is_empty());
    allocate(&app.login("shop2").await, a.id, &["S2-AWAIT-2"], false).await.err(404, "NOT_FOUND");

    // A rejected application can be made again.
    let b: WaybillAccount = owner.post("/api/v1/waybill-accounts", &account_body("YTO", "杭州网点")).await.ok();
    let rej: WaybillAccount = admin.post(&format!("/api/v1/waybill-accounts/{}/reject", b.id), &json!({"comment": "网点不存在"})).await.ok();
    assert_eq!((rej.status, rej.comment.as_deref()), (WaybillAccountStatus::Rejected, Some("网点不存在")));
    owner.post("/api/v1/waybill-accounts", &account_body("YTO", "杭州网点")).await.ok::<WaybillAccount>();

    let trail = owner.audit("per_page=50").await;
    let actions: Vec<&str> = trail.entries.iter().map(|e| e.action.as_str()).collect();
    for a in ["waybill_account_apply", "waybill_account_approve", "waybill_account_reject", "waybill_topup_request"] {
        assert!(actions.contains(&a), "{a} not audited: {actions:?}");
    }
}

async fn allocation_takes_the_balance_and_cancelling_returns_it(store: Store) {
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, 3).await;
    let ops = app.login("shop1-ops").await;

    let got: Vec<Waybill> = allocate(&ops, a.id, &["S1-AWAIT-2", "S1-AWAIT-1"], false).await.ok();
    assert_eq!(got.iter().map(|w| w.order_ids.clone()).collect::<Vec<_>>(), [vec!["S1-AWAIT-2".to_string()], vec!["S1-AWAIT-1".to_string()]]);
    let sf = carriers::carrier("SF").unwrap();
    for w in &got {
        assert!(sf.accepts(&w.waybill_no), "{} is not an SF number", w.waybill_no);
        assert_eq!((w.status, w.print_count, w.print_limit, w.carrier.as_str()), (WaybillStatus::Allocated, 0, 3, "SF"));
    }
    assert_ne!(got[0].waybill_no, got[1].waybill_no);
    assert_eq!(balance(&ops, a.id).await, 1);

    // Refusals take nothing.
    allocate(&ops, a.id, &["S1-AWAIT-1"], false).await.err(409, "WAYBILL_STATE_CONFLICT");
    allocate(&ops, a.id, &["S1-SHIPPED"], false).await.err(409, "ORDER_NOT_SHIPPABLE");
    allocate(&ops, a.id, &["S1-UNPAID"], false).await.err(409, "ORDER_NOT_SHIPPABLE");
    allocate(&ops, a.id, &["S2-AWAIT-2"], false).await.err(404, "ORDER_NOT_FOUND");
    allocate(&ops, a.id, &[], false).await.err(422, "VALIDATION_FAILED");
    app.login("shop1-staff").await.post("/api/v1/waybills", &json!({"account_id": a.id, "order_ids": ["S1-AWAIT-1"]})).await.err(403, "FORBIDDEN");
    // Two more orders with one unit left: nothing allocated.
    let more = realistic("shop1", "W", 2, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&more).await;
    let ids: Vec<&str> = more.iter().map(|o| o.order_id.as_str()).collect();
    let d = allocate(&ops, a.id, &ids, false).await.err(409, "WAYBILL_BALANCE_EXHAUSTED");
    assert_eq!((d["balance"].clone(), d["needed"].clone()), (json!(1), json!(2)));
    assert_eq!(balance(&ops, a.id).await, 1);
    let listed: Vec<Waybill> = ops.get("/api/v1/waybills").await.ok();
    assert_eq!(listed.len(), 2, "a refused allocation created no waybill");

    // Cancelling an unused waybill returns its unit; twice is a conflict; the order can get a new one.
    let c: Waybill = ops.post(&format!("/api/v1/waybills/{}/cancel", got[0].waybill_no), &json!({})).await.ok();
    assert_eq!(c.status, WaybillStatus::Cancelled);
    assert_eq!(balance(&ops, a.id).await, 2);
    ops.post(&format!("/api/v1/waybills/{}/cancel", got[0].waybill_no), &json!({})).await.err(409, "WAYBILL_STATE_CONFLICT");
    app.login("shop2").await.post(&format!("/api/v1/waybills/{}/cancel", got[1].waybill_no), &json!({})).await.err(404, "NOT_FOUND");
    let again: Vec<Waybill> = allocate(&ops, a.id, &["S1-AWAIT-2"], false).await.ok();
    assert_ne!(again[0].waybill_no, got[0].waybill_no);
    assert_eq!(balance(&ops, a.id).await, 1);
    // A printed waybill cannot be cancelled.
    let s = ClientSession::new().unwrap();
    let body = json!({"waybill_nos": [got[1].waybill_no], "client_public": b64(&s)});
    ops.post("/api/v1/print-grants", &body).await.ok::<PrintGrantResponse>();
    ops.post(&format!("/api/v1/waybills/{}/cancel", got[1].waybill_no), &json!({})).await.err(409, "WAYBILL_STATE_CONFLICT");
    assert_eq!(balance(&ops, a.id).await, 1);
    let printed: Vec<Waybill> = ops.get("/api/v1/waybills?status=printed").await.ok();
    assert_eq!(printed.iter().map(|w| w.waybill_no.as_str()).collect::<Vec<_>>(), [got[1].waybill_no.as_str()]);
}

fn b64(s: &ClientSession) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s.public_key())
}

async fn the_balance_never_goes_below_zero_under_100_concurrent_allocations(store: Store) {
    const LEFT: u32 = 37;
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, LEFT).await;
    let orders = realistic("shop1", "CC", 100, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&orders).await;
    let clients = std::sync::Arc::new([app.login("shop1").await, app.login("shop1-ops").await, app.login("shop1").await, app.login("shop1-ops").await]);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, o) in orders.iter().enumerate() {
        let (clients, id, account) = (clients.clone(), o.order_id.clone(), a.id);
        tasks.spawn(async move { allocate(&clients[i % 4], account, &[id.as_str()], false).await });
    }
    let (mut ok, mut exhausted) = (0, 0);
    while let Some(r) = tasks.join_next().await {
        let r = r.unwrap();
        match r.status {
            200 => ok += 1,
            _ => {
                r.err(409, "WAYBILL_BALANCE_EXHAUSTED");
                exhausted += 1;
            }
        }
    }
    assert_eq!((ok, exhausted), (LEFT, 100 - LEFT));
    assert_eq!(balance(&clients[0], a.id).await, 0);
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM waybills WHERE account_id = $1").bind(a.id).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(n, i64::from(LEFT));
}

async fn orders_with_one_receiver_share_one_waybill(store: Store) {
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, 10).await;
    let owner = app.login("shop1").await;
    // A second order of shop1 to the receiver of S1-AWAIT-1.
    app.ingest_ok(&[order("S1-AWAIT-3", "shop1", OrderStatus::AwaitingShipment, app.now(), 600, SHARED_RECEIVER)]).await;
    let rk = |id: &'static str| {
        let owner = &owner;
        async move { owner.get(&format!("/api/v1/orders/{id}")).await.body["receiver_key"].as_str().unwrap().to_string() }
    };
    assert_eq!(rk("S1-AWAIT-1").await, rk("S1-AWAIT-3").await);

    allocate(&owner, a.id, &["S1-AWAIT-1", "S1-AWAIT-2"], true).await.err(422, "ORDERS_NOT_MERGEABLE");
    let merged: Vec<Waybill> = allocate(&owner, a.id, &["S1-AWAIT-3", "S1-AWAIT-1"], true).await.ok();
    assert_eq!(merged.len(), 1);
    assert_eq!(merged[0].order_ids, ["S1-AWAIT-1", "S1-AWAIT-3"]);
    assert_eq!(merged[0].receiver_key, rk("S1-AWAIT-1").await);
    assert_eq!(balance(&owner, a.id).await, 9, "one unit for a merged shipment");

    // One print grant opens both orders, each bound to the one waybill.
    let mut s = ClientSession::new().unwrap();
    let g: PrintGrantResponse = owner.post("/api/v1/print-grants", &json!({"waybill_nos": [merged[0].waybill_no], "client_public": b64(&s)})).await.ok();
    assert_eq!(g.labels.len(), 1);
    assert_eq!(g.labels[0].orders.iter().map(|o| o.order_id.as_str()).collect::<Vec<_>>(), ["S1-AWAIT-1", "S1-AWAIT-3"]);
    let grant = s.open(&SealedGrant::from_base64(&g.sealed_grant).unwrap(), &ShopId::new("shop1").unwrap(), app.now()).unwrap();
    for o in &g.labels[0].orders {
        assert_eq!(decrypt(&grant, &o.order_id, &o.name_ct), SHARED_RECEIVER.0);
        assert_eq!(decrypt(&grant, &o.order_id, &o.phone_ct), SHARED_RECEIVER.1);
    }
    assert!(grant.orders().iter().all(|o| o.binding == merged[0].waybill_no));
}

async fn print_grants_open_only_their_labels_and_never_touch_the_quota(store: Store) {
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, 10).await;
    let ops = app.login("shop1-ops").await;
    let wb: Vec<Waybill> = allocate(&ops, a.id, &["S1-AWAIT-1", "S1-AWAIT-2"], false).await.ok();
    let nos: Vec<&str> = wb.iter().map(|w| w.waybill_no.as_str()).collect();
    let owner = app.login("shop1").await;
    let quota_before = owner.quota().await;
    let charges_before = app.charges("shop1").await;

    for print_no in 1..=3u32 {
        let mut s = ClientSession::new().unwrap();
        let g: PrintGrantResponse = ops.post("/api/v1/print-grants", &json!({"waybill_nos": nos, "client_public": b64(&s)})).await.ok();
        assert_eq!(g.labels.iter().map(|l| l.waybill_no.as_str()).collect::<Vec<_>>(), nos);
        assert!(g.labels.iter().all(|l| l.print_no == print_no && l.carrier_name == "顺丰速运" && l.sender_name == "小鹿家居仓"));
        let grant = s.open(&SealedGrant::from_base64(&g.sealed_grant).unwrap(), &ShopId::new("shop1").unwrap(), app.now()).unwrap();
        assert_eq!(grant.purpose(), GrantPurpose::Print);
        for (label, id) in g.labels.iter().zip(["S1-AWAIT-1", "S1-AWAIT-2"]) {
            let o = &label.orders[0];
            assert_eq!(o.order_id, id);
            let want = app.ingested(id);
            assert_eq!(decrypt(&grant, id, &o.name_ct), want.name);
            assert_eq!(decrypt(&grant, id, &o.phone_ct), want.phone);
            assert_eq!(decrypt(&grant, id, &o.address_ct), want.address);
            assert!(!o.items.is_empty());
            let bound = grant.orders().iter().find(|g| g.order_id == OrderId::new(id).unwrap()).unwrap();
            assert_eq!(bound.binding, label.waybill_no);
        }
        // Only the labels' orders are in it.
        assert_eq!(grant.orders().len(), 2);
        let other = ops.get("/api/v1/orders/S1-SHIPPED").await.body["ciphertext"]["name"].as_str().unwrap().to_string();
        assert!(grant.decrypt(&OrderId::new("S1-SHIPPED").unwrap(), &other).is_err());
    }
    // The 4th print is refused, and audited as refused.
    let s = ClientSession::new().unwrap();
    let d = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[0]], "client_public": b64(&s)})).await.err(409, "PRINT_LIMIT_REACHED");
    assert_eq!(d["limit"], 3);
    let listed: Vec<Waybill> = ops.get("/api/v1/waybills").await.ok();
    assert!(listed.iter().all(|w| w.print_count == 3 && w.status == WaybillStatus::Printed));

    // Printing never touched the reveal quota.
    let quota_after = owner.quota().await;
    assert_eq!((quota_after.used, app.charges("shop1").await), (quota_before.used, charges_before));

    // Another shop's waybill, a made-up one, no permission, a bad key: refused, counted nowhere.
    let shop2 = app.login("shop2").await;
    shop2.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[1]], "client_public": b64(&s)})).await.err(404, "NOT_FOUND");
    let b = funded_account_of(&app, "shop2").await;
    let theirs: Vec<Waybill> = allocate(&shop2, b, &["S2-AWAIT-2"], false).await.ok();
    let d = ops.post("/api/v1/print-grants", &json!({"waybill_nos": [theirs[0].waybill_no], "client_public": b64(&s)})).await.err(404, "NOT_FOUND");
    assert_eq!(d["waybill_nos"], json!([theirs[0].waybill_no]));
    ops.post("/api/v1/print-grants", &json!({"waybill_nos": ["SF0000000000000"], "client_public": b64(&s)})).await.err(404, "NOT_FOUND");
    app.login("shop1-staff").await.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[0]], "client_public": b64(&s)})).await.err(403, "FORBIDDEN");
    app.login("admin").await.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[0]], "client_public": b64(&s)})).await.err(403, "FORBIDDEN");
    ops.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[0]], "client_public": "AAAA"})).await.err(422, "CLIENT_KEY_INVALID");
    let (prints,): (i64,) = sqlx::query_as("SELECT print_count FROM waybills WHERE waybill_no = $1").bind(&theirs[0].waybill_no).fetch_one(&app.state.db.pool).await.unwrap();
    assert_eq!(prints, 0);

    // A suspended shop does not print.
    let fresh: Vec<Waybill> = allocate(&shop2, b, &["S2-SAME-RECEIVER"], false).await.ok();
    app.login("admin").await.post("/api/v1/admin/shops/shop2", &json!({"suspended": true, "reason": "核查"})).await.ok::<Value>();
    shop2.post("/api/v1/print-grants", &json!({"waybill_nos": [fresh[0].waybill_no], "client_public": b64(&s)})).await.err(403, "SHOP_SUSPENDED");

    // The trail: three prints, one refusal.
    let trail = owner.audit("action=print&per_page=50").await;
    let outcomes: Vec<(&str, Option<&str>)> = trail.entries.iter().map(|e| (e.outcome.as_str(), e.code.as_deref())).collect();
    assert_eq!(outcomes.iter().filter(|o| o.0 == "ok").count(), 3);
    assert!(outcomes.contains(&("refused", Some("PRINT_LIMIT_REACHED"))), "{outcomes:?}");
}

/// An approved SF account of `shop`'s owner with 10 units; its id.
async fn funded_account_of(app: &TestApp, shop: &str) -> i64 {
    let owner = app.login(shop).await;
    let a: WaybillAccount = owner.post("/api/v1/waybill-accounts", &account_body("SF", "成都网点")).await.ok();
    app.login("admin").await.post(&format!("/api/v1/waybill-accounts/{}/approve", a.id), &json!({"comment": ""})).await.ok::<WaybillAccount>();
    let t: WaybillTopup = owner.post(&format!("/api/v1/waybill-accounts/{}/topups", a.id), &json!({"units": 10})).await.ok();
    app.login("admin").await.post(&format!("/api/v1/waybill-topups/{}/confirm", t.id), &json!({"amount_cents": 500, "payment_ref": "TX-2"})).await.ok::<WaybillTopup>();
    a.id
}

async fn printed_waybills_ship_their_orders(store: Store) {
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, 10).await;
    let owner = app.login("shop1").await;
    app.ingest_ok(&[order("S1-AWAIT-3", "shop1", OrderStatus::AwaitingShipment, app.now(), 600, SHARED_RECEIVER)]).await;
    let merged: Vec<Waybill> = allocate(&owner, a.id, &["S1-AWAIT-1", "S1-AWAIT-3"], true).await.ok();
    let single: Vec<Waybill> = allocate(&owner, a.id, &["S1-AWAIT-2"], false).await.ok();
    let nos = [merged[0].waybill_no.as_str(), single[0].waybill_no.as_str()];

    // Not before printing; not someone else's; not the admin.
    let d = owner.post("/api/v1/waybills/ship", &json!({"waybill_nos": nos})).await.err(409, "WAYBILL_STATE_CONFLICT");
    assert_eq!(d["statuses"], json!(["allocated", "allocated"]));
    app.login("admin").await.post("/api/v1/waybills/ship", &json!({"waybill_nos": nos})).await.err(403, "FORBIDDEN");
    app.login("shop2").await.post("/api/v1/waybills/ship", &json!({"waybill_nos": nos})).await.err(404, "NOT_FOUND");
    let s = ClientSession::new().unwrap();
    owner.post("/api/v1/print-grants", &json!({"waybill_nos": nos, "client_public": b64(&s)})).await.ok::<PrintGrantResponse>();

    // Staff with `ship` (and without `print`) ships them: all three orders, tracking = waybill.
    let shipper = app.login("shop1-staff").await;
    let r: orderveil_api::WaybillShipped = shipper.post("/api/v1/waybills/ship", &json!({"waybill_nos": nos})).await.ok();
    let mut ids = r.order_ids.clone();
    ids.sort();
    assert_eq!(ids, ["S1-AWAIT-1", "S1-AWAIT-2", "S1-AWAIT-3"]);
    assert!(r.waybills.iter().all(|w| w.status == WaybillStatus::Shipped));
    for (id, no) in [("S1-AWAIT-1", nos[0]), ("S1-AWAIT-3", nos[0]), ("S1-AWAIT-2", nos[1])] {
        let v: orderveil_api::OrderView = owner.get(&format!("/api/v1/orders/{id}")).await.ok();
        assert_eq!(v.status, OrderStatus::Shipped);
        let sh = v.shipment.expect("a shipment");
        assert_eq!((sh.carrier.as_str(), sh.tracking_no.as_str()), ("SF", no));
    }
    // Twice is a conflict; a shipped waybill neither prints nor cancels.
    owner.post("/api/v1/waybills/ship", &json!({"waybill_nos": [nos[1]]})).await.err(409, "WAYBILL_STATE_CONFLICT");
    owner.post("/api/v1/print-grants", &json!({"waybill_nos": [nos[1]], "client_public": b64(&s)})).await.err(409, "WAYBILL_STATE_CONFLICT");
    owner.post(&format!("/api/v1/waybills/{}/cancel", nos[1]), &json!({})).await.err(409, "WAYBILL_STATE_CONFLICT");
    let trail = owner.audit("action=ship_waybill").await;
    assert_eq!(trail.entries.len(), 1);
    assert_eq!(trail.entries[0].order_ids.len(), 3);
}

async fn concurrent_allocations_from_two_processes_give_each_order_one_live_waybill(store: Store) {
    const ORDERS: usize = 20;
    const TRIES: usize = 6;
    let app = TestApp::spawn(store).await;
    let a = funded_account(&app, 500).await;
    let orders = realistic("shop1", "RACE", ORDERS, app.now(), OrderStatus::AwaitingShipment);
    app.ingest_ok(&orders).await;
    // Two server processes on the one store; three sessions on each.
    let (p, q) = tokio::join!(app.spawn_binary(&[], &[]), app.spawn_binary(&[], &[]));
    let mut clients = Vec::new();
    for server in [&p, &q] {
        for user in ["shop1", "shop1-ops", "shop1"] {
            clients.push(server.login(user).await);
        }
    }
    let clients = std::sync::Arc::new(clients);
    // Every order asked for TRIES times at once, spread over both processes.
    let mut tasks = tokio::task::JoinSet::new();
    for t in 0..TRIES {
        for (i, o) in orders.iter().enumerate() {
            let (clients, id, account) = (clients.clone(), o.order_id.clone(), a.id);
            tasks.spawn(async move { (id.clone(), allocate(&clients[(i + t) % clients.len()], account, &[id.as_str()], false).await) });
        }
    }
    let mut won = std::collections::BTreeMap::<String, usize>::new();
    let mut conflicts = 0;
    while let Some(r) = tasks.join_next().await {
        let (id, r) = r.unwrap();
        match r.status {
            200 => *won.entry(id).or_default() += 1,
            _ => {
                r.err(409, "WAYBILL_STATE_CONFLICT");
                conflicts += 1;
            }
        }
    }
    assert_eq!(won.len(), ORDERS, "every order got a waybill: {won:?}");
    assert!(won.values().all(|n| *n == 1), "an order got two waybills: {won:?}");
    assert_eq!(conflicts, ORDERS * (TRIES - 1));
    // The store agrees: one live waybill per order, and only the winners took a unit.
    let (live, max_per_order): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COALESCE(MAX(n), 0) FROM (SELECT wo.order_id, COUNT(*) AS n FROM waybill_orders wo JOIN waybills w ON w.waybill_no = wo.waybill_no \
         WHERE w.status IN ('allocated', 'printed') GROUP BY wo.order_id) t",
    )
    .fetch_one(&app.state.db.pool)
    .await
    .unwrap();
    assert_eq!((live, max_per_order), (ORDERS as i64, 1));
    assert_eq!(balance(&clients[0], a.id).await, 500 - ORDERS as u64);
    // Cancelled, an order is free for a new waybill.
    let list: Value = clients[0].get(&format!("/api/v1/waybills?order_id={}", orders[0].order_id)).await.ok();
    let no = list[0]["waybill_no"].as_str().unwrap_or_else(|| panic!("{list}")).to_string();
    let _: Value = clients[0].post(&format!("/api/v1/waybills/{no}/cancel"), &json!({})).await.ok();
    let _: Value = allocate(&clients[3], a.id, &[orders[0].order_id.as_str()], false).await.ok();
    let _ = (p.stop().await, q.stop().await);
}
