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
mod types;

pub use error::{ApiError, ErrorCode};
pub use types::*;
mod applications;
pub use applications::*;
mod staff;
pub use staff::*;
mod admin;
pub use admin::*;
pub mod carriers;
pub use carriers::{CARRIERS, Carrier, CarrierInfo};
mod export;
#[allow(unused_imports)] // filled by the export work
pub use export::*;
mod shipping;
pub use shipping::*;
mod waybills;
pub use waybills::*;
