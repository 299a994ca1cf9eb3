//! The platform settings row.
