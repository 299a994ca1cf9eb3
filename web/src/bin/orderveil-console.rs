//! The console bundle: e-waybills, label printing and the platform admin console (see the
//! library's docs).
#![forbid(unsafe_code)]

fn main() {
    orderveil_web::start(true, orderveil_web::console_page);
}
