//! Reusable components.
pub mod quota_meter;
pub mod reveal;
pub mod quota_watch;
