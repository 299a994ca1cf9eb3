//! The one HTTP layer: every call goes through `request`, which maps statuses to `ApiFailure`
//! with the server's code (its message is the code's own, in both languages) and details.
//! Components never build URLs or parse JSON.
//! Nothing here logs a request or a response body.

use gloo_net::http::{Method, Request};
use orderveil_api::{
    ApiError, ErrorCode, IsvApp, IsvAppCreate, IsvAppCreated, IsvAuthorization, IsvAuthorizationCreate, LoginRequest, OrderPage, OrderQuery, OrderView,
    QuotaResponse, RevealGrantRequest, RevealGrantResponse, SessionInfo,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::JsValue;

use crate::i18n::{Lang, Text, refusals};

/// Where a failure comes from.
#[derive(Clone, Debug, PartialEq)]
enum Cause {
    /// The server refused with one of its codes; the message is the code's own
    /// ([`ErrorCode::message`], [`ErrorCode::message_zh`]), as the server sends it.
    Refused(ErrorCode),
    /// A code this build does not know (a newer server), with the server's messages; or a
    /// failure made in the page (network, a grant that does not open, a form check).
    Said {
        /// Stable code (`NETWORK` when the server was not reached).
        code: String,
        /// English message.
        message: String,
        /// Chinese message.
        message_zh: String,
    },
}

/// A failed call: the server's coded refusal, or a failure made in the page.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiFailure {
    cause: Cause,
    /// Facts a client can act on (`retry_after_secs`, `order_ids`, …).
    pub details: Option<serde_json::Value>,
}

impl ApiFailure {
    /// The stable code (`data-code` in the page).
    pub fn code(&self) -> String {
        match &self.cause {
            Cause::Refused(c) => c.as_str(),
            Cause::Said { code, .. } => code.clone(),
        }
    }

    /// The server's code, if it refused with one this build knows.
    pub fn error_code(&self) -> Option<ErrorCode> {
        match self.cause {
            Cause::Refused(c) => Some(c),
            Cause::Said { .. } => None,
        }
    }

    /// Did the server refuse with `code`?
    pub fn is(&self, code: ErrorCode) -> bool {
        self.error_code() == Some(code)
    }

    /// The message in the UI language.
    pub fn text(&self, lang: Lang) -> String {
        match (&self.cause, lang) {
            (Cause::Refused(c), Lang::Zh) => c.message_zh().into(),
            (Cause::Refused(c), Lang::En) => c.message().into(),
            (Cause::Said { message_zh, .. }, Lang::Zh) => message_zh.clone(),
            (Cause::Said { message, .. }, Lang::En) => message.clone(),
        }
    }

    /// The message of a refused reveal: the figures and the way out where the code has them
    /// ([`refusals::reveal`]), else [`Self::text`].
    pub fn reveal_text(&self, lang: Lang) -> String {
        self.error_code().and_then(|c| refusals::reveal(lang, c, self.details.as_ref())).unwrap_or_else(|| self.text(lang))
    }

    /// The message of a refused order search, `None` if this is not one ([`refusals::search`]).
    pub fn search_text(&self, lang: Lang) -> Option<String> {
        refusals::search(lang, self.error_code()?, self.details.as_ref())
    }

    /// A failure made in the page (e.g. a grant that does not open), with a stable code.
    pub fn local(code: &str, message: String, message_zh: String) -> Self {
        Self { cause: Cause::Said { code: code.into(), message, message_zh }, details: None }
    }

    /// The same failure (code, details) with `en` and `zh` added to its message, e.g. the
    /// allowed range of a value.
    pub fn with_suffix(self, en: &str, zh: &str) -> Self {
        let (message, message_zh) = (self.text(Lang::En) + en, self.text(Lang::Zh) + zh);
        Self { cause: Cause::Said { code: self.code(), message, message_zh }, details: self.details }
    }

    /// A failure made in the page whose message is a UI text (a form check).
    pub fn from_text(code: &str, text: impl Text) -> Self {
        Self::local(code, Lang::En.t(text).into(), Lang::Zh.t(text).into())
    }

    /// An integer from the details, e.g. `retry_after_secs`.
    pub fn detail_i64(&self, key: &str) -> Option<i64> {
        self.details.as_ref()?.get(key)?.as_i64()
    }

    /// `details.field` of a refusal (`""` if none): the form field it concerns.
    pub fn detail_field(&self) -> &str {
        self.details.as_ref().and_then(|d| d.get("field")).and_then(|f| f.as_str()).unwrap_or_default()
    }

    fn network(e: impl std::fmt::Display) -> Self {
        Self::local("NETWORK", format!("Cannot reach the server ({e})."), format!("无法连接服务器（{e}）。"))
    }
}

async fn request<B: Serialize, T: DeserializeOwned>(method: Method, path: &str, csrf: Option<&str>, body: Option<&B>) -> Result<T, ApiFailure> {
    let body = body.map(serde_json::to_string).transpose().map_err(ApiFailure::network)?;
    answer(exchange(method, path, csrf, body.map(|b| ("application/json", JsValue::from_str(&b)))).await?)
}

/// [`request`] with a raw body (a file's bytes) of `content_type`, POSTed.
async fn request_raw<T: DeserializeOwned>(path: &str, csrf: &str, content_type: &str, body: JsValue) -> Result<T, ApiFailure> {
    answer(exchange(Method::POST, path, Some(csrf), Some((content_type, body))).await?)
}

/// An answer read as `T`, or the server's refusal.
fn answer<T: DeserializeOwned>((status, text): (u16, String)) -> Result<T, ApiFailure> {
    if !(200..300).contains(&status) {
        return Err(refusal(&text));
    }
    serde_json::from_str(if status == 204 { "null" } else { &text }).map_err(ApiFailure::network)
}

/// The exchange itself, one copy for every call (only the (de)serialization is per type):
/// the status and the body text of the answer.
async fn exchange(method: Method, path: &str, csrf: Option<&str>, body: Option<(&str, JsValue)>) -> Result<(u16, String), ApiFailure> {
    let mut req = match method {
        Method::POST => Request::post(path),
        Method::PUT => Request::put(path),
        Method::DELETE => Request::delete(path),
        _ => Request::get(path),
    };
    // Responses carry masked data and ciphertext: never from or into the HTTP cache.
    req = req.cache(web_sys::RequestCache::NoStore);
    if let Some(token) = csrf {
        req = req.header("X-CSRF-Token", token);
    }
    let resp = match body {
        Some((content_type, b)) => req.header("Content-Type", content_type).body(b).map_err(ApiFailure::network)?.send().await,
        None => req.send().await,
    }
    .map_err(ApiFailure::network)?;
    let text = resp.text().await.map_err(ApiFailure::network)?;
    Ok((resp.status(), text))
}

/// The server's coded refusal in an answer's body.
fn refusal(text: &str) -> ApiFailure {
    match serde_json::from_str::<ApiError>(text) {
        Ok(e) => {
            let cause = match serde_json::from_value(serde_json::Value::String(e.code.clone())) {
                Ok(code) => Cause::Refused(code),
                Err(_) => Cause::Said { code: e.code, message: e.message, message_zh: e.message_zh },
            };
            ApiFailure { cause, details: e.details }
        }
        Err(e) => ApiFailure::network(e),
    }
}

fn encode(s: &str) -> String {
    String::from(js_sys::encode_uri_component(s))
}

/// The current session, if the cookie is still valid.
pub async fn me() -> Result<SessionInfo, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/me", None, None).await
}

/// Log in.
pub async fn login(username: String, password: String) -> Result<SessionInfo, ApiFailure> {
    request(Method::POST, "/api/v1/auth/login", None, Some(&LoginRequest { username, password })).await
}

/// Change one's own password (the other sessions end).
pub async fn change_password(csrf: &str, req: &orderveil_api::PasswordChange) -> Result<orderveil_api::PasswordChanged, ApiFailure> {
    request(Method::POST, "/api/v1/me/password", Some(csrf), Some(req)).await
}

/// Reset a shop owner's password (platform admin).
pub async fn admin_reset_owner(csrf: &str, shop: &str, id: i64, req: &orderveil_api::StaffPasswordReset) -> Result<orderveil_api::PasswordChanged, ApiFailure> {
    request(Method::POST, &format!("/api/v1/admin/shops/{}/users/{id}/password", encode(shop)), Some(csrf), Some(req)).await
}

/// Log out.
pub async fn logout(csrf: &str) -> Result<(), ApiFailure> {
    request::<(), Option<()>>(Method::POST, "/api/v1/auth/logout", Some(csrf), None).await.map(|_| ())
}

/// A query string of the parameters that are set and not empty, in order, values encoded.
fn query_string(params: impl IntoIterator<Item = (&'static str, Option<String>)>) -> String {
    let set = params.into_iter().filter_map(|(k, v)| v.filter(|v| !v.is_empty()).map(|v| format!("{k}={}", encode(&v))));
    set.collect::<Vec<_>>().join("&")
}

/// The query string of an order search (only the parameters that are set).
pub fn order_query_string(q: &OrderQuery) -> String {
    query_string([
        ("page", q.page.map(|p| p.to_string())),
        ("per_page", q.per_page.map(|p| p.to_string())),
        ("status", q.status.map(|s| s.as_str().to_string())),
        ("order_id", q.order_id.clone()),
        ("phone", q.phone.clone()),
        ("phone_last4", q.phone_last4.clone()),
        ("name", q.name.clone()),
        ("address", q.address.clone()),
        ("shop_id", q.shop_id.clone()),
    ])
}

/// One page of masked orders.
pub async fn orders(q: &OrderQuery) -> Result<OrderPage, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/orders?{}", order_query_string(q)), None, None).await
}

/// One masked order (another shop's order is `ORDER_NOT_FOUND`).
pub async fn order(id: &str) -> Result<OrderView, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/orders/{}", encode(id)), None, None).await
}

/// Ask for a one-time reveal grant sealed to `client_public`.
pub async fn reveal_grant(csrf: &str, req: &RevealGrantRequest) -> Result<RevealGrantResponse, ApiFailure> {
    request(Method::POST, "/api/v1/reveal-grants", Some(csrf), Some(req)).await
}

/// Today's quota and the last 30 days (`shop` only for platform admins).
pub async fn quota(shop: Option<&str>) -> Result<QuotaResponse, ApiFailure> {
    let path = match shop {
        Some(s) => format!("/api/v1/quota?shop_id={}", encode(s)),
        None => "/api/v1/quota".to_string(),
    };
    request::<(), _>(Method::GET, &path, None, None).await
}

/// Third-party apps: the enabled ones for a shop owner, every one for a platform admin.
pub async fn isv_apps() -> Result<Vec<IsvApp>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/isv-apps", None, None).await
}

/// Register a third-party app (platform admin); the answer carries its secret, this once.
pub async fn register_isv_app(csrf: &str, req: &IsvAppCreate) -> Result<IsvAppCreated, ApiFailure> {
    request(Method::POST, "/api/v1/isv-apps", Some(csrf), Some(req)).await
}

/// App authorizations: the owner's shop's (live and revoked), or every shop's for an admin.
pub async fn isv_authorizations() -> Result<Vec<IsvAuthorization>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/isv-authorizations", None, None).await
}

/// Authorize an app for the owner's shop (replaces a live authorization of the same app).
pub async fn authorize_isv_app(csrf: &str, req: &IsvAuthorizationCreate) -> Result<IsvAuthorization, ApiFailure> {
    request(Method::POST, "/api/v1/isv-authorizations", Some(csrf), Some(req)).await
}

/// Revoke an authorization of the owner's shop (the app's tokens stop working at once).
pub async fn revoke_isv_authorization(csrf: &str, id: i64) -> Result<IsvAuthorization, ApiFailure> {
    request(Method::POST, &format!("/api/v1/isv-authorizations/{id}/revoke"), Some(csrf), Some(&serde_json::json!({}))).await
}

/// Where the owner's staff accounts are: the shop's, or (`factory`) the factory's.
fn staff_base(factory: bool) -> &'static str {
    if factory { "/api/v1/factory/staff" } else { "/api/v1/staff" }
}

/// The owner's staff accounts (`factory`: a factory owner's).
pub async fn staff_list(factory: bool) -> Result<Vec<orderveil_api::StaffMember>, ApiFailure> {
    request::<(), _>(Method::GET, staff_base(factory), None, None).await
}

/// Create a staff account in the owner's shop (`factory`: factory).
pub async fn staff_create(csrf: &str, factory: bool, req: &orderveil_api::StaffCreate) -> Result<orderveil_api::StaffMember, ApiFailure> {
    request(Method::POST, staff_base(factory), Some(csrf), Some(req)).await
}

/// Change a staff account's permissions, or disable / enable it.
pub async fn staff_update(csrf: &str, factory: bool, id: i64, req: &orderveil_api::StaffUpdate) -> Result<orderveil_api::StaffMember, ApiFailure> {
    request(Method::POST, &format!("{}/{id}", staff_base(factory)), Some(csrf), Some(req)).await
}

/// Set a staff account's password (its sessions end).
pub async fn staff_reset_password(csrf: &str, factory: bool, id: i64, req: &orderveil_api::StaffPasswordReset) -> Result<orderveil_api::StaffMember, ApiFailure> {
    request(Method::POST, &format!("{}/{id}/password", staff_base(factory)), Some(csrf), Some(req)).await
}

/// The query string of an audit search (only the parameters that are set).
pub fn audit_query_string(q: &orderveil_api::AuditQuery) -> String {
    query_string([
        ("page", q.page.map(|p| p.to_string())),
        ("per_page", q.per_page.map(|p| p.to_string())),
        ("shop_id", q.shop_id.clone()),
        ("actor", q.actor.clone()),
        ("action", q.action.clone()),
        ("order_id", q.order_id.clone()),
        ("outcome", q.outcome.clone()),
        ("from", q.from.clone()),
        ("to", q.to.clone()),
        ("purpose", q.purpose.clone()),
    ])
}

/// One page of the audit trail.
pub async fn audit(q: &orderveil_api::AuditQuery) -> Result<orderveil_api::AuditPage, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/audit?{}", audit_query_string(q)), None, None).await
}

/// Whether the caller's audit hash chains verify.
pub async fn audit_verify() -> Result<orderveil_api::AuditVerifyReport, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/audit/verify", None, None).await
}

/// Quota raise applications: the shop's own, or every shop's for a platform admin
/// (`status` filters, e.g. `pending`).
pub async fn quota_applications(status: Option<&str>) -> Result<Vec<orderveil_api::QuotaApplication>, ApiFailure> {
    let path = match status {
        Some(s) => format!("/api/v1/quota/applications?status={}", encode(s)),
        None => "/api/v1/quota/applications".to_string(),
    };
    request::<(), _>(Method::GET, &path, None, None).await
}

/// Apply for a quota raise (owner, or staff with `quota`).
pub async fn apply_quota(csrf: &str, req: &orderveil_api::QuotaApplicationCreate) -> Result<orderveil_api::QuotaApplication, ApiFailure> {
    request(Method::POST, "/api/v1/quota/applications", Some(csrf), Some(req)).await
}

/// Withdraw a pending application of the shop.
pub async fn withdraw_application(csrf: &str, id: i64) -> Result<orderveil_api::QuotaApplication, ApiFailure> {
    request(Method::POST, &format!("/api/v1/quota/applications/{id}/withdraw"), Some(csrf), Some(&serde_json::json!({}))).await
}

/// Approve or reject a pending application (platform admin), with a comment.
pub async fn decide_application(csrf: &str, id: i64, approve: bool, comment: String) -> Result<orderveil_api::QuotaApplication, ApiFailure> {
    let what = if approve { "approve" } else { "reject" };
    request(Method::POST, &format!("/api/v1/quota/applications/{id}/{what}"), Some(csrf), Some(&orderveil_api::ApplicationDecision { comment })).await
}

/// Every shop with its figures (platform admin).
pub async fn admin_shops() -> Result<Vec<orderveil_api::ShopSummary>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/admin/shops", None, None).await
}

/// Create a shop with its owner account (platform admin).
pub async fn admin_shop_create(csrf: &str, req: &orderveil_api::ShopCreate) -> Result<orderveil_api::ShopSummary, ApiFailure> {
    request(Method::POST, "/api/v1/admin/shops", Some(csrf), Some(req)).await
}

/// Rename, suspend (with a reason) or resume a shop (platform admin).
pub async fn admin_shop_update(csrf: &str, shop: &str, req: &orderveil_api::ShopUpdate) -> Result<orderveil_api::ShopSummary, ApiFailure> {
    request(Method::POST, &format!("/api/v1/admin/shops/{}", encode(shop)), Some(csrf), Some(req)).await
}

/// A shop's owner and staff accounts (platform admin).
pub async fn admin_shop_users(shop: &str) -> Result<Vec<orderveil_api::ShopUser>, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/admin/shops/{}/users", encode(shop)), None, None).await
}

/// Every factory (platform admin), or the caller's own (factory users).
pub async fn factories() -> Result<Vec<orderveil_api::Factory>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/factories", None, None).await
}

/// Create a factory with its owner account (platform admin).
pub async fn admin_factory_create(csrf: &str, req: &orderveil_api::FactoryCreate) -> Result<orderveil_api::Factory, ApiFailure> {
    request(Method::POST, "/api/v1/admin/factories", Some(csrf), Some(req)).await
}

/// Suspend (`suspend`, with a reason) or resume a factory (platform admin).
pub async fn admin_factory_suspension(csrf: &str, factory: &str, suspend: bool, req: &orderveil_api::FactorySuspension) -> Result<orderveil_api::Factory, ApiFailure> {
    let what = if suspend { "suspend" } else { "resume" };
    request(Method::POST, &format!("/api/v1/admin/factories/{}/{what}", encode(factory)), Some(csrf), Some(req)).await
}

/// The platform's quota and risk settings (platform admin).
pub async fn admin_settings() -> Result<orderveil_api::PlatformSettings, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/admin/settings", None, None).await
}

/// Save the platform settings (`SETTINGS_CHANGED` if someone saved since `expected_version`).
pub async fn admin_settings_save(csrf: &str, req: &orderveil_api::PlatformSettingsUpdate) -> Result<orderveil_api::PlatformSettings, ApiFailure> {
    request(Method::PUT, "/api/v1/admin/settings", Some(csrf), Some(req)).await
}

/// Disable or re-enable a third-party app (platform admin).
pub async fn isv_app_update(csrf: &str, app_id: &str, disabled: bool) -> Result<IsvApp, ApiFailure> {
    request(Method::POST, &format!("/api/v1/isv-apps/{}", encode(app_id)), Some(csrf), Some(&orderveil_api::IsvAppUpdate { disabled })).await
}

/// E-waybill accounts: the shop's (owners, staff with `print`) or every shop's, pending first
/// (admins); `status` filters, e.g. `approved`.
pub async fn waybill_accounts(status: Option<&'static str>) -> Result<Vec<orderveil_api::WaybillAccount>, ApiFailure> {
    let path = match status {
        Some(s) => format!("/api/v1/waybill-accounts?status={s}"),
        None => "/api/v1/waybill-accounts".to_string(),
    };
    request::<(), _>(Method::GET, &path, None, None).await
}

/// Apply for an e-waybill account (owners); it waits for the platform's decision.
pub async fn waybill_account_create(csrf: &str, req: &orderveil_api::WaybillAccountCreate) -> Result<orderveil_api::WaybillAccount, ApiFailure> {
    request(Method::POST, "/api/v1/waybill-accounts", Some(csrf), Some(req)).await
}

/// Approve or reject a pending e-waybill account (admins; a rejection needs a comment).
pub async fn waybill_account_decide(csrf: &str, id: i64, approve: bool, comment: String) -> Result<orderveil_api::WaybillAccount, ApiFailure> {
    let what = if approve { "approve" } else { "reject" };
    request(Method::POST, &format!("/api/v1/waybill-accounts/{id}/{what}"), Some(csrf), Some(&orderveil_api::ApplicationDecision { comment })).await
}

/// Ask the platform for 1–100000 waybills on an approved account (owners): a top-up request
/// that raises the balance only once a platform admin confirms the payment.
pub async fn waybill_topup_request(csrf: &str, account: i64, req: &orderveil_api::WaybillTopupCreate) -> Result<orderveil_api::WaybillTopup, ApiFailure> {
    request(Method::POST, &format!("/api/v1/waybill-accounts/{account}/topups"), Some(csrf), Some(req)).await
}

/// Top-up requests: the owner's shop's, newest first, or every shop's, pending first (admins).
pub async fn waybill_topups() -> Result<Vec<orderveil_api::WaybillTopup>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/waybill-topups", None, None).await
}

/// Confirm a pending top-up (admins): the payment was received and the units are added.
pub async fn waybill_topup_confirm(csrf: &str, id: i64, req: &orderveil_api::WaybillTopupConfirm) -> Result<orderveil_api::WaybillTopup, ApiFailure> {
    request(Method::POST, &format!("/api/v1/waybill-topups/{id}/confirm"), Some(csrf), Some(req)).await
}

/// Reject a pending top-up (admins; the comment is required).
pub async fn waybill_topup_reject(csrf: &str, id: i64, comment: String) -> Result<orderveil_api::WaybillTopup, ApiFailure> {
    request(Method::POST, &format!("/api/v1/waybill-topups/{id}/reject"), Some(csrf), Some(&orderveil_api::ApplicationDecision { comment })).await
}

/// The shop's waybills, newest first (`status` filters).
pub async fn waybills(status: Option<&'static str>) -> Result<Vec<orderveil_api::Waybill>, ApiFailure> {
    let path = match status {
        Some(s) => format!("/api/v1/waybills?status={s}"),
        None => "/api/v1/waybills".to_string(),
    };
    request::<(), _>(Method::GET, &path, None, None).await
}

/// Allocate waybills for orders awaiting shipment (one per order, or one with `merge`).
pub async fn allocate_waybills(csrf: &str, req: &orderveil_api::WaybillAllocate) -> Result<Vec<orderveil_api::Waybill>, ApiFailure> {
    request(Method::POST, "/api/v1/waybills", Some(csrf), Some(req)).await
}

/// Cancel an unprinted waybill (its unit returns to the account).
pub async fn cancel_waybill(csrf: &str, no: &str) -> Result<orderveil_api::Waybill, ApiFailure> {
    request(Method::POST, &format!("/api/v1/waybills/{}/cancel", encode(no)), Some(csrf), Some(&serde_json::json!({}))).await
}

/// Ship the orders of printed waybills with the waybill numbers as tracking numbers (the
/// answer is read loosely: the caller reads the list again).
pub async fn ship_waybills(csrf: &str, req: &orderveil_api::WaybillShip) -> Result<(), ApiFailure> {
    request::<_, serde::de::IgnoredAny>(Method::POST, "/api/v1/waybills/ship", Some(csrf), Some(req)).await.map(|_| ())
}

/// Ask for a print grant for waybills, sealed to `client_public`: a `PrintGrantResponse`, read
/// as a JSON value (the print path reads a few fields of it; a derived reader for the nested
/// labels would cost the page ~4 KB).
pub async fn print_grant(csrf: &str, req: &orderveil_api::PrintGrantRequest) -> Result<serde_json::Value, ApiFailure> {
    request(Method::POST, "/api/v1/print-grants", Some(csrf), Some(req)).await
}

/// Create an export job of the orders matching a filter (owners, staff with `export`).
pub async fn export_create(csrf: &str, req: &orderveil_api::ExportCreate) -> Result<orderveil_api::ExportJob, ApiFailure> {
    request(Method::POST, "/api/v1/exports", Some(csrf), Some(req)).await
}

/// An export job and its progress.
pub async fn export_job(id: &str) -> Result<orderveil_api::ExportJob, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/exports/{}", encode(id)), None, None).await
}

/// Where an export job's file downloads from (the session cookie authenticates it).
pub fn export_file_url(id: &str) -> String {
    format!("/api/v1/exports/{}/file", encode(id))
}

/// Ship one order awaiting shipment by hand; the answer is the shipped order.
pub async fn ship_order(csrf: &str, id: &str, req: &orderveil_api::ShipRequest) -> Result<OrderView, ApiFailure> {
    request(Method::POST, &format!("/api/v1/orders/{}/ship", encode(id)), Some(csrf), Some(req)).await
}

/// Ship the orders of a CSV or XLSX file (`content_type` says which): all rows or none
/// (`UPLOAD_INVALID` with every bad row in its details).
pub async fn upload_shipments(csrf: &str, content_type: &str, file: JsValue) -> Result<orderveil_api::ShipmentUploadResult, ApiFailure> {
    request_raw("/api/v1/shipments/upload", csrf, content_type, file).await
}

/// Ship the factory's assigned orders from a CSV or XLSX file (factory users with `ship`).
pub async fn factory_upload_shipments(csrf: &str, content_type: &str, file: JsValue) -> Result<orderveil_api::ShipmentUploadResult, ApiFailure> {
    request_raw("/api/v1/factory/shipments/upload", csrf, content_type, file).await
}

/// The caller's bindings: the shop's with factories, or the factory's with shops.
pub async fn bindings() -> Result<Vec<orderveil_api::Binding>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/factory-bindings", None, None).await
}

/// Invite a factory by its id (shop owners).
pub async fn binding_invite(csrf: &str, factory_id: String) -> Result<orderveil_api::Binding, ApiFailure> {
    request(Method::POST, "/api/v1/factory-bindings", Some(csrf), Some(&orderveil_api::BindingInvite { factory_id })).await
}

/// Act on a binding: `accept` or `decline` (the factory's owner) or `end` (either side's
/// owner; its open assignments are recalled). The answer is read loosely (the caller reads
/// the list again): a `Binding`, or `BindingEnded` for `end`.
pub async fn binding_act(csrf: &str, id: i64, what: &'static str) -> Result<serde_json::Value, ApiFailure> {
    request(Method::POST, &format!("/api/v1/factory-bindings/{id}/{what}"), Some(csrf), Some(&serde_json::json!({}))).await
}

/// Assign orders awaiting shipment to a bound factory, by selection or by filter (all or
/// nothing: `ORDER_NOT_ASSIGNABLE` lists the refused orders with their reasons).
pub async fn assign(csrf: &str, req: &orderveil_api::AssignRequest) -> Result<orderveil_api::AssignResult, ApiFailure> {
    request(Method::POST, "/api/v1/assignments", Some(csrf), Some(req)).await
}

/// Take orders back from their factory (until they ship; all or nothing).
pub async fn recall(csrf: &str, order_ids: Vec<String>) -> Result<orderveil_api::RecallResult, ApiFailure> {
    request(Method::POST, "/api/v1/assignments/recall", Some(csrf), Some(&orderveil_api::RecallRequest { order_ids })).await
}

/// The shop's product rules (SKU → factory).
pub async fn rules() -> Result<Vec<orderveil_api::AssignmentRule>, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/assignment-rules", None, None).await
}

/// Set (or replace) the rule of a SKU; the answer is every rule.
pub async fn rule_set(csrf: &str, req: &orderveil_api::AssignmentRuleSet) -> Result<Vec<orderveil_api::AssignmentRule>, ApiFailure> {
    request(Method::PUT, "/api/v1/assignment-rules", Some(csrf), Some(req)).await
}

/// Delete the rule of a SKU; the answer is the rules left.
pub async fn rule_delete(csrf: &str, sku: &str) -> Result<Vec<orderveil_api::AssignmentRule>, ApiFailure> {
    request::<(), _>(Method::DELETE, &format!("/api/v1/assignment-rules/{}", encode(sku)), Some(csrf), None).await
}

/// One page of the orders assigned to the caller's factory (masked; never a ciphertext).
pub async fn factory_orders(q: &orderveil_api::FactoryOrderQuery) -> Result<orderveil_api::FactoryOrderPage, ApiFailure> {
    let qs = query_string([
        ("page", q.page.map(|p| p.to_string())),
        ("per_page", q.per_page.map(|p| p.to_string())),
        ("shop_id", q.shop_id.clone()),
        ("status", q.status.map(|s| s.as_str().to_string())),
        ("order_id", q.order_id.clone()),
    ]);
    request::<(), _>(Method::GET, &format!("/api/v1/factory/orders?{qs}"), None, None).await
}

// Reaching the buyer: SMS, virtual numbers, messages.
mod buyer;
pub use buyer::*;
mod exposure;
pub use exposure::*;
