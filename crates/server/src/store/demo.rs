//! The seeded demo data.
