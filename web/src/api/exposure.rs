//! The calls of the admin's exposure dashboard and flag rules.

use gloo_net::http::Method;
use orderveil_api::{ExposureFlag, ExposurePage, ExposureRulesUpdate, ExposureRulesView, FlagDecision, FlagDetail, FlagPage, ScanReport};

use super::{ApiFailure, encode, request};

/// The dashboard's page of shops (most reveals first) over the last 30 days.
pub async fn exposure(page: u32, shop: Option<&str>) -> Result<ExposurePage, ApiFailure> {
    let shop = shop.map(|s| format!("&shop_id={}", encode(s))).unwrap_or_default();
    request::<(), _>(Method::GET, &format!("/api/v1/admin/exposure?per_page=20&page={page}{shop}"), None, None).await
}

/// Flags of a status (`open`, `acknowledged`, `suspended`; empty: all), newest day first.
pub async fn exposure_flags(status: &str) -> Result<FlagPage, ApiFailure> {
    let q = if status.is_empty() { String::new() } else { format!("&status={status}") };
    request::<(), _>(Method::GET, &format!("/api/v1/admin/exposure/flags?per_page=100{q}"), None, None).await
}

/// A flag with the audit rows behind it.
pub async fn exposure_flag(id: i64) -> Result<FlagDetail, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/admin/exposure/flags/{id}"), None, None).await
}

/// Acknowledge a flag, or suspend its shop from it (`suspend`), with a comment.
pub async fn decide_flag(csrf: &str, id: i64, suspend: bool, comment: String) -> Result<ExposureFlag, ApiFailure> {
    let what = if suspend { "suspend" } else { "acknowledge" };
    request(Method::POST, &format!("/api/v1/admin/exposure/flags/{id}/{what}"), Some(csrf), Some(&FlagDecision { comment })).await
}

/// Run the flag rules now.
pub async fn exposure_scan(csrf: &str) -> Result<ScanReport, ApiFailure> {
    request(Method::POST, "/api/v1/admin/exposure/scan", Some(csrf), Some(&serde_json::json!({}))).await
}

/// The flag rules' thresholds.
pub async fn exposure_rules() -> Result<ExposureRulesView, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/admin/exposure/rules", None, None).await
}

/// Change the thresholds.
pub async fn save_exposure_rules(csrf: &str, req: &ExposureRulesUpdate) -> Result<ExposureRulesView, ApiFailure> {
    request(Method::PUT, "/api/v1/admin/exposure/rules", Some(csrf), Some(req)).await
}

/// Where a shop's disclosures of a period download as CSV (a form post: it is audited).
pub const DISCLOSURES_CSV: &str = "/api/v1/admin/exposure/disclosures.csv";
