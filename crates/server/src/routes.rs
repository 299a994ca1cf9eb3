//! The HTTP surface: every room's routes merged into one router, the layers every request
//! passes (CORS, security headers, body limit, trace), and the OpenAPI document made of every
//! room's paths. Handlers live in their rooms; nothing here handles a request itself.

use axum::extract::{DefaultBodyLimit, Request, State};
use axum::response::IntoResponse as _;
use axum::routing::get;
use axum::{Json, Router};
use orderveil_api::{ApiError, ErrorCode};
use tower_http::trace::TraceLayer;
use utoipa::OpenApi;

use crate::error::AppError;
use crate::extract::BODY_LIMIT;
use crate::state::AppState;
use crate::web::{spa_index, web_headers};

/// The API router.
pub fn router(state: AppState, web_dir: Option<&std::path::Path>) -> Router {
    let app = Router::new()
        .merge(crate::session::routes())
        .merge(crate::ingest::routes())
        .merge(crate::orders::routes())
        .merge(crate::reveal::routes())
        .merge(crate::quota::routes::routes())
        .merge(crate::audit_query::routes())
        .merge(crate::isv::routes())
        .route("/api/openapi.json", get(openapi))
        .route("/healthz", get(|| async { "ok" }))
        .merge(crate::staff::routes())
        .merge(crate::applications::routes())
        .merge(crate::admin::routes())
        .merge(crate::export::routes())
        .merge(crate::shipping::routes())
        .merge(crate::waybills::routes())
        .merge(crate::dropship::routes())
        .merge(crate::sms::routes())
        .merge(crate::virtual_numbers::routes())
        .merge(crate::messages::routes())
        .merge(crate::exposure::routes::routes())
        // Unknown API paths stay coded JSON errors even when the web app is served.
        .route("/api/{*rest}", axum::routing::any(|| async { AppError::new(ErrorCode::NotFound) }))
        .method_not_allowed_fallback(|| async { AppError::new(ErrorCode::MethodNotAllowed) });
    // The Trunk-built web app at `/`; any other path is a client-side route (index.html).
    // Gzipped for clients that accept it (the .wasm shrinks to ~40 %); only the app's own
    // static files, never API answers (no secret-bearing response is compressed).
    let app = match web_dir {
        Some(dir) => app.fallback_service(
            tower_http::compression::Compression::new(tower_http::services::ServeDir::new(dir).fallback(spa_index(dir))).gzip(true),
        ),
        None => app.fallback(|| async { AppError::new(ErrorCode::NotFound) }),
    };
    app
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit))
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::isv::cors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), web_headers))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(
            // Log the path only: query strings can carry a searched phone number or name.
            TraceLayer::new_for_http().make_span_with(|req: &Request| tracing::info_span!("http", method = %req.method(), path = %req.uri().path())),
        )
        .with_state(state)
}

/// The bounds of requests ([`crate::limits`]): a place among `--max-concurrent-requests`, and
/// an answer within `--request-timeout-secs`; else `SERVER_BUSY`. A request cut by the timeout is dropped
/// (its transaction, if any, rolls back).
async fn limit(State(state): State<AppState>, req: Request, next: axum::middleware::Next) -> axum::response::Response {
    if req.uri().path() == "/healthz" {
        return next.run(req).await;
    }
    let Some(_place) = state.limits.enter() else {
        return crate::limits::busy("requests", 1).into_response();
    };
    match tokio::time::timeout(state.limits.request_timeout(), next.run(req)).await {
        Ok(resp) => resp,
        Err(_) => {
            tracing::warn!("a request took longer than {:?}: answered SERVER_BUSY", state.limits.request_timeout());
            crate::limits::busy("timeout", 5).into_response()
        }
    }
}

#[derive(OpenApi)]
#[openapi(
    info(title = "OrderVeil API", description = "Encrypted receiver data, masked orders and one-time reveal grants. Every error is {code, message, message_zh}."),
    components(schemas(ApiError, ErrorCode)),
    modifiers(&BearerSchemes)
)]
struct ApiDoc;

/// The two bearer credentials of the API: the order system's service token and an ISV app's
/// access token (`ovat_…`, from `POST /api/v1/isv/token`). Browsers use the session cookie.
struct BearerSchemes;

impl utoipa::Modify for BearerSchemes {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = doc.components.get_or_insert_with(Default::default);
        for (name, what) in [("service_token", "The order system's service token."), ("app_token", "An ISV app's access token for one shop (ovat_…).")] {
            components.add_security_scheme(name, SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).description(Some(what)).build()));
        }
    }
}

/// The OpenAPI document, generated from the handlers and types above.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::session::SessionDoc::openapi());
    doc.merge(crate::ingest::IngestDoc::openapi());
    doc.merge(crate::orders::OrdersDoc::openapi());
    doc.merge(crate::reveal::RevealDoc::openapi());
    doc.merge(crate::quota::routes::QuotaDoc::openapi());
    doc.merge(crate::audit_query::AuditListDoc::openapi());
    doc.merge(crate::isv::IsvDoc::openapi());
    doc.merge(crate::staff::StaffDoc::openapi());
    doc.merge(crate::applications::ApplicationsDoc::openapi());
    doc.merge(crate::admin::AdminDoc::openapi());
    doc.merge(crate::waybills::WaybillsDoc::openapi());
    doc.merge(crate::dropship::DropshipDoc::openapi());
    doc.merge(crate::sms::SmsDoc::openapi());
    doc.merge(crate::virtual_numbers::VirtualNumbersDoc::openapi());
    doc.merge(crate::messages::MessagesDoc::openapi());
    doc.merge(crate::exposure::routes::ExposureDoc::openapi());
    doc.merge(crate::shipping::ShippingDoc::openapi());
    doc.merge(crate::export::ExportDoc::openapi());
    doc
}

async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(openapi_doc())
}
