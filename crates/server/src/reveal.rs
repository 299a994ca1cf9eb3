//! The reveal grant: permission, order state, risk, quota charge and audit in ONE
//! transaction; the sealed grant only after that transaction committed.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_api::{ErrorCode, OrderStatus, Permission, RevealGrantRequest, RevealGrantResponse, Role};
use orderveil_cipher::{FieldKind, GrantBody, GrantId, GrantOrder, GrantPurpose, KekVersion, OrderId, ShopId, WrappedDek};
use serde_json::json;

use crate::audit::{self, Event};
use crate::auth::User;
use crate::clock::day_of;
use crate::db::Db;
use crate::error::{AppError, AppResult};
use crate::quota::{base_limit, extras_on, orders_last_30_days, view};
use crate::state::AppState;

/// Completed orders stay revealable this long after completion.
pub const COMPLETED_REVEAL_WINDOW_SECS: i64 = 15 * 86_400;

/// Does the order's state allow a reveal (or a print) at `now`?
pub fn state_allows_reveal(status: OrderStatus, completed_at: Option<i64>, now: i64) -> bool {
    match status {
        OrderStatus::AwaitingShipment | OrderStatus::Shipped | OrderStatus::AfterSale => true,
        OrderStatus::Completed => completed_at.is_some_and(|c| now - c <= COMPLETED_REVEAL_WINDOW_SECS),
        OrderStatus::Unpaid | OrderStatus::Cancelled | OrderStatus::Closed => false,
    }
}

/// A validated request.
struct Parsed {
    orders: Vec<OrderId>,
    fields: Vec<FieldKind>,
    client_public: [u8; 32],
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
    let client_public: [u8; 32] = URL_SAFE_NO_PAD
        .decode(req.client_public.as_bytes())
        .ok()
        .and_then(|v| v.try_into().ok())
        .ok_or_else(|| AppError::new(ErrorCode::ClientKeyInvalid))?;
    orderveil_cipher::check_public_key(&client_public).map_err(|_| AppError::new(ErrorCode::ClientKeyInvalid))?;
    Ok(Parsed { orders, fields, client_public })
}

type OrderRow = (String, String, String, Option<i64>, i64, Option<Vec<u8>>);

/// Who asks: a logged-in user (later also an ISV app acting for a shop).
pub struct Requester<'a> {
    /// The user.
    pub user: &'a User,
}

/// Handle `POST /api/v1/reveal-grants`.
pub async fn grant(state: &AppState, who: Requester<'_>, req: RevealGrantRequest) -> AppResult<RevealGrantResponse> {
    let user = who.user;
    // Only shop users with the permission; factories and platform admins never reveal.
    if !matches!(user.role, Role::Owner | Role::Staff) || !user.can(Permission::Reveal) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let shop = user.own_shop()?.to_string();
    let p = parse(&req)?;
    let now = state.now();
    let day = day_of(now);
    let ids: Vec<&str> = p.orders.iter().map(OrderId::as_str).collect();
    let base_event = |outcome: &'static str, code: Option<ErrorCode>| {
        let mut ev = Event::new(&user.username, Some(user.id), Some(&shop), "reveal", outcome);
        ev.code = code.map(|c| c.as_str());
        ev.order_ids = ids.iter().map(|s| s.to_string()).collect();
        ev.details = json!({"fields": p.fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(), "via": "web"});
        ev
    };

    let (suspended,): (i64,) = sqlx::query_as("SELECT suspended FROM shops WHERE shop_id = $1")
        .bind(&shop)
        .fetch_optional(&state.db.pool)
        .await?
        .unwrap_or((0,));
    if suspended != 0 {
        audit::record(&state.db, now, &base_event("refused", Some(ErrorCode::ShopSuspended))).await?;
        return Err(ErrorCode::ShopSuspended.into());
    }

    // Load the orders; another shop's order looks exactly like a missing one.
    let sql = format!(
        "SELECT order_id, shop_id, status, completed_at, kek_version, wrapped_dek FROM orders WHERE order_id IN ({})",
        Db::placeholders(1, ids.len())
    );
    let mut q = sqlx::query_as::<_, OrderRow>(&sql);
    for id in &ids {
        q = q.bind(*id);
    }
    let rows: Vec<OrderRow> = q.fetch_all(&state.db.pool).await?;
    let mine: Vec<&OrderRow> = rows.iter().filter(|r| r.1 == shop).collect();
    if mine.len() != ids.len() {
        let missing: Vec<&str> = ids.iter().copied().filter(|id| !mine.iter().any(|r| r.0 == *id)).collect();
        audit::record(&state.db, now, &base_event("refused", Some(ErrorCode::OrderNotFound))).await?;
        return Err(AppError::new(ErrorCode::OrderNotFound).with(json!({"order_ids": missing})));
    }
    let forbidden: Vec<&str> = mine
        .iter()
        .filter(|r| !OrderStatus::parse(&r.2).is_some_and(|s| state_allows_reveal(s, r.3, now)))
        .map(|r| r.0.as_str())
        .collect();
    if !forbidden.is_empty() {
        audit::record(&state.db, now, &base_event("refused", Some(ErrorCode::OrderStateForbidsReveal))).await?;
        return Err(AppError::new(ErrorCode::OrderStateForbidsReveal).with(json!({"order_ids": forbidden})));
    }
    if let Some(r) = mine.iter().find(|r| r.5.is_none()) {
        audit::record(&state.db, now, &base_event("refused", Some(ErrorCode::OrderShredded))).await?;
        return Err(AppError::new(ErrorCode::OrderShredded).with(json!({"order_ids": [r.0]})));
    }

    // The day's base is computed once per shop and day, outside the lock.
    let existing: Option<(i64,)> = sqlx::query_as("SELECT base FROM quota_days WHERE shop_id = $1 AND day = $2")
        .bind(&shop)
        .bind(&day)
        .fetch_optional(&state.db.pool)
        .await?;
    let (base_for_new_row, orders_30d) = match existing {
        Some(_) => (0, 0),
        None => {
            let o = orders_last_30_days(&state.db.pool, &shop, now).await?;
            (i64::from(base_limit(o, state.settings.quota_rate_bps, state.settings.quota_floor)), i64::try_from(o).unwrap_or(i64::MAX))
        }
    };

    // Risk, early: an account in cool-down is refused without taking the write lock.
    let cooldown: Option<(i64,)> = sqlx::query_as("SELECT until FROM risk_cooldowns WHERE user_id = $1").bind(user.id).fetch_optional(&state.db.pool).await?;
    if let Some((until,)) = cooldown.filter(|c| c.0 > now) {
        audit::record(&state.db, now, &base_event("refused", Some(ErrorCode::RiskCooldown))).await?;
        return Err(AppError::new(ErrorCode::RiskCooldown).with(json!({"retry_after_secs": until - now, "until_unix": until})));
    }
    // Approved extras change only when the platform approves one; reading them before the
    // lock can only miss an approval made this instant.
    let extra = extras_on(&state.db.pool, &shop, &day).await?;

    let grant_id = GrantId::generate().map_err(AppError::internal)?;
    let mut tx = state.db.begin_write().await?;

    // 1. Risk, exactly: lock the account's risk row (a row lock on PostgreSQL; a SQLite write
    // transaction is exclusive anyway), then read its cool-down and count its recent reveals.
    // Counted without that lock, requests fired at once all see the count from before any of
    // them committed, and a concurrent burst passes the limit whole. The count is bounded by
    // the hourly limit, so it costs the same however busy the account was.
    let (until,): (i64,) = sqlx::query_as(
        "INSERT INTO risk_cooldowns (user_id, until, reason) VALUES ($1, 0, '') \
         ON CONFLICT (user_id) DO UPDATE SET until = risk_cooldowns.until RETURNING until",
    )
    .bind(user.id)
    .fetch_one(&mut *tx)
    .await?;
    if until > now {
        audit::append(&mut tx, now, &base_event("refused", Some(ErrorCode::RiskCooldown))).await?;
        tx.commit().await?;
        return Err(AppError::new(ErrorCode::RiskCooldown).with(json!({"retry_after_secs": until - now, "until_unix": until})));
    }
    let (last_hour, last_minute): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(CASE WHEN at > $2 THEN 1 ELSE 0 END), 0) AS BIGINT) FROM \
         (SELECT at FROM audit WHERE actor_id = $1 AND action = 'reveal' AND outcome = 'ok' AND at > $3 ORDER BY at DESC LIMIT $4) recent",
    )
    .bind(user.id)
    .bind(now - 60)
    .bind(now - 3600)
    .bind(i64::from(state.settings.risk_per_hour.max(state.settings.risk_per_minute)))
    .fetch_one(&mut *tx)
    .await?;
    if last_minute >= i64::from(state.settings.risk_per_minute) || last_hour >= i64::from(state.settings.risk_per_hour) {
        let until = now + state.settings.risk_cooldown_secs;
        let reason = if last_minute >= i64::from(state.settings.risk_per_minute) { "per_minute" } else { "per_hour" };
        sqlx::query("UPDATE risk_cooldowns SET until = $1, reason = $2 WHERE user_id = $3").bind(until).bind(reason).bind(user.id).execute(&mut *tx).await?;
        let mut ev = base_event("refused", Some(ErrorCode::RiskCooldown));
        ev.details["risk"] = json!({"rule": reason, "last_minute": last_minute, "last_hour": last_hour});
        audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        return Err(AppError::new(ErrorCode::RiskCooldown).with(json!({"retry_after_secs": state.settings.risk_cooldown_secs, "until_unix": until})));
    }

    // 2. Lock the shop's quota row for the day (row lock on PostgreSQL) and read it.
    let (used, base, orders_30d): (i64, i64, i64) = sqlx::query_as(
        "INSERT INTO quota_days (shop_id, day, used, base, orders_30d) VALUES ($1, $2, 0, $3, $4) \
         ON CONFLICT (shop_id, day) DO UPDATE SET used = quota_days.used RETURNING used, base, orders_30d",
    )
    .bind(&shop)
    .bind(&day)
    .bind(base_for_new_row)
    .bind(orders_30d)
    .fetch_one(&mut *tx)
    .await?;

    // 3. Which orders were already charged today (free), which are new (charged now).
    let sql = format!(
        "SELECT order_id FROM reveal_charges WHERE shop_id = $1 AND day = $2 AND order_id IN ({})",
        Db::placeholders(3, ids.len())
    );
    let mut q = sqlx::query_as::<_, (String,)>(&sql).bind(&shop).bind(&day);
    for id in &ids {
        q = q.bind(*id);
    }
    let already: Vec<String> = q.fetch_all(&mut *tx).await?.into_iter().map(|r| r.0).collect();
    let new: Vec<&str> = ids.iter().copied().filter(|id| !already.iter().any(|a| a == id)).collect();
    let used_u = u32::try_from(used).unwrap_or(u32::MAX);
    let base_u = u32::try_from(base).unwrap_or(0);
    let limit = base_u.saturating_add(extra);
    let new_count = u32::try_from(new.len()).unwrap_or(u32::MAX);
    if used_u.saturating_add(new_count) > limit {
        let mut ev = base_event("refused", Some(ErrorCode::QuotaExhausted));
        ev.details["quota"] = json!({"used": used_u, "limit": limit, "needed": new_count});
        audit::append(&mut tx, now, &ev).await?;
        tx.commit().await?;
        let q = view(state, &shop, &day, used_u, base_u, extra, u64::try_from(orders_30d).unwrap_or(0));
        return Err(AppError::new(ErrorCode::QuotaExhausted).with(json!({"remaining": q.remaining, "needed": new_count, "quota": q})));
    }

    // 4. Charge and audit, then commit: no grant leaves without both.
    let gid = grant_id.to_hex();
    for id in &new {
        sqlx::query("INSERT INTO reveal_charges (shop_id, day, order_id, grant_id, user_id, at) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(&shop)
            .bind(&day)
            .bind(*id)
            .bind(&gid)
            .bind(user.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    if new_count > 0 {
        sqlx::query("UPDATE quota_days SET used = used + $1 WHERE shop_id = $2 AND day = $3")
            .bind(i64::from(new_count))
            .bind(&shop)
            .bind(&day)
            .execute(&mut *tx)
            .await?;
    }
    let mut ev = base_event("ok", None);
    ev.details["grant_id"] = json!(gid);
    ev.details["charged"] = json!(new);
    ev.details["free"] = json!(already);
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;

    // 5. Seal the requested field keys of every order to the client.
    let shop_id = ShopId::new(&shop).map_err(AppError::internal)?;
    let mut orders = Vec::with_capacity(mine.len());
    for id in &p.orders {
        let Some(row) = mine.iter().find(|r| r.0 == id.as_str()) else { continue };
        let version = u32::try_from(row.4).ok().and_then(KekVersion::new).ok_or_else(|| AppError::internal("bad kek version"))?;
        let kek = state.keys.kek(version.get()).ok_or_else(|| AppError::internal(format!("master key v{version} not loaded")))?;
        let wrapped = row.5.as_deref().and_then(|b| WrappedDek::from_parts(version, b)).ok_or_else(|| AppError::internal("bad wrapped DEK"))?;
        let dek = kek.unwrap(&wrapped, id).map_err(|_| AppError::internal(format!("DEK of {id} does not unwrap")))?;
        orders.push(GrantOrder { order_id: id.clone(), binding: String::new(), keys: p.fields.iter().map(|k| dek.field_key(*k)).collect() });
    }
    let expires_at = now + state.settings.grant_ttl_secs;
    let body = GrantBody { grant_id, shop_id, purpose: GrantPurpose::Reveal, issued_at: now, expires_at, orders };
    let sealed = orderveil_cipher::seal_grant(&p.client_public, &body).map_err(AppError::internal)?;
    let quota = view(state, &shop, &day, used_u + new_count, base_u, extra, u64::try_from(orders_30d).unwrap_or(0));
    Ok(RevealGrantResponse {
        grant_id: gid,
        sealed_grant: sealed.to_base64(),
        shop_id: shop,
        expires_at_unix: expires_at,
        charged_order_ids: new.into_iter().map(String::from).collect(),
        free_order_ids: already,
        quota,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reveal_states() {
        let now = 1_000_000_000;
        assert!(state_allows_reveal(OrderStatus::AwaitingShipment, None, now));
        assert!(state_allows_reveal(OrderStatus::Shipped, None, now));
        assert!(state_allows_reveal(OrderStatus::AfterSale, None, now));
        assert!(state_allows_reveal(OrderStatus::Completed, Some(now - 15 * 86_400), now));
        assert!(!state_allows_reveal(OrderStatus::Completed, Some(now - 15 * 86_400 - 1), now));
        assert!(!state_allows_reveal(OrderStatus::Completed, None, now));
        for s in [OrderStatus::Unpaid, OrderStatus::Cancelled, OrderStatus::Closed] {
            assert!(!state_allows_reveal(s, Some(now), now));
        }
    }
}
