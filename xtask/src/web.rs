//! The web app: Trunk builds of both bundles, and `cargo xtask demo`.

use std::env;
use std::path::{Path};
use std::process::Command;

use crate::reveal::{build_reveal_pkg, copy_embed};
use crate::setup::{setup_binaryen, setup_trunk, setup_wasm};
use crate::{Result, cargo, root, run, step};

pub(crate) fn demo(listen: &str) -> Result {
    setup_wasm()?;
    setup_trunk()?;
    let wasm_opt = setup_binaryen()?;
    build_reveal_pkg()?;
    step("demo: build the web app (trunk build --release with wasm-opt, offline)");
    trunk_build(Some(&wasm_opt))?;
    copy_embed()?;
    let data = root().join("data/demo");
    step(&format!("demo: build (release) and run `orderveil serve --demo` on SQLite in {}", data.display()));
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
