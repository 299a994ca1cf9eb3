//! The shipping endpoints: carriers, ship one order, upload a file, and the upload
//! templates (CSV with BOM, XLSX with text columns) they serve.

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::Json;
use orderveil_api::carriers::Carrier;
use orderveil_api::{
    ApiError, CARRIERS, CarrierInfo, ErrorCode, OrderView, SHIPMENT_COLUMNS, ShipRequest, Shipment, ShipmentRowError, ShipmentUploadErrors, ShipmentUploadResult,
};
use serde_json::json;

use super::XLSX_CONTENT_TYPE;
use super::apply::{ship, upload};
use super::upload::declared_format;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ApiPath, ApiQuery, BODY_LIMIT};
use crate::guard::{Caller, User};
use crate::state::AppState;

/// The template's example row: an order id to replace, a carrier and a valid SF number.
pub const TEMPLATE_EXAMPLE: [&str; 3] = ["DD202611280001", "顺丰速运", "SF1234567890123"];

/// The CSV template: UTF-8 with BOM (so Excel shows the Chinese header), header, example row.
pub fn template_csv_bytes() -> Vec<u8> {
    let header = SHIPMENT_COLUMNS.iter().map(|c| c.1).collect::<Vec<_>>().join(",");
    format!("\u{feff}{header}\r\n{}\r\n", TEMPLATE_EXAMPLE.join(",")).into_bytes()
}

/// The XLSX template: the same header and example, every column formatted as text (so Excel
/// keeps long numbers as typed).
pub fn template_xlsx_bytes() -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    use rust_xlsxwriter::{Format as XFormat, Workbook};
    let mut book = Workbook::new();
    let text = XFormat::new().set_num_format("@");
    let bold = XFormat::new().set_bold().set_num_format("@");
    let sheet = book.add_worksheet();
    sheet.set_name("发货")?;
    for (col, ((_, zh), example)) in (0u16..).zip(SHIPMENT_COLUMNS.iter().zip(TEMPLATE_EXAMPLE)) {
        sheet.set_column_width(col, 22)?;
        sheet.set_column_format(col, &text)?;
        sheet.write_string_with_format(0, col, *zh, &bold)?;
        sheet.write_string_with_format(1, col, example, &text)?;
    }
    book.save_to_buffer()
}

/// `attachment` with an ASCII fallback and the UTF-8 name (RFC 6266 / 5987).
pub(super) fn attachment(ascii: &str, utf8: &str) -> HeaderValue {
    let encoded: String = utf8.bytes().map(|b| if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) { (b as char).to_string() } else { format!("%{b:02X}") }).collect();
    HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")).unwrap_or_else(|_| HeaderValue::from_static("attachment"))
}

fn download(bytes: Vec<u8>, content_type: &'static str, ascii: &str, utf8: &str) -> Response {
    let mut resp = bytes.into_response();
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    h.insert(header::CONTENT_DISPOSITION, attachment(ascii, utf8));
    resp
}

/// A raw request body whose rejections are coded errors.
pub struct RawBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for RawBody {
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> AppResult<Self> {
        Bytes::from_request(req, state).await.map(Self).map_err(|r| {
            if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
                AppError::new(ErrorCode::PayloadTooLarge).with(json!({"max_bytes": BODY_LIMIT}))
            } else {
                AppError::new(ErrorCode::BadRequest).with(json!({"reason": "the body could not be read"}))
            }
        })
    }
}

/// `POST /api/v1/shipments/upload` query.
#[derive(Debug, Default, serde::Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
pub struct UploadQuery {
    /// `csv` or `xlsx`, when the `Content-Type` does not say.
    pub format: Option<String>,
}

/// The carriers OrderVeil knows, with their tracking-number formats.
#[utoipa::path(get, path = "/api/v1/carriers", responses((status = 200, body = Vec<CarrierInfo>), (status = 401, body = ApiError)))]
pub async fn list_carriers(_user: User) -> Json<Vec<CarrierInfo>> {
    Json(CARRIERS.iter().map(Carrier::info).collect())
}

/// Ship an order awaiting shipment by hand (owners, staff with `ship`): carrier (code or
/// name) and tracking number, checked against the carrier's formats. Audited.
#[utoipa::path(post, path = "/api/v1/orders/{id}/ship", params(("id" = String, Path)), request_body = ShipRequest,
    responses((status = 200, body = OrderView), (status = 403, body = ApiError), (status = 404, body = ApiError),
              (status = 409, body = ApiError, description = "ORDER_NOT_SHIPPABLE, details.status"),
              (status = 422, body = ApiError, description = "CARRIER_UNKNOWN, TRACKING_NUMBER_INVALID (details.format), VALIDATION_FAILED")))]
pub async fn ship_order(State(state): State<AppState>, caller: Caller, ApiPath(id): ApiPath<String>, ApiJson(req): ApiJson<ShipRequest>) -> AppResult<Json<OrderView>> {
    ship(&state, &caller, &id, req).await.map(Json)
}

/// Ship many orders from a CSV or XLSX file (owners, staff with `ship`): the raw file as the
/// body, a header row naming `order_id, carrier, tracking_no` (or `订单号, 快递公司, 运单号`)
/// in any order, at most 5,000 rows. Every row is checked; if any is bad, nothing is applied
/// and `UPLOAD_INVALID` lists every problem (`details`: `ShipmentUploadErrors`). Otherwise
/// all rows apply in one transaction with one audit row.
#[utoipa::path(post, path = "/api/v1/shipments/upload", params(UploadQuery),
    request_body(content((String = "text/csv"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")),
                 description = "The file: CSV (UTF-8 with or without BOM, or GBK) or XLSX (first sheet)."),
    responses((status = 200, body = ShipmentUploadResult), (status = 403, body = ApiError), (status = 413, body = ApiError),
              (status = 422, body = ApiError, description = "UPLOAD_INVALID with details = ShipmentUploadErrors; VALIDATION_FAILED for an unknown format")))]
pub async fn upload_shipments(State(state): State<AppState>, caller: Caller, ApiQuery(q): ApiQuery<UploadQuery>, headers: HeaderMap, RawBody(body): RawBody) -> AppResult<Json<ShipmentUploadResult>> {
    let declared = declared_format(q.format.as_deref(), &headers)?;
    upload(&state, &caller, declared, body).await.map(Json)
}

/// The upload template as CSV (UTF-8 with BOM): header and one example row.
#[utoipa::path(get, path = "/api/v1/shipments/template.csv", responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ApiError)))]
pub async fn template_csv(_user: User) -> Response {
    download(template_csv_bytes(), "text/csv; charset=utf-8", "shipment-template.csv", "发货模板.csv")
}

/// The upload template as XLSX: header and one example row, columns formatted as text.
#[utoipa::path(get, path = "/api/v1/shipments/template.xlsx",
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", body = Vec<u8>), (status = 401, body = ApiError)))]
pub async fn template_xlsx(_user: User) -> AppResult<Response> {
    let bytes = template_xlsx_bytes().map_err(AppError::internal)?;
    Ok(download(bytes, XLSX_CONTENT_TYPE, "shipment-template.xlsx", "发货模板.xlsx"))
}

/// The OpenAPI paths of shipping.
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_carriers, ship_order, upload_shipments, template_csv, template_xlsx),
    components(schemas(CarrierInfo, ShipRequest, Shipment, ShipmentUploadResult, ShipmentUploadErrors, ShipmentRowError))
)]
pub struct ShippingDoc;
