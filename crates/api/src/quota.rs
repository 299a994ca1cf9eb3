//! The daily decryption quota: today's figures and the history.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The quota of one shop on one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaToday {
    /// Shop.
    pub shop_id: String,
    /// Calendar day in Asia/Shanghai, `YYYY-MM-DD`.
    pub day: String,
    /// Orders charged today.
    pub used: u32,
    /// Today's limit = base + extra.
    pub limit: u32,
    /// `max(floor, ceil(rate × orders of the last 30 days / 30))`.
    pub base: u32,
    /// Approved extras active today.
    pub extra: u32,
    /// Platform rate, e.g. 0.05.
    pub rate: f64,
    /// Platform floor.
    pub floor: u32,
    /// `limit - used`, never negative.
    pub remaining: u32,
    /// Orders of the last 30 days that the base is computed from.
    pub orders_last_30_days: u64,
    /// The platform suspended the shop: no reveal is granted until it is resumed.
    #[serde(default)]
    pub shop_suspended: bool,
    /// Search units (receiver-field search terms: phone, name, address) used today by the
    /// whole shop. Order-id and last-4 searches are free.
    #[serde(default)]
    pub search_used: u32,
    /// Today's search budget: `max(floor, factor × limit)` (platform settings).
    #[serde(default)]
    pub search_budget: u32,
    /// `search_budget - search_used`, never negative.
    #[serde(default)]
    pub search_remaining: u32,
}

/// One day of quota history.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaDay {
    /// `YYYY-MM-DD`.
    pub day: String,
    /// Orders charged.
    pub used: u32,
}

/// `GET /api/v1/quota`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaResponse {
    /// Today.
    pub today: QuotaToday,
    /// The last 30 days, oldest first, today included.
    pub history: Vec<QuotaDay>,
    /// Today's approved extras with their sources (`today.extra` is their sum).
    #[serde(default)]
    pub extras: Vec<crate::QuotaExtraSource>,
}
