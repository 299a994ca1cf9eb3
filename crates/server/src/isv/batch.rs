//! Batch helpers for an ISV's own storage (≤ 50 items each): the masked text of stored
//! ciphertexts, and the blind-index tokens of search terms.

use orderveil_api::{BatchMaskRequest, BatchMaskResponse, ErrorCode, MaskedItem, SearchIndexItem, SearchIndexRequest, SearchIndexResponse};
use orderveil_cipher::{FieldCiphertext, FieldKind, OrderId, ShopId};
use serde_json::json;

use super::MAX_BATCH;
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::state::AppState;
use crate::store::isv;

fn batch_len(n: usize) -> AppResult<()> {
    if n == 0 {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "items", "reason": "empty"})));
    }
    if n > MAX_BATCH {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_BATCH, "got": n})));
    }
    Ok(())
}

/// `POST /api/v1/isv/batch-mask`: the masked text of ciphertexts an ISV stores. The server
/// decrypts each with its order's key (the ciphertext must belong to that order of the
/// caller's shop) and returns only the mask.
pub async fn batch_mask(state: &AppState, caller: &Caller, req: BatchMaskRequest) -> AppResult<BatchMaskResponse> {
    let shop = caller.readable_shop(None)?;
    batch_len(req.items.len())?;
    let shop_id = ShopId::new(&shop).map_err(AppError::internal)?;
    let mut parsed = Vec::with_capacity(req.items.len());
    for (i, item) in req.items.iter().enumerate() {
        let ct = FieldCiphertext::parse(&item.ciphertext).map_err(|e| AppError::new(ErrorCode::CiphertextInvalid).with(json!({"index": i, "reason": e.to_string()})))?;
        let order = OrderId::new(&item.order_id).map_err(|_| AppError::new(ErrorCode::OrderNotFound).with(json!({"index": i})))?;
        parsed.push((order, ct));
    }
    let mut out = Vec::with_capacity(parsed.len());
    let mut keys: Vec<(OrderId, orderveil_cipher::Dek)> = Vec::new();
    for (i, (order, ct)) in parsed.iter().enumerate() {
        if !keys.iter().any(|(o, _)| o == order) {
            let row = isv::order_key(&state.db.pool, order.as_str()).await?;
            let row = row.filter(|r| r.shop_id == shop).ok_or_else(|| AppError::new(ErrorCode::OrderNotFound).with(json!({"index": i, "order_id": order.as_str()})))?;
            let wrapped = row.wrapped_dek.ok_or_else(|| AppError::new(ErrorCode::OrderShredded).with(json!({"order_id": order.as_str()})))?;
            let master = crate::grants::keys_for(state, [row.kek_version]).await?;
            let dek = crate::grants::unwrap_dek(&master, order, row.kek_version, &wrapped)?;
            keys.push((order.clone(), dek));
        }
        let dek = keys.iter().find(|(o, _)| o == order).map(|(_, d)| d).ok_or_else(|| AppError::internal("key vanished"))?;
        let kind = ct.kind();
        let plain = ct
            .decrypt(&dek.field_key(kind), &shop_id, order)
            .map_err(|_| AppError::new(ErrorCode::CiphertextInvalid).with(json!({"index": i, "reason": "not a ciphertext of this order"})))?;
        out.push(MaskedItem { order_id: order.as_str().to_string(), field: kind.as_str().to_string(), masked: orderveil_cipher::mask(kind, &plain) });
    }
    Ok(BatchMaskResponse { items: out })
}

/// `POST /api/v1/isv/search-index`: the blind-index tokens of search terms under the shop's
/// index key, to match against the index segment of the ciphertexts an ISV stores. The
/// terms are never stored or logged.
pub async fn search_index(state: &AppState, caller: &Caller, req: SearchIndexRequest) -> AppResult<SearchIndexResponse> {
    let shop = caller.readable_shop(None)?;
    batch_len(req.items.len())?;
    let key = state.keys.index_key(&ShopId::new(&shop).map_err(AppError::internal)?);
    let mut kinds = Vec::with_capacity(req.items.len());
    for (i, term) in req.items.iter().enumerate() {
        let kind = FieldKind::from_name(&term.field).ok_or_else(|| AppError::new(ErrorCode::UnknownField).with(json!({"index": i, "field": term.field})))?;
        if term.value.chars().count() > 200 {
            return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"index": i, "field": "value", "reason": "at most 200 characters"})));
        }
        if kind == FieldKind::Phone {
            crate::search::check_phone_term("value", &term.value).map_err(|e| e.with(json!({"index": i, "field": "value", "reason": "a whole phone number"})))?;
        }
        kinds.push(kind);
    }
    // The app matches these tokens against stored ciphertext itself, each on its own: a phone
    // item is one search unit, a name or address item one unit per window token. Charged and
    // audited before any token leaves (matches are the app's to know).
    let out: Vec<SearchIndexItem> =
        req.items.iter().zip(&kinds).map(|(term, kind)| SearchIndexItem { field: kind.as_str().to_string(), tokens: key.query_tokens(*kind, &term.value) }).collect();
    let units: usize = out.iter().map(|i| i.tokens.len().max(1)).sum();
    if let Some(meter) = crate::search::Meter::begin(state, caller, &shop, &kinds, u32::try_from(units).unwrap_or(u32::MAX), "isv_search_index").await? {
        meter.finish(None, Vec::new()).await?;
    }
    Ok(SearchIndexResponse { items: out })
}
