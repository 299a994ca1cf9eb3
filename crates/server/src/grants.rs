//! The one grant path of reveal and print: the client's key from its text, each order's
//! data key unwrapped with the master key of its version, and the requested field keys
//! sealed to the client. The caller decides who may have which orders and charges them
//! first; this room only turns stored wrapped keys into a [`SealedGrant`].

use orderveil_api::ErrorCode;
use orderveil_cipher::{Dek, FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose, KekVersion, OrderId, SealedGrant, ShopId, WrappedDek};

use crate::error::{AppError, AppResult};
use std::sync::Arc;

use crate::keys::KeyProvider;
use crate::state::AppState;

/// A client's X25519 public key from the request's base64url text: 32 bytes, not of low
/// order (`CLIENT_KEY_INVALID` otherwise). Checked before anything is charged.
pub fn client_key(text: &str) -> AppResult<[u8; 32]> {
    orderveil_cipher::client_key_from_base64(text).map_err(|_| AppError::new(ErrorCode::ClientKeyInvalid))
}

/// The process's keys holding the master key versions `versions` (reading the key source
/// again if one is new: a rotation under way); `KEY_UNAVAILABLE` if the source lacks one.
pub async fn keys_for(state: &AppState, versions: impl IntoIterator<Item = i64>) -> AppResult<Arc<KeyProvider>> {
    let mut vs: Vec<u32> = versions.into_iter().filter_map(|v| u32::try_from(v).ok()).collect();
    vs.sort_unstable();
    vs.dedup();
    state.keys.holding(&state.db, &vs, state.now()).await.map_err(|e| {
        tracing::error!("{e}");
        AppError::new(ErrorCode::KeyUnavailable)
    })
}

/// An order's data key, unwrapped with the master key of its version (reveal, print and the
/// ISV batch helpers); a failure is internal (the stored key does not match), a version not
/// held is `KEY_UNAVAILABLE`.
pub fn unwrap_dek(keys: &KeyProvider, order: &OrderId, kek_version: i64, wrapped: &[u8]) -> AppResult<Dek> {
    let version = u32::try_from(kek_version).ok().and_then(KekVersion::new).ok_or_else(|| AppError::internal("bad kek version"))?;
    let kek = keys.kek(version.get()).ok_or_else(|| AppError::new(ErrorCode::KeyUnavailable))?;
    let wrapped = WrappedDek::from_parts(version, wrapped).ok_or_else(|| AppError::internal("bad wrapped DEK"))?;
    kek.unwrap(&wrapped, order).map_err(|_| AppError::internal(format!("DEK of {order} does not unwrap")))
}

/// One order of a grant: its id, what the grant binds it to (a waybill number for print,
/// empty for reveal) and its stored wrapped data key.
pub struct Sealable<'a> {
    /// The order.
    pub order_id: OrderId,
    /// The binding (print: the waybill number).
    pub binding: String,
    /// The master key version of `wrapped`.
    pub kek_version: i64,
    /// The wrapped data key.
    pub wrapped: &'a [u8],
}

/// What a grant is for and to whom it goes.
pub struct GrantFor<'a> {
    /// The grant's id (already in the audit trail).
    pub grant_id: GrantId,
    /// The shop whose orders these are.
    pub shop: &'a str,
    /// Reveal or print.
    pub purpose: GrantPurpose,
    /// The fields whose keys go in.
    pub fields: &'a [FieldKind],
    /// The client's public key ([`client_key`]).
    pub client_public: &'a [u8; 32],
    /// Issued at, unix seconds.
    pub now: i64,
}

/// Seal the field keys of `orders` to the client; returns the sealed grant and its expiry
/// (now + the grant lifetime).
pub async fn seal(state: &AppState, to: GrantFor<'_>, orders: Vec<Sealable<'_>>) -> AppResult<(SealedGrant, i64)> {
    let shop_id = ShopId::new(to.shop).map_err(AppError::internal)?;
    let keys = keys_for(state, orders.iter().map(|o| o.kek_version)).await?;
    let mut sealed_orders = Vec::new();
    for o in orders {
        let dek = unwrap_dek(&keys, &o.order_id, o.kek_version, o.wrapped)?;
        sealed_orders.push(GrantOrder { order_id: o.order_id, binding: o.binding, keys: to.fields.iter().map(|k| dek.field_key(*k)).collect() });
    }
    let expires_at = to.now + state.settings.grant_ttl_secs;
    let body = GrantBody { grant_id: to.grant_id, shop_id, purpose: to.purpose, issued_at: to.now, expires_at, orders: sealed_orders };
    let sealed = orderveil_cipher::seal_grant(to.client_public, &body).map_err(AppError::internal)?;
    Ok((sealed, expires_at))
}
