//! # orderveil-api
//!
//! The wire contract of OrderVeil's HTTP API: request and response bodies and the stable
//! error codes. The server, the Yew app and the npm reveal package all use these types, so a
//! field renamed here is renamed everywhere at compile time.
//!
//! Conventions: JSON, `snake_case` fields; binary values (public keys, sealed grants) as
//! unpadded base64url strings; times as RFC 3339 strings or unix seconds where named `_unix`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod error;

pub use error::{ApiError, ErrorCode};
mod audit;
pub use audit::*;
mod auth;
pub use auth::*;
mod isv;
pub use isv::*;
mod orders;
pub use orders::*;
mod quota;
pub use quota::*;
mod reveal;
pub use reveal::*;
mod applications;
pub use applications::*;
mod staff;
pub use staff::*;
mod admin;
pub use admin::*;
pub mod carriers;
pub use carriers::{CARRIERS, Carrier, CarrierInfo};
mod export;
pub use export::*;
mod shipping;
pub use shipping::*;
mod waybills;
pub use waybills::*;
mod dropship;
pub use dropship::*;
mod sms;
pub use sms::*;
mod exposure;
pub use exposure::*;

/// The web app comes as two bundles so that no page loads code it never runs: the **main**
/// bundle (`/index.html`: login, orders, quota, apps, staff, audit) and the **console** bundle
/// (`/console/index.html`: fulfilment — e-waybills, printing, shipment uploads, the shop's
/// dropshipping page and the factory console — and the platform admin console). These are the client routes of the console bundle (a route is
/// one of them if it equals an entry or starts with it followed by `/`); the server answers
/// them with the console's `index.html` and every other non-API path with the main one.
pub const CONSOLE_ROUTES: &[&str] = &["/admin", "/waybills", "/waybill-accounts", "/shipments", "/dropship", "/factory", "/sms"];

/// Is `path` a client route of the console bundle?
pub fn is_console_route(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    CONSOLE_ROUTES.iter().any(|r| path == *r || path.strip_prefix(r).is_some_and(|rest| rest.starts_with('/')))
}

#[cfg(test)]
mod tests {
    #[test]
    fn console_routes_are_whole_path_segments() {
        for p in ["/admin/shops", "/admin/settings/", "/waybills", "/waybills/", "/waybill-accounts", "/shipments/upload", "/admin", "/dropship", "/factory/orders", "/factory/bindings/", "/sms", "/admin/sms-templates"] {
            assert!(super::is_console_route(p), "{p}");
        }
        for p in ["/", "/orders", "/orders/SF1", "/quota", "/audit", "/apps", "/staff", "/waybillsx", "/administrator", "/admins/x", "/dropshipping", "/factory-x", "/factoryorders", "/smsx"] {
            assert!(!super::is_console_route(p), "{p}");
        }
    }
}
