//! Apps a factory authorizes (issue 18, item 5: "… or for a factory that authorized it"): the
//! factory's owner authorizes its print software with `orders.read`, `print` and `ship` (never
//! `reveal`); the app's token, asked for with `factory_id`, reads the factory's assigned
//! orders, allocates from the factory's own accounts, prints and ships with the factory's
//! rules. Each rule is attacked: the wrong tenant, a missing scope, another factory's orders,
//! every shop and reveal path, a suspension, a replaced or revoked authorization, a foreign
//! web origin. Nothing charges the reveal quota; every step is on both chains as `app:<id>`.

use orderveil_api::{
    AssignResult, Factory, FactoryOrderPage, IsvAuthorization, OrderStatus, OrderView,
    PrintGrantResponse, TokenResponse, Waybill, WaybillAccount, WaybillShipped, WaybillTopup,
};
use orderveil_cipher::{ClientSession, SealedGrant, ShopId};
use serde_json::{Value, json};

use crate::dropship::{account_body, b64, bind, no_plaintext};
use crate::helpers::*;
use crate::isv::{AppClient, post_json, register};

both_stores!(
    a_factorys_print_app_allocates_prints_and_ships_its_assigned_orders,
    a_factorys_app_is_held_to_its_scopes_tenant_and_authorization,
    upgrading_keeps_the_shops_authorizations_and_tokens,
);

const ORIGIN: &str = "http://print.example:8082";

/// A token request with client credentials for `tenant` (`{"shop_id": …}` and/or
/// `{"factory_id": …}`).
async fn token_for(app: &TestApp, reg: &orderveil_api::IsvAppCreated, tenant: Value) -> Resp {
    let mut body = json!({"grant_type": "client_credentials", "app_id": reg.app.app_id, "app_secret": reg.app_secret});
    body.as_object_mut()
        .unwrap()
        .extend(tenant.as_object().unwrap().clone());
    post_json(&app.base, "/api/v1/isv/token", &body).await
}

/// An app client with a token of the app for `factory`.
async fn factory_client(
    app: &TestApp,
    reg: &orderveil_api::IsvAppCreated,
    factory: &str,
) -> AppClient {
    let t: TokenResponse = token_for(app, reg, json!({"factory_id": factory}))
        .await
        .ok();
    AppClient::new(&app.base, &t.access_token)
}

/// factory1's approved e-waybill account with `units` units.
async fn funded_factory_account(app: &TestApp, units: u32) -> WaybillAccount {
    let (factory, admin) = (app.login("factory1").await, app.login("admin").await);
    let acc: WaybillAccount = factory
        .post("/api/v1/waybill-accounts", &account_body("义乌稠城网点"))
        .await
        .ok();
    admin
        .post(
            &format!("/api/v1/waybill-accounts/{}/approve", acc.id),
            &json!({"comment": ""}),
        )
        .await
        .ok::<WaybillAccount>();
    let t: WaybillTopup = factory
        .post(
            &format!("/api/v1/waybill-accounts/{}/topups", acc.id),
            &json!({"units": units}),
        )
        .await
        .ok();
    let _: WaybillTopup = admin
        .post(
            &format!("/api/v1/waybill-topups/{}/confirm", t.id),
            &json!({"amount_cents": 500, "payment_ref": "TX-FA"}),
        )
        .await
        .ok();
    acc
}

/// shop1 binds factory1 and assigns the twins (one receiver) and S1-AWAIT-2 to it.
async fn assigned(app: &TestApp) {
    let now = app.now();
    app.ingest_ok(&[
        order(
            "S1-TWIN-1",
            "shop1",
            OrderStatus::AwaitingShipment,
            now,
            3600,
            SHARED_RECEIVER,
        ),
        order(
            "S1-TWIN-2",
            "shop1",
            OrderStatus::AwaitingShipment,
            now,
            1800,
            SHARED_RECEIVER,
        ),
    ])
    .await;
    bind(app).await;
    let owner = app.login("shop1").await;
    let _: AssignResult = owner.post("/api/v1/assignments", &json!({"factory_id": "factory1", "order_ids": ["S1-TWIN-1", "S1-TWIN-2", "S1-AWAIT-2"]})).await.ok();
}

fn alloc(account: i64, ids: &[&str], merge: bool) -> Value {
    json!({"account_id": account, "order_ids": ids, "merge": merge})
}

async fn a_factorys_print_app_allocates_prints_and_ships_its_assigned_orders(store: Store) {
    let app = TestApp::spawn(store).await;
    assigned(&app).await;
    let acc = funded_factory_account(&app, 10).await;
    let reg = register(&app, "云打印", &[ORIGIN]).await;
    let (factory, ops, owner) = (
        app.login("factory1").await,
        app.login("factory1-ops").await,
        app.login("shop1").await,
    );
    let all = json!({"app_id": reg.app.app_id, "scopes": ["orders.read", "print", "ship"]});

    // Only the factory's owner authorizes, and never `reveal`.
    ops.post("/api/v1/isv-authorizations", &all)
        .await
        .err(403, "FORBIDDEN");
    let with_reveal = json!({"app_id": reg.app.app_id, "scopes": ["print", "reveal"], "purposes": ["dropshipping"]});
    assert_eq!(
        factory
            .post("/api/v1/isv-authorizations", &with_reveal)
            .await
            .err(422, "VALIDATION_FAILED")["field"],
        "scopes"
    );
    let auth: IsvAuthorization = factory.post("/api/v1/isv-authorizations", &all).await.ok();
    assert_eq!(
        (
            auth.factory_id.as_deref(),
            auth.shop_id.as_deref(),
            auth.purposes.len()
        ),
        (Some("factory1"), None, 0)
    );
    let listed: Vec<IsvAuthorization> = factory.get("/api/v1/isv-authorizations").await.ok();
    assert_eq!(listed.iter().map(|a| a.id).collect::<Vec<_>>(), [auth.id]);
    assert!(
        owner
            .get("/api/v1/isv-authorizations")
            .await
            .ok::<Vec<IsvAuthorization>>()
            .is_empty(),
        "a shop does not see a factory's authorizations"
    );
    let admin_view: Vec<IsvAuthorization> = app
        .login("admin")
        .await
        .get("/api/v1/isv-authorizations")
        .await
        .ok();
    assert_eq!(
        admin_view
            .iter()
            .find(|a| a.id == auth.id)
            .unwrap()
            .factory_id
            .as_deref(),
        Some("factory1")
    );

    // The token names the factory; the shop's name does not reach the factory's authorization.
    token_for(&app, &reg, json!({"shop_id": "shop1"}))
        .await
        .err(403, "APP_NOT_AUTHORIZED");
    token_for(&app, &reg, json!({"factory_id": "factory2"}))
        .await
        .err(403, "APP_NOT_AUTHORIZED");
    token_for(
        &app,
        &reg,
        json!({"shop_id": "shop1", "factory_id": "factory1"}),
    )
    .await
    .err(422, "VALIDATION_FAILED");
    token_for(&app, &reg, json!({}))
        .await
        .err(422, "VALIDATION_FAILED");
    let t: TokenResponse = token_for(&app, &reg, json!({"factory_id": "factory1"}))
        .await
        .ok();
    assert_eq!(
        (t.factory_id.as_deref(), t.shop_id.as_deref()),
        (Some("factory1"), None)
    );
    let isv = AppClient::new(&app.base, &t.access_token);

    // It reads what the factory's users read: the assigned orders (masked, no key), its accounts.
    let (r, _) = isv.get("/api/v1/factory/orders").await;
    no_plaintext(&app, &r.text, &["S1-TWIN-1", "S1-TWIN-2", "S1-AWAIT-2"]);
    let page: FactoryOrderPage = r.ok();
    assert_eq!(page.total, 3);
    assert!(
        !r_has_keys(&page),
        "no ciphertext or key in the factory's list"
    );
    let accounts: Vec<WaybillAccount> = isv.get("/api/v1/waybill-accounts").await.0.ok();
    assert_eq!(accounts.iter().map(|a| a.id).collect::<Vec<_>>(), [acc.id]);

    // The factory's rules: only assigned orders; the twins merge on one waybill.
    isv.post("/api/v1/waybills", &alloc(acc.id, &["S1-AWAIT-1"], false))
        .await
        .0
        .err(404, "ORDER_NOT_FOUND");
    let merged: Vec<Waybill> = isv
        .post(
            "/api/v1/waybills",
            &alloc(acc.id, &["S1-TWIN-1", "S1-TWIN-2"], true),
        )
        .await
        .0
        .ok();
    assert_eq!((merged.len(), merged[0].order_ids.len()), (1, 2));
    let single: Vec<Waybill> = isv
        .post("/api/v1/waybills", &alloc(acc.id, &["S1-AWAIT-2"], false))
        .await
        .0
        .ok();
    let listed: Vec<Waybill> = isv.get("/api/v1/waybills").await.0.ok();
    assert_eq!(listed.len(), 2);
    let cancelled: Waybill = isv
        .post(
            &format!("/api/v1/waybills/{}/cancel", single[0].waybill_no),
            &json!({}),
        )
        .await
        .0
        .ok();
    assert_eq!(cancelled.status, orderveil_api::WaybillStatus::Cancelled);

    // Print: the grant opens the labels' receivers for the app's print client only; the
    // reveal quota is untouched.
    let mut s = ClientSession::new().unwrap();
    let g: PrintGrantResponse = isv
        .post(
            "/api/v1/print-grants",
            &json!({"waybill_nos": [merged[0].waybill_no], "client_public": b64(&s)}),
        )
        .await
        .0
        .ok();
    let grant = s
        .open(
            &SealedGrant::from_base64(&g.sealed_grant).unwrap(),
            &ShopId::new("shop1").unwrap(),
            app.now(),
        )
        .unwrap();
    for o in &g.labels[0].orders {
        assert_eq!(decrypt(&grant, &o.order_id, &o.phone_ct), SHARED_RECEIVER.1);
    }
    assert_eq!(app.charges("shop1").await, 0);

    // Ship: the tracking number flows back to the shop's order, shipped by the factory.
    let shipped: WaybillShipped = isv
        .post(
            "/api/v1/waybills/ship",
            &json!({"waybill_nos": [merged[0].waybill_no]}),
        )
        .await
        .0
        .ok();
    assert_eq!(shipped.order_ids.len(), 2);
    let v: OrderView = owner.get("/api/v1/orders/S1-TWIN-1").await.ok();
    assert_eq!(
        (v.status, v.shipment.unwrap().tracking_no),
        (OrderStatus::Shipped, merged[0].waybill_no.clone())
    );
    assert_eq!(
        v.assignment.unwrap().status,
        orderveil_api::AssignmentStatus::Shipped
    );

    // Every step on the factory's chain and the shop's, as the app; both chains verify.
    let actor = format!("app:{}", reg.app.app_id);
    let chain: Value = factory.get("/api/v1/audit?per_page=200").await.ok();
    let entries = chain["entries"].as_array().unwrap();
    let by_app = |a: &str| {
        entries
            .iter()
            .any(|e| e["action"] == a && e["actor"] == actor.as_str())
    };
    for a in [
        "isv_token",
        "waybill_allocate",
        "waybill_cancel",
        "print",
        "factory_ship",
    ] {
        assert!(by_app(a), "{a} by the app on the factory's chain");
    }
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "isv_authorize" && e["actor"] == "factory1")
    );
    let shop_chain: Value = owner.get("/api/v1/audit?per_page=200").await.ok();
    let print = shop_chain["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "print" && e["actor"] == actor.as_str())
        .expect("the print on the shop's chain");
    assert_eq!(print["details"]["via"]["factory_id"], "factory1");
    assert!(
        shop_chain["entries"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["action"] != "isv_token"),
        "the factory's token is not the shop's business"
    );
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

/// Does the factory's page carry any ciphertext? (It must not.)
fn r_has_keys(page: &FactoryOrderPage) -> bool {
    let text = serde_json::to_string(page).unwrap();
    text.contains("\"name_ct\"") || text.contains("\"phone_ct\"") || text.contains("wrapped")
}

async fn a_factorys_app_is_held_to_its_scopes_tenant_and_authorization(store: Store) {
    let app = TestApp::spawn(store).await;
    assigned(&app).await;
    let acc = funded_factory_account(&app, 10).await;
    let reg = register(&app, "云打印", &[ORIGIN]).await;
    let (factory, factory2, owner, admin) = (
        app.login("factory1").await,
        app.login("factory2").await,
        app.login("shop1").await,
        app.login("admin").await,
    );
    let authorize = async |c: &Client, scopes: &[&str]| -> IsvAuthorization {
        c.post(
            "/api/v1/isv-authorizations",
            &json!({"app_id": reg.app.app_id, "scopes": scopes}),
        )
        .await
        .ok()
    };

    // orders.read only: it reads, and nothing else.
    let _ = authorize(&factory, &["orders.read"]).await;
    let reader = factory_client(&app, &reg, "factory1").await;
    assert_eq!(
        reader
            .get("/api/v1/factory/orders")
            .await
            .0
            .ok::<FactoryOrderPage>()
            .total,
        3
    );
    let s = ClientSession::new().unwrap();
    for (r, scope) in [
        (
            reader
                .post("/api/v1/waybills", &alloc(acc.id, &["S1-TWIN-1"], false))
                .await
                .0,
            "print",
        ),
        (reader.get("/api/v1/waybills").await.0, "print"),
        (
            reader
                .post(
                    "/api/v1/print-grants",
                    &json!({"waybill_nos": ["ZT0000000001"], "client_public": b64(&s)}),
                )
                .await
                .0,
            "print",
        ),
        (
            reader
                .post(
                    "/api/v1/waybills/ship",
                    &json!({"waybill_nos": ["ZT0000000001"]}),
                )
                .await
                .0,
            "ship",
        ),
    ] {
        assert_eq!(r.err(403, "SCOPE_MISSING")["scope"], scope);
    }

    // Re-authorized with print only: the old token dies; the new one prints but does not ship.
    let _ = authorize(&factory, &["print"]).await;
    reader
        .get("/api/v1/factory/orders")
        .await
        .0
        .err(403, "APP_NOT_AUTHORIZED");
    let printer = factory_client(&app, &reg, "factory1").await;
    assert_eq!(
        printer
            .get("/api/v1/factory/orders")
            .await
            .0
            .err(403, "SCOPE_MISSING")["scope"],
        "orders.read"
    );
    let w: Vec<Waybill> = printer
        .post("/api/v1/waybills", &alloc(acc.id, &["S1-AWAIT-2"], false))
        .await
        .0
        .ok();
    let no = w[0].waybill_no.clone();
    let _: PrintGrantResponse = printer
        .post(
            "/api/v1/print-grants",
            &json!({"waybill_nos": [no], "client_public": b64(&s)}),
        )
        .await
        .0
        .ok();
    assert_eq!(
        printer
            .post("/api/v1/waybills/ship", &json!({"waybill_nos": [no]}))
            .await
            .0
            .err(403, "SCOPE_MISSING")["scope"],
        "ship"
    );

    // Every shop and reveal path refuses a factory's app, and charges nothing.
    let full = authorize(&factory, &["orders.read", "print", "ship"]).await;
    let full_token: TokenResponse = token_for(&app, &reg, json!({"factory_id": "factory1"}))
        .await
        .ok();
    let isv = AppClient::new(&app.base, &full_token.access_token);
    isv.get("/api/v1/orders").await.0.err(403, "FORBIDDEN");
    isv.get("/api/v1/orders/S1-TWIN-1")
        .await
        .0
        .err(404, "ORDER_NOT_FOUND");
    isv.reveal(&["S1-TWIN-1"], &["phone"])
        .await
        .1
        .err(403, "FORBIDDEN");
    isv.get("/api/v1/quota").await.0.err(403, "FORBIDDEN");
    let mask = json!({"items": [{"order_id": "S1-TWIN-1", "ciphertext": "x"}]});
    isv.post("/api/v1/isv/batch-mask", &mask)
        .await
        .0
        .err(403, "FORBIDDEN");
    isv.post(
        "/api/v1/isv/search-index",
        &json!({"items": [{"field": "phone", "value": "13800138000"}]}),
    )
    .await
    .0
    .err(403, "FORBIDDEN");
    assert!(
        isv.post(
            "/api/v1/orders/S1-TWIN-1/ship",
            &json!({"carrier": "SF", "tracking_no": "SF1234567890123"})
        )
        .await
        .0
        .status
            >= 400
    );
    assert_eq!(
        owner
            .get("/api/v1/orders/S1-TWIN-1")
            .await
            .ok::<OrderView>()
            .status,
        OrderStatus::AwaitingShipment
    );
    assert_eq!(app.charges("shop1").await, 0);
    // A shop's app (with every scope) does not reach the factory's paths.
    let shop_reg = register(&app, "店铺ERP", &[ORIGIN]).await;
    let _: IsvAuthorization = owner
        .post(
            "/api/v1/isv-authorizations",
            &json!({"app_id": shop_reg.app.app_id, "scopes": ["orders.read", "print", "ship"]}),
        )
        .await
        .ok();
    let shop_app = crate::isv::app_client(&app, &shop_reg).await;
    shop_app
        .get("/api/v1/factory/orders")
        .await
        .0
        .err(403, "FORBIDDEN");

    // Another factory's app sees none of factory1's orders and acts on none of them.
    let _ = authorize(&factory2, &["orders.read", "print", "ship"]).await;
    let other = factory_client(&app, &reg, "factory2").await;
    assert_eq!(
        other
            .get("/api/v1/factory/orders")
            .await
            .0
            .ok::<FactoryOrderPage>()
            .total,
        0
    );
    other
        .post("/api/v1/waybills", &alloc(acc.id, &["S1-TWIN-1"], false))
        .await
        .0
        .err(404, "NOT_FOUND");
    other
        .post(
            "/api/v1/print-grants",
            &json!({"waybill_nos": [no], "client_public": b64(&s)}),
        )
        .await
        .0
        .err(404, "NOT_FOUND");
    assert!(
        other
            .get("/api/v1/waybill-accounts")
            .await
            .0
            .ok::<Vec<WaybillAccount>>()
            .is_empty()
    );

    // From a browser: only the app's registered origin, with the token.
    let (r, acao) = AppClient::new(&app.base, &full_token.access_token)
        .with_origin(ORIGIN)
        .get("/api/v1/factory/orders")
        .await;
    assert_eq!((r.status, acao.as_deref()), (200, Some(ORIGIN)));
    AppClient::new(&app.base, &full_token.access_token)
        .with_origin("http://evil.example")
        .get("/api/v1/factory/orders")
        .await
        .0
        .err(403, "ORIGIN_NOT_ALLOWED");

    // A refresh keeps the factory.
    let t: TokenResponse = token_for(&app, &reg, json!({"factory_id": "factory1"}))
        .await
        .ok();
    let refreshed: TokenResponse =
        post_json(&app.base, "/api/v1/isv/token", &json!({"grant_type": "refresh_token", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "refresh_token": t.refresh_token}))
            .await
            .ok();
    assert_eq!(
        (
            refreshed.factory_id.as_deref(),
            refreshed.shop_id.as_deref()
        ),
        (Some("factory1"), None)
    );
    let isv = AppClient::new(&app.base, &refreshed.access_token);

    // Suspended, the factory's app reads but acts on nothing; resumed, it acts again.
    let _: Factory = admin
        .post(
            "/api/v1/admin/factories/factory1/suspend",
            &json!({"reason": "资质审核中"}),
        )
        .await
        .ok();
    let d = isv
        .post("/api/v1/waybills", &alloc(acc.id, &["S1-TWIN-1"], false))
        .await
        .0
        .err(403, "FACTORY_SUSPENDED");
    assert_eq!(d["factory_id"], "factory1");
    isv.post(
        "/api/v1/print-grants",
        &json!({"waybill_nos": [no], "client_public": b64(&s)}),
    )
    .await
    .0
    .err(403, "FACTORY_SUSPENDED");
    isv.post("/api/v1/waybills/ship", &json!({"waybill_nos": [no]}))
        .await
        .0
        .err(403, "FACTORY_SUSPENDED");
    assert_eq!(
        isv.get("/api/v1/factory/orders")
            .await
            .0
            .ok::<FactoryOrderPage>()
            .total,
        3
    );
    let _: Factory = admin
        .post("/api/v1/admin/factories/factory1/resume", &json!({}))
        .await
        .ok();
    let shipped: WaybillShipped = isv
        .post("/api/v1/waybills/ship", &json!({"waybill_nos": [no]}))
        .await
        .0
        .ok();
    assert_eq!(shipped.order_ids, ["S1-AWAIT-2"]);

    // Only the factory's owner revokes it (the shop and another factory do not find it); then
    // its tokens stop at once and no new one is issued.
    owner
        .post(
            &format!("/api/v1/isv-authorizations/{}/revoke", full.id),
            &json!({}),
        )
        .await
        .err(404, "NOT_FOUND");
    factory2
        .post(
            &format!("/api/v1/isv-authorizations/{}/revoke", full.id),
            &json!({}),
        )
        .await
        .err(404, "NOT_FOUND");
    app.login("factory1-ops")
        .await
        .post(
            &format!("/api/v1/isv-authorizations/{}/revoke", full.id),
            &json!({}),
        )
        .await
        .err(403, "FORBIDDEN");
    let revoked: IsvAuthorization = factory
        .post(
            &format!("/api/v1/isv-authorizations/{}/revoke", full.id),
            &json!({}),
        )
        .await
        .ok();
    assert!(revoked.revoked_at.is_some());
    isv.get("/api/v1/factory/orders")
        .await
        .0
        .err(403, "APP_NOT_AUTHORIZED");
    token_for(&app, &reg, json!({"factory_id": "factory1"}))
        .await
        .err(403, "APP_NOT_AUTHORIZED");
    let chain: Value = factory.get("/api/v1/audit?per_page=200").await.ok();
    assert!(
        chain["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "isv_revoke" && e["actor"] == "factory1")
    );
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

/// id, shop_id, factory_id, scopes, revoked_at, purposes.
type AuthRow = (
    i64,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
    String,
);

/// A store of the release before factory apps (schema 16) with a shop's app, its
/// authorization and tokens, upgraded by a server start: every row keeps its values and its
/// links (SQLite rebuilt the table), a token issued before still resolves to its shop, and
/// the new rules hold — one tenant per authorization, one live authorization per factory.
async fn upgrading_keeps_the_shops_authorizations_and_tokens(store: Store) {
    use orderveil_server::store::{Db, isv};
    let data_dir = tempfile::tempdir().unwrap();
    let pg = match store {
        Store::Sqlite => None,
        Store::Postgres => Some(PgDatabase::create().await),
    };
    let cfg = orderveil_server::Config {
        data_dir: data_dir.path().to_path_buf(),
        database_url: pg.as_ref().map(|p| p.url.clone()),
        service_token: Some(SERVICE_TOKEN.into()),
        key_file: None,
        settings: test_settings(),
    };
    let old = Db::connect(&cfg.database_url()).await.unwrap();
    old.migrate_until(16).await.unwrap();
    for sql in [
        "INSERT INTO shops (shop_id, name, created_at) VALUES ('shop1', '店铺一', 1)",
        "INSERT INTO factories (factory_id, name, created_at) VALUES ('factory1', '工厂一', 1)",
        "INSERT INTO isv_apps (app_id, name, secret_hash, origins, disabled, created_by, created_at) VALUES ('app_old', '旧ERP', 'h', '[]', 0, 1, 1)",
        "INSERT INTO isv_authorizations (app_id, shop_id, scopes, granted_by, created_at, revoked_at, purposes) VALUES ('app_old', 'shop1', 'orders.read', 'shop1', 1, 5, '')",
        "INSERT INTO isv_authorizations (app_id, shop_id, scopes, granted_by, created_at, purposes) VALUES ('app_old', 'shop1', 'orders.read,reveal', 'shop1', 6, 'after_sales')",
        "INSERT INTO isv_tokens (token_hash, kind, authorization_id, scopes, created_at, expires_at) VALUES ('t-access', 'access', 2, 'orders.read,reveal', 6, 99999999999)",
        "INSERT INTO isv_tokens (token_hash, kind, authorization_id, scopes, created_at, expires_at) VALUES ('t-refresh', 'refresh', 2, 'orders.read,reveal', 6, 99999999999)",
    ] {
        sqlx::query(sql).execute(&old.pool).await.unwrap();
    }
    old.pool.close().await;

    let state =
        orderveil_server::build_state(&cfg, orderveil_server::clock::ManualClock::new(START))
            .await
            .unwrap();
    let pool = &state.db.pool;
    let rows: Vec<AuthRow> =
        sqlx::query_as("SELECT id, shop_id, factory_id, scopes, revoked_at, purposes FROM isv_authorizations ORDER BY id").fetch_all(pool).await.unwrap();
    assert_eq!(
        rows,
        [
            (
                1,
                Some("shop1".into()),
                None,
                "orders.read".into(),
                Some(5),
                String::new()
            ),
            (
                2,
                Some("shop1".into()),
                None,
                "orders.read,reveal".into(),
                None,
                "after_sales".into()
            )
        ]
    );
    let t = isv::access_token(pool, "t-access")
        .await
        .unwrap()
        .expect("the token still joins its authorization");
    assert_eq!(
        (
            t.authorization_id,
            t.shop_id.as_deref(),
            t.factory_id.as_deref(),
            t.factory_suspended
        ),
        (2, Some("shop1"), None, 0)
    );
    if store == Store::Sqlite {
        let broken: Vec<(String,)> =
            sqlx::query_as("SELECT \"table\" FROM pragma_foreign_key_check")
                .fetch_all(pool)
                .await
                .unwrap();
        assert!(broken.is_empty(), "{broken:?}");
    }
    // New ids continue after the old ones; one tenant per row; one live row per factory.
    let insert = "INSERT INTO isv_authorizations (app_id, shop_id, factory_id, scopes, granted_by, created_at, purposes) VALUES ('app_old', $1, $2, 'print', 'x', 7, '') RETURNING id";
    let id: i64 = sqlx::query_scalar(insert)
        .bind(None::<String>)
        .bind(Some("factory1"))
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(id, 3);
    for (shop, factory) in [(Some("shop1"), Some("factory1")), (None, None)] {
        assert!(
            sqlx::query_scalar::<_, i64>(insert)
                .bind(shop)
                .bind(factory)
                .fetch_one(pool)
                .await
                .is_err(),
            "{shop:?} {factory:?}"
        );
    }
    assert!(
        sqlx::query_scalar::<_, i64>(insert)
            .bind(None::<String>)
            .bind(Some("factory1"))
            .fetch_one(pool)
            .await
            .is_err(),
        "a second live one"
    );
    drop(pg);
}
