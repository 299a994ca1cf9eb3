// Starts the Yew app without an inline script, so the page runs under a CSP that allows only
// the app's own files. Trunk writes the hashed names of the wasm-bindgen glue and the .wasm
// into <meta name="orderveil-app"> (see Trunk.toml, `pattern_script`).
const app = document.querySelector('meta[name="orderveil-app"]');
const { default: init } = await import(app.dataset.js);
await init({ module_or_path: app.dataset.wasm });
