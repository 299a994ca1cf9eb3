//! Printing shipping labels: `RevealClient.printGrant(waybillNos)` asks for ONE print grant
//! for the waybills (`POST /api/v1/print-grants`, the app's `print` scope), opens it in Wasm
//! with a fresh key pair, checks that it is a print grant and that every order's keys are
//! bound to its label's waybill number, and decrypts each label's receiver. `code128(text)`
//! gives the bars of a waybill number's barcode.
//!
//! The labels come back with plaintext receivers: call this only where the labels are
//! rendered. `printLabels` (`js/print.js`) does: it runs it inside the print frame served by
//! the OrderVeil server (`embed/print.html`), so the host page never holds the plaintext.
//! Each call counts one print of every waybill (at most 3 per waybill) and counts its orders
//! in the shop's burst rules; it never touches the reveal quota.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, JSON, Object, Promise};
use orderveil_cipher::{ClientSession, FieldCiphertext, FieldKind, GRANT_MAX_ORDERS, GrantError, GrantPurpose, OpenedGrant, OrderId};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::client::{Config, RevealClient, open_answer, refusal, token};
use crate::{error, get, http, set};

#[wasm_bindgen]
impl RevealClient {
    /// Ask for one print grant for `waybillNos` (1–50 waybill numbers of the shop's own
    /// e-waybill accounts, allocated or printed, orders awaiting shipment) and resolve to the
    /// `PrintJob`: every label with its sender, print number and orders, each order's
    /// receiver decrypted. Bad numbers reject with `INVALID_ARGUMENT` (more than 50:
    /// `TOO_MANY_ORDERS`) before anything is sent; the server's refusals keep their codes
    /// (`PRINT_LIMIT_REACHED`, `SCOPE_MISSING`, `ORDER_NOT_SHIPPABLE`, …).
    #[wasm_bindgen(js_name = printGrant, unchecked_return_type = "Promise<PrintJob>")]
    pub fn print_grant(&self, #[wasm_bindgen(js_name = waybillNos, unchecked_param_type = "string[]")] waybill_nos: JsValue) -> Promise {
        let config = Rc::clone(&self.config);
        future_to_promise(async move {
            let nos = parse_waybills(&waybill_nos)?;
            print(&config, &nos).await
        })
    }
}

/// The bars of the Code 128 barcode of `text` (printable ASCII): `{ bars: [[x, width], …],
/// width }` in modules, with a quiet zone of 10 modules each side; `undefined` for an empty
/// text or one with other characters.
#[wasm_bindgen(unchecked_return_type = "Barcode | undefined")]
pub fn code128(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> JsValue {
    let Some((bars, width)) = text.as_string().and_then(|t| orderveil_label::bars(&t, 10)) else { return JsValue::UNDEFINED };
    let out = Object::new();
    let list = Array::new();
    for (x, w) in bars {
        list.push(&Array::of2(&x.into(), &w.into()));
    }
    set(&out, "bars", &list);
    set(&out, "width", &width.into());
    out.into()
}

/// 1–50 distinct waybill numbers, each 1–64 visible ASCII characters.
fn parse_waybills(v: &JsValue) -> Result<Vec<String>, JsValue> {
    let bad = || error::invalid_argument("waybillNos must be an array of 1 to 50 waybill numbers.", "waybillNos 必须是 1–50 个面单号的数组。");
    if !Array::is_array(v) {
        return Err(bad());
    }
    let mut out: Vec<String> = Vec::new();
    for n in Array::from(v).iter() {
        let n = n.as_string().ok_or_else(bad)?;
        if n.is_empty() || n.len() > 64 || !n.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad());
        }
        if !out.contains(&n) {
            out.push(n);
        }
    }
    if out.is_empty() {
        return Err(bad());
    }
    if out.len() > GRANT_MAX_ORDERS {
        return Err(error::too_many_orders(GRANT_MAX_ORDERS, out.len()));
    }
    Ok(out)
}

/// Grant, open, decrypt: the `PrintJob`.
async fn print(config: &Config, nos: &[String]) -> Result<JsValue, JsValue> {
    let token = token(config).await?;
    let mut session = ClientSession::new().map_err(|e| error::grant(&e))?;
    let body = Object::new();
    let list = Array::new();
    for n in nos {
        list.push(&n.into());
    }
    set(&body, "waybill_nos", &list);
    set(&body, "client_public", &URL_SAFE_NO_PAD.encode(session.public_key()).into());
    let body: String = JSON::stringify(&body).map(String::from).map_err(|_| error::response_invalid(0))?;
    let url = [config.base_url.as_str(), "/api/v1/print-grants"].concat();
    let answer = http::post_json(&url, &token, &body).await?;
    drop(token);
    if !(200..300).contains(&answer.status) {
        return Err(refusal(answer.status, answer.body.as_ref()));
    }
    let status = answer.status;
    let resp = answer.body.ok_or_else(|| error::response_invalid(status))?;
    let opened = open_answer(&mut session, config, &resp, status)?;
    drop(session);
    if opened.purpose() != GrantPurpose::Print {
        return Err(error::grant(&GrantError::OrderNotCovered));
    }
    let labels = get(&resp, "labels");
    if !Array::is_array(&labels) {
        return Err(error::response_invalid(status));
    }
    let out_labels = Array::new();
    for l in Array::from(&labels).iter() {
        out_labels.push(&label(&opened, &l, status)?.into());
    }
    let job = Object::new();
    set(&job, "grantId", &opened.grant_id().to_hex().into());
    set(&job, "shopId", &opened.shop_id().as_str().into());
    set(&job, "expiresAt", &(opened.expires_at() as f64).into());
    set(&job, "labels", &out_labels);
    // `opened` drops here: every field key zeroizes.
    Ok(job.into())
}

/// One label of the answer with its orders' receivers decrypted.
fn label(opened: &OpenedGrant, l: &JsValue, status: u16) -> Result<Object, JsValue> {
    let text = |v: &JsValue, k: &str| http::get_string(v, k).ok_or_else(|| error::response_invalid(status));
    let no = text(l, "waybill_no")?;
    let out = Object::new();
    set(&out, "waybillNo", &no.as_str().into());
    set(&out, "carrier", &text(l, "carrier")?.into());
    set(&out, "carrierName", &text(l, "carrier_name")?.into());
    set(&out, "printNo", &get(l, "print_no").as_f64().unwrap_or(0.0).into());
    let sender = Object::new();
    for (k, from) in [("name", "sender_name"), ("phone", "sender_phone"), ("address", "sender_address")] {
        set(&sender, k, &text(l, from)?.into());
    }
    set(&out, "sender", &sender);
    let orders = get(l, "orders");
    if !Array::is_array(&orders) {
        return Err(error::response_invalid(status));
    }
    let out_orders = Array::new();
    for o in Array::from(&orders).iter() {
        let id_text = text(&o, "order_id")?;
        let id = OrderId::new(&id_text).map_err(|_| error::grant(&GrantError::OrderNotCovered))?;
        // The keys of this order must be bound to this label's waybill: a label cannot show
        // a receiver whose keys were granted for another waybill.
        if !opened.orders().iter().any(|g| g.order_id == id && g.binding == no) {
            return Err(error::grant(&GrantError::OrderNotCovered));
        }
        let receiver = Object::new();
        for (kind, key) in [(FieldKind::Name, "name_ct"), (FieldKind::Phone, "phone_ct"), (FieldKind::Address, "address_ct")] {
            let ct = FieldCiphertext::parse(&text(&o, key)?).map_err(|e| error::ciphertext_invalid(Some(&id_text), Some(kind.as_str()), &e.to_string()))?;
            if ct.kind() != kind {
                return Err(error::ciphertext_invalid(Some(&id_text), Some(kind.as_str()), "the ciphertext is of another field"));
            }
            let plain = opened.decrypt_parsed(&id, &ct).map_err(|e| error::grant(&e))?;
            set(&receiver, kind.as_str(), &JsValue::from_str(&plain));
        }
        let order = Object::new();
        set(&order, "orderId", &id_text.into());
        set(&order, "items", &http::get_string(&o, "items").unwrap_or_default().into());
        set(&order, "receiver", &receiver);
        out_orders.push(&order);
    }
    set(&out, "orders", &out_orders);
    Ok(out)
}
