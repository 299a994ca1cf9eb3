//! Pages.
pub mod apps;
pub mod login;
pub mod order;
pub mod orders;
pub mod quota;
pub mod staff;
pub mod audit;
pub mod admin_applications;
pub mod admin_settings;
pub mod admin_shops;
pub mod waybill_accounts;
pub mod waybills;
