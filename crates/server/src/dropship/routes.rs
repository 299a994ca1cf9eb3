//! The dropshipping endpoints: factories (platform), factory staff, bindings, assignments,
//! product rules and the factory's order list.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use orderveil_api::{
    ApiError, AssignRequest, AssignResult, AssignmentRule, AssignmentRuleSet, AssignmentStatus, Binding, BindingEnded, BindingInvite, BindingStatus, Factory, FactoryCreate,
    FactoryOrder, FactorySuspension, FactoryOrderPage, FactoryOrderQuery, OrderAssignment, RecallRequest, RecallResult, ShipmentUploadResult, StaffCreate, StaffMember,
};
use utoipa::OpenApi;

use super::{assign, bindings, factories, fulfil, orders};
use crate::error::AppResult;
use crate::extract::{ApiJson, ApiPath, ApiQuery};
use crate::shipping::{RawBody, UploadQuery, declared_format};
use crate::guard::{Caller, User};
use crate::state::AppState;

/// The routes.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/factories", get(list_factories))
        .route("/api/v1/admin/factories", post(create_factory))
        .route("/api/v1/admin/factories/{factory_id}/suspend", post(suspend_factory))
        .route("/api/v1/admin/factories/{factory_id}/resume", post(resume_factory))
        .route("/api/v1/factory/staff", get(list_factory_staff).post(create_factory_staff))
        .route("/api/v1/factory/orders", get(list_factory_orders))
        .route("/api/v1/factory/shipments/upload", post(factory_upload_shipments))
        .route("/api/v1/factory-bindings", get(list_bindings).post(invite_factory))
        .route("/api/v1/factory-bindings/{id}/accept", post(accept_binding))
        .route("/api/v1/factory-bindings/{id}/decline", post(decline_binding))
        .route("/api/v1/factory-bindings/{id}/end", post(end_binding))
        .route("/api/v1/assignments", post(assign_orders))
        .route("/api/v1/assignments/recall", post(recall_orders))
        .route("/api/v1/assignment-rules", get(list_rules).put(set_rule))
        .route("/api/v1/assignment-rules/{sku}", delete(delete_rule))
}

/// Every factory (platform admins), or the caller's own (factory users).
#[utoipa::path(get, path = "/api/v1/factories", responses((status = 200, body = Vec<Factory>), (status = 403, body = ApiError)))]
pub async fn list_factories(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<Factory>>> {
    factories::list(&state, &user).await.map(Json)
}

/// Create a factory with its owner account (platform admins).
#[utoipa::path(post, path = "/api/v1/admin/factories", request_body = FactoryCreate,
    responses((status = 200, body = Factory), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_factory(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<FactoryCreate>) -> AppResult<Json<Factory>> {
    factories::create(&state, &user, req).await.map(Json)
}

/// Suspend a factory, with a reason (platform admins): its users still read, but accepting
/// bindings, allocating, cancelling, printing and shipping are refused (`FACTORY_SUSPENDED`),
/// and shops cannot assign orders to it.
#[utoipa::path(post, path = "/api/v1/admin/factories/{factory_id}/suspend", params(("factory_id" = String, Path)), request_body = FactorySuspension,
    responses((status = 200, body = Factory), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn suspend_factory(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<String>, ApiJson(req): ApiJson<FactorySuspension>) -> AppResult<Json<Factory>> {
    factories::set_suspended(&state, &user, &id, true, req).await.map(Json)
}

/// Resume a suspended factory, with an optional comment (platform admins).
#[utoipa::path(post, path = "/api/v1/admin/factories/{factory_id}/resume", params(("factory_id" = String, Path)), request_body = FactorySuspension,
    responses((status = 200, body = Factory), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 422, body = ApiError)))]
pub async fn resume_factory(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<String>, ApiJson(req): ApiJson<FactorySuspension>) -> AppResult<Json<Factory>> {
    factories::set_suspended(&state, &user, &id, false, req).await.map(Json)
}

/// The factory's staff accounts (its owner).
#[utoipa::path(get, path = "/api/v1/factory/staff", responses((status = 200, body = Vec<StaffMember>), (status = 403, body = ApiError)))]
pub async fn list_factory_staff(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<StaffMember>>> {
    factories::staff(&state, &user).await.map(Json)
}

/// Create a staff account of the factory with `print` and/or `ship` (its owner).
#[utoipa::path(post, path = "/api/v1/factory/staff", request_body = StaffCreate,
    responses((status = 200, body = StaffMember), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn create_factory_staff(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<StaffCreate>) -> AppResult<Json<StaffMember>> {
    factories::create_staff(&state, &user, req).await.map(Json)
}

/// The orders assigned to the caller's factory by all its shops (masked; never a key): any
/// factory user, or an app the factory authorized with `orders.read`.
#[utoipa::path(get, path = "/api/v1/factory/orders", params(FactoryOrderQuery), responses((status = 200, body = FactoryOrderPage), (status = 403, body = ApiError)))]
pub async fn list_factory_orders(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<FactoryOrderQuery>) -> AppResult<Json<FactoryOrderPage>> {
    orders::list(&state, &caller, q).await.map(Json)
}

/// The caller's bindings: the shop's (owner, staff with `assign`) or the factory's.
#[utoipa::path(get, path = "/api/v1/factory-bindings", responses((status = 200, body = Vec<Binding>), (status = 403, body = ApiError)))]
pub async fn list_bindings(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<Binding>>> {
    bindings::list(&state, &user).await.map(Json)
}

/// Invite a factory by its id (shop owners).
#[utoipa::path(post, path = "/api/v1/factory-bindings", request_body = BindingInvite,
    responses((status = 200, body = Binding), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn invite_factory(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<BindingInvite>) -> AppResult<Json<Binding>> {
    bindings::invite(&state, &user, req).await.map(Json)
}

/// Accept an invitation (factory owners).
#[utoipa::path(post, path = "/api/v1/factory-bindings/{id}/accept", params(("id" = i64, Path)),
    responses((status = 200, body = Binding), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn accept_binding(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Binding>> {
    bindings::answer(&state, &user, id, true).await.map(Json)
}

/// Decline an invitation (factory owners).
#[utoipa::path(post, path = "/api/v1/factory-bindings/{id}/decline", params(("id" = i64, Path)),
    responses((status = 200, body = Binding), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn decline_binding(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<Binding>> {
    bindings::answer(&state, &user, id, false).await.map(Json)
}

/// End an invitation or an active binding (either side's owner); its open assignments are recalled.
#[utoipa::path(post, path = "/api/v1/factory-bindings/{id}/end", params(("id" = i64, Path)),
    responses((status = 200, body = BindingEnded), (status = 403, body = ApiError), (status = 404, body = ApiError), (status = 409, body = ApiError)))]
pub async fn end_binding(State(state): State<AppState>, user: User, ApiPath(id): ApiPath<i64>) -> AppResult<Json<BindingEnded>> {
    bindings::end(&state, &user, id).await.map(Json)
}

/// Assign awaiting-shipment orders to a bound factory, by selection or filter (owners, staff
/// with `assign`); all or nothing.
#[utoipa::path(post, path = "/api/v1/assignments", request_body = AssignRequest,
    responses((status = 200, body = AssignResult), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
pub async fn assign_orders(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<AssignRequest>) -> AppResult<Json<AssignResult>> {
    assign::assign(&state, &user, req).await.map(Json)
}

/// Recall assigned orders that have not shipped (owners, staff with `assign`); all or nothing.
#[utoipa::path(post, path = "/api/v1/assignments/recall", request_body = RecallRequest,
    responses((status = 200, body = RecallResult), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn recall_orders(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<RecallRequest>) -> AppResult<Json<RecallResult>> {
    assign::recall(&state, &user, req).await.map(Json)
}

/// The shop's product rules (owners, staff with `assign`).
#[utoipa::path(get, path = "/api/v1/assignment-rules", responses((status = 200, body = Vec<AssignmentRule>), (status = 403, body = ApiError)))]
pub async fn list_rules(State(state): State<AppState>, user: User) -> AppResult<Json<Vec<AssignmentRule>>> {
    assign::rules(&state, &user).await.map(Json)
}

/// Set a product rule: new orders with this SKU go to the factory at ingest.
#[utoipa::path(put, path = "/api/v1/assignment-rules", request_body = AssignmentRuleSet,
    responses((status = 200, body = Vec<AssignmentRule>), (status = 403, body = ApiError), (status = 409, body = ApiError), (status = 422, body = ApiError)))]
pub async fn set_rule(State(state): State<AppState>, user: User, ApiJson(req): ApiJson<AssignmentRuleSet>) -> AppResult<Json<Vec<AssignmentRule>>> {
    assign::set_rule(&state, &user, req).await.map(Json)
}

/// Delete the product rule of a SKU.
#[utoipa::path(delete, path = "/api/v1/assignment-rules/{sku}", params(("sku" = String, Path)),
    responses((status = 200, body = Vec<AssignmentRule>), (status = 403, body = ApiError), (status = 404, body = ApiError)))]
pub async fn delete_rule(State(state): State<AppState>, user: User, ApiPath(sku): ApiPath<String>) -> AppResult<Json<Vec<AssignmentRule>>> {
    assign::delete_rule(&state, &user, &sku).await.map(Json)
}

/// Ship assigned orders from a CSV or XLSX file (factory users with `ship`, the factory's apps
/// with `ship`): the same file
/// as a shop's upload (`order_id, carrier, tracking_no`, ≤ 5,000 rows), for parcels sent with
/// the factory's own carrier. Only orders assigned to this factory; all rows of all its shops
/// apply in one transaction, or `UPLOAD_INVALID` lists every problem and nothing applies.
#[utoipa::path(post, path = "/api/v1/factory/shipments/upload", params(UploadQuery),
    request_body(content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
                 description = "The file: CSV (UTF-8 with or without BOM, or GBK) or XLSX (first sheet)."),
    responses((status = 200, body = ShipmentUploadResult), (status = 403, body = ApiError, description = "FORBIDDEN, FACTORY_SUSPENDED"), (status = 413, body = ApiError),
              (status = 422, body = ApiError, description = "UPLOAD_INVALID with details = ShipmentUploadErrors")))]
pub async fn factory_upload_shipments(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<UploadQuery>, headers: HeaderMap, RawBody(body): RawBody) -> AppResult<Json<ShipmentUploadResult>> {
    let declared = declared_format(q.format.as_deref(), &headers)?;
    fulfil::ship_upload(&state, &caller, declared, body).await.map(Json)
}

/// The OpenAPI paths of dropshipping.
#[derive(OpenApi)]
#[openapi(
    paths(list_factories, create_factory, suspend_factory, resume_factory, list_factory_staff, create_factory_staff, list_factory_orders, factory_upload_shipments, list_bindings, invite_factory, accept_binding, decline_binding,
        end_binding, assign_orders, recall_orders, list_rules, set_rule, delete_rule),
    components(schemas(Factory, FactoryCreate, FactorySuspension, Binding, BindingStatus, BindingInvite, BindingEnded, AssignRequest, AssignResult, RecallRequest, RecallResult,
        AssignmentRule, AssignmentRuleSet, AssignmentStatus, OrderAssignment, FactoryOrder, FactoryOrderPage))
)]
pub struct DropshipDoc;
