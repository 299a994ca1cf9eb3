//! Reusable components.
pub mod quota_meter;
pub mod reveal;
