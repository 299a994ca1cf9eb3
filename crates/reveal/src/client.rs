//! `RevealClient`: one grant per call, opened and used in Wasm.

use std::rc::Rc;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use js_sys::{Array, Function, JSON, Object, Promise};
use orderveil_cipher::{ClientSession, FieldCiphertext, FieldKind, GRANT_MAX_ORDERS, GrantError, OpenedGrant, OrderId, SealedGrant, ShopId};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, future_to_promise};
use zeroize::Zeroizing;

use crate::error;
use crate::http;
use crate::set;
use crate::purpose::{self, Purpose};

/// Asks the OrderVeil server for one-time key grants and decrypts receiver fields in Wasm.
///
/// JS: `new RevealClient({ baseUrl, getToken, shopId?, purpose?, purposeNote? })`. Every
/// `reveal` / `revealMany` makes a fresh X25519 key pair, requests one grant for all the
/// orders and fields asked for (with the client's purpose), opens it, decrypts, and drops the
/// keys. `withPurpose` gives a client for another purpose. See the crate documentation for
/// the flow and its security properties.
#[wasm_bindgen]
pub struct RevealClient {
    pub(crate) config: Rc<Config>,
    /// Sent with every grant request; without one a reveal is refused in the page.
    purpose: Option<Rc<Purpose>>,
}

pub(crate) struct Config {
    pub(crate) base_url: String,
    pub(crate) get_token: Function,
    pub(crate) shop: Option<ShopId>,
}

/// One order to reveal: its id and the parsed ciphertext of each requested field.
struct Item {
    order_id: OrderId,
    fields: Vec<(FieldKind, FieldCiphertext)>,
}

#[wasm_bindgen]
impl RevealClient {
    /// `new RevealClient({ baseUrl, getToken, shopId?, purpose?, purposeNote? })`. Throws a
    /// `RevealError` `INVALID_ARGUMENT` when `baseUrl` is not an absolute `http(s)` URL
    /// without query or fragment, `getToken` is not a function, or `shopId` is not a valid
    /// shop id; `PURPOSE_INVALID` when `purpose` is not one of the purposes, or `purposeNote`
    /// is given without a purpose or breaks the note rule (1-200 characters, no phone number;
    /// required for `other`). A client without a purpose can be constructed, but refuses to
    /// reveal (`PURPOSE_INVALID`) until `withPurpose` gives one.
    #[wasm_bindgen(constructor)]
    pub fn new(#[wasm_bindgen(unchecked_param_type = "RevealClientOptions")] options: JsValue) -> Result<RevealClient, JsValue> {
        if !options.is_object() {
            return Err(error::invalid_argument(
                "RevealClient needs an options object { baseUrl, getToken, shopId?, purpose?, purposeNote? }.",
                "RevealClient 需要参数对象 { baseUrl, getToken, shopId?, purpose?, purposeNote? }。",
            ));
        }
        let base_url = http::get_string(&options, "baseUrl").and_then(|u| normalize_base_url(&u)).ok_or_else(|| {
            error::invalid_argument(
                "baseUrl must be an absolute http(s) URL without query or fragment, e.g. https://orderveil.example.com.",
                "baseUrl 必须是不含查询参数和片段的完整 http(s) 地址，例如 https://orderveil.example.com。",
            )
        })?;
        let get_token = crate::get(&options, "getToken")
            .dyn_into::<Function>()
            .map_err(|_| error::invalid_argument("getToken must be a function returning the access token.", "getToken 必须是返回访问令牌的函数。"))?;
        let shop = crate::get(&options, "shopId");
        let shop = if shop.is_undefined() || shop.is_null() {
            None
        } else {
            let s = shop.as_string().and_then(|s| ShopId::new(&s).ok()).ok_or_else(|| {
                error::invalid_argument("shopId must be a shop id ([A-Za-z0-9_-], 1-64 characters).", "shopId 必须是店铺 ID（[A-Za-z0-9_-]，1–64 个字符）。")
            })?;
            Some(s)
        };
        let purpose = purpose::optional(&crate::get(&options, "purpose"), &crate::get(&options, "purposeNote"))?;
        Ok(Self { config: Rc::new(Config { base_url, get_token, shop }), purpose: purpose.map(Rc::new) })
    }

    /// A client like this one (same server, token callback and shop) that reveals for
    /// `purpose` (with `purposeNote`, required for `other`): the per-call choice, e.g.
    /// `client.withPurpose('after_sales').reveal(…)`. This client is unchanged. Throws a
    /// `RevealError` `PURPOSE_INVALID` for a missing or unknown purpose or a bad note.
    #[wasm_bindgen(js_name = withPurpose)]
    pub fn with_purpose(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RevealPurpose")] purpose: JsValue,
        #[wasm_bindgen(js_name = purposeNote, unchecked_optional_param_type = "string")] purpose_note: JsValue,
    ) -> Result<RevealClient, JsValue> {
        let purpose = purpose::required(&purpose, &purpose_note)?;
        Ok(Self { config: Rc::clone(&self.config), purpose: Some(Rc::new(purpose)) })
    }

    /// The purpose sent with every grant request, if the client has one.
    #[wasm_bindgen(getter, unchecked_return_type = "RevealPurpose | undefined")]
    pub fn purpose(&self) -> JsValue {
        self.purpose.as_ref().map_or(JsValue::UNDEFINED, |p| JsValue::from_str(p.name))
    }

    /// The purpose's note (trimmed), if any.
    #[wasm_bindgen(getter, js_name = purposeNote)]
    pub fn purpose_note(&self) -> Option<String> {
        self.purpose.as_ref().and_then(|p| p.note.clone())
    }

    /// The server's base URL, without a trailing slash.
    #[wasm_bindgen(getter, js_name = baseUrl)]
    pub fn base_url(&self) -> String {
        self.config.base_url.clone()
    }

    /// The expected shop, if one was given.
    #[wasm_bindgen(getter, js_name = shopId)]
    pub fn shop_id(&self) -> Option<String> {
        self.config.shop.as_ref().map(|s| s.as_str().to_string())
    }

    /// Call the `getToken` of the options and check what it gives (a non-empty string of
    /// visible ASCII); rejects with `TOKEN_UNAVAILABLE`. The element's isolated mode uses
    /// this to answer its frame.
    #[wasm_bindgen(js_name = getToken, unchecked_return_type = "Promise<string>")]
    pub fn get_token(&self) -> Promise {
        let config = Rc::clone(&self.config);
        future_to_promise(async move { Ok(JsValue::from_str(&token(&config).await?)) })
    }

    /// Reveal `fields` of one order: resolves to `{ [field]: plaintext }` for every requested
    /// field. `ciphertexts` must hold the ciphertext of each requested field (other entries
    /// are ignored). Everything is checked before the request is sent, so an invalid call
    /// costs no quota; a client without a purpose rejects with `PURPOSE_INVALID`.
    #[wasm_bindgen(unchecked_return_type = "Promise<FieldMap>")]
    pub fn reveal(
        &self,
        #[wasm_bindgen(js_name = orderId, unchecked_param_type = "string")] order_id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FieldName[]")] fields: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FieldMap")] ciphertexts: JsValue,
    ) -> Promise {
        let config = Rc::clone(&self.config);
        let purpose = self.purpose.clone();
        future_to_promise(async move {
            let kinds = parse_fields(&fields)?;
            let item = parse_item(&order_id, &ciphertexts, &kinds)?;
            let purpose = purpose.ok_or_else(purpose::missing)?;
            let mut out = run(&config, &purpose, &[item], &kinds).await?;
            Ok(out.pop().map_or_else(|| Object::new().into(), JsValue::from))
        })
    }

    /// Reveal `fields` of up to 50 orders with ONE grant: resolves to
    /// `[{ orderId, fields: { [field]: plaintext } }]` in the order of `items`. More than 50
    /// orders reject with `TOO_MANY_ORDERS` before anything is sent; an empty list resolves
    /// to `[]` without a request; otherwise a client without a purpose rejects with
    /// `PURPOSE_INVALID`.
    #[wasm_bindgen(js_name = revealMany, unchecked_return_type = "Promise<RevealedOrder[]>")]
    pub fn reveal_many(
        &self,
        #[wasm_bindgen(unchecked_param_type = "RevealItem[]")] items: JsValue,
        #[wasm_bindgen(unchecked_param_type = "FieldName[]")] fields: JsValue,
    ) -> Promise {
        let config = Rc::clone(&self.config);
        let purpose = self.purpose.clone();
        future_to_promise(async move {
            if !Array::is_array(&items) {
                return Err(error::invalid_argument("items must be an array of { orderId, ciphertexts }.", "items 必须是 { orderId, ciphertexts } 数组。"));
            }
            let items = Array::from(&items);
            let kinds = parse_fields(&fields)?;
            let mut parsed = Vec::with_capacity(items.length() as usize);
            for it in items.iter() {
                parsed.push(parse_item(&crate::get(&it, "orderId"), &crate::get(&it, "ciphertexts"), &kinds)?);
            }
            let mut distinct: Vec<&OrderId> = Vec::new();
            for it in &parsed {
                if !distinct.contains(&&it.order_id) {
                    distinct.push(&it.order_id);
                }
            }
            if distinct.len() > GRANT_MAX_ORDERS {
                return Err(error::too_many_orders(GRANT_MAX_ORDERS, distinct.len()));
            }
            let out = Array::new();
            if parsed.is_empty() {
                return Ok(out.into());
            }
            let purpose = purpose.ok_or_else(purpose::missing)?;
            let revealed = run(&config, &purpose, &parsed, &kinds).await?;
            for (it, fields) in parsed.iter().zip(revealed) {
                let o = Object::new();
                set(&o, "orderId", &it.order_id.as_str().into());
                set(&o, "fields", &fields);
                out.push(&o);
            }
            Ok(out.into())
        })
    }
}

/// Trim trailing slashes; accept only absolute `http://` / `https://` URLs with a host and
/// no query, fragment, whitespace or credentials.
fn normalize_base_url(u: &str) -> Option<String> {
    let trimmed = u.trim_end_matches('/');
    let rest = trimmed.strip_prefix("https://").or_else(|| trimmed.strip_prefix("http://"))?;
    let host = rest.split('/').next().unwrap_or("");
    let bad = |c: char| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#' | '\\');
    if host.is_empty() || host.contains('@') || trimmed.chars().any(bad) {
        return None;
    }
    Some(trimmed.to_string())
}

/// The requested field names: an array of known names, duplicates dropped, at least one.
fn parse_fields(fields: &JsValue) -> Result<Vec<FieldKind>, JsValue> {
    if !Array::is_array(fields) {
        return Err(error::invalid_argument("fields must be an array such as [\"phone\"].", "fields 必须是数组，例如 [\"phone\"]。"));
    }
    let mut kinds = Vec::new();
    for f in Array::from(fields).iter() {
        let k = crate::field_kind(&f)?;
        if !kinds.contains(&k) {
            kinds.push(k);
        }
    }
    if kinds.is_empty() {
        return Err(error::unknown_field(&JsValue::UNDEFINED));
    }
    Ok(kinds)
}

/// One order: a valid id and, for every requested field, a ciphertext that parses and is of
/// that field.
fn parse_item(order_id: &JsValue, ciphertexts: &JsValue, kinds: &[FieldKind]) -> Result<Item, JsValue> {
    let id_text = order_id.as_string().unwrap_or_default();
    let order_id = OrderId::new(&id_text).map_err(|_| {
        error::invalid_argument("orderId must be an order id ([A-Za-z0-9_-], 1-64 characters).", "orderId 必须是订单号（[A-Za-z0-9_-]，1–64 个字符）。")
    })?;
    if !ciphertexts.is_object() {
        return Err(error::invalid_argument("ciphertexts must be an object such as { phone: \"$…$$\" }.", "ciphertexts 必须是对象，例如 { phone: \"$…$$\" }。"));
    }
    let mut fields = Vec::with_capacity(kinds.len());
    for &kind in kinds {
        let name = kind.as_str();
        let text = http::get_string(ciphertexts, name)
            .ok_or_else(|| error::ciphertext_invalid(Some(&id_text), Some(name), "no ciphertext for this field"))?;
        let ct = FieldCiphertext::parse(&text).map_err(|e| error::ciphertext_invalid(Some(&id_text), Some(name), &e.to_string()))?;
        if ct.kind() != kind {
            return Err(error::ciphertext_invalid(Some(&id_text), Some(name), "the ciphertext is of another field"));
        }
        fields.push((kind, ct));
    }
    Ok(Item { order_id, fields })
}

/// The token from `getToken`: a non-empty string of visible ASCII (what a header can carry).
pub(crate) async fn token(config: &Config) -> Result<Zeroizing<String>, JsValue> {
    let ret = config.get_token.call0(&JsValue::UNDEFINED).map_err(|_| error::token_unavailable())?;
    let value = JsFuture::from(Promise::resolve(&ret)).await.map_err(|_| error::token_unavailable())?;
    let token = Zeroizing::new(value.as_string().ok_or_else(error::token_unavailable)?);
    if token.is_empty() || token.len() > 8192 || !token.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(error::token_unavailable());
    }
    Ok(token)
}

/// Request one grant for `items` × `kinds` for `purpose`, open it, decrypt. One JS object of
/// plaintexts per item, in order.
async fn run(config: &Config, purpose: &Purpose, items: &[Item], kinds: &[FieldKind]) -> Result<Vec<Object>, JsValue> {
    let token = token(config).await?;
    let mut session = ClientSession::new().map_err(|e| error::grant(&e))?;

    let order_ids = Array::new();
    for it in items {
        let id = JsValue::from_str(it.order_id.as_str());
        if !order_ids.includes(&id, 0) {
            order_ids.push(&id);
        }
    }
    let fields = Array::new();
    for k in kinds {
        fields.push(&k.as_str().into());
    }
    let body = Object::new();
    set(&body, "order_ids", &order_ids);
    set(&body, "fields", &fields);
    set(&body, "client_public", &URL_SAFE_NO_PAD.encode(session.public_key()).into());
    set(&body, "purpose", &purpose.name.into());
    if let Some(note) = &purpose.note {
        set(&body, "purpose_note", &note.into());
    }
    let body: String = JSON::stringify(&body).map(String::from).map_err(|_| error::response_invalid(0))?;

    let url = [config.base_url.as_str(), "/api/v1/reveal-grants"].concat();
    let answer = http::post_json(&url, &token, &body).await?;
    drop(token);
    if !(200..300).contains(&answer.status) {
        return Err(refusal(answer.status, answer.body.as_ref()));
    }
    let resp = answer.body.ok_or_else(|| error::response_invalid(answer.status))?;
    let opened = open_answer(&mut session, config, &resp, answer.status)?;
    drop(session);

    let mut out = Vec::with_capacity(items.len());
    for it in items {
        let obj = Object::new();
        for (kind, ct) in &it.fields {
            let plain = opened.decrypt_parsed(&it.order_id, ct).map_err(|e| error::grant(&e))?;
            set(&obj, kind.as_str(), &JsValue::from_str(&plain));
            // `plain` (Zeroizing) wipes the Rust copy here.
        }
        out.push(obj);
    }
    // `opened` drops here: every field key zeroizes.
    Ok(out)
}

/// Open the grant of a 2xx answer (`sealed_grant`, `shop_id`) with `session`: for the shop
/// the caller vouched for if any, else the one the answer names (a grant sealed for another
/// shop than it names fails to open either way).
pub(crate) fn open_answer(session: &mut ClientSession, config: &Config, resp: &JsValue, status: u16) -> Result<OpenedGrant, JsValue> {
    let (Some(sealed), Some(resp_shop)) = (http::get_string(resp, "sealed_grant"), http::get_string(resp, "shop_id")) else {
        return Err(error::response_invalid(status));
    };
    let sealed = SealedGrant::from_base64(&sealed).map_err(|e| error::grant(&e))?;
    let shop = match &config.shop {
        Some(s) => s.clone(),
        None => ShopId::new(&resp_shop).map_err(|_| error::grant(&GrantError::WrongShop))?,
    };
    let now = (js_sys::Date::now() / 1000.0) as i64;
    session.open(&sealed, &shop, now).map_err(|e| error::grant(&e))
}

/// A non-2xx answer: the server's coded error body, or `RESPONSE_INVALID` if it is not one.
pub(crate) fn refusal(status: u16, body: Option<&JsValue>) -> JsValue {
    let Some(body) = body else { return error::response_invalid(status) };
    let Some(code) = http::get_string(body, "code").filter(|c| !c.is_empty() && c.len() <= 64) else {
        return error::response_invalid(status);
    };
    let message = http::get_string(body, "message").unwrap_or_default();
    let message_zh = http::get_string(body, "message_zh").unwrap_or_default();
    let details = crate::get(body, "details");
    let details = if details.is_object() && !Array::is_array(&details) { details } else { JsValue::NULL };
    error::reveal_error(&code, status, &message, &message_zh, &details)
}
