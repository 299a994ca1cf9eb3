//! Reusable components.
pub mod quota_meter;
