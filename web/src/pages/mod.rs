//! Pages.
pub mod login;
pub mod orders;
