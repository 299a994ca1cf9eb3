//! The buyer's disclosure receipts, read by the platform's order system (service token) or by
//! the buyer's own page (`/buyer/`) through a signed link, and the regulator's CSV of a shop's
//! disclosures.
//!
//! **Signed links.** The link key is `HMAC-SHA256(key = service token, "orderveil-buyer-link-v1")`,
//! so the order system, which holds the token, signs links itself (or asks
//! `POST /api/v1/buyer/orders/{id}/link`); a link is
//! `/buyer/?order_id=…&expires=…&sig=hex(HMAC-SHA256(link key, order_id "\n" expires))` and
//! shows that one order's receipts until it expires. Nothing else is reachable with it.

use orderveil_api::{ActorKind, BuyerLink, DisclosurePage, DisclosurePath, DisclosureReceipt, ErrorCode};
use serde_json::json;

use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::exposure::{self as store, ReceiptRow};

/// Longest a buyer link lives, days.
pub const MAX_LINK_DAYS: u32 = 90;
/// A link's default life, days.
pub const DEFAULT_LINK_DAYS: u32 = 30;

/// A signed link to `order_id`'s page for `days`.
pub fn link(state: &AppState, order_id: &str, days: Option<u32>) -> AppResult<BuyerLink> {
    let days = days.unwrap_or(DEFAULT_LINK_DAYS);
    if !(1..=MAX_LINK_DAYS).contains(&days) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "days", "min": 1, "max": MAX_LINK_DAYS})));
    }
    let expires = state.now() + i64::from(days) * 86_400;
    let sig = state.buyer_link_key.sign(order_id, expires);
    let base = state.settings.public_url.as_deref().unwrap_or("").trim_end_matches('/');
    let q: String = url_encode(order_id);
    Ok(BuyerLink { url: format!("{base}/buyer/?order_id={q}&expires={expires}&sig={sig}"), order_id: order_id.to_string(), expires_unix: expires, sig })
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// Check a signed link: `BUYER_LINK_INVALID` for a wrong signature or an expired link.
pub fn check_link(state: &AppState, order_id: &str, expires: i64, sig: &str) -> AppResult<()> {
    if expires < state.now() || !state.buyer_link_key.verify(order_id, expires, sig) {
        return Err(ErrorCode::BuyerLinkInvalid.into());
    }
    Ok(())
}

/// One receipt as the buyer sees it.
pub fn view(r: ReceiptRow) -> AppResult<DisclosureReceipt> {
    Ok(DisclosureReceipt {
        id: r.id,
        at: rfc3339(r.at),
        path: DisclosurePath::parse(&r.path).ok_or_else(|| AppError::internal("bad disclosure path"))?,
        fields: r.fields.split(',').filter(|f| !f.is_empty()).map(str::to_string).collect(),
        actor_kind: ActorKind::parse(&r.actor_kind).ok_or_else(|| AppError::internal("bad actor kind"))?,
        app_name: r.app_name,
        purpose: r.purpose,
    })
}

/// A page of `order_id`'s receipts, newest first; `ORDER_NOT_FOUND` for an order the store
/// has never seen (an order with no disclosure has an empty page).
pub async fn page(state: &AppState, order_id: &str, page: Option<u32>, per_page: Option<u32>) -> AppResult<DisclosurePage> {
    let page = page.unwrap_or(1).max(1);
    let per_page = per_page.unwrap_or(20);
    if !(1..=100).contains(&per_page) {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "per_page", "min": 1, "max": 100})));
    }
    let mut conn = state.db.pool.acquire().await?;
    let offset = i64::from(page - 1) * i64::from(per_page);
    let (rows, total) = store::of_order(&mut conn, order_id, i64::from(per_page), offset).await?;
    if total == 0 && crate::store::orders::by_id(&mut conn, order_id).await?.is_none() {
        return Err(AppError::new(ErrorCode::OrderNotFound));
    }
    let receipts = rows.into_iter().map(view).collect::<AppResult<Vec<_>>>()?;
    Ok(DisclosurePage { order_id: order_id.to_string(), receipts, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}

// ---------------------------------------------------------------------------------------
// The regulator's CSV

/// The CSV header.
pub const CSV_HEADER: [&str; 13] =
    ["receipt_id", "at", "order_id", "path", "fields", "actor_kind", "account", "app_name", "factory_id", "purpose", "audit_chain", "audit_seq", "shop_id"];

/// Receipts as CSV records (the spreadsheet conventions of [`crate::sheet`]).
pub fn csv_lines(rows: &[ReceiptRow]) -> Result<String, csv::Error> {
    let mut w = crate::sheet::csv_writer(Vec::new());
    for r in rows {
        let cells = [
            r.id.to_string(),
            rfc3339(r.at),
            r.order_id.clone(),
            r.path.clone(),
            r.fields.replace(',', " "),
            r.actor_kind.clone(),
            r.actor_key.clone(),
            r.app_name.clone().unwrap_or_default(),
            r.factory_id.clone().unwrap_or_default(),
            r.purpose.clone().unwrap_or_default(),
            r.audit_chain.clone(),
            r.audit_seq.to_string(),
            r.shop_id.clone(),
        ];
        crate::sheet::write_csv_record(&mut w, &cells)?;
    }
    let bytes = w.into_inner().map_err(|e| csv::Error::from(e.into_error()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_escaped_in_the_link() {
        assert_eq!(url_encode("A-1_b.c~"), "A-1_b.c~");
        assert_eq!(url_encode("a&b=c d"), "a%26b%3Dc%20d");
    }
}
