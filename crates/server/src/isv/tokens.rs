//! The token endpoint for an app's backend: access and refresh tokens for a shop, from the
//! app's credentials bound to a live authorization, or from a one-time refresh token. Only
//! the tokens' SHA-256 digests are stored.

use orderveil_api::{ErrorCode, TokenRequest, TokenResponse};
use serde_json::json;

use super::{ACCESS_PREFIX, ACCESS_TTL_SECS, REFRESH_PREFIX, REFRESH_TTL_SECS};
use crate::audit::{self, Event};
use crate::auth::{ct_eq, random_token, sha256_hex};
use crate::error::{AppError, AppResult};
use crate::guard::{join_scopes, parse_scopes};
use crate::state::AppState;
use crate::store::{Owner, isv};


/// `POST /api/v1/isv/token`: client credentials for a shop or a factory (exactly one), or a
/// refresh (the refresh token is single-use: a refresh replaces it).
pub async fn token(state: &AppState, req: TokenRequest) -> AppResult<TokenResponse> {
    let now = state.now();
    let secret_hash = sha256_hex(&req.app_secret);
    let credentials_ok = |app: Option<isv::AppSecretRow>| app.is_some_and(|a| a.disabled == 0 && ct_eq(a.secret_hash.as_bytes(), secret_hash.as_bytes()));
    // The credentials first, on a read connection: a flood of wrong secrets never queues on
    // the write lock.
    if !credentials_ok(isv::app_secret(&mut *state.db.pool.acquire().await?, &req.app_id).await?) {
        return Err(ErrorCode::AppCredentialsInvalid.into());
    }
    if !matches!(req.grant_type.as_str(), "client_credentials" | "refresh_token") {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "grant_type", "reason": "client_credentials or refresh_token"})));
    }
    let mut tx = state.db.begin_write().await?;
    // Again inside the transaction: the app may have been disabled meanwhile.
    if !credentials_ok(isv::app_secret(&mut tx, &req.app_id).await?) {
        return Err(ErrorCode::AppCredentialsInvalid.into());
    }
    let (authorization_id, (shop_id, factory_id), granted) = match req.grant_type.as_str() {
        "client_credentials" => {
            let owner = match (req.shop_id.as_deref(), req.factory_id.as_deref()) {
                (Some(s), None) => Owner::Shop(s),
                (None, Some(f)) => Owner::Factory(f),
                _ => return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id", "reason": "exactly one of shop_id and factory_id"}))),
            };
            let live = isv::live_authorization(&mut tx, &req.app_id, owner).await?.ok_or_else(|| AppError::new(ErrorCode::AppNotAuthorized))?;
            let (s, f) = owner.split();
            (live.id, (s.map(str::to_string), f.map(str::to_string)), parse_scopes(&live.scopes))
        }
        "refresh_token" => {
            let rt = req.refresh_token.as_deref().ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "refresh_token"})))?;
            let Some(row) = isv::refresh_token(&mut tx, &sha256_hex(rt)).await?.filter(|r| r.app_id == req.app_id) else {
                return Err(ErrorCode::TokenInvalid.into());
            };
            if row.revoked_at.is_some() {
                return Err(ErrorCode::AppNotAuthorized.into());
            }
            if row.expires_at <= now {
                return Err(ErrorCode::TokenExpired.into());
            }
            // Single use: of two concurrent refreshes with one token, one deletes it.
            if isv::delete_token(&mut tx, &row.token_hash).await? != 1 {
                return Err(ErrorCode::TokenInvalid.into());
            }
            debug_assert_eq!(row.app_id, req.app_id);
            (row.authorization_id, (row.shop_id, row.factory_id), parse_scopes(&row.scopes))
        }
        _ => return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "grant_type", "reason": "client_credentials or refresh_token"}))),
    };
    let scopes = match &req.scopes {
        None => granted.clone(),
        Some(wanted) => {
            if let Some(s) = wanted.iter().find(|s| !granted.contains(s)) {
                return Err(AppError::new(ErrorCode::ScopeMissing).with(json!({"scope": s.as_str(), "granted": granted})));
            }
            let mut w = wanted.clone();
            w.sort();
            w.dedup();
            w
        }
    };
    let access = format!("{ACCESS_PREFIX}{}", random_token(32)?);
    let refresh = format!("{REFRESH_PREFIX}{}", random_token(32)?);
    isv::delete_expired_tokens(&mut tx, authorization_id, now).await?;
    for (t, kind, ttl) in [(&access, "access", ACCESS_TTL_SECS), (&refresh, "refresh", REFRESH_TTL_SECS)] {
        isv::insert_token(&mut tx, &sha256_hex(t), kind, authorization_id, &join_scopes(&scopes), now, now + ttl).await?;
    }
    // On the chain of the shop or factory that authorized the app.
    let mut ev = Event::new(&format!("app:{}", req.app_id), None, shop_id.as_deref(), "isv_token", "ok");
    ev.details = json!({"grant_type": req.grant_type, "authorization_id": authorization_id, "scopes": scopes});
    if let Some(f) = &factory_id {
        ev = ev.for_factory(f);
    }
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(TokenResponse {
        access_token: access,
        token_type: "Bearer".into(),
        expires_in: ACCESS_TTL_SECS,
        refresh_token: refresh,
        refresh_expires_in: REFRESH_TTL_SECS,
        scopes,
        shop_id,
        factory_id,
    })
}
