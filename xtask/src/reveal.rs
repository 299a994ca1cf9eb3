//! The npm package `@orderveil/reveal`: build, check, size, the embed frame and its dependency invariant.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::setup::{locked_version, setup_binaryen, setup_typescript, setup_wasm, setup_wasm_pack};
use crate::{Result, cargo, gzip_len, output, root, run, step};

/// The npm package's name (wasm-pack would derive `orderveil-reveal` from the crate).
pub(crate) const REVEAL_NPM_NAME: &str = "@orderveil/reveal";

/// The package's `.wasm`, gzip, must stay within this (issue 5).
pub(crate) const REVEAL_WASM_GZIP_BUDGET: u64 = 80 * 1024;

/// `cargo xtask reveal`: build and check the package, print its size, and refresh
/// `dist/embed/` when the web app has been built.
pub(crate) fn reveal() -> Result {
    build_reveal_pkg()?;
    reveal_size()?;
    if root().join("dist/index.html").is_file() {
        copy_embed(&reveal_dir().join("pkg"))?;
    } else {
        eprintln!("    no dist/index.html (web app not built): dist/embed/ not refreshed");
    }
    Ok(())
}

pub(crate) fn reveal_dir() -> PathBuf {
    root().join("crates/reveal")
}

/// Build the npm package twice with wasm-pack (`pkg/`: `--target web`, `pkg-bundler/`:
/// `--target bundler`), with the workspace's `wasm-release` profile and binaryen's wasm-opt
/// `-Oz` (first on PATH), name it `@orderveil/reveal`, and check both with
/// [`check_reveal_pkg`].
pub(crate) fn build_reveal_pkg() -> Result {
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
pub(crate) fn name_reveal_pkg(dir: &Path) -> Result {
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
pub(crate) fn check_reveal_pkg(dir: &Path) -> Result {
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
    for js in ["js/element.js", "js/errors.js", "js/print.js"] {
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
pub(crate) fn snippet_files(dir: &Path) -> Result<Vec<PathBuf>> {
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
pub(crate) fn check_reveal_dts(file: &Path) -> Result {
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
        "export function printLabels(options: PrintLabelsOptions): Promise<PrintResult>;",
        "printGrant(waybillNos: string[]): Promise<PrintJob>;",
        "export function code128(text: string): Barcode | undefined;",
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
/// the web build of the package in `pkg` (`crates/reveal/pkg`, or [`build_embed`]'s) (`orderveil_reveal.js`, `orderveil_reveal_bg.wasm`,
/// `snippets/`), `crates/reveal/embed/frame.html` + `frame.js` (the isolated field),
/// `print.html` + `print.js` and `web/print.css` (the print frame). Run after every Trunk
/// build, which replaces `dist/`.
pub(crate) fn copy_embed(pkg: &Path) -> Result {
    step(&format!("embed: {} + crates/reveal/embed -> dist/embed/", pkg.display()));
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
    for file in snippet_files(pkg)? {
        let rel = file.strip_prefix(pkg).map_err(|e| e.to_string())?;
        copy(&file, &embed.join(rel))?;
    }
    for file in ["frame.html", "frame.js", "print.html", "print.js"] {
        copy(&reveal_dir().join("embed").join(file), &embed.join(file))?;
    }
    // The print frame's labels look like the web app's: one stylesheet for both.
    copy(&root().join("web/print.css"), &embed.join("print.css"))?;
    eprintln!("    {} ready (frame.html/js, print.html/js/css, the package's web build)", embed.display());
    Ok(())
}

/// Raw and gzip -9 size of the package (web build): the .wasm against its budget, and the JS.
pub(crate) fn reveal_size() -> Result<u64> {
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
pub(crate) fn check_reveal_deps() -> Result {
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

/// The package's web build for the embed frame only, without wasm-pack: `cargo build` of
/// `orderveil-reveal` for wasm32 with the `wasm-release` profile, the wasm-bindgen CLI
/// (`--target web`, as wasm-pack runs it) and wasm-opt `-Oz` (as the crate's
/// `package.metadata.wasm-pack` asks), into `target/reveal-web/`. Returns that directory.
/// The npm package itself (package.json, README, .d.ts checks) is [`build_reveal_pkg`]'s.
pub(crate) fn build_embed(wasm_opt_dir: &Path) -> Result<PathBuf> {
    step("embed: orderveil-reveal for wasm32 (wasm-release) + wasm-bindgen --target web + wasm-opt -Oz -> target/reveal-web/");
    run(cargo().args(["build", "--quiet", "-p", "orderveil-reveal", "--lib", "--target", "wasm32-unknown-unknown", "--profile", "wasm-release"]))?;
    let out = root().join("target/reveal-web");
    if out.exists() {
        std::fs::remove_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    }
    let wasm = root().join("target/wasm32-unknown-unknown/wasm-release/orderveil_reveal.wasm");
    run(Command::new("wasm-bindgen").arg("--target").arg("web").arg("--out-dir").arg(&out).arg(&wasm))?;
    let bg = out.join("orderveil_reveal_bg.wasm");
    run(Command::new(wasm_opt_dir.join("wasm-opt")).arg("-Oz").arg(&bg).arg("-o").arg(&bg))?;
    Ok(out)
}
