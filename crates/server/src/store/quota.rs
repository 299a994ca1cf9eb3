//! Daily quota, charges, extras (approved raises) and the reveal grants.
