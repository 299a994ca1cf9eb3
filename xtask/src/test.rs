//! `cargo xtask test`: clippy, the builds the suites need, the native, browser and wasm suites, and the dependency and layout invariants.

use crate::layout::check_layout;
use crate::reveal::{build_reveal_pkg, check_reveal_deps, copy_embed, reveal_dir};
use crate::setup::{setup, setup_trunk, wasm_test};
use crate::web::trunk_build;
use crate::{Result, cargo, output, root, run, step};

pub(crate) fn test() -> Result {
    step("invariant: the layout (SQL only in crates/server/src/store/, no source file over 600 lines)");
    check_layout()?;
    let env = setup()?;

    step("lint: clippy (warnings are errors)");
    run(cargo().args(["clippy", "--workspace", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;
    step("lint: clippy for wasm32 (the npm package and its browser tests)");
    run(cargo().args(["clippy", "-p", "orderveil-reveal", "--target", "wasm32-unknown-unknown", "--all-targets", "--quiet", "--", "-D", "warnings"]))?;

    step("reveal: the npm package @orderveil/reveal (wasm-pack, release) for the embed frame and the end-to-end test");
    build_reveal_pkg()?;

    step("web: trunk build (dev, no wasm-opt) into dist/ for the browser end-to-end test");
    setup_trunk()?;
    trunk_build(None)?;
    copy_embed(&reveal_dir().join("pkg"))?;

    step("native: cargo test --workspace (includes the server suite on SQLite and PostgreSQL, and the web app in Chromium)");
    run(cargo().args(["test", "--workspace"]))?;

    step("invariant: the wasm32 build of orderveil-cipher has no I/O, server or web-stack dependency");
    check_cipher_deps()?;
    step("invariant: the npm package's wasm32 build stays small (no serde, web-sys or web framework)");
    check_reveal_deps()?;

    if env.browser {
        step("browser: orderveil-cipher compiled to wasm32, in headless Chromium");
        run(wasm_test(cargo().args(["test", "-p", "orderveil-cipher", "--target", "wasm32-unknown-unknown", "--tests"])))?;
        step("browser: the npm package (orderveil-reveal) in headless Chromium");
        run(wasm_test(cargo().args(["test", "-p", "orderveil-reveal", "--target", "wasm32-unknown-unknown", "--tests"])))?;
    } else {
        eprintln!("\n!!! SKIPPED: browser tests (no Chromium). See the warning above.\n");
    }
    eprintln!("\nxtask: all tests passed");
    Ok(())
}

/// The normal (non-dev) dependency tree of the crypto core when built for the browser.
pub(crate) fn check_cipher_deps() -> Result {
    let tree = output(cargo().args([
        "tree", "-p", "orderveil-cipher", "--target", "wasm32-unknown-unknown", "-e", "normal", "--prefix", "none", "--format", "{p}",
    ]))?;
    let mut names: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    names.sort_unstable();
    names.dedup();
    eprintln!("    wasm32 dependencies: {}", names.join(", "));
    const FORBIDDEN: &[&str] = &[
        "tokio", "mio", "axum", "hyper", "reqwest", "sqlx", "web-sys", "gloo", "yew", "serde_json", "wasm-bindgen-futures", "tracing",
    ];
    let bad: Vec<&&str> = names.iter().filter(|n| FORBIDDEN.contains(n)).collect();
    if !bad.is_empty() {
        return Err(format!("orderveil-cipher (wasm32) depends on {bad:?}"));
    }
    let src = std::fs::read_to_string(root().join("crates/cipher/src/lib.rs")).map_err(|e| e.to_string())?;
    if !src.contains("#![no_std]") || !src.contains("#![forbid(unsafe_code)]") {
        return Err("crates/cipher must stay #![no_std] and #![forbid(unsafe_code)]".into());
    }
    eprintln!("    ok: no forbidden crate; the crate is #![no_std] (no std::io/fs/net) and forbids unsafe");
    Ok(())
}
