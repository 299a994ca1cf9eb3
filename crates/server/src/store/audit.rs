//! The audit trail's hash chain: append and query.
