//! The audit trail's query and entries.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// `GET /api/v1/audit` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct AuditQuery {
    /// Page, from 1.
    pub page: Option<u32>,
    /// Rows per page, 1–200 (default 50).
    pub per_page: Option<u32>,
    /// Shop (admins only).
    pub shop_id: Option<String>,
    /// Actor user name.
    pub actor: Option<String>,
    /// Action, e.g. `reveal`.
    pub action: Option<String>,
    /// An order the event concerns.
    pub order_id: Option<String>,
    /// `ok` or `refused`.
    pub outcome: Option<String>,
    /// From (inclusive), RFC 3339.
    pub from: Option<String>,
    /// To (exclusive), RFC 3339.
    pub to: Option<String>,
    /// Only reveals made for this purpose (a [`RevealPurpose`] name).
    pub purpose: Option<String>,
}

/// One audit event.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// Hash chain (`shop:<id>` or `platform`).
    pub chain: String,
    /// Position in the chain, from 1.
    pub seq: i64,
    /// When, RFC 3339.
    pub at: String,
    /// Acting user name (or `order-system`, `app:<id>`).
    pub actor: String,
    /// Shop concerned.
    pub shop_id: Option<String>,
    /// Action, e.g. `reveal`, `login`, `ingest`.
    pub action: String,
    /// Outcome: `ok` or `refused`.
    pub outcome: String,
    /// Error code of a refusal.
    pub code: Option<String>,
    /// Orders concerned.
    pub order_ids: Vec<String>,
    /// Further facts (fields, grant id, charged orders); never plaintext.
    pub details: serde_json::Value,
    /// This row's hash (hex).
    pub hash: String,
}

/// A page of audit events.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditPage {
    /// Events, newest first.
    pub entries: Vec<AuditEntry>,
    /// Page.
    pub page: u32,
    /// Rows per page.
    pub per_page: u32,
    /// Matching events.
    pub total: u64,
}
