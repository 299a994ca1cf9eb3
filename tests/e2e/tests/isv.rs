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

use common::http::{Session, api_login as login, api_post as post, http};
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
    serve_example(isv_listener, &ov, &reg, pkg, page);

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

/// The example ISV (its backend with the app's credentials for shop1, its pages, the package)
/// served on `listener`.
fn serve_example(listener: tokio::net::TcpListener, ov: &str, reg: &IsvAppCreated, package_dir: std::path::PathBuf, static_dir: std::path::PathBuf) {
    let backend = orderveil_isv_example::Backend::new(orderveil_isv_example::Config {
        orderveil: ov.to_string(),
        app_id: reg.app.app_id.clone(),
        app_secret: reg.app_secret.clone(),
        shop_id: "shop1".into(),
        purpose: "manual_shipping".into(),
        package_dir,
        static_dir,
    });
    tokio::spawn(async move { axum::serve(listener, orderveil_isv_example::router(backend)).await });
}

/// Receivers of the print-and-ship test: two orders of one receiver (one merged label) and
/// one of another. (order id, name, phone, address)
const TO_PRINT: &[(&str, &str, &str, &str)] = &[
    ("PRT000001", "打单测试甲", "13600000001", "江苏省苏州市工业园区打单测试路1号"),
    ("PRT000002", "打单测试甲", "13600000001", "江苏省苏州市工业园区打单测试路1号"),
    ("PRT000003", "打单测试乙", "13600000003", "湖北省武汉市洪山区打单测试街3号"),
];

/// Check the rows of `#table` whose `data-attr` is in `values` (and only those).
async fn select_rows(c: &Client, table: &str, attr: &str, values: &[&str]) {
    let script = format!(
        "for (const tr of document.querySelectorAll('#{table} tbody tr')) {{ const box = tr.querySelector('input'); \
         if (box.checked !== arguments[0].includes(tr.dataset.{attr})) box.click(); }} return true;"
    );
    c.execute(&script, vec![json!(values)]).await.unwrap();
}

/// The text of `#job` once it says something other than "printing…", and its error code.
async fn job_outcome(c: &Client) -> (String, Option<String>) {
    let v = poll(c, "const j = document.querySelector(arguments[0]); return j.textContent && !j.textContent.startsWith('正在') ? [j.textContent, j.dataset.code ?? null] : null;", "#job", "the print's outcome").await;
    (v[0].as_str().unwrap().to_string(), v[1].as_str().map(str::to_string))
}

/// The example ISV's print-and-ship page with an app token (scopes `orders.read`, `print`,
/// `ship`, no `reveal`): it allocates waybills (two orders of one receiver merged), prints them
/// with `printLabels` — the receivers only inside OrderVeil's print frame, never in the host
/// page, which cannot read the frame — reprints up to the limit (the 4th is refused with
/// PRINT_LIMIT_REACHED), and ships; the shop sees the orders shipped with the waybill numbers,
/// the prints audited as the app's, and no reveal quota spent.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn isv_print_page_prints_in_the_frame_and_ships_with_an_app_token() {
    let root = workspace_root();
    let (dist, pkg, page) = (root.join("dist"), root.join("crates/reveal/pkg"), root.join("examples/isv/static"));
    if !have_browser() {
        return skip_or_fail(NO_BROWSER);
    }
    for need in [dist.join("index.html"), dist.join("embed/print.html"), dist.join("embed/print.css"), pkg.join("orderveil_reveal.js")] {
        if !need.exists() {
            return skip_or_fail(&format!("{} is missing (run `cargo xtask test`, which builds the package and dist/)", need.display()));
        }
    }
    let server = start(Settings::default(), &dist, |now| {
        TO_PRINT.iter().map(|&(id, name, phone, address)| THERMOS.order(id, "shop1", OrderStatus::AwaitingShipment, (name, phone, address), now - 600)).collect()
    })
    .await;
    let ov = format!("http://{}", server.addr);
    let isv_listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let isv_origin = format!("http://localhost:{}", isv_listener.local_addr().unwrap().port());

    // An approved, funded SF account of shop1; the app with print and ship (no reveal).
    let (owner, admin) = (login(&ov, "shop1").await, login(&ov, "admin").await);
    let body = json!({"carrier": "SF", "outlet": "苏州园区网点", "sender_name": "示例仓库", "sender_phone": "0512-66668888", "sender_address": "江苏省苏州市示例仓库"});
    let account: Value = post(&owner, format!("{ov}/api/v1/waybill-accounts"), body).await;
    let account_id = account["id"].as_i64().unwrap();
    let _: Value = post(&admin, format!("{ov}/api/v1/waybill-accounts/{account_id}/approve"), json!({"comment": ""})).await;
    let topup: Value = post(&owner, format!("{ov}/api/v1/waybill-accounts/{account_id}/topups"), json!({"units": 10})).await;
    let _: Value = post(&admin, format!("{ov}/api/v1/waybill-topups/{}/confirm", topup["id"]), json!({"amount_cents": 100, "payment_ref": "E2E-ISV"})).await;
    let reg: IsvAppCreated = post(&admin, format!("{ov}/api/v1/isv-apps"), json!({"name": "示例打单软件", "origins": [isv_origin]})).await;
    let _: IsvAuthorization =
        post(&owner, format!("{ov}/api/v1/isv-authorizations"), json!({"app_id": reg.app.app_id, "scopes": ["orders.read", "print", "ship"]})).await;
    serve_example(isv_listener, &ov, &reg, pkg, page);

    let profile = tempfile::tempdir().unwrap();
    let (_driver, c) = browser(profile.path()).await;
    c.goto(&format!("{isv_origin}/print.html")).await.unwrap();
    assert_eq!(poll(&c, "return document.querySelector(arguments[0])?.dataset.ready ?? null;", "#status", "the page").await, json!("true"));
    let no_plaintext = async |when: &str| {
        let dom = whole_dom(&c).await;
        for (id, n, p, a) in TO_PRINT {
            assert!(!dom.contains(n) && !dom.contains(p) && !dom.contains(a), "{when}: a receiver of {id} is in the host page's DOM");
        }
    };
    no_plaintext("the order list").await;
    assert!(whole_dom(&c).await.contains("136****0003"), "the masked list is not there");

    // Waybills: PRT000001 + PRT000002 (one receiver) merged onto one, PRT000003 on its own.
    let allocate = async |orders: &[&str]| {
        select_rows(&c, "orders", "orderId", orders).await;
        c.execute("document.getElementById('allocate-btn').click(); return true;", vec![]).await.unwrap();
        let made = poll(&c, "const t = document.querySelector(arguments[0]).textContent; return t.startsWith('已取号') || t.startsWith('取号失败') ? t : null;", "#job", "the allocation").await;
        assert!(made.as_str().unwrap().starts_with("已取号 1 张"), "{made}");
        c.execute("document.getElementById('job').textContent = ''; return true;", vec![]).await.unwrap();
    };
    allocate(&["PRT000001", "PRT000002"]).await;
    allocate(&["PRT000003"]).await;
    let waybills: Vec<Value> = owner.0.get(format!("{ov}/api/v1/waybills")).send().await.unwrap().json().await.unwrap();
    assert_eq!(waybills.len(), 2, "{waybills:?}");
    let merged = waybills.iter().find(|w| w["order_ids"].as_array().unwrap().len() == 2).expect("the merged waybill")["waybill_no"].as_str().unwrap().to_string();
    let single = waybills.iter().find(|w| w["order_ids"] == json!(["PRT000003"])).unwrap()["waybill_no"].as_str().unwrap().to_string();
    poll(&c, "return document.querySelectorAll('#waybills tbody tr').length === 2 || null;", "", "the waybill list").await;

    // Print both: two labels in OrderVeil's frame, the receivers only there.
    let print = async |nos: &[&str]| {
        select_rows(&c, "waybills", "waybillNo", nos).await;
        c.execute("document.getElementById('print-btn').click(); return true;", vec![]).await.unwrap();
        job_outcome(&c).await
    };
    let (text, code) = print(&[&merged, &single]).await;
    assert_eq!(code, None, "printing was refused: {text}");
    assert!(text.contains(&format!("{merged} 第 1 次")) && text.contains(&format!("{single} 第 1 次")), "{text}");
    no_plaintext("while the labels show").await;
    let peek = c.execute("try { return document.querySelector('#preview iframe').contentDocument.body.innerHTML; } catch (e) { return 'blocked:' + e.name; }", vec![]).await.unwrap();
    assert!(peek.is_null() || peek.as_str().is_some_and(|p| p.starts_with("blocked:")), "the host page read the print frame: {peek}");
    c.find(fantoccini::Locator::Css("#preview iframe")).await.unwrap().enter_frame().await.unwrap();
    let labels = poll(&c, "return document.querySelectorAll(arguments[0]).length || null;", "section.label", "the labels in the frame").await;
    assert_eq!(labels, json!(2));
    let frame_text = c.execute("return document.body.innerText;", vec![]).await.unwrap().as_str().unwrap().to_string();
    for (id, n, p, a) in TO_PRINT {
        assert!(frame_text.contains(id) && frame_text.contains(n) && frame_text.contains(p) && frame_text.contains(a), "{id} is not on its label: {frame_text}");
    }
    assert!(frame_text.contains(&merged) && frame_text.contains("第 1 次打印") && frame_text.contains("示例仓库"), "{frame_text}");
    // One receiver block on the merged label, a Code 128 barcode on each, print.css applied.
    let merged_receivers = c.execute("return document.querySelector(`section.label[data-waybill-no=\"${arguments[0]}\"]`).querySelectorAll('.receiver').length;", vec![json!(merged)]).await.unwrap();
    assert_eq!(merged_receivers, json!(1));
    assert_eq!(c.execute("return document.querySelectorAll('svg.barcode rect').length > 20;", vec![]).await.unwrap(), json!(true));
    let width = c.execute("return parseFloat(getComputedStyle(document.querySelector('section.label')).width);", vec![]).await.unwrap().as_f64().unwrap();
    assert!((width - 76.0 / 25.4 * 96.0).abs() < 2.0, "the label is {width}px wide, not 76 mm");
    c.enter_parent_frame().await.unwrap();
    poll(&c, "return document.querySelector(`#waybills tr[data-waybill-no=\"${arguments[0]}\"] td.prints`)?.textContent === '1/3' || null;", &merged, "1/3 prints").await;

    // The browser loads the frame again for a reprint and revalidates it: the 304 carries the
    // frame's own policy (the registered origin may frame it), or the reprint's frame is blocked.
    let first = http(&server.addr, "GET", "/embed/print.html", &[], "").await;
    let last_modified = first.header("last-modified").expect("Last-Modified on the frame").to_string();
    let again = http(&server.addr, "GET", "/embed/print.html", &[("If-Modified-Since", &last_modified)], "").await;
    assert_eq!(again.status, 304);
    for r in [&first, &again] {
        let csp = r.header("content-security-policy").expect("CSP on the frame");
        assert!(csp.contains(&format!("frame-ancestors {isv_origin}")), "{csp}");
    }

    // Reprints of the merged label up to the limit; the 4th is refused with the server's code.
    for n in [2, 3] {
        let (text, code) = print(&[&merged]).await;
        assert_eq!(code, None, "{text}");
        assert!(text.contains(&format!("第 {n} 次")), "{text}");
    }
    let (text, code) = print(&[&merged]).await;
    assert_eq!(code.as_deref(), Some("PRINT_LIMIT_REACHED"), "{text}");
    assert_eq!(c.execute("return document.querySelectorAll('#preview iframe').length;", vec![]).await.unwrap(), json!(0), "a refused print left its frame");
    no_plaintext("after the prints").await;

    // Ship both printed waybills: the shop sees the orders shipped with the waybill numbers.
    select_rows(&c, "waybills", "waybillNo", &[&merged, &single]).await;
    c.execute("document.getElementById('ship-btn').click(); return true;", vec![]).await.unwrap();
    let (text, code) = job_outcome(&c).await;
    assert_eq!(code, None, "{text}");
    assert!(text.starts_with("已发货") && text.contains("PRT000003"), "{text}");
    for (id, no) in [("PRT000001", &merged), ("PRT000002", &merged), ("PRT000003", &single)] {
        let o: Value = owner.0.get(format!("{ov}/api/v1/orders/{id}")).send().await.unwrap().json().await.unwrap();
        assert_eq!(o["status"], json!("shipped"), "{o}");
        assert_eq!(o["shipment"]["tracking_no"], json!(no), "{o}");
    }
    // Audited as the app's prints and shipment; the reveal quota untouched.
    let audit: AuditPage = owner.0.get(format!("{ov}/api/v1/audit?action=print")).send().await.unwrap().json().await.unwrap();
    let ok: Vec<_> = audit.entries.iter().filter(|e| e.outcome == "ok").collect();
    assert_eq!(ok.len(), 3, "{:?}", audit.entries);
    assert!(audit.entries.iter().all(|e| e.actor == format!("app:{}", reg.app.app_id)), "{:?}", audit.entries);
    assert_eq!(used_today(&owner, &ov).await, 0, "printing charged the reveal quota");
    c.close().await.unwrap();
}
