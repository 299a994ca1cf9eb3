//! The main bundle: login, orders, quota, apps, staff, audit (see the library's docs).
#![forbid(unsafe_code)]

fn main() {
    orderveil_web::start(false, orderveil_web::main_page);
}
