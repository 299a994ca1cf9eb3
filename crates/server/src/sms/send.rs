//! Sending an approved template to orders' receivers: every order checked, then all queued
//! in one transaction with the audit row, or none (`SMS_NOT_SENDABLE` lists every refused
//! order with its reason). The preview fills the same text without queueing anything.

use std::collections::{BTreeSet, HashMap};

use orderveil_api::carriers;
use orderveil_api::{ErrorCode, Permission, SmsKind, SmsPreview, SmsQueued, SmsRefusedOrder, SmsSend};
use serde_json::json;

use super::{MARKETING_MAX_AGE_DAYS, MAX_SEND, Vars, fill, quiet_hours};
use crate::audit;
use crate::clock::day_of;
use crate::error::{AppError, AppResult};
use crate::guard::{User, shop_with};
use crate::state::AppState;
use sqlx::AnyConnection;
use crate::store::sms::{self as store, NewMessage, TemplateRow};

/// Distinct trimmed ids, 1 to [`MAX_SEND`].
fn distinct(ids: &[String]) -> AppResult<Vec<String>> {
    if ids.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "order_ids", "reason": "empty"})));
    }
    if ids.len() > MAX_SEND {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_SEND, "got": ids.len()})));
    }
    let mut seen = BTreeSet::new();
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let id = id.trim();
        if id.is_empty() || id.len() > 64 {
            return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "order_ids", "reason": "1 to 64 characters each"})));
        }
        if seen.insert(id.to_string()) {
            out.push(id.to_string());
        }
    }
    Ok(out)
}

/// What a checked request would send: per order, the filled text, the ciphertext and mask.
struct Checked {
    template: TemplateRow,
    kind: SmsKind,
    messages: Vec<(String, String, String, String)>,
}

/// Check everything but the daily limits' counts: the template, quiet hours, each order.
async fn check(tx: &mut AnyConnection, shop: &str, req: &SmsSend, ids: &[String], now: i64, limits: Option<i64>) -> AppResult<Checked> {
    if !crate::quota::suspended_among(tx, &BTreeSet::from([shop])).await?.is_empty() {
        return Err(ErrorCode::ShopSuspended.into());
    }
    let template = store::template(tx, req.template_id).await?.filter(|t| t.shop_id == shop).ok_or_else(|| AppError::new(ErrorCode::NotFound).with(json!({"field": "template_id"})))?;
    if template.status != "approved" {
        return Err(AppError::new(ErrorCode::SmsTemplateStateConflict).with(json!({"status": template.status})));
    }
    let kind = SmsKind::parse(&template.kind).ok_or_else(|| AppError::internal("bad sms kind"))?;
    if kind == SmsKind::Marketing && quiet_hours(now) {
        return Err(ErrorCode::SmsQuietHours.into());
    }
    let shop_name = store::shop_name(tx, shop).await?;
    let orders: HashMap<String, store::SmsOrderRow> = store::shop_orders(tx, shop, ids).await?.into_iter().map(|o| (o.order_id.clone(), o)).collect();
    let today: HashMap<String, i64> = match limits {
        Some(_) => store::per_order_today(tx, &day_of(now), ids).await?.into_iter().collect(),
        None => HashMap::new(),
    };
    let mut refused = Vec::new();
    let mut messages = Vec::with_capacity(ids.len());
    for id in ids {
        let refuse = |reason: &str| SmsRefusedOrder { order_id: id.clone(), reason: reason.to_string() };
        let Some(o) = orders.get(id) else {
            refused.push(refuse("order_not_found"));
            continue;
        };
        if o.shredded != 0 {
            refused.push(refuse("order_shredded"));
            continue;
        }
        if kind == SmsKind::Marketing && o.created_at < now - MARKETING_MAX_AGE_DAYS * 86_400 {
            refused.push(refuse("marketing_order_too_old"));
            continue;
        }
        if let Some(per_order) = limits
            && today.get(id).copied().unwrap_or(0) >= per_order
        {
            refused.push(refuse("order_daily_limit"));
            continue;
        }
        let carrier = o.carrier.as_deref().map(|c| carriers::carrier(c).map_or(c, |x| x.name_zh));
        let vars = Vars { order_id: id, carrier, tracking_no: o.tracking_no.as_deref(), shop_name: &shop_name };
        match fill(&template.body, &vars) {
            Some(text) => messages.push((id.clone(), text, o.phone_ct.clone(), o.phone_masked.clone())),
            None => refused.push(refuse("not_shipped")),
        }
    }
    if !refused.is_empty() {
        return Err(AppError::new(ErrorCode::SmsNotSendable).with(json!({"refused": refused})));
    }
    Ok(Checked { template, kind, messages })
}

/// `POST /api/v1/sms/preview` (owners, staff with `sms`): each order's filled text and masked
/// number, checked as a send would be (limits aside); nothing is queued or audited.
pub async fn preview(state: &AppState, user: &User, req: SmsSend) -> AppResult<Vec<SmsPreview>> {
    let shop = shop_with(user, Permission::Sms)?;
    let ids = distinct(&req.order_ids)?;
    let mut conn = state.db.pool.acquire().await?;
    let checked = check(&mut conn, &shop, &req, &ids, state.now(), None).await?;
    Ok(checked.messages.into_iter().map(|(order_id, text, _, phone_masked)| SmsPreview { order_id, phone_masked, text }).collect())
}

/// `POST /api/v1/sms/send` (owners, staff with `sms`): queue the template for every order's
/// receiver, or nothing.
pub async fn send(state: &AppState, user: &User, req: SmsSend) -> AppResult<SmsQueued> {
    let shop = shop_with(user, Permission::Sms)?;
    let ids = distinct(&req.order_ids)?;
    let now = state.now();
    let day = day_of(now);
    let mut tx = state.db.begin_write().await?;
    let (per_order, per_shop) = store::limits(&mut *tx).await?;
    let checked = check(&mut tx, &shop, &req, &ids, now, Some(per_order)).await?;
    let used = store::shop_today(&mut tx, &shop, &day).await?;
    let asked = i64::try_from(checked.messages.len()).unwrap_or(i64::MAX);
    if used + asked > per_shop {
        return Err(AppError::new(ErrorCode::SmsShopLimit).with(json!({"limit": per_shop, "used": used, "asked": asked})));
    }
    let mut new = Vec::with_capacity(checked.messages.len());
    for (order_id, body, phone_ct, phone_masked) in &checked.messages {
        let idempotency_key = format!("ovsms_{}", crate::auth::random_token(16)?);
        new.push(NewMessage { order_id, body: body.clone(), phone_ct, phone_masked, idempotency_key });
    }
    let t = &checked.template;
    let message_ids = store::enqueue(&mut tx, &shop, t.id, checked.kind.as_str(), &new, &user.username, now, &day).await?;
    let mut ev = user.event(&shop, "sms_send", json!({"template_id": t.id, "name": t.name, "version": t.version, "kind": checked.kind.as_str(), "count": message_ids.len()}));
    ev.order_ids = ids;
    let actor = user.disclosure_actor();
    ev.disclosure = Some(crate::disclosure::Disclosure::new(orderveil_api::DisclosurePath::Sms, ["phone"], actor, Some(checked.kind.as_str())));
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    state.sms.wake();
    Ok(SmsQueued { queued: u32::try_from(message_ids.len()).unwrap_or(u32::MAX), message_ids })
}
