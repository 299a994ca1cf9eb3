//! The daily reveal quota: `limit = max(floor, ceil(rate × orders of the last 30 days / 30))`
//! plus the approved extras active today; one unit per order on its first reveal of an
//! Asia/Shanghai day. The rate and the floor are the platform's settings in force
//! ([`crate::platform`]), read for every request.

use std::collections::{BTreeSet, HashMap, HashSet};

use orderveil_api::{QuotaDay, QuotaToday};
use sqlx::{Any, AnyConnection, Executor};

pub mod routes;

use crate::clock::{day_of, last_days};
use crate::error::AppResult;
use crate::platform::{self, Rules};
use crate::store::{self, Db};

/// `max(floor, ceil(rate_bps × orders_30d / (30 × 10000)))`, in integers so 5 % of 600
/// orders is exactly 1, not 2 through floating-point rounding.
pub fn base_limit(orders_30d: u64, rate_bps: u32, floor: u32) -> u32 {
    let num = u128::from(rate_bps) * u128::from(orders_30d);
    let den = 30u128 * 10_000;
    let ceil = num.div_ceil(den);
    u32::try_from(ceil).unwrap_or(u32::MAX).max(floor)
}

/// Orders of `shop` created in the 30 days before `now`.
pub async fn orders_last_30_days<'e, E: Executor<'e, Database = Any>>(ex: E, shop: &str, now: i64) -> AppResult<u64> {
    let n = store::orders::created_between(ex, shop, now - 30 * 86_400, now).await?;
    Ok(u64::try_from(n).unwrap_or(0))
}

/// The approved extras covering `day` of each of `shops` (shops without any are absent): the
/// one read of extras, for the quota endpoint (one shop) and the settler (a batch's shops).
pub async fn extras_for(conn: &mut AnyConnection, shops: &BTreeSet<&str>, day: &str) -> Result<HashMap<String, u32>, sqlx::Error> {
    Ok(store::quota::extras(conn, shops, day).await?.into_iter().map(|r| (r.shop_id, u32::try_from(r.per_day).unwrap_or(0))).collect())
}

/// Which of `shops` are suspended: the one read of suspension, for the quota endpoint, the
/// settler and the print path.
pub async fn suspended_among(conn: &mut AnyConnection, shops: &BTreeSet<&str>) -> Result<HashSet<String>, sqlx::Error> {
    Ok(store::quota::suspended(conn, shops).await?.into_iter().map(|r| r.shop_id).collect())
}

/// Build the API view of a shop's quota on `day` (the search fields are filled by [`today`]).
pub fn view(shop: &str, day: &str, q: &QuotaState, shop_suspended: bool) -> QuotaToday {
    let limit = q.limit();
    QuotaToday {
        shop_id: shop.into(),
        day: day.into(),
        used: q.used,
        limit,
        base: q.base,
        extra: q.extra,
        rate: f64::from(q.rate_bps) / 10_000.0,
        floor: q.floor,
        remaining: limit.saturating_sub(q.used),
        orders_last_30_days: q.orders_30d,
        shop_suspended,
        search_used: 0,
        search_budget: 0,
        search_remaining: 0,
    }
}

/// A shop's quota on `day` under `rules`, read through `conn` (the day's row may not exist
/// yet: then the base comes from counting the last 30 days' orders). `used` is the day's.
pub async fn state_on(conn: &mut AnyConnection, shop: &str, day: &str, now: i64, rules: &Rules) -> AppResult<QuotaState> {
    let (used, orders_30d) = match store::quota::day(conn, shop, day).await? {
        Some(r) if r.base >= 0 => (u32::try_from(r.used).unwrap_or(0), u64::try_from(r.orders_30d).unwrap_or(0)),
        Some(r) => (u32::try_from(r.used).unwrap_or(0), orders_last_30_days(&mut *conn, shop, now).await?),
        None => (0, orders_last_30_days(&mut *conn, shop, now).await?),
    };
    let extra = extras_for(conn, &BTreeSet::from([shop]), day).await?.get(shop).copied().unwrap_or(0);
    Ok(QuotaState { used, base: base_limit(orders_30d, rules.rate_bps, rules.floor), extra, orders_30d, rate_bps: rules.rate_bps, floor: rules.floor })
}

/// Today's reveal limit (base + extras) of a shop, read through `conn`: what the search
/// budget is a multiple of.
pub async fn limit_on(conn: &mut AnyConnection, shop: &str, day: &str, now: i64, rules: &Rules) -> AppResult<u32> {
    Ok(state_on(conn, shop, day, now, rules).await?.limit())
}

/// Today's quota of a shop at `now`, read-only, with today's search units.
pub async fn today(db: &Db, now: i64, shop: &str) -> AppResult<QuotaToday> {
    let day = day_of(now);
    let mut conn = db.pool.acquire().await?;
    let rules = platform::rules(&mut *conn).await?;
    let q = state_on(&mut conn, shop, &day, now, &rules).await?;
    let suspended = !suspended_among(&mut conn, &BTreeSet::from([shop])).await?.is_empty();
    let search_used = search_used_on(&mut conn, shop, &day).await?;
    let mut v = view(shop, &day, &q, suspended);
    v.search_used = search_used;
    v.search_budget = rules.search_budget(v.limit);
    v.search_remaining = v.search_budget.saturating_sub(search_used);
    Ok(v)
}

/// The last 30 days' usage up to `now`, oldest first.
pub async fn history(db: &Db, now: i64, shop: &str) -> AppResult<Vec<QuotaDay>> {
    let days = last_days(now, 30);
    let rows = store::quota::days_between(&db.pool, shop, &days[0], &days[days.len() - 1]).await?;
    Ok(days
        .into_iter()
        .map(|d| {
            let used = rows.iter().find(|r| r.day == d).map_or(0, |r| u32::try_from(r.used).unwrap_or(0));
            QuotaDay { day: d, used }
        })
        .collect())
}

/// The shop's quota as the charge left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct QuotaState {
    /// Used today, this charge included.
    pub used: u32,
    /// The day's base limit.
    pub base: u32,
    /// Approved extras today.
    pub extra: u32,
    /// Orders of the last 30 days when the day's row was created.
    pub orders_30d: u64,
    /// The rate the base was computed with, basis points.
    pub rate_bps: u32,
    /// The floor it was computed with.
    pub floor: u32,
}

impl QuotaState {
    /// `base + extra`.
    pub fn limit(&self) -> u32 {
        self.base.saturating_add(self.extra)
    }
}

/// A shop's search units used on `day`.
pub async fn search_used_on(conn: &mut AnyConnection, shop: &str, day: &str) -> AppResult<u32> {
    let row = store::quota::search_day(conn, shop, day).await?;
    Ok(row.map_or(0, |r| u32::try_from(r.used).unwrap_or(u32::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_limit_follows_the_rule_exactly() {
        assert_eq!(base_limit(0, 500, 10), 10, "floor");
        assert_eq!(base_limit(600, 500, 10), 10, "5% of 600 / 30 = 1, floor wins");
        assert_eq!(base_limit(15_000, 500, 10), 25, "5% of 15000 / 30 = 25");
        assert_eq!(base_limit(15_001, 500, 10), 26, "ceil");
        assert_eq!(base_limit(6_000, 500, 0), 10);
        assert_eq!(base_limit(6_001, 500, 0), 11);
        assert_eq!(base_limit(1, 500, 0), 1, "ceil of a tiny positive share is 1");
        assert_eq!(base_limit(u64::MAX, 10_000, 10), u32::MAX, "saturates");
    }
}
