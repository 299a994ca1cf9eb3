//! The one HTTP layer: every call goes through `request`, which maps statuses to `ApiFailure`
//! with the server's code and message. Components never build URLs or parse JSON.

use gloo_net::http::{Method, Request};
use orderveil_api::{ApiError, LoginRequest, OrderPage, QuotaResponse, SessionInfo};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::i18n::Lang;

/// A failed call: the server's coded error, or a network failure.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiFailure {
    /// Stable code (`NETWORK` when the server was not reached).
    pub code: String,
    /// English message.
    pub message: String,
    /// Chinese message.
    pub message_zh: String,
}

impl ApiFailure {
    /// The message in the UI language.
    pub fn text(&self, lang: Lang) -> String {
        match lang {
            Lang::Zh => self.message_zh.clone(),
            Lang::En => self.message.clone(),
        }
    }

    fn network(e: impl std::fmt::Display) -> Self {
        Self { code: "NETWORK".into(), message: format!("Cannot reach the server ({e})."), message_zh: format!("无法连接服务器（{e}）。") }
    }
}

async fn request<B: Serialize, T: DeserializeOwned>(method: Method, path: &str, csrf: Option<&str>, body: Option<&B>) -> Result<T, ApiFailure> {
    let mut req = match method {
        Method::POST => Request::post(path),
        _ => Request::get(path),
    };
    if let Some(token) = csrf {
        req = req.header("X-CSRF-Token", token);
    }
    let resp = match body {
        Some(b) => req.json(b).map_err(ApiFailure::network)?.send().await,
        None => req.send().await,
    }
    .map_err(ApiFailure::network)?;
    if resp.ok() {
        if resp.status() == 204 {
            return serde_json::from_str("null").map_err(ApiFailure::network);
        }
        resp.json::<T>().await.map_err(ApiFailure::network)
    } else {
        let e: ApiError = resp.json().await.map_err(ApiFailure::network)?;
        Err(ApiFailure { code: e.code, message: e.message, message_zh: e.message_zh })
    }
}

/// The current session, if the cookie is still valid.
pub async fn me() -> Result<SessionInfo, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/me", None, None).await
}

/// Log in.
pub async fn login(username: String, password: String) -> Result<SessionInfo, ApiFailure> {
    request(Method::POST, "/api/v1/auth/login", None, Some(&LoginRequest { username, password })).await
}

/// Log out.
pub async fn logout(csrf: &str) -> Result<(), ApiFailure> {
    request::<(), Option<()>>(Method::POST, "/api/v1/auth/logout", Some(csrf), None).await.map(|_| ())
}

/// One page of the shop's masked orders.
pub async fn orders(page: u32, status: Option<&str>) -> Result<OrderPage, ApiFailure> {
    let mut q = format!("/api/v1/orders?page={page}&per_page=20");
    if let Some(s) = status {
        q.push_str("&status=");
        q.push_str(s);
    }
    request::<(), _>(Method::GET, &q, None, None).await
}

/// Today's quota and the last 30 days.
pub async fn quota() -> Result<QuotaResponse, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/quota", None, None).await
}
