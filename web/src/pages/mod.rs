//! Pages.
pub mod apps;
pub mod login;
pub mod order;
pub mod orders;
pub mod quota;
