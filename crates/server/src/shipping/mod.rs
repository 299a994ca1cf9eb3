//! Shipping by hand and by batch upload: a carrier and a tracking number per order,
//! typed in (`POST /api/v1/orders/{id}/ship`) or uploaded as a CSV or XLSX file of
//! `order_id, carrier, tracking_no` (`POST /api/v1/shipments/upload`), plus the list of
//! carriers and the upload templates.
//!
//! Both go through [`apply_shipments`], which the e-waybill path reuses: it checks every row
//! (order of the shop, awaiting shipment, not twice, known carrier, tracking number of the
//! carrier's format) and either applies all of them — orders `shipped` with carrier,
//! tracking number and time, per-status counts moved, one audit row — or reports every bad
//! row and writes nothing. All of it happens in the caller's write transaction, so a
//! database failure half-way rolls everything back too.
//!
//! An uploaded file is only data: nothing in it is evaluated (a cell starting with `=` is
//! text that fails validation like any other), an XLSX is read cell by cell as stored, after
//! its declared unpacked size was checked (no zip bomb reaches calamine), and CSV text is
//! UTF-8 (with or without BOM) or GBK (what Excel in China saves).
//!
//! The rooms: [`rows`] (a shipment row, its errors and the checks that need no database),
//! [`apply`] (applying a set of rows in one transaction; shipping by hand and by upload),
//! [`upload`](mod@upload) (reading CSV and XLSX files), [`routes`](mod@routes) (handlers and templates).

pub mod apply;
pub mod routes;
pub mod rows;
pub mod upload;
#[cfg(test)]
mod tests;

use axum::Router;
use axum::routing::{get, post};

use crate::state::AppState;

pub use apply::{apply_shipments, ship, shipping_shop, upload, upload_invalid};
pub use routes::*;
pub use rows::{Actor, RowError, ShipRow, cell_errors, field_rank, shipment};
pub use upload::{Format, Parsed, declared_format, parse_csv, parse_upload, parse_xlsx};

/// The XLSX media type.
pub const XLSX_CONTENT_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Most bytes an uploaded XLSX may unpack to (its declared entry sizes; the zip reader
/// enforces them). A 5,000-row sheet is well under 1 MiB of XML.
pub const XLSX_MAX_UNPACKED: u64 = 32 * 1024 * 1024;

/// Longest cell text kept (in characters); longer cells are refused.
const MAX_CELL_CHARS: usize = 64;


/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/carriers", get(list_carriers))
        .route("/api/v1/orders/{id}/ship", post(ship_order))
        .route("/api/v1/shipments/upload", post(upload_shipments))
        .route("/api/v1/shipments/template.csv", get(template_csv))
        .route("/api/v1/shipments/template.xlsx", get(template_xlsx))
}
