//! Reusable components.
pub mod export;
pub mod notice;
pub mod purpose;
pub mod quota_meter;
pub mod reveal;
pub mod quota_watch;
pub mod states;
