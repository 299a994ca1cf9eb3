//! # orderveil-reveal — the npm package `@orderveil/reveal`
//!
//! wasm-bindgen bindings over [`orderveil_cipher`] for third-party (ISV) pages: a client that
//! asks the OrderVeil server for a one-time key grant and decrypts receiver fields **inside
//! the page, in WebAssembly**, helpers to parse ciphertext and to mask, and the drop-in
//! `<orderveil-field>` custom element with the eye icon. `wasm-pack build` turns this crate
//! into the npm package (`cargo xtask reveal` builds `pkg/` for `--target web` and
//! `pkg-bundler/` for `--target bundler`); the package's README.md is the user guide.
//!
//! ## What a reveal does
//!
//! ```text
//! RevealClient.reveal(orderId, fields, ciphertexts)          (one call = one grant = one key pair)
//!   1. validate everything locally: order ids, field names, every ciphertext parses and is of
//!      the field it is given for, and the client has a purpose — a request that cannot
//!      succeed is never sent (and charged)
//!   2. token = await getToken()                               (the ISV backend's app token)
//!   3. ClientSession::new()                                   (X25519 secret from getrandom →
//!                                                              crypto.getRandomValues)
//!   4. POST {baseUrl}/api/v1/reveal-grants                    Authorization: Bearer <token>
//!      {"order_ids": [...], "fields": [...], "client_public": "<base64url, no padding>",
//!       "purpose": "manual_shipping", "purpose_note"?: "..."}
//!      credentials: "omit", cache: "no-store", redirect: "error"
//!   5. session.open(sealed_grant, expected shop, now)         (the secret is used once, then gone)
//!   6. OpenedGrant::decrypt_parsed(order, ciphertext)         (AES-256-GCM, AAD binds shop,
//!                                                              order and field)
//!   7. the plaintexts become JS strings; the grant's field keys and the Rust copies of the
//!      plaintexts are zeroized when they drop at the end of the call
//! ```
//!
//! `revealMany` does the same for up to 50 orders with **one** grant (one request, one key
//! agreement). Every failure rejects with a `RevealError` (a JS `Error` subclass defined in
//! `js/errors.js` and re-exported) carrying the server's stable `code`, the HTTP `status`
//! (0 for a local failure), `message`, `messageZh` and `details`.
//!
//! ## The purpose
//!
//! Every grant request names why the data is needed (`purpose`: `manual_shipping`,
//! `after_sales`, `customer_service`, `installation_delivery`, `virtual_goods`,
//! `dropshipping`, or `other` with a `purpose_note`); the server audits it and refuses an
//! app's request for a purpose the shop's authorization does not list. The client takes it as
//! an option (`purpose`, `purposeNote`); `withPurpose` gives a client for another purpose (the
//! per-call choice, sharing everything else); the element takes `purpose` / `purpose-note`
//! attributes. There is deliberately **no default**: the purpose is the ISV's statement to
//! the shop and its audit trail, and a guessed one would be recorded as if it had been
//! stated. A client without a purpose refuses to reveal with `PURPOSE_INVALID` before asking
//! for a token or sending anything; so does an unknown purpose or a note the server would
//! refuse (`src/purpose.rs`, the server's rule).
//!
//! ## Security properties
//!
//! * **Plaintext only in the page that asked.** The server sends a grant sealed to this call's
//!   fresh X25519 key; whoever records the response (a proxy, the ISV backend, a log) holds
//!   nothing usable. The session's secret opens exactly one grant, whatever the outcome, so a
//!   page cannot be turned into a decryption oracle.
//! * **The right shop.** A grant opens only for the expected shop: `shopId` from the
//!   options when given (recommended: the shop the ISV backend issued the token for), else
//!   the shop named in the response. Ciphertexts are bound to shop, order and field by their
//!   AAD, so a ciphertext moved to another order or field fails to open.
//! * **Nothing is logged or stored.** This crate has no `console` binding at all; plaintext is
//!   never put in an error, an event, storage, a URL or a log. Rust-side copies are
//!   `Zeroizing`; the JS strings handed to the caller cannot be wiped (a limit of JS), which is
//!   why the element drops its reference and removes the text node when the countdown ends.
//! * **The token goes only where it should.** It is sent to `{baseUrl}/api/v1/reveal-grants`
//!   only, without cookies (`credentials: "omit"`), and never across a redirect
//!   (`redirect: "error"`).
//! * **Isolated mode** (`<orderveil-field mode="isolated">`): the field is shown by a frame
//!   served by the OrderVeil server; the host page hands the frame a token on request
//!   (`postMessage` to the frame's origin only) and receives only non-secret state back, so
//!   the plaintext never enters the host page's DOM or JS heap. See `embed/frame.js`.
//!
//! ## Size
//!
//! The package's `.wasm` carries the cipher (AES-GCM, X25519, HKDF) and the glue only: JSON
//! goes through the browser's `JSON` object, `fetch` and `Response` are declared by hand
//! (no web-sys), and the release build uses the workspace's `wasm-release` profile
//! (opt-level z, fat LTO, panic=abort) plus `wasm-opt -Oz`. `cargo xtask size` prints the
//! figures.
//!
//! ## Layout
//!
//! | file | what |
//! | --- | --- |
//! | `src/lib.rs` | the free functions (`parseCiphertext`, `mask`, `version`), the JS imports and re-exports, the TypeScript declarations |
//! | `src/client.rs` | `RevealClient`: validation, token, grant request, open, decrypt |
//! | `src/http.rs` | the hand-declared `fetch`/`Response` bindings and JSON helpers |
//! | `src/error.rs` | building `RevealError`s: local codes, grant and parse failures |
//! | `src/purpose.rs` | the purposes and the note rule (the server's), `PURPOSE_INVALID` |
//! | `src/print.rs` | `RevealClient.printGrant` (a print grant's labels, each order's keys bound to its waybill) and `code128` |
//! | `js/errors.js` | `RevealError`, `FIELD_KINDS`, `REVEAL_PURPOSES`, `ERROR_CODES` |
//! | `js/element.js` | `defineOrderVeilField` and the `<orderveil-field>` element |
//! | `js/print.js` | `printLabels`: the host's half of printing in an isolated frame |
//! | `embed/frame.html`, `embed/frame.js` | the isolated-mode frame served at `/embed/frame.html` |
//! | `embed/print.html`, `embed/print.js` | the print frame served at `/embed/print.html` (labels rendered with the server's `print.css`) |
//! | `tests/package.rs` | the package in headless Chromium (vectors, errors, client, a sealed-grant round trip, the element) |
//! | `tests/codes.rs` | natively: the code lists against the server's `ErrorCode`s, the purposes and the note rule against the server's |
//! | `tests/types.ts` | `tsc --strict` over the generated .d.ts (run by `cargo xtask reveal`) |

#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

mod client;
mod error;
mod http;
mod print;
mod purpose;

use js_sys::{Object, Reflect};
use orderveil_cipher::{FieldCiphertext, FieldKind};
use wasm_bindgen::prelude::*;

pub use client::RevealClient;
pub use print::code128;
pub use error::{LOCAL_CODES, reveal_error};
pub use purpose::{NOTE_MAX_CHARS, PURPOSES, purpose_note_problem};

// ---------------------------------------------------------------------------------------------
// JavaScript parts of the package (wasm-bindgen snippets, shipped in `pkg/snippets/`)
// ---------------------------------------------------------------------------------------------

// `reexport` makes the generated module export these JS values as they are. They are
// declared as functions (whatever they are in JS: a class, a frozen array, a function)
// because wasm-bindgen honours `skip_typescript` only on functions; their TypeScript
// declarations are written by hand in `TS_API` below instead of the `unknown` it would emit.
#[wasm_bindgen(module = "/js/errors.js")]
extern "C" {
    /// `new RevealError(code, status, message, messageZh, details)`.
    #[wasm_bindgen(js_name = newRevealError)]
    pub(crate) fn new_reveal_error(code: &str, status: u16, message: &str, message_zh: &str, details: &JsValue) -> JsValue;

    #[wasm_bindgen(reexport, skip_typescript, js_name = RevealError)]
    fn reexport_reveal_error();
    #[wasm_bindgen(reexport, skip_typescript, js_name = FIELD_KINDS)]
    fn reexport_field_kinds();
    #[wasm_bindgen(reexport, skip_typescript, js_name = ERROR_CODES)]
    fn reexport_error_codes();
    #[wasm_bindgen(reexport, skip_typescript, js_name = REVEAL_PURPOSES)]
    fn reexport_reveal_purposes();

    /// The `RevealError` class, for Rust callers (e.g. `instanceof` checks in tests).
    #[wasm_bindgen(thread_local_v2, js_name = RevealError)]
    pub static REVEAL_ERROR_CLASS: JsValue;
    /// The JS `FIELD_KINDS` array, for Rust callers.
    #[wasm_bindgen(thread_local_v2, js_name = FIELD_KINDS)]
    pub static FIELD_KINDS: JsValue;
    /// The JS `ERROR_CODES` array, for Rust callers.
    #[wasm_bindgen(thread_local_v2, js_name = ERROR_CODES)]
    pub static ERROR_CODES: JsValue;
    /// The JS `REVEAL_PURPOSES` array, for Rust callers.
    #[wasm_bindgen(thread_local_v2, js_name = REVEAL_PURPOSES)]
    pub static REVEAL_PURPOSES: JsValue;
}

#[wasm_bindgen(module = "/js/print.js")]
extern "C" {
    /// Prints labels in a frame of the OrderVeil server (JS: `printLabels(options)`,
    /// documented in the package README and in `js/print.js`); the host page never holds a
    /// receiver's plaintext.
    #[wasm_bindgen(reexport, skip_typescript, js_name = printLabels)]
    pub fn print_labels(options: &JsValue) -> JsValue;
}

#[wasm_bindgen(module = "/js/element.js")]
extern "C" {
    /// Registers the `<orderveil-field>` custom element (JS: `defineOrderVeilField(options)`,
    /// documented in the package README). Returns the element class; throws a `RevealError`
    /// (`INVALID_ARGUMENT`) for bad options or a tag name that is already taken.
    #[wasm_bindgen(reexport, skip_typescript, catch, js_name = defineOrderVeilField)]
    pub fn define_orderveil_field(options: &JsValue) -> Result<JsValue, JsValue>;
}

// ---------------------------------------------------------------------------------------------
// Free functions
// ---------------------------------------------------------------------------------------------

/// The package version (`0.1.0`), the crate's version.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// Parse a field ciphertext (`$idx$payload$1$$`, `#…##`, `~…~~`) without decrypting it:
/// `{ kind, index, version }`, `index` being the search-index segment (base64url, possibly
/// empty). Throws a `RevealError` `CIPHERTEXT_INVALID` whose `details.reason` says what is
/// wrong.
#[wasm_bindgen(js_name = parseCiphertext, unchecked_return_type = "ParsedCiphertext")]
pub fn parse_ciphertext(#[wasm_bindgen(unchecked_param_type = "string")] text: JsValue) -> Result<JsValue, JsValue> {
    let Some(text) = text.as_string() else {
        return Err(error::ciphertext_invalid(None, None, "not a string"));
    };
    let ct = FieldCiphertext::parse(&text).map_err(|e| error::ciphertext_invalid(None, None, &e.to_string()))?;
    let out = Object::new();
    set(&out, "kind", &ct.kind().as_str().into());
    set(&out, "index", &ct.index_text().into());
    set(&out, "version", &ct.version().into());
    Ok(out.into())
}

/// Mask a plaintext the way OrderVeil does (`13812345678` → `138****5678`, `张三` → `张*`,
/// addresses keep the region and hide the detail). Throws a `RevealError` `UNKNOWN_FIELD`
/// for a kind other than `name`, `phone`, `address`.
#[wasm_bindgen]
pub fn mask(
    #[wasm_bindgen(unchecked_param_type = "FieldName")] kind: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] plaintext: JsValue,
) -> Result<String, JsValue> {
    let kind = field_kind(&kind)?;
    let Some(text) = plaintext.as_string() else {
        return Err(error::invalid_argument("plaintext must be a string", "明文必须是字符串"));
    };
    let text = zeroize::Zeroizing::new(text);
    Ok(orderveil_cipher::mask(kind, &text))
}

/// A field name from JS, or `UNKNOWN_FIELD`.
pub(crate) fn field_kind(v: &JsValue) -> Result<FieldKind, JsValue> {
    v.as_string()
        .as_deref()
        .and_then(FieldKind::from_name)
        .ok_or_else(|| error::unknown_field(v))
}

/// `obj[key] = value`. Setting a property of a fresh plain object cannot fail.
pub(crate) fn set(obj: &Object, key: &str, value: &JsValue) {
    let _ = Reflect::set(obj, &JsValue::from_str(key), value);
}

/// Read `key` of a JS object (`undefined` when absent or not an object).
pub(crate) fn get(obj: &JsValue, key: &str) -> JsValue {
    if obj.is_object() { Reflect::get(obj, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED) } else { JsValue::UNDEFINED }
}

// ---------------------------------------------------------------------------------------------
// TypeScript: the public types the generated .d.ts refers to
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen(typescript_custom_section)]
const TS_API: &'static str = r#"
/** A receiver field that OrderVeil keeps encrypted. */
export type FieldName = "name" | "phone" | "address";

/** Every field name, in display order: `["name", "phone", "address"]` (frozen). */
export const FIELD_KINDS: readonly FieldName[];

/** Field name → text: ciphertexts going in, plaintexts coming out. */
export type FieldMap = Partial<Record<FieldName, string>>;

/**
 * Why receiver data is revealed, sent with every grant request and audited: manual shipping
 * (手工发货), after-sales (售后处理), a customer-service call (客服回访), installation or
 * delivery appointments (安装配送), virtual goods (虚拟商品发放), dropshipping (厂商代发), or
 * `other` (其他, with a note). The shop's authorization of the app lists the purposes it may use.
 */
export type RevealPurpose =
  | "manual_shipping" | "after_sales" | "customer_service" | "installation_delivery"
  | "virtual_goods" | "dropshipping" | "other";

/** Every purpose, in the server's order (frozen). */
export const REVEAL_PURPOSES: readonly RevealPurpose[];

/** Stable codes of the OrderVeil server's refusals (the `code` of its error body). */
export type ServerErrorCode =
  | "BAD_REQUEST" | "VALIDATION_FAILED" | "PAYLOAD_TOO_LARGE" | "UNAUTHENTICATED"
  | "INVALID_CREDENTIALS" | "CSRF_FAILED" | "FORBIDDEN" | "ORDER_NOT_FOUND" | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED" | "QUOTA_EXHAUSTED" | "RISK_COOLDOWN" | "ORDER_STATE_FORBIDS_REVEAL"
  | "SHOP_SUSPENDED" | "TOO_MANY_ORDERS" | "BATCH_TOO_LARGE" | "UNKNOWN_FIELD"
  | "CLIENT_KEY_INVALID" | "CIPHERTEXT_INVALID" | "GRANT_EXPIRED" | "ORDER_SHREDDED"
  | "INGEST_CONFLICT" | "RATE_LIMITED" | "APP_CREDENTIALS_INVALID" | "APP_NOT_AUTHORIZED"
  | "TOKEN_INVALID" | "TOKEN_EXPIRED" | "SCOPE_MISSING" | "ORIGIN_NOT_ALLOWED" | "APPLICATION_STATE_CONFLICT"
  | "USERNAME_TAKEN" | "SHOP_EXISTS" | "SETTINGS_CHANGED" | "ORDER_NOT_SHIPPABLE" | "CARRIER_UNKNOWN"
  | "TRACKING_NUMBER_INVALID" | "UPLOAD_INVALID" | "WAYBILL_ACCOUNT_INACTIVE" | "WAYBILL_BALANCE_EXHAUSTED"
  | "WAYBILL_STATE_CONFLICT" | "PRINT_LIMIT_REACHED" | "ORDERS_NOT_MERGEABLE"
  | "SEARCH_COOLDOWN" | "SEARCH_BUDGET_EXHAUSTED" | "PURPOSE_INVALID" | "PURPOSE_NOT_ALLOWED"
  | "TOPUP_STATE_CONFLICT" | "PASSWORD_LENGTH" | "PASSWORD_CONTAINS_USERNAME" | "PASSWORD_TOO_COMMON"
  | "CURRENT_PASSWORD_WRONG" | "LOGIN_LOCKED" | "SERVER_BUSY"
  | "FACTORY_NOT_BOUND" | "BINDING_STATE_CONFLICT" | "ORDER_NOT_ASSIGNABLE" | "ASSIGNMENT_STATE_CONFLICT"
  | "FACTORY_EXISTS" | "FACTORY_SUSPENDED" | "PRINT_SHOPS_MIXED" | "SMS_TEMPLATE_FORBIDDEN"
  | "SMS_TEMPLATE_STATE_CONFLICT" | "SMS_NOT_SENDABLE" | "SMS_SHOP_LIMIT" | "SMS_QUIET_HOURS"
  | "VIRTUAL_NUMBER_UNAVAILABLE" | "VIRTUAL_NUMBER_POOL_EXHAUSTED" | "BUYER_LINK_INVALID"
  | "FLAG_STATE_CONFLICT" | "KEY_UNAVAILABLE"
  | "INTERNAL";

/** Codes this package raises itself (`status` 0, except `RESPONSE_INVALID`, which carries
 *  the HTTP status of the response it could not read). The `GRANT_*`, `CIPHERTEXT_*`,
 *  `PUBLIC_KEY_WEAK` and `RANDOM_UNAVAILABLE` codes are orderveil-cipher's `GrantError` codes;
 *  `TIMEOUT` is `printLabels`' frame not answering in time. */
export type LocalErrorCode =
  | "NETWORK_ERROR" | "RESPONSE_INVALID" | "TOKEN_UNAVAILABLE" | "INVALID_ARGUMENT"
  | "UNKNOWN_FIELD" | "TOO_MANY_ORDERS" | "CIPHERTEXT_INVALID" | "CIPHERTEXT_MISMATCH"
  | "GRANT_MALFORMED" | "GRANT_INVALID" | "GRANT_SHOP_MISMATCH" | "GRANT_EXPIRED"
  | "GRANT_SESSION_USED" | "GRANT_BODY_INVALID" | "GRANT_ORDER_NOT_COVERED"
  | "GRANT_FIELD_NOT_COVERED" | "PUBLIC_KEY_WEAK" | "RANDOM_UNAVAILABLE" | "PURPOSE_INVALID"
  | "TIMEOUT";

/** Every code this package knows. A newer server may answer with a code not listed here. */
export type ErrorCode = ServerErrorCode | LocalErrorCode;

/** Every known code (frozen), server codes first. */
export const ERROR_CODES: readonly ErrorCode[];

/**
 * Why a reveal (or a parse, or a mask) failed. Branch on `err instanceof RevealError` and
 * `err.code`. Never carries plaintext.
 */
export class RevealError extends Error {
  constructor(code: string, status: number, message: string, messageZh: string, details?: Record<string, unknown> | null);
  readonly name: "RevealError";
  /** Stable machine-readable code, e.g. `QUOTA_EXHAUSTED`, `NETWORK_ERROR`. */
  readonly code: ErrorCode | (string & {});
  /** The HTTP status of the server's answer; 0 when the failure happened in the page. */
  readonly status: number;
  /** English message (the server's `message`, or this package's own). */
  readonly message: string;
  /** Chinese message (the server's `message_zh`, or this package's own). */
  readonly messageZh: string;
  /** The server's `details` object (e.g. `retry_after_secs`, `quota`), or facts about a local failure; null if none. */
  readonly details: Record<string, unknown> | null;
}

/** Options of `new RevealClient(...)`. */
export interface RevealClientOptions {
  /** Origin (and optional path prefix) of the OrderVeil server, e.g. `"https://orderveil.example.com"`. */
  baseUrl: string;
  /** Returns the short-lived app access token that the ISV backend obtained for the shop;
   *  sent as `Authorization: Bearer <token>`. Called once per reveal. */
  getToken: () => string | Promise<string>;
  /** The shop the orders belong to. When given, a grant for any other shop is refused
   *  (`GRANT_SHOP_MISMATCH`); when absent the shop named in the server's response is expected. */
  shopId?: string;
  /** Why the data is revealed, sent with every grant request. There is no default: without a
   *  purpose (here or through `withPurpose`) a reveal is refused in the page (`PURPOSE_INVALID`). */
  purpose?: RevealPurpose;
  /** A note on the purpose: required for `"other"` (1–200 characters, no phone numbers; it is
   *  stored in the shop's audit trail), optional otherwise. */
  purposeNote?: string;
}

/** One order of `revealMany`. */
export interface RevealItem {
  orderId: string;
  /** The ciphertext of every requested field. */
  ciphertexts: FieldMap;
}

/** One order's plaintexts from `revealMany`, in the order of the request. */
export interface RevealedOrder {
  orderId: string;
  fields: FieldMap;
}

/** What `parseCiphertext` returns. */
export interface ParsedCiphertext {
  kind: FieldName;
  /** The search-index segment, base64url (empty when the ciphertext has none). */
  index: string;
  /** Scheme version (1). */
  version: number;
}

/** Options of `defineOrderVeilField(...)`. */
export interface OrderVeilFieldOptions {
  /** The client that reveals (inline mode); its `baseUrl` and token also serve isolated mode. */
  client?: RevealClient;
  /** Token for isolated mode's frame; defaults to `client.getToken()`. */
  getToken?: () => string | Promise<string>;
  /** Seconds the plaintext stays before it is removed again (default 30, 1–600). */
  timeoutSecs?: number;
  /** Custom element name (default `"orderveil-field"`). */
  tagName?: string;
  /** Default mode of the elements (`mode` attribute overrides): `"inline"` (default) or `"isolated"`. */
  mode?: "inline" | "isolated";
  /** Isolated mode's frame page; default `${client.baseUrl}/embed/frame.html`. */
  frameUrl?: string;
  /** The elements' purpose (the `purpose` attribute overrides); default: the client's. */
  purpose?: RevealPurpose;
  /** The note that goes with `purpose` (the `purpose-note` attribute overrides). */
  purposeNote?: string;
}

/** `detail` of `orderveil-reveal` and `orderveil-hide` (never the plaintext). */
export interface OrderVeilFieldDetail {
  orderId: string;
  field: FieldName;
}

/** `detail` of `orderveil-error`. */
export interface OrderVeilErrorDetail {
  code: ErrorCode | (string & {});
  message: string;
  messageZh: string;
}

/** The events an `<orderveil-field>` dispatches (bubbling, composed). */
export interface OrderVeilFieldEventMap {
  "orderveil-reveal": CustomEvent<OrderVeilFieldDetail>;
  "orderveil-hide": CustomEvent<OrderVeilFieldDetail>;
  "orderveil-error": CustomEvent<OrderVeilErrorDetail>;
}

/** An `<orderveil-field order-id field ciphertext masked [purpose] [purpose-note] [mode] [lang] [timeout]>` element. */
export interface OrderVeilFieldElement extends HTMLElement {
  /** `"masked"`, `"loading"`, `"revealed"` or `"error"` (isolated mode: as reported by the frame). */
  readonly state: "masked" | "loading" | "revealed" | "error";
  /** Reveal as if the eye were clicked (inline mode). */
  reveal(): Promise<void>;
  /** Remove the plaintext now. */
  hide(): void;
  addEventListener<K extends keyof OrderVeilFieldEventMap>(type: K, listener: (this: OrderVeilFieldElement, ev: OrderVeilFieldEventMap[K]) => void, options?: boolean | AddEventListenerOptions): void;
  addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
}

/** The class `defineOrderVeilField` registers. */
export interface OrderVeilFieldConstructor {
  new (): OrderVeilFieldElement;
  readonly prototype: OrderVeilFieldElement;
}

/** A shipping label of a `PrintJob`: the waybill, its sender, and its orders with their
 *  receivers in plaintext (orders of one receiver may share a label). */
export interface PrintLabel {
  waybillNo: string;
  /** Carrier code (`SF`, `ZTO`, …) and its name (顺丰速运, …). */
  carrier: string;
  carrierName: string;
  /** Which print of this waybill this is (1–3). */
  printNo: number;
  sender: { name: string; phone: string; address: string };
  orders: { orderId: string; items: string; receiver: { name: string; phone: string; address: string } }[];
}

/** What `client.printGrant(waybillNos)` resolves to. Holds plaintext: render it, then drop it. */
export interface PrintJob {
  grantId: string;
  shopId: string;
  /** Unix seconds after which the grant no longer opens. */
  expiresAt: number;
  labels: PrintLabel[];
}

/** The bars of a Code 128 barcode, in modules (quiet zones included in `width`). */
export interface Barcode {
  /** `[x, width]` of every bar. */
  bars: [number, number][];
  width: number;
}

/** Options of `printLabels(...)`. */
export interface PrintLabelsOptions {
  /** The client whose `baseUrl`, token and shop serve the print frame. */
  client?: RevealClient;
  /** The app token for the frame; default `client.getToken()`. */
  getToken?: () => string | Promise<string>;
  /** The frame page; default `${client.baseUrl}/embed/print.html`. */
  frameUrl?: string;
  /** The expected shop; default `client.shopId`. */
  shopId?: string;
  /** 1–50 waybill numbers of the shop's own e-waybill accounts (allocated or printed). */
  waybillNos: string[];
  /** Label size in mm: `"76x130"` (default) or `"100x180"`. */
  template?: "76x130" | "100x180";
  /** Language of the label's captions: `"zh"` (default) or `"en"`. */
  lang?: "zh" | "en";
  /** Where the frame goes (default `document.body`). */
  container?: Element;
  /** Show the frame as a preview (default true); false keeps it out of sight. */
  preview?: boolean;
  /** Seconds to wait for the frame (default 60, 5–600); then `TIMEOUT`. */
  timeoutSecs?: number;
}

/** What `printLabels` resolves to: public facts only, never a receiver. */
export interface PrintResult {
  /** The print frame (another origin: the host page cannot read it). */
  frame: HTMLIFrameElement;
  shopId: string;
  labels: { waybillNo: string; printNo: number; orderIds: string[] }[];
  /** Remove the frame. */
  close(): void;
}

/**
 * Print shipping labels in a frame served by the OrderVeil server: the frame gets the token
 * from this page, asks for one print grant, decrypts in its own Wasm, renders the labels and
 * calls print(). Rejects with a `RevealError` (the server's code, or `TIMEOUT`,
 * `INVALID_ARGUMENT`).
 */
export function printLabels(options: PrintLabelsOptions): Promise<PrintResult>;

/**
 * Register the `<orderveil-field>` custom element (once per tag name) and return its class.
 * Throws a `RevealError` `INVALID_ARGUMENT` for bad options or a tag name already in use,
 * `PURPOSE_INVALID` for an unknown `purpose` or a `purposeNote` that is not a string.
 */
export function defineOrderVeilField(options: OrderVeilFieldOptions): OrderVeilFieldConstructor;
"#;
