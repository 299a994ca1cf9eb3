//! `cargo xtask <command>`: the project's build, test and bench entry points.
//!
//! | command | what it does |
//! | --- | --- |
//! | `demo [ADDR]` | installs the build tools, builds the npm package (`reveal`), the web app (`trunk build --release`, with wasm-opt) plus the embed frame in `dist/embed/`, and the server in release mode, and runs it with a seeded demo on SQLite (`data/demo`), printing the URL and the logins |
//! | `setup` | installs every tool, idempotently: the wasm32 target, `wasm-bindgen-cli` at the version in Cargo.lock, Debian's `chromium` + `chromium-driver`, Debian's `libreoffice-calc-nogui` + `poppler-utils` + `fonts-noto-cjk` (the export files are opened in LibreOffice), Trunk 0.21.14, wasm-pack 0.15.1, wasm-opt (npm `binaryen`, pinned) into `target/tools/binaryen` and `tsc` (npm `typescript`, pinned) into `target/tools/typescript` |
//! | `test` | the test tools and Trunk, then clippy (native and wasm32), the npm package `@orderveil/reveal` (`reveal` below), `trunk build` (dev: no wasm-opt) plus the embed frame in `dist/embed/`, the native suite (server on SQLite and PostgreSQL, the web app end to end in Chromium), the wasm suites in headless Chromium, and the dependency invariants |
//! | `reveal` | builds the npm package from `crates/reveal` with wasm-pack (`pkg/`: `--target web`, `pkg-bundler/`: `--target bundler`; profile `wasm-release` + wasm-opt), checks it (package.json, README/LICENSE, snippets, no `any` in the .d.ts, `tsc --strict` over `crates/reveal/tests/types.ts`), prints its size, and copies the embed frame into `dist/embed/` if `dist/` exists |
//! | `bench [web]` | native benchmarks, the Wasm benchmark in headless Chromium, then the web app: release build, `size`, and click-to-plaintext / page-load latency in headless Chromium (`web`: only the web app part) |
//! | `layout` | checks the layout invariants: SQL only in `crates/server/src/store/`, no source file over 600 lines (tests aside); also run by `test` |
//! | `size` | builds the web app for release into `dist/` and prints the raw and gzip size of everything the page loads, then the same for the npm package's `.wasm` and JS |
//! | `vectors` | regenerates the committed test vectors and fails if they changed |
//! | `fuzz [SECONDS]` | runs both `cargo fuzz` targets of the crypto core (default 60 s each) |
//!
//! Under `CI=true` nothing is skipped: a missing browser or LibreOffice is an error. Outside CI
//! a missing browser or LibreOffice that cannot be installed is reported loudly and the tests
//! that need it are skipped.

mod bench;
mod layout;
mod reveal;
mod setup;
mod test;
mod web;

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use bench::{bench, size};
use reveal::reveal;
use setup::{setup, setup_binaryen, setup_trunk, setup_typescript, setup_wasm_pack};
use test::test;
use web::demo;

pub(crate) type Result<T = ()> = std::result::Result<T, String>;

fn main() -> ExitCode {
    START.get_or_init(std::time::Instant::now);
    let args: Vec<String> = env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup()
            .and_then(|_| setup_trunk())
            .and_then(|()| setup_wasm_pack())
            .and_then(|()| setup_binaryen().map(|_| ()))
            .and_then(|()| setup_typescript().map(|_| ())),
        Some("reveal") => reveal(),
        Some("test") => test(),
        Some("bench") => bench(args.get(1).map(String::as_str)),
        Some("layout") => layout::check_layout(),
        Some("size") => size().map(|_| ()),
        Some("vectors") => vectors(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("60")),
        Some("demo") => demo(args.get(1).map(String::as_str).unwrap_or("127.0.0.1:8080")),
        _ => {
            eprintln!("usage: cargo xtask <demo [ADDR]|setup|test|reveal|bench [web]|layout|size|vectors|fuzz [SECONDS]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("\nxtask: FAILED: {e}");
            ExitCode::FAILURE
        }
    }
}

pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

pub(crate) fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

/// Print a step's heading with the time since the command started (`[m:ss]`), so a long
/// first run shows where its minutes go.
pub(crate) fn step(msg: &str) {
    let secs = START.get_or_init(std::time::Instant::now).elapsed().as_secs();
    eprintln!("\n==> [{}:{:02}] {msg}", secs / 60, secs % 60);
}

static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

pub(crate) fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

pub(crate) fn run(cmd: &mut Command) -> Result {
    eprintln!("    $ {}", show(cmd));
    let status = cmd.status().map_err(|e| format!("{}: {e}", show(cmd)))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` exited with {status}", show(cmd))) }
}

pub(crate) fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("{}: {e}", show(cmd)))?;
    if !out.status.success() {
        return Err(format!("`{}` failed: {}", show(cmd), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

pub(crate) fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

pub(crate) fn vectors() -> Result {
    step("vectors: regenerate crates/cipher/tests/vectors");
    run(cargo().args(["run", "-p", "orderveil-cipher", "--features", "test-vectors", "--example", "gen_vectors"]))?;
    let diff = output(Command::new("git").current_dir(root()).args(["status", "--porcelain", "crates/cipher/tests/vectors"]))?;
    if !diff.trim().is_empty() {
        return Err(format!("the generator no longer reproduces the committed vectors:\n{diff}"));
    }
    eprintln!("    vectors reproduce byte for byte");
    Ok(())
}

pub(crate) fn fuzz(seconds: &str) -> Result {
    let secs: u32 = seconds.parse().map_err(|_| format!("not a number of seconds: {seconds}"))?;
    step("fuzz: cargo-fuzz");
    if !Command::new("cargo").args(["fuzz", "--version"]).output().is_ok_and(|o| o.status.success()) {
        run(cargo().args(["install", "cargo-fuzz", "--locked"]))?;
    }
    for target in ["parse_ciphertext", "open_grant"] {
        step(&format!("fuzz: {target} for {secs} s"));
        // libFuzzer needs -Z sanitizer flags; RUSTC_BOOTSTRAP lets the stable toolchain take them.
        run(cargo()
            .current_dir(root().join("crates/cipher"))
            .env("RUSTC_BOOTSTRAP", "1")
            .args(["fuzz", "run", target, "--", &format!("-max_total_time={secs}")]))?;
    }
    Ok(())
}

/// Size of the file after `gzip -9 -n` (as a server or CDN would send it compressed).
pub(crate) fn gzip_len(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-n", "-c"]).arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", path.display()));
    }
    Ok(out.stdout.len() as u64)
}
