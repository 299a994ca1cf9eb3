//! The reveal grant: permission and order state checked here; risk, quota charge and audit
//! in ONE transaction (group-committed by `settle`); the sealed grant only after it committed.

use crate::disclosure::Disclosure;
use orderveil_api::{DisclosurePath, ErrorCode, Permission, RevealGrantRequest, RevealGrantResponse, RevealPurpose, Role, Scope, purpose_note_problem};
use orderveil_cipher::{FieldKind, GrantId, GrantPurpose, OrderId};
use serde_json::json;

use crate::audit::Event;
use crate::guard::Caller;
use crate::clock::day_of;
use crate::error::{AppError, AppResult};
use crate::grants::{self, GrantFor, Sealable};
use crate::quota::view;
use crate::settle::{ChargeJob, Outcome};
use crate::state::AppState;
use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use orderveil_api::ApiError;
use utoipa::OpenApi;
use crate::extract::ApiJson;

/// A validated request.
struct Parsed {
    orders: Vec<OrderId>,
    fields: Vec<FieldKind>,
    client_public: [u8; 32],
    purpose: RevealPurpose,
    purpose_note: Option<String>,
}

/// The request's purpose and note: `PURPOSE_INVALID` (400) when the purpose is missing or
/// unknown, or the note is missing for `other`, too long, or looks like it holds a phone
/// number (the note is stored in the audit trail).
pub fn parse_purpose(purpose: Option<&str>, note: Option<&str>) -> AppResult<(RevealPurpose, Option<String>)> {
    let Some(name) = purpose.map(str::trim).filter(|p| !p.is_empty()) else {
        return Err(AppError::new(ErrorCode::PurposeInvalid).with(json!({"reason": "missing", "allowed": RevealPurpose::ALL.map(RevealPurpose::as_str)})));
    };
    let Some(p) = RevealPurpose::parse(name) else {
        return Err(AppError::new(ErrorCode::PurposeInvalid).with(json!({"reason": "unknown", "allowed": RevealPurpose::ALL.map(RevealPurpose::as_str)})));
    };
    if let Some(problem) = purpose_note_problem(p, note) {
        return Err(AppError::new(ErrorCode::PurposeInvalid).with(json!({"reason": problem, "purpose": p.as_str(), "max_chars": RevealPurpose::NOTE_MAX_CHARS})));
    }
    Ok((p, note.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string)))
}

fn parse(req: &RevealGrantRequest) -> AppResult<Parsed> {
    if req.order_ids.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "order_ids", "reason": "empty"})));
    }
    if req.order_ids.len() > orderveil_cipher::GRANT_MAX_ORDERS {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": orderveil_cipher::GRANT_MAX_ORDERS, "got": req.order_ids.len()})));
    }
    let mut orders: Vec<OrderId> = Vec::with_capacity(req.order_ids.len());
    for id in &req.order_ids {
        let id = OrderId::new(id).map_err(|_| AppError::new(ErrorCode::OrderNotFound))?;
        if !orders.contains(&id) {
            orders.push(id);
        }
    }
    if req.fields.is_empty() {
        return Err(AppError::new(ErrorCode::UnknownField).with(json!({"fields": []})));
    }
    let mut fields = Vec::new();
    for f in &req.fields {
        let k = FieldKind::from_name(f).ok_or_else(|| AppError::new(ErrorCode::UnknownField).with(json!({"field": f})))?;
        if !fields.contains(&k) {
            fields.push(k);
        }
    }
    let client_public = grants::client_key(&req.client_public)?;
    let (purpose, purpose_note) = parse_purpose(req.purpose.as_deref(), req.purpose_note.as_deref())?;
    Ok(Parsed { orders, fields, client_public, purpose, purpose_note })
}

/// Handle `POST /api/v1/reveal-grants` for a shop user with the `reveal` permission or an
/// ISV app whose token has the `reveal` scope (charged to the shop that authorized it).
pub async fn grant(state: &AppState, caller: &Caller, req: RevealGrantRequest) -> AppResult<RevealGrantResponse> {
    // (user id for the charges, risk subject, shop, audit actor, actor id, how)
    let (user_id, account, shop, actor, actor_id, via) = match caller {
        Caller::User(user) => {
            // Only shop users with the permission; factories and platform admins never reveal.
            if !matches!(user.role, Role::Owner | Role::Staff) || !user.can(Permission::Reveal) {
                return Err(AppError::new(ErrorCode::Forbidden));
            }
            (user.id, crate::risk::user_subject(user.id), user.own_shop()?.to_string(), user.username.clone(), Some(user.id), json!("web"))
        }
        // A factory's app never reveals (nor does a factory).
        Caller::FactoryApp(_) => return Err(AppError::new(ErrorCode::Forbidden)),
        Caller::App(app) => {
            app.require(Scope::Reveal)?;
            (app.account_id(), app.risk_subject(), app.shop_id.clone(), app.actor(), None, json!({"isv": app.app_id, "app_name": app.app_name}))
        }
    };
    let p = parse(&req)?;
    if let Caller::App(app) = caller
        && !app.purposes.contains(&p.purpose)
    {
        return Err(AppError::new(ErrorCode::PurposeNotAllowed).with(json!({"purpose": p.purpose.as_str(), "allowed": app.purposes.iter().map(|x| x.as_str()).collect::<Vec<_>>()})));
    }
    let now = state.now();
    let day = day_of(now);
    let ids: Vec<&str> = p.orders.iter().map(OrderId::as_str).collect();
    let mut event = Event::new(&actor, actor_id, Some(&shop), "reveal", "ok");
    event.order_ids = ids.iter().map(|s| s.to_string()).collect();
    event.details = json!({"fields": p.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(), "via": via, "purpose": p.purpose.as_str()});
    if let Some(note) = &p.purpose_note {
        event.details["purpose_note"] = json!(note);
    }
    let fields = p.fields.iter().map(|f| f.as_str());
    event.disclosure = Some(Disclosure::new(DisclosurePath::Reveal, fields, caller.disclosure_actor(), Some(p.purpose.as_str())));

    // Shop, orders, states, risk, quota charge and audit: settled with the other requests of
    // this instant in one transaction (see `settle`); the answer comes after the commit.
    let grant_id = GrantId::generate().map_err(AppError::internal)?;
    let gid = grant_id.to_hex();
    let job = ChargeJob {
        user_id,
        account,
        shop: shop.clone(),
        now,
        day: day.clone(),
        orders: ids.iter().map(|s| s.to_string()).collect(),
        grant_id: gid.clone(),
        event,
    };
    let (charged, free, q, keys) = match state.settler.settle(job).await? {
        Outcome::Charged { charged, free, quota, keys } => (charged, free, quota, keys),
        Outcome::Refused { code, order_ids } => {
            let e = AppError::new(code);
            return Err(if order_ids.is_empty() { e } else { e.with(json!({"order_ids": order_ids})) });
        }
        Outcome::Cooldown(refused) => {
            return Err(AppError::new(ErrorCode::RiskCooldown).with(refused.details(now)));
        }
        Outcome::QuotaExhausted { quota, needed } => {
            let q = view(&shop, &day, &quota, false);
            return Err(AppError::new(ErrorCode::QuotaExhausted).with(json!({"remaining": q.remaining, "needed": needed, "quota": q})));
        }
    };

    // Seal the requested field keys of every order to the client.
    let orders = p.orders.iter().zip(&keys).map(|(id, (_, kek_version, wrapped))| Sealable {
        order_id: id.clone(),
        binding: String::new(),
        kek_version: *kek_version,
        wrapped,
    }).collect();
    let to = GrantFor { grant_id, shop: &shop, purpose: GrantPurpose::Reveal, fields: &p.fields, client_public: &p.client_public, now };
    let (sealed, expires_at) = grants::seal(state, to, orders).await?;
    let quota = view(&shop, &day, &q, false);
    Ok(RevealGrantResponse {
        grant_id: gid,
        sealed_grant: sealed.to_base64(),
        shop_id: shop,
        expires_at_unix: expires_at,
        charged_order_ids: charged,
        free_order_ids: free,
        quota,
    })
}

// ---------------------------------------------------------------------------------------
// Routes

/// The reveal grant route.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/reveal-grants", post(reveal_grants))
}

/// A one-time reveal grant for up to 50 orders, charged to the shop's daily quota.
#[utoipa::path(post, path = "/api/v1/reveal-grants", request_body = RevealGrantRequest,
    responses((status = 200, body = RevealGrantResponse), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, body = ApiError), (status = 422, body = ApiError), (status = 429, body = ApiError)))]
async fn reveal_grants(State(state): State<AppState>, caller: Caller, ApiJson(req): ApiJson<RevealGrantRequest>) -> AppResult<Json<RevealGrantResponse>> {
    grant(&state, &caller, req).await.map(Json)
}

/// The OpenAPI paths of these routes.
#[derive(OpenApi)]
#[openapi(paths(reveal_grants))]
pub struct RevealDoc;

#[cfg(test)]
mod tests {
    use orderveil_api::OrderStatus;

    #[test]
    fn reveal_and_print_states() {
        let now = 1_000_000_000;
        assert!(OrderStatus::AwaitingShipment.allows_reveal(None, now));
        assert!(OrderStatus::Shipped.allows_reveal(None, now));
        assert!(OrderStatus::AfterSale.allows_reveal(None, now));
        assert!(OrderStatus::Completed.allows_reveal(Some(now - 15 * 86_400), now));
        assert!(!OrderStatus::Completed.allows_reveal(Some(now - 15 * 86_400 - 1), now));
        assert!(!OrderStatus::Completed.allows_reveal(None, now));
        for s in [OrderStatus::Unpaid, OrderStatus::Cancelled, OrderStatus::Closed] {
            assert!(!s.allows_reveal(Some(now), now));
        }
        let printable: Vec<OrderStatus> = OrderStatus::ALL.into_iter().filter(|s| s.allows_print()).collect();
        assert_eq!(printable, [OrderStatus::AwaitingShipment]);
    }
}
