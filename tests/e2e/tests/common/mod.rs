//! The harness shared by the end-to-end tests and the browser benchmarks: a ChromeDriver on a
//! free port and a headless Chromium with a fresh profile ([`browser`]), the skip rule, the
//! in-process server ([`server`]), raw HTTP and API helpers ([`http`]) and the WebDriver waits
//! ([`wait`]).
//!
//! Every file under `tests/` is a crate of its own that includes this module with `mod common;`
//! and uses only part of it; without the allowance below, each would warn (an error under
//! `-D warnings`) about the helpers it happens not to use.
#![allow(dead_code)]

pub mod http;
pub mod server;
pub mod wait;

use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder};

/// The ChromeDriver process; killed when dropped.
pub struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A free TCP port on loopback.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// A ChromeDriver and a headless Chromium (the project's flags, 1280×900) using `profile`.
pub async fn browser(profile: &Path) -> (Driver, Client) {
    let port = free_port();
    let child = Command::new("/usr/bin/chromedriver").arg(format!("--port={port}")).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let driver = Driver(child);
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "chromedriver did not start");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut args: Vec<String> = [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic", "--window-size=1280,900",
    ]
    .map(String::from)
    .into();
    args.push(format!("--user-data-dir={}", profile.display()));
    // Extra flags for a diagnosis, e.g. a Chromium performance trace of a benchmark:
    // ORDERVEIL_BROWSER_ARGS="--trace-startup=devtools.timeline --trace-startup-file=/tmp/t.json --trace-startup-duration=60"
    if let Ok(extra) = std::env::var("ORDERVEIL_BROWSER_ARGS") {
        args.extend(extra.split_whitespace().map(String::from));
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), serde_json::json!({ "binary": "/usr/bin/chromium", "args": args }));
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("connect to chromedriver");
    (driver, client)
}

/// The workspace's root directory (`dist/`, `target/`, `crates/`, `examples/` are under it).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).ancestors().nth(2).unwrap().to_path_buf()
}

/// Whether Chromium and ChromeDriver are installed where [`browser`] looks for them.
pub fn have_browser() -> bool {
    Path::new("/usr/bin/chromium").exists() && Path::new("/usr/bin/chromedriver").exists()
}

/// What a test says when [`have_browser`] is false.
pub const NO_BROWSER: &str = "no Chromium/ChromeDriver at /usr/bin";

/// Under `CI=true` (or `1`) a missing browser or build fails the test; otherwise the test says
/// loudly that it skipped (a "browser end-to-end test").
pub fn skip_or_fail(why: &str) {
    skip_or_fail_as("browser end-to-end test", why);
}

/// [`skip_or_fail`], naming the kind of test that skipped.
pub fn skip_or_fail_as(test: &str, why: &str) {
    if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
        panic!("{why} (CI=true: browser tests may not be skipped)");
    }
    let _ = writeln!(std::io::stderr(), "\n!!! SKIPPED: {test}: {why}\n");
}

/// Where a screenshot named `name` goes: `target/` of the workspace (created if need be).
pub fn screenshot_path(name: &str) -> PathBuf {
    let dir = workspace_root().join("target");
    let _ = std::fs::create_dir_all(&dir);
    dir.join(name)
}

/// A screenshot of the browser's window into [`screenshot_path`]`(name)`.
pub async fn screenshot(c: &Client, name: &str) {
    let png = c.screenshot().await.unwrap();
    std::fs::write(screenshot_path(name), png).unwrap();
}
