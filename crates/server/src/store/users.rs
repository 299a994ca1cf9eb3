//! Shops and users (owners, staff, admins, factories).
