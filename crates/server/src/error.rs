//! The one error type handlers return. It maps to `{code, message, message_zh}` with the
//! code's HTTP status; internal causes are logged, never sent.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use orderveil_api::ErrorCode;
use serde_json::Value;

/// A refusal or failure.
#[derive(Debug)]
pub struct AppError {
    /// The stable code.
    pub code: ErrorCode,
    /// Facts the client can act on.
    pub details: Option<Value>,
    /// For the log only (never plaintext receiver data).
    internal: Option<String>,
}

impl AppError {
    /// A refusal with a code.
    pub fn new(code: ErrorCode) -> Self {
        Self { code, details: None, internal: None }
    }
    /// With details.
    pub fn with(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }
    /// An internal error; `what` goes to the log.
    pub fn internal(what: impl std::fmt::Display) -> Self {
        Self { code: ErrorCode::Internal, details: None, internal: Some(what.to_string()) }
    }
}

impl From<ErrorCode> for AppError {
    fn from(code: ErrorCode) -> Self {
        Self::new(code)
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(format!("database: {e}"))
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if let Some(what) = &self.internal {
            tracing::error!(code = ?self.code, "{what}");
        }
        let status = StatusCode::from_u16(self.code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        // A refusal that says when to come back (`details.retry_after_secs`: a lock, a
        // cool-down, a full queue) says it in `Retry-After` too.
        let retry_after = self.details.as_ref().and_then(|d| d.get("retry_after_secs")).and_then(Value::as_i64).filter(|s| *s > 0);
        let mut body = self.code.body();
        body.details = self.details;
        let mut resp = (status, axum::Json(body)).into_response();
        if let Some(secs) = retry_after.filter(|_| status == StatusCode::TOO_MANY_REQUESTS || status == StatusCode::SERVICE_UNAVAILABLE) {
            resp.headers_mut().insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
        resp
    }
}

/// Handler result.
pub type AppResult<T> = Result<T, AppError>;
