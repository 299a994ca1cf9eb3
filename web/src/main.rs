//! OrderVeil merchant web app: Chinese by default with a remembered English switch, login,
//! the masked order list and the quota meter. The eye-icon reveal (Wasm grant opening) is the
//! next slice (issue 4).
#![forbid(unsafe_code)]

mod api;
mod app;
mod components;
mod i18n;
mod pages;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
