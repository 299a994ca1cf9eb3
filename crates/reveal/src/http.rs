//! The two browser APIs the client needs, declared by hand instead of pulling web-sys, and
//! small helpers over `Reflect`/`JSON`.
//!
//! `fetch` is the global function, looked up when called (so it works in a window and in a
//! worker, and a page's or test's replacement of `globalThis.fetch` is honoured).

use js_sys::{Object, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::{error, set};

#[wasm_bindgen]
extern "C" {
    /// `fetch(url, init)`; `catch`: a synchronous throw (invalid URL or header) becomes `Err`.
    #[wasm_bindgen(js_name = fetch, catch)]
    fn fetch_raw(url: &str, init: &Object) -> Result<Promise, JsValue>;

    /// A fetch `Response`.
    pub(crate) type Response;

    /// HTTP status.
    #[wasm_bindgen(method, getter)]
    fn status(this: &Response) -> u16;

    /// `response.json()`.
    #[wasm_bindgen(method, catch)]
    fn json(this: &Response) -> Result<Promise, JsValue>;
}

/// A string property of a JS object, if it is one.
pub(crate) fn get_string(obj: &JsValue, key: &str) -> Option<String> {
    crate::get(obj, key).as_string()
}

/// What came back: the status and the parsed JSON body (`None` if it was not JSON).
pub(crate) struct Answer {
    pub status: u16,
    pub body: Option<JsValue>,
}

/// POST `body` (a JSON text) to `url` with the bearer token, without cookies, cache or
/// redirects. A rejected fetch is `NETWORK_ERROR`.
pub(crate) async fn post_json(url: &str, token: &str, body: &str) -> Result<Answer, JsValue> {
    let headers = Object::new();
    // The header value holds the token: keep the Rust copy in a zeroizing buffer.
    let bearer = zeroize::Zeroizing::new(["Bearer ", token].concat());
    set(&headers, "Authorization", &JsValue::from_str(&bearer));
    set(&headers, "Content-Type", &"application/json".into());
    set(&headers, "Accept", &"application/json".into());
    let init = Object::new();
    set(&init, "method", &"POST".into());
    set(&init, "headers", &headers);
    set(&init, "body", &body.into());
    // No cookies of the OrderVeil origin ride along: the bearer token is the only credential.
    set(&init, "credentials", &"omit".into());
    set(&init, "cache", &"no-store".into());
    // A redirect would be a misconfiguration or an attack; never re-send the token on one.
    set(&init, "redirect", &"error".into());
    let promise = fetch_raw(url, &init).map_err(|_| error::network())?;
    let response: Response = JsFuture::from(promise).await.map_err(|_| error::network())?.unchecked_into();
    let status = response.status();
    let body = match response.json() {
        Ok(p) => JsFuture::from(p).await.ok(),
        Err(_) => None,
    };
    Ok(Answer { status, body })
}
