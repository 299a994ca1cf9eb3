//! Quota raise applications: a shop asks for extra reveals per day, the platform decides.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::{IntoParams, ToSchema};

/// Why a shop needs more reveals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuotaReason {
    /// Issuing codes of virtual goods (虚拟商品发码).
    VirtualGoods,
    /// Calls for installation or delivery (安装/配送联系).
    InstallationDelivery,
    /// After-sales (售后).
    AfterSales,
    /// Other (其他).
    Other,
}

impl QuotaReason {
    /// Every reason, in display order.
    pub const ALL: [QuotaReason; 4] = [Self::VirtualGoods, Self::InstallationDelivery, Self::AfterSales, Self::Other];

    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::VirtualGoods => "virtual_goods",
            Self::InstallationDelivery => "installation_delivery",
            Self::AfterSales => "after_sales",
            Self::Other => "other",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// The state of an application. `pending`, `approved`, `rejected` and `withdrawn` are stored;
/// an approved application reads as `active` on the days it covers and `expired` after its
/// end day (`approved` before its start day).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ApplicationStatus {
    /// Waiting for the platform.
    Pending,
    /// Approved, starts on a later day.
    Approved,
    /// Approved and covering today.
    Active,
    /// Approved and over.
    Expired,
    /// Refused by the platform (with a comment).
    Rejected,
    /// Withdrawn by the shop while pending.
    Withdrawn,
}

impl ApplicationStatus {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Approved => "approved",
            Self::Active => "active",
            Self::Expired => "expired",
            Self::Rejected => "rejected",
            Self::Withdrawn => "withdrawn",
        }
    }

    /// Parse the wire name.
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Approved, Self::Active, Self::Expired, Self::Rejected, Self::Withdrawn].into_iter().find(|x| x.as_str() == s)
    }

    /// Has the platform (or the shop, by withdrawing) decided?
    pub fn is_decided(self) -> bool {
        self != Self::Pending
    }
}

/// `POST /api/v1/quota/applications`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct QuotaApplicationCreate {
    /// Extra reveals per day, 1–100000.
    pub per_day: u32,
    /// Why.
    pub reason: QuotaReason,
    /// What for, 1–500 characters.
    pub description: String,
    /// First day, `YYYY-MM-DD` (Asia/Shanghai), today or later.
    pub start_day: String,
    /// Last day (inclusive), at most 90 days in all; absent for a long-term application.
    #[serde(default)]
    pub end_day: Option<String>,
    /// No end day: reviewed more strictly. Must be set exactly when `end_day` is absent.
    #[serde(default)]
    pub long_term: bool,
}

/// `POST /api/v1/quota/applications/{id}/approve` and `…/reject`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationDecision {
    /// The reviewer's comment (required to reject; at most 500 characters).
    #[serde(default)]
    pub comment: String,
}

/// What a reviewer sees beside an application (platform admins only).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ApplicationContext {
    /// The shop's orders of the last 30 days.
    pub orders_last_30_days: u64,
    /// Reveals charged to the shop in the last 30 days (today included).
    pub reveals_last_30_days: u64,
    /// The shop's applications before this one (any state).
    pub previous_applications: u64,
}

/// One quota raise application.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaApplication {
    /// Id.
    pub id: i64,
    /// Shop.
    pub shop_id: String,
    /// The shop's name.
    #[serde(default)]
    pub shop_name: String,
    /// Extra reveals per day.
    pub per_day: u32,
    /// Why.
    pub reason: QuotaReason,
    /// What for.
    pub description: String,
    /// First day.
    pub start_day: String,
    /// Last day; `None` for long-term.
    pub end_day: Option<String>,
    /// Long-term (no end day).
    pub long_term: bool,
    /// State, derived for today (see [`ApplicationStatus`]).
    pub status: ApplicationStatus,
    /// Who applied (user name).
    pub applied_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// Who decided or withdrew.
    pub decided_by: Option<String>,
    /// When, RFC 3339.
    pub decided_at: Option<String>,
    /// The reviewer's comment.
    pub comment: Option<String>,
    /// Reviewer's context (platform admins only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ApplicationContext>,
}

/// `GET /api/v1/quota/applications` query.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(IntoParams))]
#[serde(deny_unknown_fields)]
pub struct ApplicationQuery {
    /// Only this state (`pending`, `approved`, `active`, `expired`, `rejected`, `withdrawn`).
    pub status: Option<String>,
    /// Only this shop (platform admins).
    pub shop_id: Option<String>,
}

/// An approved extra active today, with its source.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct QuotaExtraSource {
    /// The application it came from (`None` for an extra granted otherwise).
    pub application_id: Option<i64>,
    /// Extra reveals per day.
    pub per_day: u32,
    /// First day.
    pub start_day: String,
    /// Last day (`9999-12-31` for long-term).
    pub end_day: String,
    /// Why (`virtual_goods`, `installation_delivery`, `after_sales`, `other`).
    pub reason: String,
}
