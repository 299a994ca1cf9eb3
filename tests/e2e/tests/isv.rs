//! The ISV embedding end to end: the example ISV page (`examples/isv`, plain HTML + the
//! `@orderveil/reveal` npm package from `crates/reveal/pkg`) served by its own small backend
//! on another origin (`http://localhost:PORT`) than OrderVeil (`http://127.0.0.1:PORT`),
//! driven in headless Chromium against a real OrderVeil server that serves `dist/` (with the
//! isolated frame in `dist/embed/`). Every reveal states a purpose: the page's default
//! (the example backend's), and one picked in the page for the isolated frame; both appear in
//! the shop's audit trail, and a purpose the authorization does not list is refused with
//! PURPOSE_NOT_ALLOWED without a charge.
//!
//! `cargo xtask test` builds the package and `dist/` first. Without Chromium or the builds,
//! under `CI=true` the test fails; otherwise it says loudly that it skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::time::{Duration, Instant};

mod common;

use common::http::{Session, api_login as login, api_post as post};
use common::server::{Goods, start};
use common::wait::until;
use common::{NO_BROWSER, browser, have_browser, workspace_root};
use fantoccini::Client;
use orderveil_api::{AuditPage, IsvAppCreated, IsvAuthorization, OrderStatus, QuotaResponse, RevealPurpose};
use orderveil_server::Settings;
use serde_json::{Value, json};

/// Receivers no demo generator produces. (order id, shop, name, phone, address)
const SECRETS: &[(&str, &str, &str, &str, &str)] = &[
    ("ISV000001", "shop1", "嵌入测试甲", "13700000001", "浙江省杭州市余杭区嵌入测试路1号"),
    ("ISV000002", "shop1", "嵌入测试乙", "13700000002", "广西壮族自治区南宁市青秀区嵌入测试街2号"),
    ("ISV000003", "shop1", "嵌入测试丙", "13700000003", "重庆市渝中区嵌入测试巷3号"),
    ("ISVOTHER1", "shop2", "嵌入他店丁", "13700000004", "四川省成都市锦江区嵌入他店路4号"),
];

const THERMOS: Goods = Goods { title: "不锈钢保温杯 500ml", quantity: 2, price_cents: 5_900 };

fn skip_or_fail(why: &str) {
    common::skip_or_fail_as("ISV end-to-end test", why);
}

/// Everything the DOM of the page holds, open shadow roots included.
const WHOLE_DOM: &str = "function all(root) {
    let s = root === document ? document.documentElement.outerHTML : root.innerHTML;
    for (const e of root.querySelectorAll('*')) if (e.shadowRoot) s += all(e.shadowRoot);
    return s;
  }
  return all(document);";

async fn whole_dom(c: &Client) -> String {
    c.execute(WHOLE_DOM, vec![]).await.unwrap().as_str().unwrap().to_string()
}

fn assert_no_plaintext(dom: &str, when: &str) {
    for (id, _, n, p, a) in SECRETS {
        assert!(!dom.contains(n) && !dom.contains(p) && !dom.contains(a), "{when}: plaintext of {id} is in the host page's DOM");
    }
}

/// Run `script` (with `arguments[0]` = a CSS selector of an `<orderveil-field>`) until it
/// returns something truthy; returns that.
async fn poll(c: &Client, script: &str, arg: &str, what: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = c.execute(script, vec![json!(arg)]).await.unwrap();
        if !(v.is_null() || v == json!(false) || v == json!("")) {
            return v;
        }
        assert!(Instant::now() < deadline, "{what} never happened for {arg}; DOM: {}", whole_dom(c).await);
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

const CLICK_EYE: &str = "const el = document.querySelector(arguments[0]);
  const eye = el && el.shadowRoot && el.shadowRoot.querySelector('[part~=\"eye\"]');
  if (!eye) return false;
  eye.click();
  return true;";
const PLAIN_TEXT: &str = "const el = document.querySelector(arguments[0]);
  const p = el && el.shadowRoot && el.shadowRoot.querySelector('[part~=\"plain\"]');
  return p ? p.textContent : null;";
const ERROR_TEXT: &str = "const el = document.querySelector(arguments[0]);
  const e = el && el.shadowRoot && el.shadowRoot.querySelector('[part~=\"error\"]');
  return e ? e.textContent : null;";
const HAS_PLAIN: &str = "const el = document.querySelector(arguments[0]);
  return !!(el && el.shadowRoot && el.shadowRoot.querySelector('[part~=\"plain\"]'));";

async fn used_today(s: &Session, base: &str) -> u32 {
    let q: QuotaResponse = s.0.get(format!("{base}/api/v1/quota")).send().await.unwrap().json().await.unwrap();
    q.today.used
}

/// The shop's reveal audit rows, newest first (`query`: more filters, e.g. `&purpose=…`).
async fn reveal_audit(s: &Session, base: &str, query: &str) -> AuditPage {
    let r = s.0.get(format!("{base}/api/v1/audit?action=reveal{query}")).send().await.unwrap();
    assert!(r.status().is_success(), "GET /api/v1/audit?action=reveal{query}: {}", r.status());
    r.json().await.unwrap()
}

/// The `orderveil-error` event for `code` in the page's event log.
async fn error_event(c: &Client, code: &str) -> String {
    let script = format!("const t = document.querySelector(arguments[0]).textContent; return t.includes('\"code\":\"{code}\"') ? t : null;");
    let log = poll(c, &script, "#events", code).await;
    let log = log.as_str().unwrap().to_string();
    assert!(log.contains("orderveil-error"), "{log}");
    log
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isv_page_reveals_through_the_package_inline_and_isolated() {
    let root = workspace_root();
    let (dist, pkg, page) = (root.join("dist"), root.join("crates/reveal/pkg"), root.join("examples/isv/static"));
    if !have_browser() {
        return skip_or_fail(NO_BROWSER);
    }
    for need in [dist.join("index.html"), dist.join("embed/frame.html"), pkg.join("orderveil_reveal.js")] {
        if !need.exists() {
            return skip_or_fail(&format!("{} is missing (run `cargo xtask test`, which builds the package and dist/)", need.display()));
        }
    }

    // OrderVeil, with the known orders.
    let server = start(Settings::default(), &dist, |now| {
        SECRETS.iter().map(|&(id, shop, name, phone, address)| THERMOS.order(id, shop, OrderStatus::AwaitingShipment, (name, phone, address), now - 600)).collect()
    })
    .await;
    let ov = format!("http://{}", server.addr);

    // The ISV's origin (another host name and port than OrderVeil's).
    let isv_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let isv_port = isv_listener.local_addr().unwrap().port();
    let isv_origin = format!("http://localhost:{isv_port}");

    // The platform registers the app; shop1's owner authorizes it.
    let admin = login(&ov, "admin").await;
    let reg: IsvAppCreated = post(&admin, format!("{ov}/api/v1/isv-apps"), json!({"name": "示例 ERP", "origins": [isv_origin]})).await;
    let owner = login(&ov, "shop1").await;
    // With the reveal scope the owner lists the purposes the app may reveal for.
    let auth: IsvAuthorization = post(
        &owner,
        format!("{ov}/api/v1/isv-authorizations"),
        json!({"app_id": reg.app.app_id, "scopes": ["orders.read", "reveal"], "purposes": ["manual_shipping", "customer_service"]}),
    )
    .await;
    assert_eq!(auth.purposes, [RevealPurpose::ManualShipping, RevealPurpose::CustomerService]);

    // The ISV backend with the app's credentials.
    let backend = orderveil_isv_example::Backend::new(orderveil_isv_example::Config {
        orderveil: ov.clone(),
        app_id: reg.app.app_id.clone(),
        app_secret: reg.app_secret.clone(),
        shop_id: "shop1".into(),
        purpose: "manual_shipping".into(),
        package_dir: pkg,
        static_dir: page,
    });
    tokio::spawn(async move { axum::serve(isv_listener, orderveil_isv_example::router(backend)).await });

    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;

    // ---- inline mode: the page lists ciphertext orders with masks, no plaintext anywhere.
    c.goto(&format!("{isv_origin}/?mode=inline&timeout=3")).await.unwrap();
    let ready = poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    assert_eq!(ready, json!("true"));
    let dom = whole_dom(&c).await;
    assert_no_plaintext(&dom, "before any reveal");
    assert!(dom.contains("ISV000001") && dom.contains("137****0001"), "the masked list is not there");
    assert!(!dom.contains("ISVOTHER1"), "another shop's order is listed");

    let phone1 = r#"orderveil-field[order-id="ISV000001"][field="phone"]"#;
    poll(&c, CLICK_EYE, phone1, "clicking the eye").await;
    let shown = poll(&c, PLAIN_TEXT, phone1, "the plaintext").await;
    assert_eq!(shown, json!(SECRETS[0].3), "the element shows exactly the ingested phone number");
    let addr2 = r#"orderveil-field[order-id="ISV000002"][field="address"]"#;
    poll(&c, CLICK_EYE, addr2, "clicking the eye").await;
    assert_eq!(poll(&c, PLAIN_TEXT, addr2, "the plaintext").await, json!(SECRETS[1].4));
    assert_eq!(used_today(&owner, &ov).await, 2, "two orders revealed through the app, two charged to shop1");
    // Events carry no plaintext; after the timeout (3 s) the plaintext has left the DOM.
    until(Duration::from_secs(10), Duration::from_millis(100), "the plaintext did not hide after its timeout", async || {
        c.execute(HAS_PLAIN, vec![json!(phone1)]).await.unwrap() == json!(false) && c.execute(HAS_PLAIN, vec![json!(addr2)]).await.unwrap() == json!(false)
    })
    .await;
    let dom = whole_dom(&c).await;
    assert_no_plaintext(&dom, "after the timeout");
    assert!(dom.contains("orderveil-reveal") && dom.contains("orderveil-hide"), "the page did not receive the element's events");
    // The audit names the app and the page's purpose (the example backend's default).
    let audit = reveal_audit(&owner, &ov, "").await;
    assert_eq!(audit.entries.len(), 2, "{:?}", audit.entries);
    for e in &audit.entries {
        assert_eq!(e.actor, format!("app:{}", reg.app.app_id));
        assert_eq!(e.details["purpose"], json!("manual_shipping"), "{e:?}");
        assert!(e.details.get("purpose_note").is_none(), "{e:?}");
    }

    // ---- isolated mode: the plaintext shows inside OrderVeil's frame, never in the host page;
    // the purpose picked in the page (customer_service, an authorized one) reaches the frame.
    c.goto(&format!("{isv_origin}/?mode=isolated&timeout=3&purpose=customer_service")).await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    // One frame per field, inside the element's shadow root; enter ISV000003's name frame.
    let frame = poll(
        &c,
        "const els = [...document.querySelectorAll('orderveil-field')]; \
         if (els.length < 9 || !els.every(e => e.shadowRoot && e.shadowRoot.querySelector('iframe'))) return null; \
         return els.find(e => e.getAttribute('order-id') === arguments[0] && e.getAttribute('field') === 'name').shadowRoot.querySelector('iframe');",
        "ISV000003",
        "a frame per field",
    )
    .await;
    let id = frame.as_object().and_then(|o| o.values().next()).and_then(Value::as_str).expect("a web element reference").to_string();
    fantoccini::elements::Element::from_element_id(c.clone(), fantoccini::elements::ElementRef::from(id)).enter_frame().await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.shadowRoot?.querySelector('[part~=\"eye\"]') ? true : null;", "orderveil-field", "the frame's eye").await;
    poll(&c, CLICK_EYE, "orderveil-field", "clicking the eye in the frame").await;
    let shown = poll(&c, PLAIN_TEXT, "orderveil-field", "the plaintext in the frame").await;
    assert_eq!(shown, json!(SECRETS[2].2), "the frame shows exactly the ingested name");
    c.enter_parent_frame().await.unwrap();
    let dom = whole_dom(&c).await;
    assert_no_plaintext(&dom, "isolated mode, while the frame shows the plaintext");
    assert!(dom.contains("orderveil-reveal"), "the host did not get the frame's (non-secret) state");
    assert_eq!(used_today(&owner, &ov).await, 3);
    // The host page's scripts cannot reach into the frame.
    let peek: Value = c
        .execute("try { return window.frames[0].document.body.innerHTML; } catch (e) { return 'blocked:' + e.name; }", vec![])
        .await
        .unwrap();
    assert!(peek.as_str().unwrap().starts_with("blocked:"), "the host read the frame: {peek}");
    // The frame's reveal is audited with the page's chosen purpose, and filterable by it.
    let audit = reveal_audit(&owner, &ov, "").await;
    assert_eq!(audit.entries.len(), 3);
    assert_eq!(audit.entries[0].order_ids, ["ISV000003"]);
    assert_eq!(audit.entries[0].details["purpose"], json!("customer_service"), "{:?}", audit.entries[0]);
    let by_purpose = reveal_audit(&owner, &ov, "&purpose=customer_service").await;
    assert_eq!((by_purpose.total, by_purpose.entries[0].id), (1, audit.entries[0].id));
    assert_eq!(reveal_audit(&owner, &ov, "&purpose=manual_shipping").await.total, 2);

    // ---- a purpose the shop did not authorize the app for: refused by OrderVeil with
    // PURPOSE_NOT_ALLOWED, nothing charged, no reveal audited.
    c.goto(&format!("{isv_origin}/?mode=inline&purpose=after_sales")).await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    let name1 = r#"orderveil-field[order-id="ISV000001"][field="name"]"#;
    assert_eq!(c.execute("return document.querySelector(arguments[0]).getAttribute('purpose');", vec![json!(name1)]).await.unwrap(), json!("after_sales"));
    poll(&c, CLICK_EYE, name1, "clicking the eye").await;
    let err = poll(&c, ERROR_TEXT, name1, "the refusal").await;
    assert_eq!(err, json!("店铺未授权该应用以此用途解密。"), "the server's message for PURPOSE_NOT_ALLOWED");
    error_event(&c, "PURPOSE_NOT_ALLOWED").await;
    assert_no_plaintext(&whole_dom(&c).await, "purpose not allowed");
    assert_eq!(used_today(&owner, &ov).await, 3, "a reveal for a purpose the shop did not allow was charged");
    assert_eq!(reveal_audit(&owner, &ov, "").await.total, 3, "a refused purpose was audited as a reveal");

    // ---- "other" without a note: refused in the page (PURPOSE_INVALID), nothing sent.
    c.goto(&format!("{isv_origin}/?mode=inline&purpose=other")).await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    poll(&c, CLICK_EYE, name1, "clicking the eye").await;
    poll(&c, ERROR_TEXT, name1, "the refusal").await;
    error_event(&c, "PURPOSE_INVALID").await;
    assert_eq!(used_today(&owner, &ov).await, 3);

    // ---- the page from an origin the app did not register: refused, nothing charged.
    c.goto(&format!("http://127.0.0.1:{isv_port}/?mode=inline")).await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    let phone3 = r#"orderveil-field[order-id="ISV000003"][field="phone"]"#;
    poll(&c, CLICK_EYE, phone3, "clicking the eye").await;
    let err = poll(&c, ERROR_TEXT, phone3, "the refusal").await;
    assert!(!err.as_str().unwrap().is_empty());
    assert_no_plaintext(&whole_dom(&c).await, "wrong origin");
    assert_eq!(used_today(&owner, &ov).await, 3, "a request from an unregistered origin was charged");

    // ---- revoked: the page's next reveal is refused with APP_NOT_AUTHORIZED, nothing charged.
    c.goto(&format!("{isv_origin}/?mode=inline")).await.unwrap();
    poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the order list").await;
    let _: IsvAuthorization = post(&owner, format!("{ov}/api/v1/isv-authorizations/{}/revoke", auth.id), json!({})).await;
    poll(&c, CLICK_EYE, phone3, "clicking the eye").await;
    poll(&c, ERROR_TEXT, phone3, "the refusal").await;
    error_event(&c, "APP_NOT_AUTHORIZED").await;
    assert_no_plaintext(&whole_dom(&c).await, "after revocation");
    assert_eq!(used_today(&owner, &ov).await, 3, "a revoked app's request was charged");

    c.close().await.unwrap();
}
