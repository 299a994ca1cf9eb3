//! OrderVeil merchant web app: Chinese by default with a remembered English switch, login,
//! role-aware navigation, the masked order list with search and selection, the eye-icon
//! reveal (the one-time grant opened and the fields decrypted by `orderveil-cipher` compiled
//! into this Wasm module), the quota meter and the quota page.
#![forbid(unsafe_code)]

mod api;
mod app;
mod barcode;
mod components;
mod config;
mod i18n;
mod pages;
mod print;
mod reveal;
mod route;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
