//! The web app's files and the headers of every answer: the Trunk build served at `/` (the
//! console bundle for its routes), the Content-Security-Policy, cache rules, and the frame
//! policy of the npm package's embed frame.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

use crate::state::AppState;

/// The `index.html` of the bundle a client route belongs to (`orderveil_api::is_console_route`):
/// `console/index.html` for the console's routes (when that bundle was built), the main one
/// for every other path.
pub fn spa_index(
    dir: &std::path::Path,
) -> impl tower::Service<Request, Response = Response<tower_http::services::fs::ServeFileSystemResponseBody>, Error = std::convert::Infallible, Future: Send> + Clone + Send + 'static
{
    use tower::ServiceExt as _;
    let main = tower_http::services::ServeFile::new(dir.join("index.html"));
    let console_path = dir.join("console").join("index.html");
    let console = console_path.is_file().then(|| tower_http::services::ServeFile::new(console_path));
    tower::service_fn(move |req: Request| {
        let file = match &console {
            Some(c) if orderveil_api::is_console_route(req.uri().path()) => c.clone(),
            _ => main.clone(),
        };
        async move { file.oneshot(req).await }
    })
}

/// The Content-Security-Policy of every page the server sends: the app's own files only,
/// WebAssembly compilation allowed (`'wasm-unsafe-eval'`), no inline script or style, no
/// eval, no plugins, no framing. The Trunk build has no inline script: `web/boot.js` starts
/// the app (see `Trunk.toml`).
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; \
     img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// `Cache-Control` of a build output whose file name carries its content hash.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// Does the last path segment look like a Trunk output with a content hash in its name
/// (`orderveil-web-1a2b3c4d5e6f7a8b_bg.wasm`, `orderveil-web-….js`, `style-….css`)?
pub fn is_hashed_asset(path: &str) -> bool {
    let file = path.rsplit('/').next().unwrap_or("");
    let Some((stem, ext)) = file.rsplit_once('.') else { return false };
    if !matches!(ext, "js" | "wasm" | "css") {
        return false;
    }
    let stem = stem.strip_suffix("_bg").unwrap_or(stem);
    let Some((name, hash)) = stem.rsplit_once('-') else { return false };
    // Trunk writes a 64-bit hash as lower-case hex without leading zeros.
    !name.is_empty() && (8..=16).contains(&hash.len()) && hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Security and cache headers. API answers are never stored by a cache. Pages get the CSP;
/// `index.html` (and the SPA fallback, which is index.html too) is revalidated on every
/// load so a new build replaces the old one at once, while hashed build outputs are cached
/// for a year: their names change with their content.
pub async fn web_headers(State(state): State<AppState>, req: Request, next: axum::middleware::Next) -> Response {
    let api = req.uri().path().starts_with("/api/") || req.uri().path() == "/healthz";
    let hashed = is_hashed_asset(req.uri().path());
    let embed = req.uri().path().starts_with("/embed/");
    let mut resp = next.run(req).await;
    let resp_status = resp.status();
    let ok = resp_status.is_success() || resp_status == StatusCode::NOT_MODIFIED;
    let h = resp.headers_mut();
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    if state.settings.https() {
        // Served over HTTPS (`--public-url https://…`): browsers keep to HTTPS for a year.
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    if api {
        h.entry(header::CACHE_CONTROL).or_insert(HeaderValue::from_static("no-store"));
        return resp;
    }
    let html = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| ct.starts_with("text/html"));
    let cache = if hashed && ok && !html { CACHE_IMMUTABLE } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CONTENT_SECURITY_POLICY));
    // A revalidated page (304) has no Content-Type, but the browser replaces the cached
    // response's CSP with this one: the frame's own policy must go out on a 304 too, or the
    // second load of a frame is refused.
    if embed && (html || resp_status == StatusCode::NOT_MODIFIED) {
        // The isolated reveal and print frames of the npm package: only registered apps'
        // origins may frame them (and nobody when none are registered).
        let ancestors = crate::isv::registered_origins(&state).await.unwrap_or_default();
        let ancestors = if ancestors.is_empty() { "'none'".to_string() } else { ancestors.join(" ") };
        let csp = CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"));
        if let Ok(v) = HeaderValue::from_str(&csp) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    resp
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn only_trunk_outputs_with_a_content_hash_are_immutable() {
        assert!(is_hashed_asset("/orderveil-web-9f86d081884c7d65_bg.wasm"));
        assert!(is_hashed_asset("/orderveil-web-9f86d081884c7d65.js"));
        assert!(is_hashed_asset("/style-1e3a5b7c9d0f2a4.css"));
        assert!(is_hashed_asset("/boot-00a1b2c3d4e5f607.js"));
        for p in ["/", "/index.html", "/boot.js", "/orders/E2E-1", "/quota", "/style.css", "/orderveil-web-xyz.js", "/a-deadbeef.html", "/-9f86d081884c7d65.js", "/x-9F86D081884C7D65.js"] {
            assert!(!is_hashed_asset(p), "{p}");
        }
    }
}
