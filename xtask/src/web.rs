//! The web app: Trunk builds of both bundles, and `cargo xtask demo`.

use std::env;
use std::path::Path;
use std::process::Command;

use crate::reveal::{build_embed, copy_embed};
use crate::setup::{setup_binaryen, setup_trunk, setup_wasm};
use crate::{Result, cargo, root, run, step};

/// `cargo xtask demo`: what a new user runs first, so it builds only what the demo needs.
/// The server's release build starts at once in the background (its output in
/// `target/demo-server-build.log`) and overlaps the tool installs, which are mostly waits on
/// single crates and links; the embed frame's Wasm is built with cargo and the wasm-bindgen
/// CLI that Trunk needs anyway ([`build_embed`]), not wasm-pack, and without the npm
/// package's checks, which `cargo xtask test` and `cargo xtask reveal` run.
pub(crate) fn demo(listen: &str) -> Result {
    step("demo: build the server (release) in the background, log in target/demo-server-build.log");
    let log_path = root().join("target/demo-server-build.log");
    std::fs::create_dir_all(root().join("target")).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(&log_path).map_err(|e| format!("{}: {e}", log_path.display()))?;
    let err_log = log.try_clone().map_err(|e| e.to_string())?;
    let mut server_build = cargo()
        .args(["build", "--release", "-p", "orderveil-server", "--bin", "orderveil"])
        .stdout(log)
        .stderr(err_log)
        .spawn()
        .map_err(|e| format!("cargo build: {e}"))?;
    let tools = setup_wasm().and_then(|()| setup_trunk()).and_then(|()| setup_binaryen());
    step("demo: wait for the server build");
    let built = server_build.wait().map_err(|e| format!("cargo build: {e}"))?;
    if !built.success() {
        let text = std::fs::read_to_string(&log_path).unwrap_or_default();
        eprintln!("{text}");
        return Err(format!("the server's release build failed ({built}); its log is above and in {}", log_path.display()));
    }
    let wasm_opt = tools?;
    let embed_pkg = build_embed(&wasm_opt)?;
    step("demo: build the web app (trunk build --release with wasm-opt, offline)");
    trunk_build(Some(&wasm_opt))?;
    copy_embed(&embed_pkg)?;
    let data = root().join("data/demo");
    step(&format!("demo: run `orderveil serve --demo` on SQLite in {}", data.display()));
    let data = data.to_string_lossy().into_owned();
    let web = root().join("dist").to_string_lossy().into_owned();
    run(cargo().args([
        "run", "--release", "-p", "orderveil-server", "--bin", "orderveil", "--", "serve", "--demo", "--listen", listen, "--data-dir", &data, "--web-dir", &web,
    ]))
}

/// `trunk build` into `dist/`, offline (after `cargo fetch`). `Some(bin dir of wasm-opt)`: a
/// release build, with that directory first on PATH so Trunk's wasm-opt step finds binaryen
/// 132 (Trunk.toml pins the version and would fail offline rather than download); `None`: a
/// dev build (Trunk never runs wasm-opt in dev).
///
/// Two bundles: `index.html` (the main app) into `dist/`, then `console.html` (fulfilment and
/// the admin console) into `dist/console/` with its assets under `/console/`. The main build
/// goes first because Trunk replaces its whole dist directory.
pub(crate) fn trunk_build(release_wasm_opt: Option<&Path>) -> Result {
    run(cargo().args(["fetch", "--quiet"]))?;
    for (target, extra) in [("index.html", &[][..]), ("console.html", &["--dist", "dist/console", "--public-url", "/console/"][..])] {
        let mut cmd = Command::new("trunk");
        cmd.current_dir(root()).env("TRUNK_SKIP_VERSION_CHECK", "true").args(["build", target]).args(extra);
        if let Some(bin) = release_wasm_opt {
            let path = env::var_os("PATH").unwrap_or_default();
            let joined = env::join_paths(std::iter::once(bin.to_path_buf()).chain(env::split_paths(&path))).map_err(|e| e.to_string())?;
            cmd.env("PATH", joined).arg("--release");
        }
        run(&mut cmd)?;
    }
    Ok(())
}
