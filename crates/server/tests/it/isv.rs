//! Third-party (ISV) apps: registration, a shop's authorization, tokens, scopes, CORS, and
//! the batch helpers. Each rule is attacked: a wrong secret, no authorization, a revoked one,
//! an expired token, a missing scope, another shop's order, a wrong web origin, a session
//! cookie sent cross-origin. A refusal never charges the quota.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_api::{BatchMaskResponse, IsvAppCreated, IsvAuthorization, OrderPage, OrderView, QuotaResponse, RevealGrantResponse, SearchIndexResponse, TokenResponse};
use orderveil_cipher::ClientSession;
use serde_json::{Value, json};

use crate::helpers::*;

both_stores!(
    an_authorized_app_reads_and_reveals_its_shop_until_revoked,
    app_tokens_need_their_scope_their_shop_and_time,
    browsers_reach_the_api_only_from_registered_origins,
    batch_helpers_mask_stored_ciphertext_and_index_search_terms,
);

/// The ISV page's origin in these tests.
const ORIGIN: &str = "http://isv.example:8081";

/// An app's backend: bearer token, no cookies.
pub(crate) struct AppClient {
    http: reqwest::Client,
    base: String,
    token: String,
    origin: Option<String>,
}

impl AppClient {
    pub(crate) fn new(base: &str, token: &str) -> Self {
        Self { http: reqwest::Client::new(), base: base.into(), token: token.into(), origin: None }
    }

    pub(crate) fn with_origin(mut self, origin: &str) -> Self {
        self.origin = Some(origin.into());
        self
    }

    fn req(&self, m: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(m, format!("{}{path}", self.base)).bearer_auth(&self.token);
        match &self.origin {
            Some(o) => r.header("Origin", o),
            None => r,
        }
    }

    pub(crate) async fn get(&self, path: &str) -> (Resp, Option<String>) {
        let r = self.req(reqwest::Method::GET, path).send().await.unwrap();
        let acao = r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string());
        (read(r).await, acao)
    }

    pub(crate) async fn post(&self, path: &str, body: &Value) -> (Resp, Option<String>) {
        let r = self.req(reqwest::Method::POST, path).json(body).send().await.unwrap();
        let acao = r.headers().get("access-control-allow-origin").map(|v| v.to_str().unwrap().to_string());
        (read(r).await, acao)
    }

    pub(crate) async fn reveal(&self, ids: &[&str], fields: &[&str]) -> (ClientSession, Resp) {
        let s = ClientSession::new().unwrap();
        let body = json!({"order_ids": ids, "fields": fields, "client_public": URL_SAFE_NO_PAD.encode(s.public_key()), "purpose": PURPOSE});
        (s, self.post("/api/v1/reveal-grants", &body).await.0)
    }
}

async fn read(r: reqwest::Response) -> Resp {
    let status = r.status().as_u16();
    let text = r.text().await.unwrap();
    Resp { status, body: serde_json::from_str(&text).unwrap_or(Value::Null), text }
}

pub(crate) async fn post_json(base: &str, path: &str, body: &Value) -> Resp {
    read(reqwest::Client::new().post(format!("{base}{path}")).json(body).send().await.unwrap()).await
}

/// The admin registers an app with these origins.
pub(crate) async fn register(app: &TestApp, name: &str, origins: &[&str]) -> IsvAppCreated {
    let admin = app.login("admin").await;
    admin.post("/api/v1/isv-apps", &json!({"name": name, "origins": origins})).await.ok()
}

/// shop1's owner authorizes the app with these scopes (and, with `reveal`, for manual
/// shipping and after-sales).
pub(crate) async fn authorize(app: &TestApp, app_id: &str, scopes: &[&str]) -> IsvAuthorization {
    let purposes: &[&str] = if scopes.contains(&"reveal") { &["manual_shipping", "after_sales"] } else { &[] };
    authorize_for(app, app_id, scopes, purposes).await.ok()
}

/// shop1's owner authorizes the app with these scopes and purposes.
pub(crate) async fn authorize_for(app: &TestApp, app_id: &str, scopes: &[&str], purposes: &[&str]) -> Resp {
    let owner = app.login("shop1").await;
    owner.post("/api/v1/isv-authorizations", &json!({"app_id": app_id, "scopes": scopes, "purposes": purposes})).await
}

/// A token of the app for shop1 as an app client.
pub(crate) async fn app_client(app: &TestApp, reg: &IsvAppCreated) -> AppClient {
    let t: TokenResponse = token(app, reg, "shop1").await.ok();
    AppClient::new(&app.base, &t.access_token)
}

pub(crate) async fn token(app: &TestApp, reg: &IsvAppCreated, shop: &str) -> Resp {
    post_json(&app.base, "/api/v1/isv/token", &json!({"grant_type": "client_credentials", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "shop_id": shop})).await
}

async fn an_authorized_app_reads_and_reveals_its_shop_until_revoked(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;

    // Only the platform admin registers apps; origins must be exact web origins.
    owner.post("/api/v1/isv-apps", &json!({"name": "X", "origins": [ORIGIN]})).await.err(403, "FORBIDDEN");
    let admin = app.login("admin").await;
    admin.post("/api/v1/isv-apps", &json!({"name": "X", "origins": ["http://isv.example:8081/path"]})).await.err(422, "VALIDATION_FAILED");
    admin.post("/api/v1/isv-apps", &json!({"name": "X", "origins": []})).await.err(422, "VALIDATION_FAILED");
    let reg = register(&app, "快递助手 ERP", &[ORIGIN]).await;
    assert!(reg.app.app_id.starts_with("app_") && reg.app_secret.starts_with("ovas_"));
    let listed: Vec<orderveil_api::IsvApp> = owner.get("/api/v1/isv-apps").await.ok();
    assert_eq!(listed.iter().map(|a| a.app_id.as_str()).collect::<Vec<_>>(), [reg.app.app_id.as_str()]);
    // The secret is stored only as its hash.
    let (stored,): (String,) = sqlx::query_as("SELECT secret_hash FROM isv_apps").fetch_one(&app.state.db.pool).await.unwrap();
    assert_ne!(stored, reg.app_secret);

    // No token without the right secret, nor before the shop authorized the app.
    // Wrong secrets (or an unknown app) are refused before any write transaction begins.
    let writes = app.state.db.writes_begun();
    for (app_id, secret) in [(reg.app.app_id.as_str(), "ovas_wrong"), ("app_unknown", "ovas_wrong"), (reg.app.app_id.as_str(), "")] {
        let bad = post_json(&app.base, "/api/v1/isv/token", &json!({"grant_type": "client_credentials", "app_id": app_id, "app_secret": secret, "shop_id": "shop1"})).await;
        bad.err(401, "APP_CREDENTIALS_INVALID");
    }
    assert_eq!(app.state.db.writes_begun(), writes, "a wrong app secret took the write lock");
    token(&app, &reg, "shop1").await.err(403, "APP_NOT_AUTHORIZED");

    // Staff cannot authorize apps; the owner can.
    let ops = app.login("shop1-ops").await;
    ops.post("/api/v1/isv-authorizations", &json!({"app_id": reg.app.app_id, "scopes": ["orders.read"]})).await.err(403, "FORBIDDEN");
    let auth = authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    assert_eq!((auth.shop_id.as_deref(), auth.revoked_at.as_ref()), (Some("shop1"), None));
    // …for its own shop only: a token for shop2 is refused.
    token(&app, &reg, "shop2").await.err(403, "APP_NOT_AUTHORIZED");

    let t: TokenResponse = token(&app, &reg, "shop1").await.ok();
    assert_eq!((t.token_type.as_str(), t.shop_id.as_deref(), t.expires_in), ("Bearer", Some("shop1"), 7200));
    let isv = AppClient::new(&app.base, &t.access_token);

    // It lists shop1's masked orders and ciphertext, and nothing of shop2.
    let page: OrderPage = isv.get("/api/v1/orders?per_page=200").await.0.ok();
    assert!(!page.orders.is_empty() && page.orders.iter().all(|o| o.shop_id == "shop1"));
    isv.get("/api/v1/orders/S2-AWAIT-2").await.0.err(404, "ORDER_NOT_FOUND");
    isv.get("/api/v1/orders?shop_id=shop2").await.0.err(403, "FORBIDDEN");
    let order: OrderView = isv.get("/api/v1/orders/S1-AWAIT-2").await.0.ok();

    // Its grant opens with the client's key and yields exactly the ingested plaintext,
    // charged to shop1 and audited as the app.
    let (mut session, r) = isv.reveal(&["S1-AWAIT-2"], &["phone", "name", "address"]).await;
    let g: RevealGrantResponse = r.ok();
    assert_eq!((g.charged_order_ids.as_slice(), g.quota.used), (&["S1-AWAIT-2".to_string()][..], 1));
    let opened = open(&mut session, &r, "shop1", app.now());
    let want = app.ingested("S1-AWAIT-2");
    assert_eq!(decrypt(&opened, "S1-AWAIT-2", &order.ciphertext.phone), want.phone);
    assert_eq!(decrypt(&opened, "S1-AWAIT-2", &order.ciphertext.name), want.name);
    assert_eq!(decrypt(&opened, "S1-AWAIT-2", &order.ciphertext.address), want.address);
    assert_eq!(owner.quota().await.used, 1);
    let audit = owner.audit("action=reveal").await;
    let e = &audit.entries[0];
    assert_eq!((e.actor.clone(), e.outcome.as_str(), e.order_ids.clone()), (format!("app:{}", reg.app.app_id), "ok", vec!["S1-AWAIT-2".to_string()]));
    assert_eq!(e.details["via"]["isv"], json!(reg.app.app_id));
    // The app sees the quota its reveals are charged to.
    let q: QuotaResponse = isv.get("/api/v1/quota").await.0.ok();
    assert_eq!(q.today.used, 1);

    // A refresh gives new tokens; the refresh token is single-use.
    let refresh = json!({"grant_type": "refresh_token", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "refresh_token": t.refresh_token});
    let t2: TokenResponse = post_json(&app.base, "/api/v1/isv/token", &refresh).await.ok();
    assert_ne!(t2.access_token, t.access_token);
    post_json(&app.base, "/api/v1/isv/token", &refresh).await.err(401, "TOKEN_INVALID");
    // Another app's secret cannot use this app's refresh token.
    let other = register(&app, "别的应用", &["http://other.example"]).await;
    let stolen = json!({"grant_type": "refresh_token", "app_id": other.app.app_id, "app_secret": other.app_secret, "refresh_token": t2.refresh_token});
    post_json(&app.base, "/api/v1/isv/token", &stolen).await.err(401, "TOKEN_INVALID");

    // Revocation takes effect at once, for every token of the authorization.
    owner.post(&format!("/api/v1/isv-authorizations/{}/revoke", auth.id), &json!({})).await.ok::<IsvAuthorization>();
    for tok in [&t.access_token, &t2.access_token] {
        let c = AppClient::new(&app.base, tok);
        c.get("/api/v1/orders").await.0.err(403, "APP_NOT_AUTHORIZED");
        c.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.err(403, "APP_NOT_AUTHORIZED");
    }
    let refresh2 = json!({"grant_type": "refresh_token", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "refresh_token": t2.refresh_token});
    assert!(matches!(post_json(&app.base, "/api/v1/isv/token", &refresh2).await.status, 401 | 403));
    token(&app, &reg, "shop1").await.err(403, "APP_NOT_AUTHORIZED");
    assert_eq!((owner.quota().await.used, app.charges("shop1").await), (1, 1), "a refused app request charged the quota");
    // Another shop's owner cannot revoke (or see) shop1's authorization.
    let shop2 = app.login("shop2").await;
    shop2.post(&format!("/api/v1/isv-authorizations/{}/revoke", auth.id), &json!({})).await.err(404, "NOT_FOUND");
    let mine: Vec<IsvAuthorization> = shop2.get("/api/v1/isv-authorizations").await.ok();
    assert!(mine.is_empty());
    // Every step is in the audit trail.
    let actions: Vec<String> = admin.audit("per_page=200").await.entries.into_iter().map(|e| e.action).collect();
    for a in ["isv_app_register", "isv_authorize", "isv_token", "isv_revoke"] {
        assert!(actions.iter().any(|x| x == a), "{a} not audited: {actions:?}");
    }
    let (ok, out) = app.audit_verify().await;
    assert!(ok, "{out}");
}

async fn app_tokens_need_their_scope_their_shop_and_time(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let reg = register(&app, "只读应用", &[ORIGIN]).await;
    authorize(&app, &reg.app.app_id, &["orders.read"]).await;
    let t: TokenResponse = token(&app, &reg, "shop1").await.ok();
    let isv = AppClient::new(&app.base, &t.access_token);

    // orders.read lists but does not reveal; a token cannot ask for more than was granted.
    isv.get("/api/v1/orders").await.0.ok::<OrderPage>();
    assert_eq!(isv.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.err(403, "SCOPE_MISSING"), json!({"scope": "reveal"}));
    let more = json!({"grant_type": "client_credentials", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "shop_id": "shop1", "scopes": ["reveal"]});
    post_json(&app.base, "/api/v1/isv/token", &more).await.err(403, "SCOPE_MISSING");

    // With `reveal` (re-authorized: the old authorization and its tokens die)…
    authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    isv.get("/api/v1/orders").await.0.err(403, "APP_NOT_AUTHORIZED");
    let t: TokenResponse = token(&app, &reg, "shop1").await.ok();
    // …a token narrowed to orders.read still cannot reveal.
    let narrow: TokenResponse = post_json(
        &app.base,
        "/api/v1/isv/token",
        &json!({"grant_type": "client_credentials", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "shop_id": "shop1", "scopes": ["orders.read"]}),
    )
    .await
    .ok();
    AppClient::new(&app.base, &narrow.access_token).reveal(&["S1-AWAIT-1"], &["phone"]).await.1.err(403, "SCOPE_MISSING");
    let isv = AppClient::new(&app.base, &t.access_token);
    // Another shop's order is "not found", alone or in a batch; cancelled ones keep their rule.
    isv.reveal(&["S2-AWAIT-2"], &["phone"]).await.1.err(404, "ORDER_NOT_FOUND");
    isv.reveal(&["S1-AWAIT-1", "S2-AWAIT-2"], &["phone"]).await.1.err(404, "ORDER_NOT_FOUND");
    isv.reveal(&["S1-CANCELLED"], &["phone"]).await.1.err(409, "ORDER_STATE_FORBIDS_REVEAL");
    // Garbage and lookalike tokens.
    AppClient::new(&app.base, "ovat_not-a-token").get("/api/v1/orders").await.0.err(401, "TOKEN_INVALID");
    AppClient::new(&app.base, &t.refresh_token).get("/api/v1/orders").await.0.err(401, "UNAUTHENTICATED");
    // App tokens open only the app endpoints: not the order system's ingest, not the audit.
    AppClient::new(&app.base, &t.access_token).post("/api/v1/orders/ingest", &json!({"orders": []})).await.0.err(401, "UNAUTHENTICATED");
    isv.get("/api/v1/audit").await.0.err(401, "UNAUTHENTICATED");
    assert_eq!((owner.quota().await.used, app.charges("shop1").await), (0, 0));

    // After two hours the access token has expired; the refresh token still works.
    app.clock.advance(2 * 3600 + 1);
    isv.get("/api/v1/orders").await.0.err(401, "TOKEN_EXPIRED");
    isv.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.err(401, "TOKEN_EXPIRED");
    assert_eq!((owner.quota().await.used, app.charges("shop1").await), (0, 0));
    let refreshed: TokenResponse =
        post_json(&app.base, "/api/v1/isv/token", &json!({"grant_type": "refresh_token", "app_id": reg.app.app_id, "app_secret": reg.app_secret, "refresh_token": t.refresh_token}))
            .await
            .ok();
    let g: RevealGrantResponse = AppClient::new(&app.base, &refreshed.access_token).reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-AWAIT-1"]);
}

async fn browsers_reach_the_api_only_from_registered_origins(store: Store) {
    let app = TestApp::spawn(store).await;
    let owner = app.login("shop1").await;
    let reg = register(&app, "网页版 ERP", &[ORIGIN]).await;
    let reg_b = register(&app, "另一个应用", &["http://b.example:9000"]).await;
    authorize(&app, &reg.app.app_id, &["orders.read", "reveal"]).await;
    let t: TokenResponse = token(&app, &reg, "shop1").await.ok();
    let http = reqwest::Client::new();

    // Preflight: answered for a registered origin, refused for any other.
    let pre = |origin: &'static str| {
        http.request(reqwest::Method::OPTIONS, format!("{}/api/v1/reveal-grants", app.base))
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "authorization, content-type")
            .send()
    };
    let ok = pre(ORIGIN).await.unwrap();
    assert_eq!(ok.status().as_u16(), 204);
    assert_eq!(ok.headers()["access-control-allow-origin"], ORIGIN);
    assert!(ok.headers()["access-control-allow-headers"].to_str().unwrap().contains("authorization"));
    assert!(ok.headers().get("access-control-allow-credentials").is_none());
    let evil = pre("http://evil.example").await.unwrap();
    assert!(evil.headers().get("access-control-allow-origin").is_none());
    read(evil).await.err(403, "ORIGIN_NOT_ALLOWED");

    // The registered origin reads and reveals, and may read the answer.
    let isv = AppClient::new(&app.base, &t.access_token).with_origin(ORIGIN);
    let g: RevealGrantResponse = isv.reveal(&["S1-AWAIT-1"], &["phone"]).await.1.ok();
    assert_eq!(g.charged_order_ids, ["S1-AWAIT-1"]);
    let (page, acao) = isv.get("/api/v1/orders").await;
    page.ok::<OrderPage>();
    assert_eq!(acao.as_deref(), Some(ORIGIN));

    // The same token from another app's origin, or from an unregistered one: refused, nothing charged.
    for origin in ["http://b.example:9000", "http://evil.example"] {
        let c = AppClient::new(&app.base, &t.access_token).with_origin(origin);
        c.reveal(&["S1-AWAIT-2"], &["phone"]).await.1.err(403, "ORIGIN_NOT_ALLOWED");
    }
    assert_ne!(reg_b.app.app_id, reg.app.app_id);
    // A session cookie is never honoured cross-origin, CSRF token or not.
    let r = owner.http.post(owner.url("/api/v1/reveal-grants")).header("Origin", ORIGIN).header("X-CSRF-Token", &owner.csrf).json(&json!({
        "order_ids": ["S1-AWAIT-2"], "fields": ["phone"], "client_public": URL_SAFE_NO_PAD.encode(ClientSession::new().unwrap().public_key()), "purpose": PURPOSE
    })).send().await.unwrap();
    read(r).await.err(403, "ORIGIN_NOT_ALLOWED");
    assert_eq!((owner.quota().await.used, app.charges("shop1").await), (1, 1));

    // The web app itself (same origin) is unaffected.
    let same = owner.base.clone();
    let r = owner.http.get(owner.url("/api/v1/me")).header("Origin", &same).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert!(r.headers().get("access-control-allow-origin").is_none());
}

async fn batch_helpers_mask_stored_ciphertext_and_index_search_terms(store: Store) {
    let app = TestApp::spawn(store).await;
    let reg = register(&app, "仓储系统", &[ORIGIN]).await;
    authorize(&app, &reg.app.app_id, &["orders.read"]).await;
    let t: TokenResponse = token(&app, &reg, "shop1").await.ok();
    let isv = AppClient::new(&app.base, &t.access_token);
    let page: OrderPage = isv.get("/api/v1/orders?per_page=200").await.0.ok();
    let a2 = page.orders.iter().find(|o| o.order_id == "S1-AWAIT-2").unwrap();
    let sh = page.orders.iter().find(|o| o.order_id == "S1-SHIPPED").unwrap();

    // Masking what the app stores gives the server's masks, never plaintext.
    let items = json!({"items": [
        {"order_id": "S1-AWAIT-2", "ciphertext": a2.ciphertext.phone},
        {"order_id": "S1-AWAIT-2", "ciphertext": a2.ciphertext.name},
        {"order_id": "S1-SHIPPED", "ciphertext": sh.ciphertext.address},
    ]});
    let (r, _) = isv.post("/api/v1/isv/batch-mask", &items).await;
    let m: BatchMaskResponse = r.ok();
    let got: Vec<(&str, &str)> = m.items.iter().map(|i| (i.field.as_str(), i.masked.as_str())).collect();
    assert_eq!(got, [("phone", a2.masked.phone.as_str()), ("name", a2.masked.name.as_str()), ("address", sh.masked.address.as_str())]);
    for plain in [app.ingested("S1-AWAIT-2").phone, app.ingested("S1-AWAIT-2").name, app.ingested("S1-SHIPPED").address] {
        assert!(!r.text.contains(&plain), "plaintext in the answer: {}", r.text);
    }
    // A ciphertext under another order's id, another shop's order, garbage, too many.
    let moved = json!({"items": [{"order_id": "S1-SHIPPED", "ciphertext": a2.ciphertext.phone}]});
    isv.post("/api/v1/isv/batch-mask", &moved).await.0.err(422, "CIPHERTEXT_INVALID");
    let s2 = app.login("shop2").await;
    let s2o: OrderView = s2.get("/api/v1/orders/S2-AWAIT-2").await.ok();
    let foreign = json!({"items": [{"order_id": "S2-AWAIT-2", "ciphertext": s2o.ciphertext.phone}]});
    isv.post("/api/v1/isv/batch-mask", &foreign).await.0.err(404, "ORDER_NOT_FOUND");
    isv.post("/api/v1/isv/batch-mask", &json!({"items": [{"order_id": "S1-AWAIT-2", "ciphertext": "$abc$$"}]})).await.0.err(422, "CIPHERTEXT_INVALID");
    let many: Vec<Value> = (0..51).map(|_| json!({"order_id": "S1-AWAIT-2", "ciphertext": a2.ciphertext.phone})).collect();
    isv.post("/api/v1/isv/batch-mask", &json!({"items": many})).await.0.err(422, "TOO_MANY_ORDERS");

    // Search-index tokens find exactly the matching stored ciphertexts.
    let want = app.ingested("S1-AWAIT-2");
    let frag: String = want.address.chars().skip(3).take(4).collect();
    let q = json!({"items": [{"field": "phone", "value": want.phone}, {"field": "address", "value": frag}]});
    let (r, _) = isv.post("/api/v1/isv/search-index", &q).await;
    let idx: SearchIndexResponse = r.ok();
    assert!(!r.text.contains(&want.phone));
    let index_of = |ct: &str| orderveil_cipher::FieldCiphertext::parse(ct).unwrap().index_text();
    // A phone matches when the index segment IS the token; a fragment when the segment holds every window token.
    let phone_hits: Vec<&str> = page.orders.iter().filter(|o| idx.items[0].tokens == [index_of(&o.ciphertext.phone)]).map(|o| o.order_id.as_str()).collect();
    assert_eq!(phone_hits, ["S1-AWAIT-2"]);
    assert!(!idx.items[1].tokens.is_empty());
    let addr_hits: Vec<&str> = page.orders.iter().filter(|o| orderveil_cipher::index_matches(&index_of(&o.ciphertext.address), &idx.items[1].tokens)).map(|o| o.order_id.as_str()).collect();
    assert!(addr_hits.contains(&"S1-AWAIT-2"), "{addr_hits:?}");
    // Another shop's index key gives other tokens: shop1's tokens do not find shop2's copy of a shared receiver.
    let shared = json!({"items": [{"field": "phone", "value": SHARED_RECEIVER.1}]});
    let mine: SearchIndexResponse = isv.post("/api/v1/isv/search-index", &shared).await.0.ok();
    let s1_copy: OrderView = isv.get("/api/v1/orders/S1-AWAIT-1").await.0.ok();
    let s2_copy: OrderView = s2.get("/api/v1/orders/S2-SAME-RECEIVER").await.ok();
    assert_eq!(mine.items[0].tokens, [index_of(&s1_copy.ciphertext.phone)]);
    assert_ne!(mine.items[0].tokens, [index_of(&s2_copy.ciphertext.phone)]);
    isv.post("/api/v1/isv/search-index", &json!({"items": [{"field": "email", "value": "x"}]})).await.0.err(422, "UNKNOWN_FIELD");

    // The OpenAPI document describes the ISV endpoints and the app token.
    let doc: Value = isv.get("/api/openapi.json").await.0.ok();
    for p in ["/api/v1/isv/token", "/api/v1/isv/batch-mask", "/api/v1/isv/search-index", "/api/v1/isv-apps", "/api/v1/isv-authorizations/{id}/revoke"] {
        assert!(doc["paths"].get(p).is_some(), "{p} missing from the OpenAPI document");
    }
    assert_eq!(doc["components"]["securitySchemes"]["app_token"]["scheme"], json!("bearer"));
}
