//! Shipping by hand and by batch upload: the request and answer bodies, the upload's columns
//! and limits, and the per-row errors of a refused upload.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// Most data rows in one shipment upload (`POST /api/v1/shipments/upload`).
pub const SHIPMENT_UPLOAD_MAX_ROWS: usize = 5_000;

/// The upload's columns: (English header, Chinese header). A file's header row names each
/// of them once, in either language and in any order; other columns are ignored.
pub const SHIPMENT_COLUMNS: [(&str, &str); 3] = [("order_id", "订单号"), ("carrier", "快递公司"), ("tracking_no", "运单号")];

/// `POST /api/v1/orders/{id}/ship`: ship one order by hand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ShipRequest {
    /// Carrier code (`SF`, any case) or name (`顺丰速运`, `顺丰`); see `GET /api/v1/carriers`.
    pub carrier: String,
    /// Tracking number as typed; spaces and dashes are dropped and letters upper-cased, then
    /// it must have one of the carrier's formats.
    pub tracking_no: String,
}

/// How an order was shipped (part of [`crate::OrderView`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Shipment {
    /// Carrier code, e.g. `SF`.
    pub carrier: String,
    /// The carrier's Chinese name, e.g. `顺丰速运` (the code if OrderVeil does not know it).
    pub carrier_name: String,
    /// The carrier's English name, e.g. `SF Express` (the code if OrderVeil does not know it).
    pub carrier_name_en: String,
    /// Tracking number (normalized).
    pub tracking_no: String,
    /// When it was shipped, RFC 3339.
    pub shipped_at: String,
}

/// The answer to an upload that was applied: every row, in one transaction.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShipmentUploadResult {
    /// Orders shipped.
    pub applied: u32,
    /// Their ids, in file order.
    pub order_ids: Vec<String>,
}

/// One problem of a refused upload (`UPLOAD_INVALID`); a row can have several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShipmentRowError {
    /// Line in the file, from 1, the header row being line 1 (for a CSV, the line a record
    /// starts on; for an XLSX, the sheet's row number). 0: the file as a whole (unreadable,
    /// no header, too many rows).
    pub line: u32,
    /// The row's order id as given (cut to 64 characters; empty when the cell is).
    pub order_id: String,
    /// `order_id`, `carrier`, `tracking_no`, `header` or `file`.
    pub field: String,
    /// An error code (`ORDER_NOT_FOUND`, `ORDER_NOT_SHIPPABLE`, `CARRIER_UNKNOWN`,
    /// `TRACKING_NUMBER_INVALID`, `VALIDATION_FAILED`, `UPLOAD_INVALID`).
    pub code: String,
    /// What is wrong, in English.
    pub message: String,
    /// What is wrong, in Chinese.
    pub message_zh: String,
    /// Facts a client can act on: `{"status"}` of an order that cannot ship, `{"carrier",
    /// "format"}` of a number that does not fit, `{"first_line"}` of a repeated order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Value>,
}

/// The `details` of an `UPLOAD_INVALID` refusal: every problem, and nothing was applied.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ShipmentUploadErrors {
    /// Every problem found, by line.
    pub errors: Vec<ShipmentRowError>,
    /// Data rows in the file (blank rows not counted).
    pub rows: u32,
}
