//! Installing the tools, idempotently: the wasm32 target, wasm-bindgen-cli, Trunk, wasm-pack, binaryen's wasm-opt, tsc, Chromium + ChromeDriver, LibreOffice.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, in_ci, output, root, run, step};

pub(crate) const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

pub(crate) const CHROMIUM: &str = "/usr/bin/chromium";

/// LibreOffice, poppler's pdftotext and a CJK font: the export files are opened in
/// LibreOffice by the server suite (issue 7).
pub(crate) const SOFFICE: &str = "/usr/bin/soffice";

pub(crate) const PDFTOTEXT: &str = "/usr/bin/pdftotext";

pub(crate) const NOTO_CJK: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// wasm-opt for Trunk's release build: npm's `binaryen` (Debian's is too old for the module).
/// Must match `[tools] wasm_opt` in Trunk.toml.
pub(crate) const BINARYEN_NPM: &str = "binaryen@132.0.0";

pub(crate) const WASM_OPT_VERSION: &str = "version_132";

/// wasm-pack builds the npm package `@orderveil/reveal` (crates/reveal, issue 5).
pub(crate) const WASM_PACK_VERSION: &str = "0.15.1";

/// tsc type-checks the package's generated declarations; npm's `typescript`, pinned.
pub(crate) const TYPESCRIPT_NPM: &str = "typescript@5.9.3";

/// What the environment offers after setup.
pub(crate) struct Env {
    pub(crate) browser: bool,
}

pub(crate) fn setup() -> Result<Env> {
    setup_wasm()?;
    setup_libreoffice()?;
    setup_browser()
}

/// What building the web app needs besides Trunk: the wasm32 target and `wasm-bindgen-cli`.
pub(crate) fn setup_wasm() -> Result {
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
        run(tool_install().args(["wasm-bindgen-cli", "--version", &want]))?;
    }
    Ok(())
}

pub(crate) fn setup_browser() -> Result<Env> {
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
pub(crate) fn setup_libreoffice() -> Result {
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

pub(crate) fn is_root() -> bool {
    output(Command::new("id").arg("-u")).map(|s| s.trim() == "0").unwrap_or(false)
}

/// The version of a package in Cargo.lock.
pub(crate) fn locked_version(name: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{name}\"\nversion = \"");
    let start = lock.find(&needle).ok_or_else(|| format!("{name} not in Cargo.lock"))? + needle.len();
    let end = lock[start..].find('"').ok_or("bad Cargo.lock")?;
    Ok(lock[start..start + end].to_string())
}

/// Trunk builds the Yew app; 0.21.14 is the last release that builds with Rust 1.95.
pub(crate) fn setup_trunk() -> Result {
    step("setup: trunk");
    let have = Command::new("trunk").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some("trunk 0.21.14") {
        eprintln!("    trunk 0.21.14 already installed");
        Ok(())
    } else {
        run(tool_install().args(["--locked", "trunk", "--version", "0.21.14"]))
    }
}

/// wasm-opt from npm's `binaryen` (pinned) in target/tools/binaryen, installed if missing;
/// returns the directory of the `wasm-opt` command. Needs Node.js and npm (installed with
/// apt-get when missing and root).
pub(crate) fn setup_binaryen() -> Result<PathBuf> {
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

/// wasm-pack, pinned, installed with `cargo install --locked` when missing or another version.
pub(crate) fn setup_wasm_pack() -> Result {
    step("setup: wasm-pack");
    let want = format!("wasm-pack {WASM_PACK_VERSION}");
    let have = Command::new("wasm-pack").arg("--version").output().ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    if have.as_deref() == Some(want.as_str()) {
        eprintln!("    {want} already installed");
        Ok(())
    } else {
        eprintln!("    have {have:?}, need {want}");
        run(tool_install().args(["--locked", "wasm-pack", "--version", WASM_PACK_VERSION]))
    }
}

/// tsc from npm's `typescript` (pinned) in target/tools/typescript, installed if missing;
/// returns the path of the `tsc` command. Needs npm (which `setup_binaryen` ensures).
pub(crate) fn setup_typescript() -> Result<PathBuf> {
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

/// `cargo install` for a build tool, with a profile made for building it once rather than for
/// its speed: no LTO (Trunk's own release profile asks for fat LTO over one codegen unit, a
/// long single-threaded link), 16 codegen units, opt-level 1 and no debug info. The tools
/// orchestrate and rewrite small files; a faster-building binary costs nothing visible.
/// Measured in docs/benchmarks.md ("First run").
pub(crate) fn tool_install() -> Command {
    let mut c = cargo();
    c.arg("install")
        .env("CARGO_PROFILE_RELEASE_LTO", "off")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16")
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1")
        .env("CARGO_PROFILE_RELEASE_DEBUG", "false")
        .env("CARGO_PROFILE_RELEASE_INCREMENTAL", "false");
    c
}

pub(crate) fn wasm_test(c: &mut Command) -> &mut Command {
    c.env("CHROMEDRIVER", CHROMEDRIVER)
        // The runner reads webdriver.json from the crate directory; ChromeDriver gives every
        // session a fresh temporary user-data-dir.
        .env("WASM_BINDGEN_TEST_TIMEOUT", "120")
}
