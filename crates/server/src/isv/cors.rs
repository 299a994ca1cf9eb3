//! CORS for `/api/`: which other origins may call the API (an app token whose app registered
//! the origin), and the origins the page's `frame-ancestors` lists.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use orderveil_api::ErrorCode;
use serde_json::json;

use super::ACCESS_PREFIX;
use crate::error::{AppError, AppResult};
use crate::guard::{app_for_token, bearer, parse_origins};
use crate::state::AppState;
use crate::store::isv;

/// Is `origin` the origin this request was addressed to (the web app itself)?
fn same_origin(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    !host.is_empty() && (origin.strip_prefix("http://") == Some(host) || origin.strip_prefix("https://") == Some(host))
}

/// The web origins of every enabled app.
pub async fn registered_origins(state: &AppState) -> AppResult<Vec<String>> {
    let rows = isv::enabled_origins(&state.db.pool).await?;
    let mut all: Vec<String> = rows.iter().flat_map(|o| parse_origins(o)).collect();
    all.sort();
    all.dedup();
    Ok(all)
}

fn allow_origin(h: &mut HeaderMap, origin: &str) {
    if let Ok(v) = HeaderValue::from_str(origin) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
    }
    h.append(header::VARY, HeaderValue::from_static("Origin"));
}

/// CORS for `/api/`: a browser on another origin may call the API only with an app token
/// whose app registered that origin. Preflights are answered for registered origins only;
/// credentials (cookies) are never allowed cross-origin.
pub async fn cors(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/api/") {
        return next.run(req).await;
    }
    let Some(origin) = req.headers().get(header::ORIGIN).and_then(|v| v.to_str().ok()).map(str::to_owned) else {
        return next.run(req).await;
    };
    if same_origin(&origin, req.headers()) {
        return next.run(req).await;
    }
    // The web app's own form posts (the export download) carry `Origin: null`: its pages send
    // no referrer, and a navigation's origin is then serialized as "null". The browser's
    // `Sec-Fetch-Site` (which no page script can set) says whether it is our own page.
    if origin == "null" && req.headers().get("sec-fetch-site").is_some_and(|v| v == "same-origin") {
        return next.run(req).await;
    }
    let registered = match registered_origins(&state).await {
        Ok(all) => all.contains(&origin),
        Err(e) => return e.into_response(),
    };
    if req.method() == Method::OPTIONS {
        if !registered {
            return AppError::new(ErrorCode::OriginNotAllowed).into_response();
        }
        let mut resp = StatusCode::NO_CONTENT.into_response();
        let h = resp.headers_mut();
        allow_origin(h, &origin);
        h.insert(header::ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, POST"));
        h.insert(header::ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("authorization, content-type"));
        h.insert(header::ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
        return resp;
    }
    let checked = match bearer(req.headers()).filter(|t| t.starts_with(ACCESS_PREFIX)) {
        None => Err(AppError::new(ErrorCode::OriginNotAllowed).with(json!({"reason": "cross-origin requests need an app access token"}))),
        Some(token) => match app_for_token(&state, token).await {
            Ok(app) if app.origins().contains(&origin) => Ok(app),
            Ok(_) => Err(AppError::new(ErrorCode::OriginNotAllowed)),
            Err(e) => Err(e),
        },
    };
    let mut resp = match checked {
        Ok(app) => {
            req.extensions_mut().insert(app);
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    // A registered origin may read the answer (refusals included, so its code reaches the
    // page); any other origin's page cannot.
    if registered {
        allow_origin(resp.headers_mut(), &origin);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_origin_compares_scheme_less_host() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8080"));
        assert!(same_origin("http://127.0.0.1:8080", &h));
        assert!(!same_origin("http://127.0.0.1:8081", &h));
        assert!(!same_origin("null", &h));
        assert!(!same_origin("http://127.0.0.1:8080.evil", &h));
        assert!(!same_origin("http://127.0.0.1:8080", &HeaderMap::new()));
    }
}
