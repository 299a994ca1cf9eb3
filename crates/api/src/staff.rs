//! Staff management (shop owners) and audit-trail verification bodies.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::Permission;

/// A staff sub-account of the owner's shop (`GET /api/v1/staff`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct StaffMember {
    /// User id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// What the account may do.
    pub permissions: Vec<Permission>,
    /// A disabled account cannot log in; its sessions are gone.
    pub disabled: bool,
    /// Created, RFC 3339.
    pub created_at: String,
}

/// `POST /api/v1/staff`: create a staff account in the owner's shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffCreate {
    /// `[a-z0-9_-]{3,32}`, unique across OrderVeil.
    pub username: String,
    /// At least 8 characters.
    pub password: String,
    /// Permissions granted.
    pub permissions: Vec<Permission>,
}

/// `POST /api/v1/staff/{id}`: change permissions and/or disable or enable the account.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffUpdate {
    /// New permissions (replaces the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<Permission>>,
    /// Disable (`true`, also ends the account's sessions) or enable (`false`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
}

/// `POST /api/v1/staff/{id}/password`: set a new password (ends the account's sessions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct StaffPasswordReset {
    /// At least 8 characters.
    pub password: String,
}

/// `GET /api/v1/audit/verify`: the hash chains the caller may see, recomputed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct AuditVerifyReport {
    /// No problem found.
    pub ok: bool,
    /// Chains checked.
    pub chains: u64,
    /// Rows checked.
    pub rows: u64,
    /// The inconsistencies, one line each (the first 100).
    pub problems: Vec<String>,
    /// How many inconsistencies in all.
    #[serde(default)]
    pub problem_count: u64,
}
