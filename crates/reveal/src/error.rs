//! Building `RevealError`s.
//!
//! The class itself is JS (`js/errors.js`, so that it can `extend Error`); Rust creates
//! instances through `newRevealError`. Server refusals keep the server's code, status,
//! messages and details. Failures in the page get a local code (`status` 0): the codes of
//! [`LOCAL_CODES`], among them every `GrantError::code()` of orderveil-cipher. No error ever
//! carries plaintext or the token; details hold only ids, field names and parser reasons
//! (which describe public ciphertext text).

use js_sys::Object;
use orderveil_cipher::GrantError;
use wasm_bindgen::JsValue;

use crate::set;

/// Every code this package raises itself. `js/errors.js` lists the same codes
/// (`LOCAL_ERROR_CODES`), checked by `tests/codes.rs`.
pub const LOCAL_CODES: &[&str] = &[
    "NETWORK_ERROR",
    "RESPONSE_INVALID",
    "TOKEN_UNAVAILABLE",
    "INVALID_ARGUMENT",
    "UNKNOWN_FIELD",
    "TOO_MANY_ORDERS",
    "CIPHERTEXT_INVALID",
    "CIPHERTEXT_MISMATCH",
    "GRANT_MALFORMED",
    "GRANT_INVALID",
    "GRANT_SHOP_MISMATCH",
    "GRANT_EXPIRED",
    "GRANT_SESSION_USED",
    "GRANT_BODY_INVALID",
    "GRANT_ORDER_NOT_COVERED",
    "GRANT_FIELD_NOT_COVERED",
    "PUBLIC_KEY_WEAK",
    "RANDOM_UNAVAILABLE",
    "PURPOSE_INVALID",
    "TIMEOUT",
];

/// A `RevealError` (as a `JsValue`, ready to throw or to reject a promise with).
/// `details`: a JS object, or `null`.
pub fn reveal_error(code: &str, status: u16, message: &str, message_zh: &str, details: &JsValue) -> JsValue {
    crate::new_reveal_error(code, status, message, message_zh, details)
}

/// A failure in the page (`status` 0).
pub(crate) fn local(code: &str, message: &str, message_zh: &str, details: Option<Object>) -> JsValue {
    let details = details.map_or(JsValue::NULL, JsValue::from);
    reveal_error(code, 0, message, message_zh, &details)
}

/// Bad options or arguments.
pub(crate) fn invalid_argument(message: &str, message_zh: &str) -> JsValue {
    local("INVALID_ARGUMENT", message, message_zh, None)
}

/// A field name that is not `name`, `phone` or `address` (`details.field` when it is a string).
pub(crate) fn unknown_field(v: &JsValue) -> JsValue {
    let details = v.as_string().map(|f| {
        let d = Object::new();
        set(&d, "field", &f.into());
        d
    });
    local("UNKNOWN_FIELD", "Unknown field; use name, phone or address.", "未知字段，请使用 name、phone 或 address。", details)
}

/// More orders than one grant covers.
pub(crate) fn too_many_orders(max: usize, got: usize) -> JsValue {
    let d = Object::new();
    set(&d, "max", &(max as u32).into());
    set(&d, "got", &(got as u32).into());
    local("TOO_MANY_ORDERS", "Too many orders in one request (at most 50).", "单次请求的订单过多（最多 50 个）。", Some(d))
}

/// A ciphertext that is missing, does not parse, or is of another field.
pub(crate) fn ciphertext_invalid(order_id: Option<&str>, field: Option<&str>, reason: &str) -> JsValue {
    let d = Object::new();
    if let Some(o) = order_id {
        set(&d, "orderId", &o.into());
    }
    if let Some(f) = field {
        set(&d, "field", &f.into());
    }
    set(&d, "reason", &reason.into());
    local("CIPHERTEXT_INVALID", "The ciphertext is invalid.", "密文格式无效。", Some(d))
}

/// `fetch` rejected: offline, DNS, TLS, CORS refusal (this page's origin not registered), or
/// a redirect.
pub(crate) fn network() -> JsValue {
    local(
        "NETWORK_ERROR",
        "Could not reach the OrderVeil server (network error, or this page's origin is not allowed).",
        "无法连接 OrderVeil 服务器（网络错误，或本页面的来源未被允许）。",
        None,
    )
}

/// A response that is not what the API answers (HTTP `status`).
pub(crate) fn response_invalid(status: u16) -> JsValue {
    reveal_error(
        "RESPONSE_INVALID",
        status,
        "The server's answer could not be understood (is baseUrl the OrderVeil server?).",
        "无法识别服务器的响应（baseUrl 是否指向 OrderVeil 服务器？）。",
        &JsValue::NULL,
    )
}

/// `getToken` threw, rejected or returned something that is not a usable token.
pub(crate) fn token_unavailable() -> JsValue {
    local(
        "TOKEN_UNAVAILABLE",
        "No access token for the shop (getToken failed or returned no usable token).",
        "无法获取店铺访问令牌（getToken 失败或未返回有效令牌）。",
        None,
    )
}

/// A grant that could not be opened or used; the code is `GrantError::code()`.
pub(crate) fn grant(e: &GrantError) -> JsValue {
    match e {
        GrantError::Ciphertext(p) => ciphertext_invalid(None, None, &p.to_string()),
        GrantError::Expired { .. } => local(
            e.code(),
            "The decryption grant expired before it was opened (is this computer's clock right?); try again.",
            "解密授权在打开前已过期（请检查本机时间），请重试。",
            None,
        ),
        GrantError::WrongShop => local(
            e.code(),
            "The decryption grant is for another shop; nothing was shown.",
            "解密授权属于其他店铺，未显示任何信息。",
            None,
        ),
        GrantError::CiphertextMismatch => local(
            e.code(),
            "The ciphertext does not belong to this order and field; nothing was shown.",
            "密文与该订单或字段不匹配，未显示任何信息。",
            None,
        ),
        _ => local(
            e.code(),
            "The decryption grant could not be opened; nothing was shown. Try again.",
            "解密授权无法打开，未显示任何信息，请重试。",
            None,
        ),
    }
}
