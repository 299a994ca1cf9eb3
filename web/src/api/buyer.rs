//! The calls of the SMS pages, the virtual number and the buyer thread.

use gloo_net::http::Method;

use super::{ApiFailure, encode, request};

/// SMS templates: the shop's, or every shop's pending ones for an admin (`status`).
pub async fn sms_templates(status: Option<&str>) -> Result<Vec<orderveil_api::SmsTemplate>, ApiFailure> {
    let q = status.map(|s| format!("?status={s}")).unwrap_or_default();
    request::<(), _>(Method::GET, &format!("/api/v1/sms/templates{q}"), None, None).await
}

/// Submit a template (or a new version of its name).
pub async fn submit_sms_template(csrf: &str, req: &orderveil_api::SmsTemplateCreate) -> Result<orderveil_api::SmsTemplate, ApiFailure> {
    request(Method::POST, "/api/v1/sms/templates", Some(csrf), Some(req)).await
}

/// Approve / reject (admin) or withdraw (shop) a template version: `action` is `approve`,
/// `reject` or `withdraw`.
pub async fn sms_template_action(csrf: &str, id: i64, action: &str, comment: String) -> Result<orderveil_api::SmsTemplate, ApiFailure> {
    request(Method::POST, &format!("/api/v1/sms/templates/{id}/{action}"), Some(csrf), Some(&orderveil_api::ApplicationDecision { comment })).await
}

/// The filled texts an SMS would send, with masked numbers.
pub async fn sms_preview(csrf: &str, req: &orderveil_api::SmsSend) -> Result<Vec<orderveil_api::SmsPreview>, ApiFailure> {
    request(Method::POST, "/api/v1/sms/preview", Some(csrf), Some(req)).await
}

/// Queue an SMS to the orders' receivers (all or nothing).
pub async fn sms_send(csrf: &str, req: &orderveil_api::SmsSend) -> Result<orderveil_api::SmsQueued, ApiFailure> {
    request(Method::POST, "/api/v1/sms/send", Some(csrf), Some(req)).await
}

/// The shop's outbox, newest first.
pub async fn sms_outbox() -> Result<orderveil_api::SmsOutboxPage, ApiFailure> {
    request::<(), _>(Method::GET, "/api/v1/sms/outbox?per_page=100", None, None).await
}

/// The order's live virtual number (`NOT_FOUND`: none yet).
pub async fn virtual_number(order_id: &str) -> Result<orderveil_api::VirtualNumber, ApiFailure> {
    request::<(), _>(Method::GET, &format!("/api/v1/orders/{}/virtual-number", encode(order_id)), None, None).await
}

/// Ask for a virtual number for the order's receiver.
pub async fn request_virtual_number(csrf: &str, order_id: &str) -> Result<orderveil_api::VirtualNumber, ApiFailure> {
    request::<(), _>(Method::POST, &format!("/api/v1/orders/{}/virtual-number", encode(order_id)), Some(csrf), None).await
}

/// Mark the thread read.
pub async fn order_thread_read(csrf: &str, order_id: &str) -> Result<orderveil_api::OrderThread, ApiFailure> {
    request::<(), _>(Method::POST, &format!("/api/v1/orders/{}/messages/read", encode(order_id)), Some(csrf), None).await
}

/// Write to the buyer.
pub async fn order_message(csrf: &str, order_id: &str, body: String) -> Result<orderveil_api::OrderMessage, ApiFailure> {
    request(Method::POST, &format!("/api/v1/orders/{}/messages", encode(order_id)), Some(csrf), Some(&orderveil_api::OrderMessageCreate { body })).await
}
