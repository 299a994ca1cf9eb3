//! The package API in headless Chromium (`cargo test --target wasm32-unknown-unknown -p
//! orderveil-reveal`), without an OrderVeil server: parsing and masking against the cipher's
//! committed vector files, `RevealError`'s shape, `RevealClient`'s validation, a real
//! `fetch` to an unreachable address, and full reveals whose grant is sealed in the test with
//! orderveil-cipher's `seal_grant` and answered by a stand-in for `fetch` (the real server
//! and an ISV page are exercised by the end-to-end suite in tests/e2e). The purpose: refused in
//! the page when missing or invalid, sent with every grant (the stand-in refuses a request
//! without one, as the server does). Also the custom element: definition, masked rendering,
//! reveal, countdown, removal, errors, the purpose attributes, isolated mode.
#![cfg(all(target_arch = "wasm32", target_os = "unknown"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, Function, JSON, Object, Promise, Reflect};
use orderveil_cipher::{Dek, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose, OrderId, ShopId, seal_grant};
use orderveil_reveal::{RevealClient, define_orderveil_field, mask, parse_ciphertext, version};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

const FIELDS: &str = include_str!("../../cipher/tests/vectors/fields.txt");
const FIELDS_NEGATIVE: &str = include_str!("../../cipher/tests/vectors/fields_negative.txt");
const MASKING: &str = include_str!("../../cipher/tests/vectors/masking.txt");

/// Handled by the fetch stand-in: a grant sealed for shop1.
const OK_URL: &str = "https://ok.stub.orderveil.test";
/// Handled by the fetch stand-in: 429 QUOTA_EXHAUSTED.
const QUOTA_URL: &str = "https://quota.stub.orderveil.test";
/// Handled by the fetch stand-in: 502 with an HTML body.
const HTML_URL: &str = "https://html.stub.orderveil.test/prefix";
/// Handled by the fetch stand-in: 200 with JSON that is not a grant.
const GARBAGE_URL: &str = "https://garbage.stub.orderveil.test";
/// Handled by the fetch stand-in: print grants for shop1 (see [`print_answer`]).
const PRINT_URL: &str = "https://print.stub.orderveil.test";
/// The order the print stand-in puts on every label.
const PRINT_ORDER: &str = "6921000000000000002";

#[wasm_bindgen(inline_js = r#"
export function isInstance(v, cls) { return v instanceof cls; }
export function isFrozen(v) { return Object.isFrozen(v); }
export function sleep(ms) { return new Promise((r) => setTimeout(r, ms)); }
// Act as the isolated-mode frame: run code in the iframe's own realm, so that the host sees
// `event.source === iframe.contentWindow`. Resolves with the host's answer to need-token.
export function frameAsksForToken(iframe, nonce) {
  return new Promise((resolve, reject) => {
    const go = () => {
      const w = iframe.contentWindow;
      const ask = new w.Function('nonce', `
        return new Promise((res) => {
          addEventListener('message', (e) => {
            if (e.source === parent && e.data && e.data.type === 'orderveil:token') res(e.data);
          });
          parent.postMessage({ type: 'orderveil:need-token', nonce }, '*');
        });`);
      ask(nonce).then(resolve, reject);
    };
    const doc = iframe.contentDocument;
    if (doc && doc.readyState === 'complete' && iframe.contentWindow.location.href !== 'about:blank') go();
    else iframe.addEventListener('load', go, { once: true });
  });
}
export function framePosts(iframe, msg) {
  const w = iframe.contentWindow;
  new w.Function('msg', "parent.postMessage(msg, '*');")(msg);
}
"#)]
extern "C" {
    #[wasm_bindgen(js_name = isInstance)]
    fn is_instance(v: &JsValue, cls: &JsValue) -> bool;
    #[wasm_bindgen(js_name = isFrozen)]
    fn is_frozen(v: &JsValue) -> bool;
    fn sleep(ms: u32) -> Promise;
    #[wasm_bindgen(js_name = frameAsksForToken)]
    fn frame_asks_for_token(iframe: &Element, nonce: &str) -> Promise;
    #[wasm_bindgen(js_name = framePosts)]
    fn frame_posts(iframe: &Element, msg: &JsValue);
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

#[path = "../../cipher/tests/common/vector_file.rs"]
mod vector_file;
use vector_file::blocks;

fn hex32(s: &str) -> [u8; 32] {
    vector_file::hex(s).try_into().unwrap()
}

/// A field vector: order, field, plaintext, ciphertext.
struct Vector {
    order: String,
    field: String,
    plaintext: String,
    ciphertext: String,
}

fn vectors() -> Vec<Vector> {
    blocks(FIELDS)
        .iter()
        .map(|b| Vector {
            order: b.get("order").into(),
            field: b.get("field").into(),
            plaintext: b.get("plaintext").into(),
            ciphertext: b.get("ciphertext").into(),
        })
        .collect()
}

/// order id → DEK, from the field vectors (all of shop1).
fn deks() -> HashMap<String, [u8; 32]> {
    blocks(FIELDS).iter().map(|b| (b.get("order").to_string(), hex32(b.get("dek")))).collect()
}

fn vector(order: &str, field: &str) -> Vector {
    vectors().into_iter().find(|v| v.order == order && v.field == field).unwrap()
}

fn get(v: &JsValue, k: &str) -> JsValue {
    Reflect::get(v, &k.into()).unwrap()
}

fn get_str(v: &JsValue, k: &str) -> String {
    get(v, k).as_string().unwrap_or_else(|| panic!("{k} is not a string"))
}

fn obj(pairs: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in pairs {
        Reflect::set(&o, &(*k).into(), v).unwrap();
    }
    o.into()
}

fn strings(items: &[&str]) -> JsValue {
    items.iter().map(|s| JsValue::from_str(s)).collect::<Array>().into()
}

fn token_fn(token: &'static str, calls: Rc<Cell<u32>>) -> JsValue {
    Closure::<dyn Fn() -> JsValue>::new(move || {
        calls.set(calls.get() + 1);
        JsValue::from_str(token)
    })
    .into_js_value()
}

/// A client for `base` with the purpose `manual_shipping`.
fn client(base: &str, shop: Option<&str>) -> (RevealClient, Rc<Cell<u32>>) {
    client_for(base, shop, Some("manual_shipping"))
}

fn client_for(base: &str, shop: Option<&str>, purpose: Option<&str>) -> (RevealClient, Rc<Cell<u32>>) {
    let calls = Rc::new(Cell::new(0));
    let mut opts = vec![("baseUrl", JsValue::from_str(base)), ("getToken", token_fn("app-token-123", Rc::clone(&calls)))];
    if let Some(s) = shop {
        opts.push(("shopId", s.into()));
    }
    if let Some(p) = purpose {
        opts.push(("purpose", p.into()));
    }
    (RevealClient::new(obj(&opts)).unwrap(), calls)
}

/// The JSON body of the last request the stand-in saw for `prefix`.
fn last_body(prefix: &str) -> JsValue {
    JSON::parse(&seen_for(prefix).last().expect("a request").body).unwrap()
}

/// The purpose and note of a request body (`None` for an absent key).
fn purpose_of(body: &JsValue) -> (Option<String>, Option<String>) {
    (get(body, "purpose").as_string(), get(body, "purpose_note").as_string())
}

async fn resolves(p: Promise) -> JsValue {
    JsFuture::from(p).await.unwrap_or_else(|e| panic!("rejected: {} {}", get_str(&e, "code"), get_str(&e, "message")))
}

async fn rejects(p: Promise) -> JsValue {
    match JsFuture::from(p).await {
        Ok(v) => panic!("resolved: {:?}", JSON::stringify(&v).ok()),
        Err(e) => e,
    }
}

/// Checks that `e` is a RevealError with `code` and `status`; returns it.
fn assert_reveal_error(e: &JsValue, code: &str, status: u16) -> JsValue {
    let class = orderveil_reveal::REVEAL_ERROR_CLASS.with(JsValue::clone);
    assert!(is_instance(e, &class), "not a RevealError: {e:?}");
    assert!(e.is_instance_of::<js_sys::Error>(), "not an Error");
    assert_eq!(get_str(e, "name"), "RevealError");
    assert_eq!(get_str(e, "code"), code, "message: {}", get_str(e, "message"));
    assert_eq!(get(e, "status").as_f64(), Some(f64::from(status)));
    assert!(!get_str(e, "message").is_empty());
    assert!(!get_str(e, "messageZh").is_ascii(), "messageZh should be Chinese");
    let details = get(e, "details");
    assert!(details.is_null() || details.is_object());
    e.clone()
}

async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    for _ in 0..250 {
        if cond() {
            return;
        }
        JsFuture::from(sleep(20)).await.unwrap();
    }
    panic!("timed out waiting for {what}");
}

// ---------------------------------------------------------------------------------------------
// The fetch stand-in: answers the stub URLs like the server would, passes everything else on
// ---------------------------------------------------------------------------------------------

/// A request the stand-in saw.
#[derive(Clone, Debug)]
struct Seen {
    url: String,
    method: String,
    authorization: String,
    content_type: String,
    credentials: String,
    redirect: String,
    body: String,
}

thread_local! {
    static SEEN: RefCell<Vec<Seen>> = const { RefCell::new(Vec::new()) };
    static INSTALLED: Cell<bool> = const { Cell::new(false) };
}

fn seen() -> Vec<Seen> {
    SEEN.with(|s| s.borrow().clone())
}

fn seen_for(prefix: &str) -> Vec<Seen> {
    seen().into_iter().filter(|s| s.url.starts_with(prefix)).collect()
}

fn install_fetch_stand_in() {
    if INSTALLED.with(|i| i.replace(true)) {
        return;
    }
    let global = js_sys::global();
    let original: Function = get(&global, "fetch").unchecked_into();
    let global2 = global.clone();
    let stand_in = Closure::<dyn Fn(JsValue, JsValue) -> Promise>::new(move |url: JsValue, init: JsValue| {
        let Some(url) = url.as_string().filter(|u| u.contains(".stub.orderveil.test")) else {
            return original.call2(&global2, &url, &init).map(Promise::unchecked_from_js).unwrap_or_else(|e| Promise::reject(&e));
        };
        let headers = get(&init, "headers");
        let s = |v: JsValue| v.as_string().unwrap_or_default();
        let req = Seen {
            url: url.clone(),
            method: s(get(&init, "method")),
            authorization: s(get(&headers, "Authorization")),
            content_type: s(get(&headers, "Content-Type")),
            credentials: s(get(&init, "credentials")),
            redirect: s(get(&init, "redirect")),
            body: s(get(&init, "body")),
        };
        SEEN.with(|v| v.borrow_mut().push(req.clone()));
        let (status, ctype, body) = answer(&url, &req.body);
        let ri = web_sys::ResponseInit::new();
        ri.set_status(status);
        ri.set_headers(&obj(&[("Content-Type", ctype.into())]));
        let resp = web_sys::Response::new_with_opt_str_and_init(Some(&body), &ri).unwrap();
        Promise::resolve(&JsValue::from(resp))
    });
    Reflect::set(&global, &"fetch".into(), stand_in.as_ref()).unwrap();
    stand_in.forget();
}

/// What the stand-in answers: status, content type, body.
fn answer(url: &str, body: &str) -> (u16, &'static str, String) {
    if url.starts_with(PRINT_URL) {
        return print_answer(url, body);
    }
    assert!(url.ends_with("/api/v1/reveal-grants"), "unexpected URL {url}");
    // Like the server: no grant without a known purpose (the package never sends one).
    let purpose = get(&JSON::parse(body).unwrap(), "purpose").as_string();
    if !purpose.is_some_and(|p| orderveil_reveal::PURPOSES.contains(&p.as_str())) {
        let err = obj(&[
            ("code", "PURPOSE_INVALID".into()),
            ("message", "Choose the purpose of this reveal.".into()),
            ("message_zh", "请选择本次解密的用途。".into()),
        ]);
        return (400, "application/json", JSON::stringify(&err).unwrap().into());
    }
    if url.starts_with(QUOTA_URL) {
        let err = obj(&[
            ("code", "QUOTA_EXHAUSTED".into()),
            ("message", "Today's decryption quota for this shop is used up.".into()),
            ("message_zh", "该店铺今日解密额度已用完，请申请提升额度后再解密。".into()),
            ("details", obj(&[("quota", obj(&[("remaining", 0.into()), ("limit", 10.into())]))])),
        ]);
        return (429, "application/json", JSON::stringify(&err).unwrap().into());
    }
    if url.starts_with(HTML_URL) {
        return (502, "text/html", "<html><body>Bad gateway</body></html>".into());
    }
    if url.starts_with(GARBAGE_URL) {
        return (200, "application/json", r#"{"hello":"world"}"#.into());
    }
    // OK_URL: seal a grant for shop1 over the requested orders and fields, like the server.
    let req = JSON::parse(body).unwrap();
    let deks = deks();
    let fields: Vec<FieldKind> = Array::from(&get(&req, "fields")).iter().map(|f| FieldKind::from_name(&f.as_string().unwrap()).unwrap()).collect();
    let orders: Vec<GrantOrder> = Array::from(&get(&req, "order_ids"))
        .iter()
        .map(|o| {
            let id = o.as_string().unwrap();
            let dek = Dek::from_bytes(deks[&id]);
            GrantOrder { order_id: OrderId::new(&id).unwrap(), binding: String::new(), keys: fields.iter().map(|k| dek.field_key(*k)).collect() }
        })
        .collect();
    let client_public: [u8; 32] = URL_SAFE_NO_PAD.decode(get_str(&req, "client_public")).unwrap().try_into().unwrap();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let grant_id = GrantId::generate().unwrap();
    let body = GrantBody { grant_id, shop_id: ShopId::new("shop1").unwrap(), purpose: GrantPurpose::Reveal, issued_at: now, expires_at: now + 60, orders };
    let sealed = seal_grant(&client_public, &body).unwrap();
    let resp = obj(&[
        ("grant_id", grant_id.to_hex().into()),
        ("sealed_grant", sealed.to_base64().into()),
        ("shop_id", "shop1".into()),
        ("expires_at_unix", (now as f64 + 60.0).into()),
        ("charged_order_ids", Array::new().into()),
        ("free_order_ids", Array::new().into()),
    ]);
    (200, "application/json", JSON::stringify(&resp).unwrap().into())
}

/// The print stand-in: one label per waybill, the first with [`PRINT_ORDER`] and each next one
/// with the next order of the vectors (a grant lists an order once), sealed like the
/// server's print grant (the order's keys bound to the waybill). Waybill `SWAPPED` has its keys
/// bound to another waybill; `REVEAL` makes the grant a reveal grant.
fn print_answer(url: &str, body: &str) -> (u16, &'static str, String) {
    assert!(url.ends_with("/api/v1/print-grants"), "unexpected URL {url}");
    let req = JSON::parse(body).unwrap();
    let nos: Vec<String> = Array::from(&get(&req, "waybill_nos")).iter().map(|n| n.as_string().unwrap()).collect();
    let deks = deks();
    let order_of = |i: usize| format!("69210000000000000{:02}", 2 + i);
    let orders = nos
        .iter()
        .enumerate()
        .map(|(i, n)| {
            let id = order_of(i);
            let dek = Dek::from_bytes(deks[&id]);
            GrantOrder {
                order_id: OrderId::new(&id).unwrap(),
                binding: if n == "SWAPPED" { "SOMEWHERE-ELSE".into() } else { n.clone() },
                keys: FieldKind::ALL.iter().map(|k| dek.field_key(*k)).collect(),
            }
        })
        .collect();
    let client_public: [u8; 32] = URL_SAFE_NO_PAD.decode(get_str(&req, "client_public")).unwrap().try_into().unwrap();
    let now = (js_sys::Date::now() / 1000.0) as i64;
    let grant_id = GrantId::generate().unwrap();
    let purpose = if nos.iter().any(|n| n == "REVEAL") { GrantPurpose::Reveal } else { GrantPurpose::Print };
    let sealed = seal_grant(&client_public, &GrantBody { grant_id, shop_id: ShopId::new("shop1").unwrap(), purpose, issued_at: now, expires_at: now + 60, orders }).unwrap();
    let labels = Array::new();
    for (i, n) in nos.iter().enumerate() {
        let id = order_of(i);
        let order = obj(&[
            ("order_id", id.as_str().into()),
            ("items", "保温杯 ×2".into()),
            ("name_ct", vector(&id, "name").ciphertext.into()),
            ("phone_ct", vector(&id, "phone").ciphertext.into()),
            ("address_ct", vector(&id, "address").ciphertext.into()),
        ]);
        labels.push(&obj(&[
            ("waybill_no", n.as_str().into()),
            ("carrier", "SF".into()),
            ("carrier_name", "顺丰速运".into()),
            ("sender_name", "示例仓库".into()),
            ("sender_phone", "0512-66668888".into()),
            ("sender_address", "江苏省苏州市示例仓库".into()),
            ("print_no", (i as u32 + 1).into()),
            ("orders", Array::of1(&order).into()),
        ]));
    }
    let resp = obj(&[
        ("grant_id", grant_id.to_hex().into()),
        ("sealed_grant", sealed.to_base64().into()),
        ("shop_id", "shop1".into()),
        ("expires_at_unix", (now as f64 + 60.0).into()),
        ("labels", labels.into()),
    ]);
    (200, "application/json", JSON::stringify(&resp).unwrap().into())
}

// ---------------------------------------------------------------------------------------------
// Free functions and constants
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn version_is_the_crate_version() {
    assert_eq!(version(), env!("CARGO_PKG_VERSION"));
}

#[wasm_bindgen_test]
fn field_kinds_and_error_codes() {
    let kinds = orderveil_reveal::FIELD_KINDS.with(JsValue::clone);
    let kinds: Vec<String> = Array::from(&kinds).iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(kinds, ["name", "phone", "address"]);
    assert!(is_frozen(&orderveil_reveal::FIELD_KINDS.with(JsValue::clone)));
    let codes = orderveil_reveal::ERROR_CODES.with(JsValue::clone);
    assert!(is_frozen(&codes));
    let codes: Vec<String> = Array::from(&codes).iter().map(|v| v.as_string().unwrap()).collect();
    for c in orderveil_reveal::LOCAL_CODES.iter().chain(&["QUOTA_EXHAUSTED", "RISK_COOLDOWN", "ORDER_NOT_FOUND", "FORBIDDEN", "UNAUTHENTICATED", "ORIGIN_NOT_ALLOWED", "SCOPE_MISSING", "TOKEN_EXPIRED"]) {
        assert!(codes.iter().any(|x| x == c), "ERROR_CODES lacks {c}");
    }
    for c in ["PURPOSE_INVALID", "PURPOSE_NOT_ALLOWED", "SEARCH_COOLDOWN", "SEARCH_BUDGET_EXHAUSTED", "TOPUP_STATE_CONFLICT"] {
        assert!(codes.iter().any(|x| x == c), "ERROR_CODES lacks {c}");
    }
    let mut sorted = codes.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted.len(), codes.len(), "duplicate codes");
    let purposes = orderveil_reveal::REVEAL_PURPOSES.with(JsValue::clone);
    assert!(is_frozen(&purposes));
    let purposes: Vec<String> = Array::from(&purposes).iter().map(|v| v.as_string().unwrap()).collect();
    assert_eq!(purposes, orderveil_reveal::PURPOSES);
}

#[wasm_bindgen_test]
fn parse_ciphertext_accepts_every_vector() {
    let vs = vectors();
    assert!(vs.len() >= 15);
    for v in vs {
        let parsed = parse_ciphertext(v.ciphertext.clone().into()).unwrap();
        assert_eq!(get_str(&parsed, "kind"), v.field);
        assert_eq!(get(&parsed, "version").as_f64(), Some(1.0));
        let d = v.ciphertext.chars().next().unwrap();
        let index = v.ciphertext[1..].split(d).next().unwrap();
        assert_eq!(get_str(&parsed, "index"), index);
    }
}

#[wasm_bindgen_test]
fn parse_ciphertext_refuses_the_negative_vectors() {
    let mut refused = 0;
    for b in blocks(FIELDS_NEGATIVE) {
        let result = parse_ciphertext(b.get("input").into());
        if b.get("expect").starts_with("parse:") {
            let e = assert_reveal_error(&result.unwrap_err(), "CIPHERTEXT_INVALID", 0);
            assert!(!get_str(&get(&e, "details"), "reason").is_empty(), "{}", b.get("why"));
            refused += 1;
        } else {
            assert!(result.is_ok(), "{} should parse (it fails only to decrypt)", b.get("why"));
        }
    }
    assert!(refused >= 25, "only {refused} parse failures");
    for not_text in [JsValue::NULL, JsValue::UNDEFINED, 42.into(), Object::new().into()] {
        assert_reveal_error(&parse_ciphertext(not_text).unwrap_err(), "CIPHERTEXT_INVALID", 0);
    }
}

#[wasm_bindgen_test]
fn mask_follows_the_masking_table() {
    let mut n = 0;
    for line in MASKING.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut cols = line.split('\t');
        let (kind, input, expected) = (cols.next().unwrap(), cols.next().unwrap(), cols.next().unwrap_or(""));
        assert_eq!(mask(kind.into(), input.into()).unwrap(), expected, "{kind} {input:?}");
        n += 1;
    }
    assert!(n > 50);
    let e = assert_reveal_error(&mask("email".into(), "a@b.c".into()).unwrap_err(), "UNKNOWN_FIELD", 0);
    assert_eq!(get_str(&get(&e, "details"), "field"), "email");
    assert_reveal_error(&mask("phone".into(), 13812345678_u64.into()).unwrap_err(), "INVALID_ARGUMENT", 0);
}

#[wasm_bindgen_test]
fn reveal_error_shape() {
    let e = assert_reveal_error(&parse_ciphertext("$abc".into()).unwrap_err(), "CIPHERTEXT_INVALID", 0);
    assert_eq!(get_str(&e, "message"), "The ciphertext is invalid.");
    assert_eq!(get_str(&e, "messageZh"), "密文格式无效。");
    assert!(get_str(&get(&e, "details"), "reason").contains("doubled delimiter"));
    // The class is usable from JS too (as ISVs' tests would).
    let class: Function = orderveil_reveal::REVEAL_ERROR_CLASS.with(JsValue::clone).unchecked_into();
    let args = Array::of5(&"QUOTA_EXHAUSTED".into(), &429.into(), &"en".into(), &"中文".into(), &JsValue::NULL);
    let made = Reflect::construct(&class, &args).unwrap();
    assert_reveal_error(&made, "QUOTA_EXHAUSTED", 429);
    assert!(get(&made, "details").is_null());
}

// ---------------------------------------------------------------------------------------------
// RevealClient
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen_test]
fn client_constructor_validates_its_options() {
    let f = token_fn("t", Rc::new(Cell::new(0)));
    let bad = [
        JsValue::UNDEFINED,
        JsValue::from_str("https://x.test"),
        obj(&[("getToken", f.clone())]),
        obj(&[("baseUrl", "orderveil.example.com".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "/relative".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "ftp://x.test".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "https://x.test/?a=1".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "https://x.test/#f".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "https://user@x.test".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "https://".into()), ("getToken", f.clone())]),
        obj(&[("baseUrl", "https://x.test".into())]),
        obj(&[("baseUrl", "https://x.test".into()), ("getToken", "token".into())]),
        obj(&[("baseUrl", "https://x.test".into()), ("getToken", f.clone()), ("shopId", "shop 1".into())]),
        obj(&[("baseUrl", "https://x.test".into()), ("getToken", f.clone()), ("shopId", 7.into())]),
    ];
    for (i, opts) in bad.into_iter().enumerate() {
        match RevealClient::new(opts) {
            Ok(_) => panic!("bad options #{i} accepted"),
            Err(e) => {
                assert_reveal_error(&e, "INVALID_ARGUMENT", 0);
            }
        }
    }
    let c = RevealClient::new(obj(&[("baseUrl", "https://ov.example.com/prefix//".into()), ("getToken", f.clone()), ("shopId", "shop1".into())])).unwrap();
    assert_eq!(c.base_url(), "https://ov.example.com/prefix");
    assert_eq!(c.shop_id().as_deref(), Some("shop1"));
    let c = RevealClient::new(obj(&[("baseUrl", "http://127.0.0.1:8080".into()), ("getToken", f), ("shopId", JsValue::NULL)])).unwrap();
    assert_eq!(c.shop_id(), None);
    assert!(c.purpose().is_undefined(), "no default purpose");
    assert_eq!(c.purpose_note(), None);
}

#[wasm_bindgen_test]
fn client_constructor_validates_the_purpose() {
    let f = token_fn("t", Rc::new(Cell::new(0)));
    let with = |purpose: JsValue, note: JsValue| {
        RevealClient::new(obj(&[("baseUrl", "https://x.test".into()), ("getToken", f.clone()), ("purpose", purpose), ("purposeNote", note)]))
    };
    let phone_note = "请拨打 138 0013 8000 联系";
    let bad: [(JsValue, JsValue, &str); 10] = [
        ("MANUAL_SHIPPING".into(), JsValue::UNDEFINED, "unknown"),
        ("shipping".into(), JsValue::UNDEFINED, "unknown"),
        (7.into(), JsValue::UNDEFINED, "unknown"),
        (JsValue::UNDEFINED, "寄回维修".into(), "missing"),
        ("other".into(), JsValue::UNDEFINED, "note_required"),
        ("other".into(), "   ".into(), "note_required"),
        ("other".into(), "说".repeat(201).into(), "note_too_long"),
        ("other".into(), "two\nlines".into(), "note_control_characters"),
        ("after_sales".into(), phone_note.into(), "note_has_phone_number"),
        ("after_sales".into(), 42.into(), "note_not_a_string"),
    ];
    for (i, (purpose, note, reason)) in bad.into_iter().enumerate() {
        let Err(e) = with(purpose, note) else { panic!("bad purpose #{i} accepted") };
        let d = get(&assert_reveal_error(&e, "PURPOSE_INVALID", 0), "details");
        assert_eq!(get_str(&d, "reason"), reason, "#{i}");
        assert!(!JSON::stringify(&e).unwrap().as_string().unwrap().contains("138"), "an error repeated the note");
    }
    let e = with("nope".into(), JsValue::UNDEFINED).err().unwrap();
    let allowed = Array::from(&get(&get(&e, "details"), "allowed"));
    assert_eq!(allowed.length(), 7);

    for p in orderveil_reveal::PURPOSES.iter().filter(|p| **p != "other") {
        let c = with((*p).into(), JsValue::UNDEFINED).unwrap();
        assert_eq!(c.purpose().as_string().as_deref(), Some(*p));
        assert_eq!(c.purpose_note(), None);
    }
    let c = with("other".into(), "  寄回厂家维修  ".into()).unwrap();
    assert_eq!(c.purpose().as_string().as_deref(), Some("other"));
    assert_eq!(c.purpose_note().as_deref(), Some("寄回厂家维修"), "trimmed");
    let c = with(JsValue::NULL, JsValue::NULL).unwrap();
    assert!(c.purpose().is_undefined());
}

#[wasm_bindgen_test]
fn with_purpose_gives_another_client_and_leaves_this_one() {
    let (c, _) = client("https://ov.example.com", Some("shop1"));
    let other = c.with_purpose("other".into(), " 退货地址核对 ".into()).unwrap();
    assert_eq!(other.purpose().as_string().as_deref(), Some("other"));
    assert_eq!(other.purpose_note().as_deref(), Some("退货地址核对"));
    assert_eq!(other.base_url(), "https://ov.example.com");
    assert_eq!(other.shop_id().as_deref(), Some("shop1"));
    assert_eq!(c.purpose().as_string().as_deref(), Some("manual_shipping"));
    assert_eq!(c.purpose_note(), None);
    let bad: [(JsValue, JsValue, &str); 6] = [
        (JsValue::UNDEFINED, JsValue::UNDEFINED, "missing"),
        (JsValue::NULL, JsValue::UNDEFINED, "missing"),
        ("".into(), JsValue::UNDEFINED, "unknown"),
        ("refund".into(), JsValue::UNDEFINED, "unknown"),
        ("other".into(), JsValue::UNDEFINED, "note_required"),
        ("customer_service".into(), "回访 13800138000".into(), "note_has_phone_number"),
    ];
    for (purpose, note, reason) in bad {
        let Err(e) = c.with_purpose(purpose, note) else { panic!("withPurpose accepted a bad purpose ({reason})") };
        assert_eq!(get_str(&get(&assert_reveal_error(&e, "PURPOSE_INVALID", 0), "details"), "reason"), reason);
    }
}

#[wasm_bindgen_test]
async fn a_reveal_without_a_purpose_is_refused_before_anything_is_sent() {
    install_fetch_stand_in();
    let before = seen_for(OK_URL).len();
    let (c, calls) = client_for(OK_URL, None, None);
    let v = vector("6921000000000000001", "phone");
    let cts = obj(&[("phone", v.ciphertext.clone().into())]);
    let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), cts.clone())).await;
    let d = get(&assert_reveal_error(&e, "PURPOSE_INVALID", 0), "details");
    assert_eq!(get_str(&d, "reason"), "missing");
    assert_eq!(Array::from(&get(&d, "allowed")).length(), 7);
    let items: Array = std::iter::once(obj(&[("orderId", v.order.clone().into()), ("ciphertexts", cts.clone())])).collect();
    let e = rejects(c.reveal_many(items.into(), strings(&["phone"]))).await;
    assert_reveal_error(&e, "PURPOSE_INVALID", 0);
    // Arguments are still checked first: the more specific refusal wins.
    assert_reveal_error(&rejects(c.reveal(v.order.clone().into(), strings(&["email"]), cts.clone())).await, "UNKNOWN_FIELD", 0);
    // An empty batch needs no grant, so no purpose either.
    assert_eq!(Array::from(&resolves(c.reveal_many(Array::new().into(), strings(&["phone"]))).await).length(), 0);
    assert_eq!(calls.get(), 0, "no token was asked for");
    assert_eq!(seen_for(OK_URL).len(), before, "nothing was sent");

    // The same client with a purpose reveals (and its token callback is the same one).
    let ok = c.with_purpose("after_sales".into(), JsValue::UNDEFINED).unwrap();
    let out = resolves(ok.reveal(v.order.clone().into(), strings(&["phone"]), cts)).await;
    assert_eq!(get_str(&out, "phone"), v.plaintext);
    assert_eq!(calls.get(), 1);
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("after_sales".into()), None));
}

#[wasm_bindgen_test]
async fn reveal_against_an_unreachable_server_is_a_network_error() {
    // Port 9 (discard) on loopback: nothing listens, the connection is refused at once.
    let (c, calls) = client("http://127.0.0.1:9", None);
    let v = vector("6921000000000000001", "phone");
    let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), obj(&[("phone", v.ciphertext.into())]))).await;
    assert_reveal_error(&e, "NETWORK_ERROR", 0);
    assert_eq!(calls.get(), 1, "the token is asked for once per reveal");
}

#[wasm_bindgen_test]
async fn invalid_calls_are_refused_before_anything_is_sent() {
    install_fetch_stand_in();
    let before = seen_for(OK_URL).len();
    let (c, calls) = client(OK_URL, None);
    let phone = vector("6921000000000000001", "phone");
    let name = vector("6921000000000000001", "name");
    let cts = obj(&[("phone", phone.ciphertext.clone().into()), ("name", name.ciphertext.clone().into())]);
    let order: JsValue = phone.order.clone().into();

    let e = rejects(c.reveal(order.clone(), strings(&["email"]), cts.clone())).await;
    assert_eq!(get_str(&get(&assert_reveal_error(&e, "UNKNOWN_FIELD", 0), "details"), "field"), "email");
    assert_reveal_error(&rejects(c.reveal(order.clone(), strings(&[]), cts.clone())).await, "UNKNOWN_FIELD", 0);
    assert_reveal_error(&rejects(c.reveal(order.clone(), "phone".into(), cts.clone())).await, "INVALID_ARGUMENT", 0);
    assert_reveal_error(&rejects(c.reveal("not an id!".into(), strings(&["phone"]), cts.clone())).await, "INVALID_ARGUMENT", 0);
    assert_reveal_error(&rejects(c.reveal(order.clone(), strings(&["phone"]), JsValue::NULL)).await, "INVALID_ARGUMENT", 0);
    // Missing, unparsable, and of another field.
    let e = rejects(c.reveal(order.clone(), strings(&["address"]), cts.clone())).await;
    let d = get(&assert_reveal_error(&e, "CIPHERTEXT_INVALID", 0), "details");
    assert_eq!((get_str(&d, "orderId"), get_str(&d, "field")), (phone.order.clone(), "address".to_string()));
    let e = rejects(c.reveal(order.clone(), strings(&["phone"]), obj(&[("phone", "138****5678".into())]))).await;
    assert_reveal_error(&e, "CIPHERTEXT_INVALID", 0);
    let e = rejects(c.reveal(order.clone(), strings(&["phone"]), obj(&[("phone", name.ciphertext.clone().into())]))).await;
    assert!(get_str(&get(&assert_reveal_error(&e, "CIPHERTEXT_INVALID", 0), "details"), "reason").contains("another field"));
    // 51 distinct orders.
    let items: Array = (0..51).map(|i| obj(&[("orderId", format!("order{i}").into()), ("ciphertexts", obj(&[("phone", phone.ciphertext.clone().into())]))])).collect();
    let e = rejects(c.reveal_many(items.into(), strings(&["phone"]))).await;
    let d = get(&assert_reveal_error(&e, "TOO_MANY_ORDERS", 0), "details");
    assert_eq!((get(&d, "max").as_f64(), get(&d, "got").as_f64()), (Some(50.0), Some(51.0)));
    assert_reveal_error(&rejects(c.reveal_many(JsValue::NULL, strings(&["phone"]))).await, "INVALID_ARGUMENT", 0);
    // An empty batch is answered without a request.
    assert_eq!(Array::from(&resolves(c.reveal_many(Array::new().into(), strings(&["phone"]))).await).length(), 0);

    assert_eq!(calls.get(), 0, "no token was asked for");
    assert_eq!(seen_for(OK_URL).len(), before, "nothing was sent");
}

#[wasm_bindgen_test]
async fn a_failing_token_callback_is_token_unavailable() {
    install_fetch_stand_in();
    let before = seen_for(OK_URL).len();
    let v = vector("6921000000000000001", "phone");
    let throws = Function::new_no_args("throw new Error('no session')");
    let rejects_fn = Function::new_no_args("return Promise.reject(new Error('no session'))");
    let number = Function::new_no_args("return 42");
    let empty = Function::new_no_args("return Promise.resolve('')");
    let newline = Function::new_no_args("return 'abc\\r\\nX-Evil: 1'");
    for f in [throws, rejects_fn, number, empty, newline] {
        let c = RevealClient::new(obj(&[("baseUrl", OK_URL.into()), ("getToken", f.into()), ("purpose", "manual_shipping".into())])).unwrap();
        let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), obj(&[("phone", v.ciphertext.clone().into())]))).await;
        assert_reveal_error(&e, "TOKEN_UNAVAILABLE", 0);
        assert_reveal_error(&rejects(c.get_token()).await, "TOKEN_UNAVAILABLE", 0);
    }
    assert_eq!(seen_for(OK_URL).len(), before, "nothing was sent without a token");
    let async_token = Function::new_no_args("return Promise.resolve('tok-async')");
    let c = RevealClient::new(obj(&[("baseUrl", OK_URL.into()), ("getToken", async_token.into())])).unwrap();
    assert_eq!(resolves(c.get_token()).await.as_string().as_deref(), Some("tok-async"));
}

#[wasm_bindgen_test]
async fn reveal_round_trip_with_a_sealed_grant() {
    install_fetch_stand_in();
    let before = seen_for(OK_URL).len();
    let (c, calls) = client(OK_URL, Some("shop1"));
    let order = "6921000000000000002";
    let (name, phone, address) = (vector(order, "name"), vector(order, "phone"), vector(order, "address"));
    let cts = obj(&[
        ("name", name.ciphertext.clone().into()),
        ("phone", phone.ciphertext.clone().into()),
        ("address", address.ciphertext.clone().into()),
        ("ignored", "whatever".into()),
    ]);
    let out = resolves(c.reveal(order.into(), strings(&["phone", "name", "address", "phone"]), cts)).await;
    assert_eq!(get_str(&out, "name"), name.plaintext);
    assert_eq!(get_str(&out, "phone"), phone.plaintext);
    assert_eq!(get_str(&out, "address"), address.plaintext);
    assert_eq!(Object::keys(out.unchecked_ref::<Object>()).length(), 3);
    assert_eq!(calls.get(), 1);

    // Exactly one request, shaped as the server expects.
    let reqs = seen_for(OK_URL);
    assert_eq!(reqs.len(), before + 1);
    let req = reqs.last().unwrap();
    assert_eq!(req.url, format!("{OK_URL}/api/v1/reveal-grants"));
    assert_eq!(req.method, "POST");
    assert_eq!(req.authorization, "Bearer app-token-123");
    assert_eq!(req.content_type, "application/json");
    assert_eq!(req.credentials, "omit");
    assert_eq!(req.redirect, "error");
    let body = JSON::parse(&req.body).unwrap();
    let mut keys: Vec<String> = Object::keys(body.unchecked_ref::<Object>()).iter().map(|k| k.as_string().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["client_public", "fields", "order_ids", "purpose"], "no purpose_note without a note");
    assert_eq!(get_str(&body, "purpose"), "manual_shipping");
    assert_eq!(JSON::stringify(&get(&body, "order_ids")).unwrap(), r#"["6921000000000000002"]"#);
    assert_eq!(JSON::stringify(&get(&body, "fields")).unwrap(), r#"["phone","name","address"]"#);
    let public = get_str(&body, "client_public");
    assert_eq!(public.len(), 43, "32 bytes, base64url without padding");
    assert!(!public.contains('='));

    // A second reveal uses a fresh key pair.
    let again = resolves(c.reveal(order.into(), strings(&["name"]), obj(&[("name", name.ciphertext.clone().into())]))).await;
    assert_eq!(get_str(&again, "name"), name.plaintext);
    let reqs = seen_for(OK_URL);
    let second = JSON::parse(&reqs.last().unwrap().body).unwrap();
    assert_ne!(get_str(&second, "client_public"), public);
    assert_eq!(purpose_of(&second), (Some("manual_shipping".into()), None));

    // Another purpose for one call: `withPurpose`; the note goes along, trimmed.
    let other = c.with_purpose("other".into(), "  核对退货地址  ".into()).unwrap();
    let out = resolves(other.reveal(order.into(), strings(&["address"]), obj(&[("address", address.ciphertext.clone().into())]))).await;
    assert_eq!(get_str(&out, "address"), address.plaintext);
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("other".into()), Some("核对退货地址".into())));
    // The original client still sends its own.
    resolves(c.reveal(order.into(), strings(&["name"]), obj(&[("name", name.ciphertext.into())]))).await;
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("manual_shipping".into()), None));
    assert_eq!(calls.get(), 4);
}

#[wasm_bindgen_test]
async fn print_grant_opens_labels_bound_to_their_waybills() {
    install_fetch_stand_in();
    let (c, calls) = client(PRINT_URL, Some("shop1"));
    let job = resolves(c.print_grant(strings(&["SF1234567890123", "ZT7654321", "SF1234567890123"]))).await;
    assert_eq!(get_str(&job, "shopId"), "shop1");
    assert_eq!(get_str(&job, "grantId").len(), 32);
    let labels = Array::from(&get(&job, "labels"));
    assert_eq!(labels.length(), 2, "duplicates are sent once");
    let first = labels.get(0);
    assert_eq!((get_str(&first, "waybillNo"), get_str(&first, "carrierName")), ("SF1234567890123".into(), "顺丰速运".into()));
    assert_eq!(get(&first, "printNo").as_f64(), Some(1.0));
    assert_eq!(get_str(&get(&first, "sender"), "phone"), "0512-66668888");
    let order = Array::from(&get(&first, "orders")).get(0);
    assert_eq!(get_str(&order, "orderId"), PRINT_ORDER);
    let receiver = get(&order, "receiver");
    for f in ["name", "phone", "address"] {
        assert_eq!(get_str(&receiver, f), vector(PRINT_ORDER, f).plaintext, "{f}");
    }
    // The request: the waybills and a fresh public key, nothing else; no cookies, no redirect.
    let req = seen_for(PRINT_URL).last().unwrap().clone();
    assert_eq!((req.url.as_str(), req.authorization.as_str(), req.credentials.as_str(), req.redirect.as_str()), (&*format!("{PRINT_URL}/api/v1/print-grants"), "Bearer app-token-123", "omit", "error"));
    let body = JSON::parse(&req.body).unwrap();
    let mut keys: Vec<String> = Object::keys(body.unchecked_ref::<Object>()).iter().map(|k| k.as_string().unwrap()).collect();
    keys.sort();
    assert_eq!(keys, ["client_public", "waybill_nos"]);
    assert_eq!(JSON::stringify(&get(&body, "waybill_nos")).unwrap(), r#"["SF1234567890123","ZT7654321"]"#);
    assert_eq!(calls.get(), 1);

    // A label whose order's keys are bound to another waybill, and a reveal grant, do not open.
    let e = rejects(c.print_grant(strings(&["SF1", "SWAPPED"]))).await;
    assert_reveal_error(&e, "GRANT_ORDER_NOT_COVERED", 0);
    let e = rejects(c.print_grant(strings(&["REVEAL"]))).await;
    assert_reveal_error(&e, "GRANT_ORDER_NOT_COVERED", 0);
    // Bad numbers are refused before anything is sent.
    let sent = seen_for(PRINT_URL).len();
    for bad in [JsValue::from(Array::new()), strings(&["has space"]), strings(&[""]), "SF1".into(), Array::of1(&3.into()).into()] {
        assert_reveal_error(&rejects(c.print_grant(bad)).await, "INVALID_ARGUMENT", 0);
    }
    let many: Vec<String> = (0..51).map(|i| format!("SF{i}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    assert_reveal_error(&rejects(c.print_grant(strings(&many))).await, "TOO_MANY_ORDERS", 0);
    assert_eq!(seen_for(PRINT_URL).len(), sent);
}

#[wasm_bindgen_test]
fn code128_gives_the_bars_of_a_waybill_number() {
    let code = orderveil_reveal::code128("AB".into());
    // Start B, A, B, check, stop: 4 × 11 + 13 modules, 10 quiet modules each side.
    assert_eq!(get(&code, "width").as_f64(), Some(f64::from(10 + 11 * 4 + 13 + 10)));
    let first = Array::from(&get(&code, "bars")).get(0);
    assert_eq!(JSON::stringify(&first).unwrap(), "[10,2]");
    assert!(orderveil_reveal::code128("顺丰".into()).is_undefined());
    assert!(orderveil_reveal::code128(3.into()).is_undefined());
}

#[wasm_bindgen_test]
async fn reveal_many_uses_one_grant_for_all_orders() {
    install_fetch_stand_in();
    let before = seen_for(OK_URL).len();
    let (c, calls) = client(OK_URL, None);
    let orders = ["6921000000000000003", "6921000000000000001", "6921000000000000005", "6921000000000000001"];
    let items: Array = orders
        .iter()
        .map(|o| obj(&[("orderId", (*o).into()), ("ciphertexts", obj(&[("phone", vector(o, "phone").ciphertext.into()), ("address", vector(o, "address").ciphertext.into())]))]))
        .collect();
    let out = Array::from(&resolves(c.reveal_many(items.into(), strings(&["address", "phone"]))).await);
    assert_eq!(out.length() as usize, orders.len());
    for (i, o) in orders.iter().enumerate() {
        let item = out.get(i as u32);
        assert_eq!(get_str(&item, "orderId"), *o);
        let fields = get(&item, "fields");
        assert_eq!(get_str(&fields, "phone"), vector(o, "phone").plaintext);
        assert_eq!(get_str(&fields, "address"), vector(o, "address").plaintext);
    }
    assert_eq!(calls.get(), 1);
    let reqs = seen_for(OK_URL);
    assert_eq!(reqs.len(), before + 1, "one request for the whole batch");
    let body = JSON::parse(&reqs.last().unwrap().body).unwrap();
    assert_eq!(JSON::stringify(&get(&body, "order_ids")).unwrap(), r#"["6921000000000000003","6921000000000000001","6921000000000000005"]"#);
    assert_eq!(purpose_of(&body), (Some("manual_shipping".into()), None), "one purpose for the batch");
}

#[wasm_bindgen_test]
async fn a_grant_for_another_shop_or_order_does_not_open() {
    install_fetch_stand_in();
    let v = vector("6921000000000000001", "phone");
    // The stand-in seals for shop1; this page expects shop2.
    let (c, _) = client(OK_URL, Some("shop2"));
    let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), obj(&[("phone", v.ciphertext.clone().into())]))).await;
    assert_reveal_error(&e, "GRANT_SHOP_MISMATCH", 0);
    // A ciphertext of order 1 presented as order 4's: the grant covers order 4, the AAD says order 1.
    let (c, _) = client(OK_URL, None);
    let e = rejects(c.reveal("6921000000000000004".into(), strings(&["phone"]), obj(&[("phone", v.ciphertext.into())]))).await;
    assert_reveal_error(&e, "CIPHERTEXT_MISMATCH", 0);
}

#[wasm_bindgen_test]
async fn server_refusals_keep_code_status_messages_and_details() {
    install_fetch_stand_in();
    let v = vector("6921000000000000001", "phone");
    let cts = obj(&[("phone", v.ciphertext.clone().into())]);
    let (c, _) = client(QUOTA_URL, None);
    let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), cts.clone())).await;
    assert_reveal_error(&e, "QUOTA_EXHAUSTED", 429);
    assert_eq!(get_str(&e, "messageZh"), "该店铺今日解密额度已用完，请申请提升额度后再解密。");
    assert_eq!(get(&get(&get(&e, "details"), "quota"), "remaining").as_f64(), Some(0.0));

    let (c, _) = client(HTML_URL, None);
    let e = rejects(c.reveal(v.order.clone().into(), strings(&["phone"]), cts.clone())).await;
    assert_reveal_error(&e, "RESPONSE_INVALID", 502);
    assert!(seen_for(HTML_URL).iter().all(|s| s.url == format!("{HTML_URL}/api/v1/reveal-grants")));

    let (c, _) = client(GARBAGE_URL, None);
    let e = rejects(c.reveal(v.order.into(), strings(&["phone"]), cts)).await;
    assert_reveal_error(&e, "RESPONSE_INVALID", 200);
}

// ---------------------------------------------------------------------------------------------
// <orderveil-field>
// ---------------------------------------------------------------------------------------------

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn shadow(el: &Element) -> web_sys::ShadowRoot {
    el.shadow_root().expect("an open shadow root")
}

fn part(el: &Element, name: &str) -> Option<Element> {
    shadow(el).query_selector(&format!("[part~=\"{name}\"]")).unwrap()
}

fn make_field(tag: &str, attrs: &[(&str, &str)]) -> Element {
    let el = document().create_element(tag).unwrap();
    for (k, v) in attrs {
        el.set_attribute(k, v).unwrap();
    }
    document().body().unwrap().append_child(&el).unwrap();
    el
}

/// Records the element's events: (type, JSON of detail).
fn record_events(el: &Element) -> Rc<RefCell<Vec<(String, String)>>> {
    let log = Rc::new(RefCell::new(Vec::new()));
    for ty in ["orderveil-reveal", "orderveil-hide", "orderveil-error"] {
        let log = Rc::clone(&log);
        let cb = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            log.borrow_mut().push((e.type_(), JSON::stringify(&e.detail()).unwrap().into()));
        });
        el.add_event_listener_with_callback(ty, cb.as_ref().unchecked_ref()).unwrap();
        cb.forget();
    }
    log
}

fn state(el: &Element) -> String {
    get_str(el, "state")
}

#[wasm_bindgen_test]
fn define_validates_its_options() {
    let (c, _) = client(OK_URL, None);
    let c: JsValue = c.into();
    let bad = [
        JsValue::NULL,
        obj(&[]),
        obj(&[("client", "x".into())]),
        obj(&[("client", c.clone()), ("tagName", "nodash".into())]),
        obj(&[("client", c.clone()), ("tagName", "Upper-Case".into())]),
        obj(&[("client", c.clone()), ("tagName", "ov-def-a".into()), ("timeoutSecs", 0.into())]),
        obj(&[("client", c.clone()), ("tagName", "ov-def-b".into()), ("timeoutSecs", 1.5.into())]),
        obj(&[("client", c.clone()), ("tagName", "ov-def-c".into()), ("mode", "popup".into())]),
        obj(&[("getToken", Function::new_no_args("return 't'").into()), ("tagName", "ov-def-d".into())]),
    ];
    for (i, opts) in bad.into_iter().enumerate() {
        let e = define_orderveil_field(&opts).err().unwrap_or_else(|| panic!("bad options #{i} accepted"));
        assert_reveal_error(&e, "INVALID_ARGUMENT", 0);
    }
    let bad_purpose = [
        obj(&[("client", c.clone()), ("tagName", "ov-def-e".into()), ("purpose", "shipping".into())]),
        obj(&[("client", c.clone()), ("tagName", "ov-def-f".into()), ("purpose", "other".into()), ("purposeNote", 5.into())]),
        obj(&[("client", c.clone()), ("tagName", "ov-def-g".into()), ("purposeNote", "a note without a purpose".into())]),
    ];
    for (i, opts) in bad_purpose.into_iter().enumerate() {
        let e = define_orderveil_field(&opts).err().unwrap_or_else(|| panic!("bad purpose option #{i} accepted"));
        assert_reveal_error(&e, "PURPOSE_INVALID", 0);
    }
    let class = define_orderveil_field(&obj(&[("client", c.clone()), ("tagName", "ov-def-ok".into())])).unwrap();
    assert!(class.is_function());
    let registry = web_sys::window().unwrap().custom_elements();
    assert_eq!(registry.get("ov-def-ok"), class);
    // Once per tag name.
    let e = define_orderveil_field(&obj(&[("client", c), ("tagName", "ov-def-ok".into())])).unwrap_err();
    assert_reveal_error(&e, "INVALID_ARGUMENT", 0);
}

#[wasm_bindgen_test]
async fn element_shows_the_mask_reveals_on_click_and_removes_the_plaintext() {
    install_fetch_stand_in();
    let (c, calls) = client(OK_URL, None);
    define_orderveil_field(&obj(&[("client", c.into()), ("tagName", "ov-field-a".into())])).unwrap();
    let v = vector("6921000000000000002", "name");
    let el = make_field("ov-field-a", &[("order-id", &v.order), ("field", "name"), ("ciphertext", &v.ciphertext), ("masked", "欧**"), ("timeout", "1")]);
    let events = record_events(&el);

    // Masked, with an eye button, and no plaintext anywhere before the click.
    assert_eq!(state(&el), "masked");
    assert_eq!(part(&el, "masked").unwrap().text_content().unwrap(), "欧**");
    let eye = part(&el, "eye").unwrap();
    assert_eq!(eye.tag_name(), "BUTTON");
    assert_eq!(eye.get_attribute("aria-label").as_deref(), Some("查看"));
    assert!(part(&el, "plain").is_none() && part(&el, "copy").is_none() && part(&el, "countdown").is_none());
    assert!(!shadow(&el).inner_html().contains(&v.plaintext));
    assert_eq!(calls.get(), 0);

    eye.unchecked_ref::<HtmlElement>().click();
    wait_until("the reveal", || state(&el) == "revealed").await;
    assert_eq!(part(&el, "plain").unwrap().text_content().unwrap(), v.plaintext);
    assert!(part(&el, "masked").is_none());
    assert!(part(&el, "copy").is_some());
    let countdown = part(&el, "countdown").unwrap().text_content().unwrap();
    assert!(countdown == "1s" || countdown == "0s", "{countdown}");
    assert_eq!(part(&el, "eye").unwrap().get_attribute("aria-label").as_deref(), Some("隐藏"));
    assert_eq!(calls.get(), 1);
    // Light DOM untouched: the plaintext lives only in the shadow root.
    assert!(!el.inner_html().contains(&v.plaintext));

    // After the timeout the plaintext node is gone, not just hidden.
    wait_until("the hide", || state(&el) == "masked").await;
    assert!(part(&el, "plain").is_none());
    assert!(!shadow(&el).inner_html().contains(&v.plaintext));
    assert_eq!(part(&el, "masked").unwrap().text_content().unwrap(), "欧**");

    let events = events.borrow().clone();
    assert_eq!(events.iter().map(|(t, _)| t.as_str()).collect::<Vec<_>>(), ["orderveil-reveal", "orderveil-hide"]);
    for (_, detail) in &events {
        assert!(!detail.contains(&v.plaintext), "an event carried the plaintext: {detail}");
        assert_eq!(detail, &format!(r#"{{"orderId":"{}","field":"name"}}"#, v.order));
    }
    el.remove();
}

#[wasm_bindgen_test]
async fn element_hides_on_request_and_when_its_data_changes() {
    install_fetch_stand_in();
    let (c, _) = client(OK_URL, None);
    define_orderveil_field(&obj(&[("client", c.into()), ("tagName", "ov-field-b".into()), ("timeoutSecs", 60.into())])).unwrap();
    let v = vector("6921000000000000004", "phone");
    let el = make_field("ov-field-b", &[("order-id", &v.order), ("field", "phone"), ("ciphertext", &v.ciphertext), ("masked", "0571-****4321"), ("lang", "en")]);
    let eye = part(&el, "eye").unwrap();
    assert_eq!(eye.get_attribute("aria-label").as_deref(), Some("Reveal"));

    resolves(get(&el, "reveal").unchecked_into::<Function>().call0(&el).unwrap().unchecked_into()).await;
    assert_eq!(state(&el), "revealed");
    assert_eq!(part(&el, "countdown").unwrap().text_content().as_deref(), Some("60s"));
    get(&el, "hide").unchecked_into::<Function>().call0(&el).unwrap();
    assert_eq!(state(&el), "masked");
    assert!(!shadow(&el).inner_html().contains(&v.plaintext));

    // Escape hides too; so does a change of the ciphertext.
    eye.unchecked_ref::<HtmlElement>().click();
    wait_until("the reveal", || state(&el) == "revealed").await;
    let ev = web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &{
        let i = web_sys::KeyboardEventInit::new();
        i.set_key("Escape");
        i.set_bubbles(true);
        i.set_composed(true);
        i
    })
    .unwrap();
    part(&el, "eye").unwrap().dispatch_event(&ev).unwrap();
    assert_eq!(state(&el), "masked");
    part(&el, "eye").unwrap().unchecked_ref::<HtmlElement>().click();
    wait_until("the reveal", || state(&el) == "revealed").await;
    el.set_attribute("ciphertext", &vector("6921000000000000001", "phone").ciphertext).unwrap();
    assert_eq!(state(&el), "masked");
    assert!(!shadow(&el).inner_html().contains(&v.plaintext));
    el.remove();
}

#[wasm_bindgen_test]
async fn element_shows_the_servers_message_on_refusal() {
    install_fetch_stand_in();
    let (c, _) = client(QUOTA_URL, None);
    define_orderveil_field(&obj(&[("client", c.into()), ("tagName", "ov-field-c".into())])).unwrap();
    let v = vector("6921000000000000001", "phone");
    let el = make_field("ov-field-c", &[("order-id", &v.order), ("field", "phone"), ("ciphertext", &v.ciphertext), ("masked", "138****5678")]);
    let events = record_events(&el);
    part(&el, "eye").unwrap().unchecked_ref::<HtmlElement>().click();
    wait_until("the refusal", || state(&el) == "error").await;
    let err = part(&el, "error").unwrap();
    assert_eq!(err.text_content().unwrap(), "该店铺今日解密额度已用完，请申请提升额度后再解密。");
    assert_eq!(err.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(part(&el, "masked").unwrap().text_content().unwrap(), "138****5678");
    let events = events.borrow().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].0, "orderveil-error");
    let detail = JSON::parse(&events[0].1).unwrap();
    assert_eq!(get_str(&detail, "code"), "QUOTA_EXHAUSTED");
    assert_eq!(get_str(&detail, "message"), "Today's decryption quota for this shop is used up.");
    assert_eq!(get_str(&detail, "messageZh"), "该店铺今日解密额度已用完，请申请提升额度后再解密。");
    el.set_attribute("lang", "en").unwrap();
    assert_eq!(part(&el, "error").unwrap().text_content().unwrap(), "Today's decryption quota for this shop is used up.");
    el.remove();
}

#[wasm_bindgen_test]
async fn element_sends_its_purpose_and_refuses_without_one() {
    install_fetch_stand_in();
    let v = vector("6921000000000000003", "phone");
    let attrs = |extra: &[(&'static str, &'static str)]| {
        let mut a: Vec<(&str, String)> = vec![("order-id", v.order.clone()), ("field", "phone".into()), ("ciphertext", v.ciphertext.clone()), ("masked", "139****0003".into())];
        a.extend(extra.iter().map(|(k, x)| (*k, (*x).to_string())));
        a
    };
    let make = |tag: &str, extra: &[(&'static str, &'static str)]| {
        let a = attrs(extra);
        make_field(tag, &a.iter().map(|(k, x)| (*k, x.as_str())).collect::<Vec<_>>())
    };
    async fn reveal_now(el: &Element) {
        let p: Promise = get(el, "reveal").unchecked_into::<Function>().call0(el).unwrap().unchecked_into();
        resolves(p).await;
    }

    // The client's purpose, unless the element says otherwise.
    let (c, calls) = client(OK_URL, None);
    define_orderveil_field(&obj(&[("client", c.into()), ("tagName", "ov-field-p".into())])).unwrap();
    let el = make("ov-field-p", &[]);
    reveal_now(&el).await;
    assert_eq!(state(&el), "revealed");
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("manual_shipping".into()), None));
    el.remove();
    let el = make("ov-field-p", &[("purpose", "installation_delivery")]);
    reveal_now(&el).await;
    assert_eq!(state(&el), "revealed");
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("installation_delivery".into()), None));
    el.remove();
    let el = make("ov-field-p", &[("purpose", "other"), ("purpose-note", "核对安装地址")]);
    reveal_now(&el).await;
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("other".into()), Some("核对安装地址".into())));
    el.remove();
    assert_eq!(calls.get(), 3);

    // A bad purpose attribute: refused in the page, shown like a refusal, nothing sent.
    let before = seen_for(OK_URL).len();
    for bad in [&[("purpose", "refund")][..], &[("purpose", "other")][..], &[("purpose", "after_sales"), ("purpose-note", "call 13800138000")][..]] {
        let el = make("ov-field-p", bad);
        let events = record_events(&el);
        reveal_now(&el).await;
        assert_eq!(state(&el), "error");
        assert_eq!(part(&el, "error").unwrap().get_attribute("data-code").as_deref(), Some("PURPOSE_INVALID"));
        assert!(!part(&el, "error").unwrap().text_content().unwrap().is_empty());
        assert_eq!(events.borrow().len(), 1);
        assert!(events.borrow()[0].1.contains("PURPOSE_INVALID"));
        assert!(!events.borrow()[0].1.contains("13800138000"), "the event repeated the note");
        el.remove();
    }
    assert_eq!(seen_for(OK_URL).len(), before);
    assert_eq!(calls.get(), 3, "no token was asked for");

    // No purpose anywhere: refused in the page.
    let (bare, bare_calls) = client_for(OK_URL, None, None);
    let bare: JsValue = bare.into();
    define_orderveil_field(&obj(&[("client", bare.clone()), ("tagName", "ov-field-q".into())])).unwrap();
    let el = make("ov-field-q", &[("lang", "en")]);
    reveal_now(&el).await;
    assert_eq!(state(&el), "error");
    let err = part(&el, "error").unwrap();
    assert_eq!(err.get_attribute("data-code").as_deref(), Some("PURPOSE_INVALID"));
    assert!(err.text_content().unwrap().contains("purpose"), "{:?}", err.text_content());
    el.remove();
    assert_eq!(seen_for(OK_URL).len(), before);
    // ... unless the element gives one.
    let el = make("ov-field-q", &[("purpose", "dropshipping")]);
    reveal_now(&el).await;
    assert_eq!(state(&el), "revealed");
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("dropshipping".into()), None));
    el.remove();
    // The options' purpose applies to every element of the tag, the attribute still wins.
    define_orderveil_field(&obj(&[("client", bare), ("tagName", "ov-field-r".into()), ("purpose", "virtual_goods".into())])).unwrap();
    let el = make("ov-field-r", &[]);
    reveal_now(&el).await;
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("virtual_goods".into()), None));
    el.remove();
    let el = make("ov-field-r", &[("purpose", "customer_service")]);
    reveal_now(&el).await;
    assert_eq!(purpose_of(&last_body(OK_URL)), (Some("customer_service".into()), None));
    el.remove();
    assert_eq!(bare_calls.get(), 3);

    // Changing the purpose of a revealed element hides the plaintext.
    let el = make("ov-field-p", &[("timeout", "60")]);
    reveal_now(&el).await;
    assert_eq!(state(&el), "revealed");
    el.set_attribute("purpose", "after_sales").unwrap();
    assert_eq!(state(&el), "masked");
    assert!(!shadow(&el).inner_html().contains(&v.plaintext));
    el.remove();
}

#[wasm_bindgen_test]
async fn isolated_mode_renders_a_frame_and_answers_it_with_a_token() {
    // The frame page is a same-origin page of the test server (it does not exist: a 404
    // document is enough to act as the frame from its own realm).
    let origin = web_sys::window().unwrap().location().origin().unwrap();
    let frame_url = format!("{origin}/orderveil-test-frame.html");
    let (c, calls) = client("https://ov.example.com", Some("shop1"));
    define_orderveil_field(&obj(&[("client", c.into()), ("tagName", "ov-field-d".into()), ("mode", "isolated".into()), ("frameUrl", frame_url.clone().into())])).unwrap();
    let v = vector("6921000000000000001", "address");
    let el = make_field("ov-field-d", &[("order-id", &v.order), ("field", "address"), ("ciphertext", &v.ciphertext), ("masked", "浙江省杭州市西湖区****"), ("lang", "en")]);
    let events = record_events(&el);

    let frame = part(&el, "frame").unwrap();
    assert_eq!(frame.tag_name(), "IFRAME");
    assert_eq!(frame.get_attribute("sandbox").as_deref(), Some("allow-scripts allow-same-origin"));
    assert_eq!(frame.get_attribute("allow").as_deref(), Some("clipboard-write"));
    assert!(part(&el, "masked").is_none() && part(&el, "eye").is_none(), "the frame shows the field itself");
    let src = frame.get_attribute("src").unwrap();
    let (page, fragment) = src.split_once('#').unwrap();
    assert_eq!(page, frame_url);
    let params = web_sys::UrlSearchParams::new_with_str(fragment).unwrap();
    assert_eq!(params.get("order").as_deref(), Some(v.order.as_str()));
    assert_eq!(params.get("field").as_deref(), Some("address"));
    assert_eq!(params.get("ct").as_deref(), Some(v.ciphertext.as_str()));
    assert_eq!(params.get("masked").as_deref(), Some("浙江省杭州市西湖区****"));
    assert_eq!(params.get("timeout").as_deref(), Some("30"));
    assert_eq!(params.get("lang").as_deref(), Some("en"));
    assert_eq!(params.get("shop").as_deref(), Some("shop1"));
    assert_eq!(params.get("purpose").as_deref(), Some("manual_shipping"), "the client's purpose goes to the frame");
    assert_eq!(params.get("purpose_note"), None);
    // The element's purpose attributes go instead; a change makes a new frame.
    el.set_attribute("purpose", "other").unwrap();
    el.set_attribute("purpose-note", "核对地址").unwrap();
    let src = part(&el, "frame").unwrap().get_attribute("src").unwrap();
    let params = web_sys::UrlSearchParams::new_with_str(src.split_once('#').unwrap().1).unwrap();
    assert_eq!(params.get("purpose").as_deref(), Some("other"));
    assert_eq!(params.get("purpose_note").as_deref(), Some("核对地址"));
    let frame = part(&el, "frame").unwrap();

    // The frame asks for a token; the host answers it (and only it).
    let answer = resolves(frame_asks_for_token(&frame, "0123456789abcdef0123456789abcdef")).await;
    assert_eq!(get_str(&answer, "type"), "orderveil:token");
    assert_eq!(get_str(&answer, "nonce"), "0123456789abcdef0123456789abcdef");
    assert_eq!(get_str(&answer, "token"), "app-token-123");
    assert_eq!(calls.get(), 1);

    // State reports from the frame become the element's events; the same message from
    // another window (here: the host page itself) is ignored.
    let window = web_sys::window().unwrap();
    window.post_message(&obj(&[("type", "orderveil:state".into()), ("state", "revealed".into())]), "*").unwrap();
    frame_posts(&frame, &obj(&[("type", "orderveil:state".into()), ("state", "revealed".into())]));
    wait_until("the reveal event", || state(&el) == "revealed").await;
    frame_posts(&frame, &obj(&[("type", "orderveil:state".into()), ("state", "hidden".into())]));
    frame_posts(&frame, &obj(&[("type", "orderveil:state".into()), ("state", "error".into()), ("code", "RISK_COOLDOWN".into()), ("message", "cooling down".into()), ("messageZh", "冷却中".into())]));
    wait_until("the error event", || state(&el) == "error").await;
    JsFuture::from(sleep(50)).await.unwrap();
    let events = events.borrow().clone();
    let kinds: Vec<&str> = events.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(kinds, ["orderveil-reveal", "orderveil-hide", "orderveil-error"]);
    assert_eq!(events[2].1, r#"{"code":"RISK_COOLDOWN","message":"cooling down","messageZh":"冷却中"}"#);
    el.remove();
    assert!(part(&el, "frame").is_none(), "the frame goes with the element");
}
