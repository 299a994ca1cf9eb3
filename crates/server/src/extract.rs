//! Request extractors whose rejections are coded errors: JSON bodies, query strings and path
//! parameters. Every handler takes its input through these, so a malformed request is
//! answered like any other refusal (`{code, message, message_zh}`) and never echoes input.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::{StatusCode, request::Parts};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use orderveil_api::ErrorCode;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Largest request body accepted (a full ingest batch of 500 orders is ~300 KB).
pub const BODY_LIMIT: usize = 2 * 1024 * 1024;

/// JSON body whose rejections are coded errors. Serde's messages can quote input values, so
/// they are never echoed: plaintext could be among them.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> AppResult<Self> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonDataError(_)) => Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a field is unknown, missing or of the wrong type"}))),
            Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => Err(AppError::new(ErrorCode::PayloadTooLarge).with(json!({"max_bytes": BODY_LIMIT}))),
            Err(_) => Err(AppError::new(ErrorCode::BadRequest).with(json!({"reason": "body is not JSON (Content-Type: application/json)"}))),
        }
    }
}

/// Query string whose rejections are coded errors.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Self(q.0))
            .map_err(|_: QueryRejection| AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a query parameter is unknown or malformed"})))
    }
}

/// Path parameters whose rejections (e.g. bytes that are not UTF-8) are coded errors.
pub struct ApiPath<T>(pub T);

impl<T: DeserializeOwned + Send, S: Send + Sync> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> AppResult<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|p| Self(p.0))
            .map_err(|_| AppError::new(ErrorCode::ValidationFailed).with(json!({"reason": "a path parameter is malformed"})))
    }
}

/// The client's address, for login throttling: the TCP peer; or, when the peer is one of the
/// trusted proxies (`--trusted-proxy`), the last address its `X-Forwarded-For` names (the
/// one the proxy itself saw; earlier entries are the client's word and are ignored). Served
/// without connection info (a test's bare router), the unspecified address.
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let peer = parts.extensions.get::<axum::extract::ConnectInfo<SocketAddr>>().map(|c| c.0.ip());
        let Some(peer) = peer else { return Ok(Self(IpAddr::V4(Ipv4Addr::UNSPECIFIED))) };
        if !state.settings.trusted_proxies.contains(&peer) {
            return Ok(Self(peer));
        }
        // The last entry of the last header: what the trusted proxy appended.
        let forwarded = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|a| a.trim().parse::<IpAddr>().ok());
        Ok(Self(forwarded.unwrap_or(peer)))
    }
}
