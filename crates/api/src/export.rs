//! Order export (issue 7): a filtered order list as CSV or XLSX, with masked and ciphertext
//! columns and never plaintext. An export is a job: `POST /api/v1/exports` creates it (and
//! counts its rows), `GET /api/v1/exports/{id}/file` streams the file while the job's
//! `rows_done` grows, so a page can poll `GET /api/v1/exports/{id}` for a progress bar
//! without holding the rows itself. A job's file can be downloaded again for 24 hours.
//!
//! Every text cell that a spreadsheet would run as a formula (it starts with `=`, `+`, `-`,
//! `@`, tab or CR) is written with a leading `'`, in both formats. Besides product titles this
//! can hit an order id or a `receiver_key` (base64url, so 1 in 64 start with `-`): software
//! that reads the file back strips one leading `'` from such a cell.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::{OrderQuery, OrderStatus};

/// How long after its creation a job's file can be downloaded.
pub const EXPORT_TTL_SECS: i64 = 24 * 3600;

/// The file format of an export.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    /// CSV, UTF-8 with a byte order mark (Excel shows Chinese), comma-separated, CRLF.
    Csv,
    /// An Excel workbook (Office Open XML); amounts are number cells.
    Xlsx,
}

impl ExportFormat {
    /// `csv` or `xlsx`, also the file extension.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "csv" => Some(Self::Csv),
            "xlsx" => Some(Self::Xlsx),
            _ => None,
        }
    }
}

/// Where an export job is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExportStatus {
    /// Created and counted; not downloaded yet.
    Ready,
    /// A download is streaming (`rows_done` grows).
    Running,
    /// The last download sent every row.
    Done,
    /// The last download stopped early (the connection dropped or the server failed); the
    /// file can be downloaded again.
    Failed,
}

impl ExportStatus {
    /// The name used in JSON and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ready => "ready",
            Self::Running => "running",
            Self::Done => "done",
            Self::Failed => "failed",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Ready, Self::Running, Self::Done, Self::Failed].into_iter().find(|x| x.as_str() == s)
    }
}

/// Which orders to export: the order list's filters (`GET /api/v1/orders`), without paging.
/// Searches by phone, name or address go through the shop's blind index like the list's;
/// the server keeps only their tokens and audits them as `"<set>"`, never the terms.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportFilter {
    /// Only orders in this status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// Exact order id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    /// Full phone number (exact, through the blind index).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Last 4 digits of the phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone_last4: Option<String>,
    /// Name fragment (through the fuzzy blind index; may include false positives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Address fragment (through the fuzzy blind index; may include false positives).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
}

impl ExportFilter {
    /// The same filter as an order-list query (first page, default size).
    pub fn to_order_query(&self) -> OrderQuery {
        OrderQuery {
            status: self.status,
            order_id: self.order_id.clone(),
            phone: self.phone.clone(),
            phone_last4: self.phone_last4.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            ..OrderQuery::default()
        }
    }
}

/// `POST /api/v1/exports`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ExportCreate {
    /// `csv` or `xlsx`.
    pub format: ExportFormat,
    /// Which orders (default: all of the shop's).
    #[serde(default)]
    pub filter: ExportFilter,
}

/// An export job of the caller's shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ExportJob {
    /// Job id (32 hex digits).
    pub id: String,
    /// File format.
    pub format: ExportFormat,
    /// Where the job is.
    pub status: ExportStatus,
    /// Orders that matched the filter when the job was created (orders ingested later may
    /// make a download a little longer).
    pub rows_total: u64,
    /// Rows the current (or last) download has written so far; `rows_done / rows_total` is
    /// the progress to show.
    pub rows_done: u64,
    /// Created, RFC 3339.
    pub created_at: String,
    /// Who created it (user name).
    pub created_by: String,
    /// The file's name, e.g. `orderveil-orders-shop1-20261128-220000.csv`.
    pub filename: String,
    /// Until when the file can be downloaded, RFC 3339 (24 hours after creation).
    pub expires_at: String,
    /// The file can no longer be downloaded (`GET …/file` answers `NOT_FOUND`).
    pub expired: bool,
    /// Downloads started so far.
    pub downloads: u32,
}
