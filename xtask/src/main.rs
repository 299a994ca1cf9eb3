//! `cargo xtask <command>`: the project's build, test and bench entry points.
//!
//! | command | what it does |
//! | --- | --- |
//! | `demo [ADDR]` | installs the build tools, builds the npm package (`reveal`), the web app (`trunk build --release`, with wasm-opt) plus the embed frame in `dist/embed/`, and the server in release mode, and runs it with a seeded demo on SQLite (`data/demo`), printing the URL and the logins |
//! | `setup` | installs every tool, idempotently: the wasm32 target, `wasm-bindgen-cli` at the version in Cargo.lock, Debian's `chromium` + `chromium-driver`, Debian's `libreoffice-calc-nogui` + `poppler-utils` + `fonts-noto-cjk` (the export files are opened in LibreOffice), Trunk 0.21.14, wasm-pack 0.15.1, wasm-opt (npm `binaryen`, pinned) into `target/tools/binaryen` and `tsc` (npm `typescript`, pinned) into `target/tools/typescript` |
//! | `test` | the test tools and Trunk, then clippy (native and wasm32), the npm package `@orderveil/reveal` (`reveal` below), `trunk build` (dev: no wasm-opt) plus the embed frame in `dist/embed/`, the native suite (server on SQLite and PostgreSQL, the web app end to end in Chromium), the wasm suites in headless Chromium, and the dependency invariants |
//! | `reveal` | builds the npm package from `crates/reveal` with wasm-pack (`pkg/`: `--target web`, `pkg-bundler/`: `--target bundler`; profile `wasm-release` + wasm-opt), checks it (package.json, README/LICENSE, snippets, no `any` in the .d.ts, `tsc --strict` over `crates/reveal/tests/types.ts`), prints its size, and copies the embed frame into `dist/embed/` if `dist/` exists |
//! | `bench [web]` | native benchmarks, the Wasm benchmark in headless Chromium, then the web app: release build, `size`, and click-to-plaintext / page-load latency in headless Chromium (`web`: only the web app part) |
//! | `size` | builds the web app for release into `dist/` and prints the raw and gzip size of everything the page loads, then the same for the npm package's `.wasm` and JS |
//! | `vectors` | regenerates the committed test vectors and fails if they changed |
//! | `fuzz [SECONDS]` | runs both `cargo fuzz` targets of the crypto core (default 60 s each) |
//!
//! Under `CI=true` nothing is skipped: a missing browser or LibreOffice is an error. Outside CI
//! a missing browser or LibreOffice that cannot be installed is reported loudly and the tests
//! that need it are skipped.

use std::env;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

type Result<T = ()> = std::result::Result<T, String>;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// LibreOffice, poppler's pdftotext and a CJK font: the export files are opened in
/// LibreOffice by the server suite (issue 7).
const SOFFICE: &str = "/usr/bin/soffice";
const PDFTOTEXT: &str = "/usr/bin/pdftotext";
const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";
/// wasm-opt for Trunk's release build: npm's `binaryen` (Debian's is too old for the module).
/// Must match `[tools] wasm_opt` in Trunk.toml.
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version_132";
/// Everything the page loads, gzip, must stay within this (issue 4).
const PAGE_GZIP_BUDGET: u64 = 400 * 1024;
/// wasm-pack builds the npm package `@orderveil/reveal` (crates/reveal, issue 5).
const WASM_PACK_VERSION: &str = "0.15.1";
/// tsc type-checks the package's generated declarations; npm's `typescript`, pinned.
const TYPESCRIPT_NPM: &str = "typescript@5.9.3";
/// The npm package's name (wasm-pack would derive `orderveil-reveal` from the crate).
const REVEAL_NPM_NAME: &str = "@orderveil/reveal";
/// The package's `.wasm`, gzip, must stay within this (issue 5).
const REVEAL_WASM_GZIP_BUDGET: u64 = 80 * 1024;

fn main() -> ExitCode {
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
        Some("size") => size().map(|_| ()),
        Some("vectors") => vectors(),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("60")),
        Some("demo") => demo(args.get(1).map(String::as_str).unwrap_or("127.0.0.1:8080")),
        _ => {
            eprintln!("usage: cargo xtask <demo [ADDR]|setup|test|reveal|bench [web]|size|vectors|fuzz [SECONDS]>");
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

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn in_ci() -> bool {
    env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn step(msg: &str) {
    eprintln!("\n==> {msg}");
}

fn cargo() -> Command {
    let mut c = Command::new(env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    c
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("    $ {}", show(cmd));
    let status = cmd.status().map_err(|e| format!("{}: {e}", show(cmd)))?;
    if status.success() { Ok(()) } else { Err(format!("`{}` exited with {status}", show(cmd))) }
}

fn output(cmd: &mut Command) -> Result<String> {
    let out = cmd.output().map_err(|e| format!("{}: {e}", show(cmd)))?;
    if !out.status.success() {
        return Err(format!("`{}` failed: {}", show(cmd), String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn show(cmd: &Command) -> String {
    let mut s = cmd.get_program().to_string_lossy().into_owned();
    for a in cmd.get_args() {
        s.push(' ');
        s.push_str(&a.to_string_lossy());
    }
    s
}

/// What the environment offers after setup.
struct Env {
    browser: bool,
}

fn setup() -> Result<Env> {
    setup_wasm()?;
    setup_libreoffice()?;
    setup_browser()
}

/// What building the web app needs besides Trunk: the wasm32 target and `wasm-bindgen-cli`.
fn setup_wasm() -> Result {
    step("setup: wasm32 target");
    let installed = output(Command::new("rustup").args(["target", "list", "--installed"]))?;
    if installed.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        eprintln!("    wasm32-unknown-unknown already installed");
    } else {
        run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    step("setup: wasm-bindgen-cli");
    let want = locked_version("wasm-bindgen")?;
    let have = Command::new("wasm-bindgen").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some(&format!("wasm-bindgen {want}")) {
        eprintln!("    wasm-bindgen {want} already installed");
    } else {
        eprintln!("    have {have:?}, need {want}");
        // Not --locked: wasm-bindgen-cli's lockfile pins crates that no longer build here.
        run(cargo().args(["install", "wasm-bindgen-cli", "--version", &want]))?;
    }
    Ok(())
}

fn setup_browser() -> Result<Env> {
    step("setup: Chromium and ChromeDriver");
    let mut browser = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    if browser {
        eprintln!("    {CHROMIUM} and {CHROMEDRIVER} present");
    } else if is_root() && Path::new("/usr/bin/apt-get").exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "chromium", "chromium-driver"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
        browser = Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists();
    }
    if !browser {
        let msg = "Chromium/ChromeDriver not found and could not be installed (need root and apt-get: `apt-get install -y chromium chromium-driver`)";
        if in_ci() {
            return Err(msg.into());
        }
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! WARNING: {msg}.");
        eprintln!("!!! BROWSER TESTS WILL BE SKIPPED. This run does NOT prove the Wasm build.");
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    }
    Ok(Env { browser })
}

/// LibreOffice Calc, poppler's `pdftotext` and a CJK font, for the server test that opens the
/// order exports (CSV and XLSX) in LibreOffice and checks the Chinese text in the PDF it makes.
fn setup_libreoffice() -> Result {
    step("setup: LibreOffice Calc, pdftotext and Noto CJK (the export files are opened in LibreOffice)");
    let present = || Path::new(SOFFICE).exists() && Path::new(PDFTOTEXT).exists() && Path::new(NOTO_CJK).exists();
    if present() {
        eprintln!("    {SOFFICE}, {PDFTOTEXT} and {NOTO_CJK} present");
        return Ok(());
    }
    if is_root() && Path::new("/usr/bin/apt-get").exists() {
        run(Command::new("apt-get").arg("update"))?;
        run(Command::new("apt-get").args(["install", "-y", "libreoffice-calc-nogui", "poppler-utils", "fonts-noto-cjk"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
    }
    if !present() {
        let msg = "LibreOffice/pdftotext/Noto CJK not found and could not be installed (need root and apt-get: `apt-get install -y libreoffice-calc-nogui poppler-utils fonts-noto-cjk`)";
        if in_ci() {
            return Err(msg.into());
        }
        eprintln!("\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!");
        eprintln!("!!! WARNING: {msg}.");
        eprintln!("!!! THE LIBREOFFICE CHECK OF THE ORDER EXPORTS WILL BE SKIPPED.");
        eprintln!("!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n");
    }
    Ok(())
}

fn is_root() -> bool {
    output(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false)
}

/// The version of a package in Cargo.lock.
fn locked_version(name: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock.find(&needle).ok_or_else(|| format!("{name} not in Cargo.lock"))? + needle.len();
    let end = lock[start..].find('"').ok_or("bad Cargo.lock")?;
    Ok(lock[start..start + end].to_string())
}

fn wasm_test(c: &mut Command) -> &mut Command {
    c.env("CHROMEDRIVER", CHROMEDRIVER)
        // The runner reads webdriver.json from the crate directory; ChromeDriver gives every
        // session a fresh temporary user-data-dir.
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
}

fn test() -> Result {
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
    copy_embed()?;

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
fn check_cipher_deps() -> Result {
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

fn bench(only: Option<&str>) -> Result {
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
fn bench_web() -> Result {
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
fn size() -> Result<u64> {
    setup_wasm()?;
    setup_trunk()?;
    let wasm_opt = setup_binaryen()?;
    build_reveal_pkg()?;
    trunk_build(Some(&wasm_opt))?;
    copy_embed()?;
    let mut worst = 0;
    for (bundle, dir) in [("main", root().join("dist")), ("console", root().join("dist/console"))] {
        step(&format!("size: everything a page of the {bundle} bundle loads ({}), raw and gzip -9", dir.display()));
        worst = worst.max(bundle_size(&dir)?);
    }
    reveal_size()?;
    Ok(worst)
}

/// Print the files directly in `dir` (what its index.html loads) and their totals.
fn bundle_size(dir: &Path) -> Result<u64> {
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

/// Size of the file after `gzip -9 -n` (as a server or CDN would send it compressed).
fn gzip_len(path: &Path) -> Result<u64> {
    let out = Command::new("gzip").args(["-9", "-n", "-c"]).arg(path).output().map_err(|e| format!("gzip: {e}"))?;
    if !out.status.success() {
        return Err(format!("gzip {} failed", path.display()));
    }
    Ok(out.stdout.len() as u64)
}

fn vectors() -> Result {
    step("vectors: regenerate crates/cipher/tests/vectors");
    run(cargo().args(["run", "-p", "orderveil-cipher", "--features", "test-vectors", "--example", "gen_vectors"]))?;
    let diff = output(Command::new("git").current_dir(root()).args(["status", "--porcelain", "crates/cipher/tests/vectors"]))?;
    if !diff.trim().is_empty() {
        return Err(format!("the generator no longer reproduces the committed vectors:\n{diff}"));
    }
    eprintln!("    vectors reproduce byte for byte");
    Ok(())
}

fn fuzz(seconds: &str) -> Result {
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

fn demo(listen: &str) -> Result {
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

/// Trunk builds the Yew app; 0.21.14 is the last release that builds with Rust 1.95.
fn setup_trunk() -> Result {
    step("setup: trunk");
    let have = Command::new("trunk").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some("trunk 0.21.14") {
        eprintln!("    trunk 0.21.14 already installed");
        Ok(())
    } else {
        run(cargo().args(["install", "--locked", "trunk", "--version", "0.21.14"]))
    }
}

/// `trunk build` into `dist/`, offline (after `cargo fetch`). `Some(bin dir of wasm-opt)`: a
/// release build, with that directory first on PATH so Trunk's wasm-opt step finds binaryen
/// 132 (Trunk.toml pins the version and would fail offline rather than download); `None`: a
/// dev build (Trunk never runs wasm-opt in dev).
///
/// Two bundles: `index.html` (the main app) into `dist/`, then `console.html` (fulfilment and
/// the admin console) into `dist/console/` with its assets under `/console/`. The main build
/// goes first because Trunk replaces its whole dist directory.
fn trunk_build(release_wasm_opt: Option<&Path>) -> Result {
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

/// wasm-opt from npm's `binaryen` (pinned) in target/tools/binaryen, installed if missing;
/// returns the directory of the `wasm-opt` command. Needs Node.js and npm (installed with
/// apt-get when missing and root).
fn setup_binaryen() -> Result<PathBuf> {
    step("setup: wasm-opt (npm binaryen, pinned)");
    let prefix = root().join("target/tools/binaryen");
    let bin = prefix.join("node_modules/.bin");
    let version = || {
        Command::new(bin.join("wasm-opt")).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default()
    };
    if version().contains(&format!("({WASM_OPT_VERSION})")) {
        eprintln!("    {} already installed ({})", bin.join("wasm-opt").display(), version());
        return Ok(bin);
    }
    let has_npm = || Command::new("npm").arg("--version").output().is_ok_and(|o| o.status.success());
    if !has_npm() {
        if is_root() && Path::new("/usr/bin/apt-get").exists() {
            run(Command::new("apt-get").arg("update"))?;
            run(Command::new("apt-get").args(["install", "-y", "nodejs", "npm"]).env("DEBIAN_FRONTEND", "noninteractive"))?;
        }
        if !has_npm() {
            return Err("npm not found: install Node.js and npm (Debian: `apt-get install -y nodejs npm`); the release build's wasm-opt comes from npm's binaryen".into());
        }
    }
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    run(Command::new("npm")
        .args(["install", "--prefix"])
        .arg(&prefix)
        .args(["--no-save", "--no-audit", "--no-fund", "--loglevel=error", BINARYEN_NPM]))?;
    let got = version();
    if !got.contains(&format!("({WASM_OPT_VERSION})")) {
        return Err(format!("{} --version says {got:?}, want {WASM_OPT_VERSION}", bin.join("wasm-opt").display()));
    }
    eprintln!("    installed {got}");
    Ok(bin)
}

// ---------------------------------------------------------------------------------------------
// The npm package @orderveil/reveal (crates/reveal)
// ---------------------------------------------------------------------------------------------

/// `cargo xtask reveal`: build and check the package, print its size, and refresh
/// `dist/embed/` when the web app has been built.
fn reveal() -> Result {
    build_reveal_pkg()?;
    reveal_size()?;
    if root().join("dist/index.html").is_file() {
        copy_embed()?;
    } else {
        eprintln!("    no dist/index.html (web app not built): dist/embed/ not refreshed");
    }
    Ok(())
}

fn reveal_dir() -> PathBuf {
    root().join("crates/reveal")
}

/// wasm-pack, pinned, installed with `cargo install --locked` when missing or another version.
fn setup_wasm_pack() -> Result {
    step("setup: wasm-pack");
    let want = format!("wasm-pack {WASM_PACK_VERSION}");
    let have = Command::new("wasm-pack").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some(want.as_str()) {
        eprintln!("    {want} already installed");
        Ok(())
    } else {
        eprintln!("    have {have:?}, need {want}");
        run(cargo().args(["install", "--locked", "wasm-pack", "--version", WASM_PACK_VERSION]))
    }
}

/// tsc from npm's `typescript` (pinned) in target/tools/typescript, installed if missing;
/// returns the path of the `tsc` command. Needs npm (which `setup_binaryen` ensures).
fn setup_typescript() -> Result<PathBuf> {
    step("setup: tsc (npm typescript, pinned)");
    let prefix = root().join("target/tools/typescript");
    let tsc = prefix.join("node_modules/.bin/tsc");
    let want = TYPESCRIPT_NPM.rsplit('@').next().unwrap_or_default().to_string();
    let version = || Command::new(&tsc).arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if version() == format!("Version {want}") {
        eprintln!("    {} already installed ({})", tsc.display(), version());
        return Ok(tsc);
    }
    std::fs::create_dir_all(&prefix).map_err(|e| format!("{}: {e}", prefix.display()))?;
    run(Command::new("npm")
        .args(["install", "--prefix"])
        .arg(&prefix)
        .args(["--no-save", "--no-audit", "--no-fund", "--loglevel=error", TYPESCRIPT_NPM]))?;
    let got = version();
    if got != format!("Version {want}") {
        return Err(format!("{} --version says {got:?}, want {want}", tsc.display()));
    }
    eprintln!("    installed tsc {want}");
    Ok(tsc)
}

/// Build the npm package twice with wasm-pack (`pkg/`: `--target web`, `pkg-bundler/`:
/// `--target bundler`), with the workspace's `wasm-release` profile and binaryen's wasm-opt
/// `-Oz` (first on PATH), name it `@orderveil/reveal`, and check both with
/// [`check_reveal_pkg`].
fn build_reveal_pkg() -> Result {
    setup_wasm()?;
    setup_wasm_pack()?;
    let wasm_opt = setup_binaryen()?;
    let tsc = setup_typescript()?;
    run(cargo().args(["fetch", "--quiet"]))?;
    let path = env::var_os("PATH").unwrap_or_default();
    let path = env::join_paths(std::iter::once(wasm_opt).chain(env::split_paths(&path))).map_err(|e| e.to_string())?;
    for (target, out) in [("web", "pkg"), ("bundler", "pkg-bundler")] {
        step(&format!("reveal: wasm-pack build --target {target} into crates/reveal/{out}"));
        run(Command::new("wasm-pack")
            .current_dir(reveal_dir())
            .env("PATH", &path)
            .args(["build", "--mode", "no-install", "--target", target, "--out-dir", out, "--profile", "wasm-release"]))?;
        name_reveal_pkg(&reveal_dir().join(out))?;
        check_reveal_pkg(&reveal_dir().join(out))?;
    }
    step("reveal: tsc --strict over crates/reveal/tests/types.ts (the .d.ts as a consumer sees it)");
    run(Command::new(&tsc).current_dir(reveal_dir()).args([
        "--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "esnext,dom", "tests/types.ts",
    ]))?;
    run(Command::new(&tsc).current_dir(reveal_dir()).args([
        "--noEmit", "--strict", "--target", "es2022", "--module", "es2022", "--moduleResolution", "bundler", "--lib", "esnext,dom", "pkg-bundler/orderveil_reveal.d.ts",
    ]))?;
    Ok(())
}

/// wasm-pack names the npm package after the crate; the package is `@orderveil/reveal`.
fn name_reveal_pkg(dir: &Path) -> Result {
    let file = dir.join("package.json");
    let text = std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
    let renamed = text.replacen("\"name\": \"orderveil-reveal\"", &format!("\"name\": \"{REVEAL_NPM_NAME}\""), 1);
    if renamed == text && !text.contains(&format!("\"name\": \"{REVEAL_NPM_NAME}\"")) {
        return Err(format!("{}: no \"name\": \"orderveil-reveal\" to rename", file.display()));
    }
    std::fs::write(&file, renamed).map_err(|e| format!("{}: {e}", file.display()))
}

/// What a built package directory must hold: package.json with name, version, licence and
/// every shipped file (snippets included), the README and LICENSE, the JS snippets, and a
/// .d.ts without `any` in the public API.
fn check_reveal_pkg(dir: &Path) -> Result {
    let read = |p: &Path| std::fs::read_to_string(p).map_err(|e| format!("{}: {e}", p.display()));
    let pkg = read(&dir.join("package.json"))?;
    let version = locked_version("orderveil-reveal")?;
    let mut missing: Vec<String> = Vec::new();
    for needle in [
        format!("\"name\": \"{REVEAL_NPM_NAME}\""),
        format!("\"version\": \"{version}\""),
        "\"license\": \"Apache-2.0\"".to_string(),
        "\"orderveil_reveal_bg.wasm\"".to_string(),
        "\"orderveil_reveal.js\"".to_string(),
        "\"orderveil_reveal.d.ts\"".to_string(),
        "\"snippets\"".to_string(),
        "\"types\": \"orderveil_reveal.d.ts\"".to_string(),
    ] {
        if !pkg.contains(&needle) {
            missing.push(format!("package.json lacks {needle}"));
        }
    }
    for file in ["README.md", "LICENSE", "orderveil_reveal.js", "orderveil_reveal_bg.wasm", "orderveil_reveal.d.ts"] {
        if !dir.join(file).is_file() {
            missing.push(format!("no {file}"));
        }
    }
    let snippets = snippet_files(dir)?;
    for js in ["js/element.js", "js/errors.js"] {
        if !snippets.iter().any(|p| p.ends_with(js)) {
            missing.push(format!("no snippets/*/{js}"));
        }
    }
    if !missing.is_empty() {
        return Err(format!("{}: {}", dir.display(), missing.join("; ")));
    }
    check_reveal_dts(&dir.join("orderveil_reveal.d.ts"))?;
    eprintln!("    ok: {} is {REVEAL_NPM_NAME}@{version} (Apache-2.0) with README.md, LICENSE, snippets and typed exports", dir.display());
    Ok(())
}

/// Every file under `dir/snippets`.
fn snippet_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut todo = vec![dir.join("snippets")];
    while let Some(d) = todo.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries {
            let path = entry.map_err(|e| e.to_string())?.path();
            if path.is_dir() { todo.push(path) } else { out.push(path) }
        }
    }
    Ok(out)
}

/// The generated declarations: every public export is there, and no exported signature
/// uses `any`. wasm-bindgen's `InitOutput` interface (the raw Wasm exports, whose arguments
/// are externrefs) is not public API and is skipped, as are comments.
fn check_reveal_dts(file: &Path) -> Result {
    let text = std::fs::read_to_string(file).map_err(|e| format!("{}: {e}", file.display()))?;
    for decl in [
        "export class RevealClient",
        "constructor(options: RevealClientOptions);",
        "reveal(orderId: string, fields: FieldName[], ciphertexts: FieldMap): Promise<FieldMap>;",
        "revealMany(items: RevealItem[], fields: FieldName[]): Promise<RevealedOrder[]>;",
        "export class RevealError extends Error",
        "export type FieldName = \"name\" | \"phone\" | \"address\";",
        "export const FIELD_KINDS: readonly FieldName[];",
        "export const ERROR_CODES: readonly ErrorCode[];",
        "export function parseCiphertext(text: string): ParsedCiphertext;",
        "export function mask(kind: FieldName, plaintext: string): string;",
        "export function version(): string;",
        "export function defineOrderVeilField(options: OrderVeilFieldOptions): OrderVeilFieldConstructor;",
    ] {
        if !text.contains(decl) {
            return Err(format!("{}: missing `{decl}`", file.display()));
        }
    }
    let mut bad = Vec::new();
    let mut in_init_output = false;
    for (i, line) in text.lines().enumerate() {
        let t = line.trim();
        if t.starts_with("export interface InitOutput") {
            in_init_output = true;
            continue;
        }
        if in_init_output {
            in_init_output = t != "}";
            continue;
        }
        if t.starts_with("*") || t.starts_with("/*") || t.starts_with("//") {
            continue;
        }
        if t.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$')).any(|w| w == "any") {
            bad.push(format!("{}:{}: {t}", file.display(), i + 1));
        }
    }
    if !bad.is_empty() {
        return Err(format!("`any` in the public TypeScript API:\n{}", bad.join("\n")));
    }
    eprintln!("    ok: {} declares every export and has no `any` in them", file.display());
    Ok(())
}

/// The isolated-mode frame into `dist/embed/` (served by the OrderVeil server at /embed/):
/// the web build of the package (`orderveil_reveal.js`, `orderveil_reveal_bg.wasm`,
/// `snippets/`) and `crates/reveal/embed/frame.html` + `frame.js`. Run after every Trunk
/// build, which replaces `dist/`.
fn copy_embed() -> Result {
    step("embed: crates/reveal/pkg + crates/reveal/embed -> dist/embed/");
    let pkg = reveal_dir().join("pkg");
    let embed = root().join("dist/embed");
    if embed.exists() {
        std::fs::remove_dir_all(&embed).map_err(|e| format!("{}: {e}", embed.display()))?;
    }
    let copy = |from: &Path, to: &Path| -> Result {
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
        }
        std::fs::copy(from, to).map(|_| ()).map_err(|e| format!("copy {} -> {}: {e}", from.display(), to.display()))
    };
    for file in ["orderveil_reveal.js", "orderveil_reveal_bg.wasm"] {
        copy(&pkg.join(file), &embed.join(file))?;
    }
    for file in snippet_files(&pkg)? {
        let rel = file.strip_prefix(&pkg).map_err(|e| e.to_string())?;
        copy(&file, &embed.join(rel))?;
    }
    for file in ["frame.html", "frame.js"] {
        copy(&reveal_dir().join("embed").join(file), &embed.join(file))?;
    }
    eprintln!("    {} ready (frame.html, frame.js, the package's web build)", embed.display());
    Ok(())
}

/// Raw and gzip -9 size of the package (web build): the .wasm against its budget, and the JS.
fn reveal_size() -> Result<u64> {
    step("size: the npm package @orderveil/reveal (crates/reveal/pkg), raw and gzip -9");
    let pkg = reveal_dir().join("pkg");
    let mut files = vec![pkg.join("orderveil_reveal_bg.wasm"), pkg.join("orderveil_reveal.js")];
    files.extend(snippet_files(&pkg)?);
    let kib = |n: u64| n as f64 / 1024.0;
    println!("\n| package file | raw | gzip -9 |\n| --- | ---: | ---: |");
    let mut wasm_gz = 0;
    for f in &files {
        let raw = std::fs::metadata(f).map_err(|e| format!("{}: {e}", f.display()))?.len();
        let gz = gzip_len(f)?;
        if f.extension().is_some_and(|e| e == "wasm") {
            wasm_gz = gz;
        }
        let name = f.strip_prefix(&pkg).unwrap_or(f).display().to_string();
        println!("| `{name}` | {raw} B ({:.1} KiB) | {gz} B ({:.1} KiB) |", kib(raw), kib(gz));
    }
    let verdict = if wasm_gz <= REVEAL_WASM_GZIP_BUDGET { "met" } else { "NOT MET" };
    println!("\ntarget: the package's .wasm <= {} KiB gzip: {verdict}", REVEAL_WASM_GZIP_BUDGET / 1024);
    Ok(wasm_gz)
}

/// The package's wasm32 dependencies: the cipher and the wasm-bindgen family only. serde /
/// serde_json (JSON goes through the browser's `JSON`), web-sys and web frameworks would
/// only add size.
fn check_reveal_deps() -> Result {
    let tree = output(cargo().args([
        "tree", "-p", "orderveil-reveal", "--target", "wasm32-unknown-unknown", "-e", "normal", "--prefix", "none", "--format", "{p}",
    ]))?;
    let mut names: Vec<&str> = tree.lines().filter_map(|l| l.split_whitespace().next()).collect();
    names.sort_unstable();
    names.dedup();
    eprintln!("    wasm32 dependencies: {}", names.join(", "));
    const FORBIDDEN: &[&str] = &["serde", "serde_json", "web-sys", "gloo", "yew", "tokio", "reqwest", "orderveil-api", "tracing"];
    let bad: Vec<&&str> = names.iter().filter(|n| FORBIDDEN.contains(n)).collect();
    if !bad.is_empty() {
        return Err(format!("orderveil-reveal (wasm32) depends on {bad:?}"));
    }
    eprintln!("    ok: no serde, web-sys or web framework in the package");
    Ok(())
}
