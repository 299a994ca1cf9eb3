// @orderveil/reveal — RevealError and the lists of known names.
//
// A wasm-bindgen snippet: the Rust side (src/lib.rs) imports `newRevealError` and re-exports
// `RevealError`, `FIELD_KINDS`, `REVEAL_PURPOSES` and `ERROR_CODES` from the package's main module. The
// TypeScript declarations are in src/lib.rs (`TS_API`).

/** Every field name, in display order. */
export const FIELD_KINDS = Object.freeze(['name', 'phone', 'address']);

/** Every reveal purpose, in the server's order (src/purpose.rs `PURPOSES`; checked by tests/codes.rs). */
export const REVEAL_PURPOSES = Object.freeze([
  'manual_shipping',
  'after_sales',
  'customer_service',
  'installation_delivery',
  'virtual_goods',
  'dropshipping',
  'other',
]);

/** Codes of the OrderVeil server's refusals (crates/api/src/error.rs; checked by tests/codes.rs). */
export const SERVER_ERROR_CODES = Object.freeze([
  'BAD_REQUEST',
  'VALIDATION_FAILED',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'INVALID_CREDENTIALS',
  'CSRF_FAILED',
  'FORBIDDEN',
  'ORDER_NOT_FOUND',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'QUOTA_EXHAUSTED',
  'RISK_COOLDOWN',
  'ORDER_STATE_FORBIDS_REVEAL',
  'SHOP_SUSPENDED',
  'TOO_MANY_ORDERS',
  'BATCH_TOO_LARGE',
  'UNKNOWN_FIELD',
  'CLIENT_KEY_INVALID',
  'CIPHERTEXT_INVALID',
  'GRANT_EXPIRED',
  'ORDER_SHREDDED',
  'INGEST_CONFLICT',
  'RATE_LIMITED',
  'APP_CREDENTIALS_INVALID',
  'APP_NOT_AUTHORIZED',
  'TOKEN_INVALID',
  'TOKEN_EXPIRED',
  'SCOPE_MISSING',
  'ORIGIN_NOT_ALLOWED',
  'APPLICATION_STATE_CONFLICT',
  'USERNAME_TAKEN',
  'SHOP_EXISTS',
  'SETTINGS_CHANGED',
  'ORDER_NOT_SHIPPABLE',
  'CARRIER_UNKNOWN',
  'TRACKING_NUMBER_INVALID',
  'UPLOAD_INVALID',
  'WAYBILL_ACCOUNT_INACTIVE',
  'WAYBILL_BALANCE_EXHAUSTED',
  'WAYBILL_STATE_CONFLICT',
  'PRINT_LIMIT_REACHED',
  'ORDERS_NOT_MERGEABLE',
  'SEARCH_COOLDOWN',
  'SEARCH_BUDGET_EXHAUSTED',
  'PURPOSE_INVALID',
  'PURPOSE_NOT_ALLOWED',
  'TOPUP_STATE_CONFLICT',
  'PASSWORD_LENGTH',
  'PASSWORD_CONTAINS_USERNAME',
  'PASSWORD_TOO_COMMON',
  'CURRENT_PASSWORD_WRONG',
  'LOGIN_LOCKED',
  'SERVER_BUSY',
  'FACTORY_NOT_BOUND',
  'BINDING_STATE_CONFLICT',
  'ORDER_NOT_ASSIGNABLE',
  'ASSIGNMENT_STATE_CONFLICT',
  'FACTORY_EXISTS',
  'FACTORY_SUSPENDED',
  'PRINT_SHOPS_MIXED',
  'SMS_TEMPLATE_FORBIDDEN',
  'SMS_TEMPLATE_STATE_CONFLICT',
  'SMS_NOT_SENDABLE',
  'SMS_SHOP_LIMIT',
  'SMS_QUIET_HOURS',
  'VIRTUAL_NUMBER_UNAVAILABLE',
  'VIRTUAL_NUMBER_POOL_EXHAUSTED',
  'BUYER_LINK_INVALID',
  'FLAG_STATE_CONFLICT',
  'KEY_UNAVAILABLE',
  'INTERNAL',
]);

/** Codes this package raises itself (src/error.rs `LOCAL_CODES`). */
export const LOCAL_ERROR_CODES = Object.freeze([
  'NETWORK_ERROR',
  'RESPONSE_INVALID',
  'TOKEN_UNAVAILABLE',
  'INVALID_ARGUMENT',
  'UNKNOWN_FIELD',
  'TOO_MANY_ORDERS',
  'CIPHERTEXT_INVALID',
  'CIPHERTEXT_MISMATCH',
  'GRANT_MALFORMED',
  'GRANT_INVALID',
  'GRANT_SHOP_MISMATCH',
  'GRANT_EXPIRED',
  'GRANT_SESSION_USED',
  'GRANT_BODY_INVALID',
  'GRANT_ORDER_NOT_COVERED',
  'GRANT_FIELD_NOT_COVERED',
  'PUBLIC_KEY_WEAK',
  'RANDOM_UNAVAILABLE',
  'PURPOSE_INVALID',
  'TIMEOUT',
]);

/** Every known code, server codes first, each once. */
export const ERROR_CODES = Object.freeze([...new Set([...SERVER_ERROR_CODES, ...LOCAL_ERROR_CODES])]);

/**
 * Why a reveal failed: `code` (stable), `status` (HTTP status; 0 when the failure happened in
 * the page), `message`, `messageZh`, `details` (an object or null). Never carries plaintext.
 */
export class RevealError extends Error {
  constructor(code, status, message, messageZh, details) {
    super(String(message ?? ''));
    this.name = 'RevealError';
    this.code = String(code);
    this.status = Number(status) || 0;
    this.messageZh = String(messageZh ?? '');
    this.details = details !== null && typeof details === 'object' ? details : null;
  }
}

/** Used by the Wasm side to create errors. */
export function newRevealError(code, status, message, messageZh, details) {
  return new RevealError(code, status, message, messageZh, details);
}
