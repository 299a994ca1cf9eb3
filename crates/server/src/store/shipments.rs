//! Shipments: uploads and their applied rows.
