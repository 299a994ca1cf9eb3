//! OrderVeil web app: Chinese by default with a remembered English switch, login, role-aware
//! navigation, the masked order list with search and selection, the eye-icon reveal (the
//! one-time grant opened and the fields decrypted by `orderveil-cipher` compiled into the Wasm
//! module), the quota meter and pages, fulfilment (e-waybills, label printing) and the
//! platform admin console.
//!
//! Two bundles are built from this library so that no page downloads code it never runs
//! (`orderveil_api::CONSOLE_ROUTES`): `orderveil-web` (src/main.rs: login, orders, quota, apps,
//! staff, audit) and `orderveil-console` (src/bin/orderveil-console.rs: e-waybills, printing and the
//! admin console). Both share the header, session and navigation; each links only its own
//! pages ([`pages::main_page`] or [`pages::console_page`]), so the linker drops the other's.
//! A link to the other bundle's route is an ordinary page load.
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod config;
mod i18n;
pub mod pages;
mod print;
mod reveal;
mod route;
mod session;

pub use pages::{PageFn, console_page, main_page};

/// Start the app with the pages of one bundle (`console`: which one this is).
pub fn start(console: bool, pages: PageFn) {
    route::set_console(console);
    app::set_pages(pages);
    yew::Renderer::<app::App>::new().render();
}
