//! `cargo xtask bench` and `size`: native and browser benchmarks, and what the page loads.

use std::path::{Path};

use crate::reveal::{build_reveal_pkg, copy_embed, reveal_dir, reveal_size};
use crate::setup::{setup, setup_binaryen, setup_trunk, setup_wasm, wasm_test};
use crate::web::trunk_build;
use crate::{Result, cargo, gzip_len, in_ci, root, run, step};

/// Everything the page loads, gzip, must stay within this (issue 4).
pub(crate) const PAGE_GZIP_BUDGET: u64 = 400 * 1024;

pub(crate) fn bench(only: Option<&str>) -> Result {
    match only {
        None => {}
        Some("web") => return bench_web(),
        Some(other) => return Err(format!("unknown bench `{other}` (want `web` or nothing)")),
    }
    let env = setup()?;
    step("bench: native (cargo bench -p orderveil-cipher --bench cipher)");
    run(cargo().args(["bench", "-p", "orderveil-cipher", "--bench", "cipher"]))?;
    if env.browser {
        step("bench: Wasm in headless Chromium (release)");
        run(wasm_test(cargo().args([
            "test", "--release", "-p", "orderveil-cipher", "--target", "wasm32-unknown-unknown", "--test", "browser_bench", "--", "--include-ignored", "--nocapture",
        ])))?;
    } else if in_ci() {
        return Err("no Chromium for the Wasm benchmark".into());
    }
    bench_web()
}

/// The web app: release build and its size, then click-to-plaintext and page-load latency in
/// headless Chromium against a real server (tests/e2e/tests/bench.rs).
pub(crate) fn bench_web() -> Result {
    let env = setup()?;
    if !env.browser {
        return Err("no Chromium for the web app benchmarks".into());
    }
    size()?;
    step("bench: web app in headless Chromium (release build in dist/, server in release)");
    run(cargo().args(["test", "--release", "-p", "orderveil-e2e", "--test", "bench", "--", "--ignored", "--nocapture", "--test-threads=1"]))
}

/// Build the web app for release into `dist/` and print what each bundle's pages load, raw
/// and gzip: the main bundle (`dist/`) and the console bundle (`dist/console/`, see
/// `orderveil_api::CONSOLE_ROUTES`). Returns the larger of the two totals.
pub(crate) fn size() -> Result<u64> {
    setup_wasm()?;
    setup_trunk()?;
    let wasm_opt = setup_binaryen()?;
    build_reveal_pkg()?;
    trunk_build(Some(&wasm_opt))?;
    copy_embed(&reveal_dir().join("pkg"))?;
    let mut worst = 0;
    for (bundle, dir) in [("main", root().join("dist")), ("console", root().join("dist/console"))] {
        step(&format!("size: everything a page of the {bundle} bundle loads ({}), raw and gzip -9", dir.display()));
        worst = worst.max(bundle_size(&dir)?);
    }
    reveal_size()?;
    Ok(worst)
}

/// Print the files directly in `dir` (what its index.html loads) and their totals.
pub(crate) fn bundle_size(dir: &Path) -> Result<u64> {
    let mut files: Vec<(String, u64, u64)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))? {
        let path = entry.map_err(|e| e.to_string())?.path();
        if !path.is_file() {
            continue;
        }
        let raw = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
        let gz = gzip_len(&path)?;
        files.push((path.file_name().unwrap_or_default().to_string_lossy().into_owned(), raw, gz));
    }
    files.sort_by_key(|f| std::cmp::Reverse(f.1));
    let kib = |n: u64| n as f64 / 1024.0;
    println!("\n| file | raw | gzip -9 |\n| --- | ---: | ---: |");
    for (name, raw, gz) in &files {
        println!("| `{name}` | {raw} B ({:.1} KiB) | {gz} B ({:.1} KiB) |", kib(*raw), kib(*gz));
    }
    let (raw, gz) = files.iter().fold((0, 0), |(r, g), f| (r + f.1, g + f.2));
    println!("| **total ({} files)** | **{raw} B ({:.1} KiB)** | **{gz} B ({:.1} KiB)** |", files.len(), kib(raw), kib(gz));
    let verdict = if gz <= PAGE_GZIP_BUDGET { "met" } else { "NOT MET" };
    println!("\ntarget: everything the page loads <= {} KiB gzip: {verdict}", PAGE_GZIP_BUDGET / 1024);
    Ok(gz)
}

