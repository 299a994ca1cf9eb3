//! `isv-example`: run the example ISV page and backend against an OrderVeil server.
//!
//! ```sh
//! cargo run -p orderveil-isv-example -- --orderveil http://127.0.0.1:8080 \
//!     --app-id app_… --app-secret ovas_… --shop-id shop1 --listen 127.0.0.1:8081
//! ```
//! Register the app as `admin` with the origin `http://localhost:8081` (or whatever
//! `--listen` gives), authorize it as the shop's owner with the `reveal` scope and the
//! purposes it reveals for (at least `--purpose`, default `manual_shipping`), then open
//! `http://localhost:8081/` (`?mode=isolated` for the isolated reveal frame, `?purpose=…` to
//! preselect another purpose).

use std::path::PathBuf;

use clap::Parser;
use orderveil_api::RevealPurpose;
use orderveil_isv_example::{Backend, Config, router};

/// A purpose name (`manual_shipping`, `after_sales`, …), not `other` (which needs a note: the
/// user picks it in the page and writes one).
fn parse_purpose(s: &str) -> Result<String, String> {
    match RevealPurpose::parse(s) {
        Some(RevealPurpose::Other) => Err("`other` needs a note; pick it in the page instead".into()),
        Some(p) => Ok(p.as_str().to_string()),
        None => Err(format!("one of {}", RevealPurpose::ALL.iter().filter(|p| **p != RevealPurpose::Other).map(|p| p.as_str()).collect::<Vec<_>>().join(", "))),
    }
}

/// The example ISV page and its backend.
#[derive(Parser, Debug)]
struct Args {
    /// OrderVeil's base URL.
    #[arg(long, env = "ISV_ORDERVEIL", default_value = "http://127.0.0.1:8080")]
    orderveil: String,
    /// App id from the platform admin.
    #[arg(long, env = "ISV_APP_ID")]
    app_id: String,
    /// App secret from the platform admin.
    #[arg(long, env = "ISV_APP_SECRET")]
    app_secret: String,
    /// The shop that authorized the app.
    #[arg(long, env = "ISV_SHOP_ID", default_value = "shop1")]
    shop_id: String,
    /// The purpose the page reveals for unless the user picks another.
    #[arg(long, env = "ISV_PURPOSE", default_value = "manual_shipping", value_parser = parse_purpose)]
    purpose: String,
    /// Where to listen.
    #[arg(long, env = "ISV_LISTEN", default_value = "127.0.0.1:8081")]
    listen: String,
    /// The npm package (`wasm-pack build --target web`).
    #[arg(long, env = "ISV_PACKAGE_DIR", default_value = "crates/reveal/pkg")]
    package_dir: PathBuf,
    /// The page's files.
    #[arg(long, env = "ISV_STATIC_DIR", default_value = "examples/isv/static")]
    static_dir: PathBuf,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let a = Args::parse();
    let cfg = Config {
        orderveil: a.orderveil.trim_end_matches('/').to_string(),
        app_id: a.app_id,
        app_secret: a.app_secret,
        shop_id: a.shop_id,
        purpose: a.purpose,
        package_dir: a.package_dir,
        static_dir: a.static_dir,
    };
    let listener = tokio::net::TcpListener::bind(&a.listen).await?;
    println!("example ISV page on http://{} (OrderVeil at {})", listener.local_addr()?, cfg.orderveil);
    axum::serve(listener, router(Backend::new(cfg))).await
}
