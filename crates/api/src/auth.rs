//! Accounts and sessions: roles, permissions, login, who is logged in.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A user's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Platform administrator.
    Admin,
    /// Shop owner (merchant).
    Owner,
    /// Staff sub-account of a shop.
    Staff,
    /// Owner of a dropshipping factory: its staff, bindings, waybill accounts, and what its
    /// staff do.
    Factory,
    /// Staff of a factory (`print`, `ship`); sees the factory's assigned orders.
    FactoryStaff,
}

impl Role {
    /// `admin`, `owner`, `staff`, `factory`, `factory_staff`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Owner => "owner",
            Self::Staff => "staff",
            Self::Factory => "factory",
            Self::FactoryStaff => "factory_staff",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "admin" => Self::Admin,
            "owner" => Self::Owner,
            "staff" => Self::Staff,
            "factory" => Self::Factory,
            "factory_staff" => Self::FactoryStaff,
            _ => return None,
        })
    }
}

/// What a staff account may do; owners have all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// See the (masked) order list.
    View,
    /// Reveal fields with the eye icon.
    Reveal,
    /// Print labels.
    Print,
    /// Ship orders.
    Ship,
    /// Export orders.
    Export,
    /// Assign orders to factories.
    Assign,
    /// Send SMS to buyers through the platform.
    Sms,
    /// Apply for quota raises.
    Quota,
}

impl Permission {
    /// Every permission.
    pub const ALL: [Permission; 8] = [
        Self::View,
        Self::Reveal,
        Self::Print,
        Self::Ship,
        Self::Export,
        Self::Assign,
        Self::Sms,
        Self::Quota,
    ];
    /// The name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::View => "view",
            Self::Reveal => "reveal",
            Self::Print => "print",
            Self::Ship => "ship",
            Self::Export => "export",
            Self::Assign => "assign",
            Self::Sms => "sms",
            Self::Quota => "quota",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// `POST /api/v1/auth/login`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
}

/// The logged-in user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct UserInfo {
    /// User id.
    pub id: i64,
    /// User name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// The user's shop (owners and staff).
    pub shop_id: Option<String>,
    /// The user's factory (factory users).
    pub factory_id: Option<String>,
    /// Effective permissions.
    pub permissions: Vec<Permission>,
}

/// Response of login and of `GET /api/v1/me`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SessionInfo {
    /// The user.
    pub user: UserInfo,
    /// Send back as `X-CSRF-Token` on every state-changing request made with the cookie.
    pub csrf_token: String,
}

/// `POST /api/v1/me/password`: change one's own password. Ends the account's other sessions.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// The password in use now.
    pub current_password: String,
    /// The new one: 8 to 256 characters, not containing the user name, not a common password.
    pub new_password: String,
}

/// Answer of a password change or reset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PasswordChanged {
    /// How many sessions of the account were ended (a change keeps the caller's own).
    pub sessions_ended: u64,
}
