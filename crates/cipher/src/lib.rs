//! # orderveil-cipher
//!
//! The single source of crypto truth for OrderVeil: the server, the Yew app and the npm
//! package all link this crate, natively and compiled to `wasm32-unknown-unknown`.
//!
//! It does **no I/O**: it is `#![no_std]` (with `alloc`), takes the current time as an
//! argument, and draws randomness only from `getrandom` (the OS natively,
//! `crypto.getRandomValues` in the browser).
//!
//! What it provides, one module each:
//!
//! | module | what |
//! | --- | --- |
//! | [`FieldKind`], [`FieldCiphertext`] | field kinds and the text ciphertext format `$idx$payload$v$$` |
//! | [`Kek`], [`Dek`], [`WrappedDek`], [`FieldKey`] | envelope keys: per-order DEK wrapped under a versioned master key, per-field keys by HKDF |
//! | [`ClientSession`], [`seal_grant`], [`OpenedGrant`] | the one-time key grant (X25519 → HKDF → AES-256-GCM, up to 50 orders a box) |
//! | [`mask_phone`], [`mask_name`], [`mask_address`] | masking for Chinese receiver data |
//! | [`IndexKey`], [`receiver_key`](IndexKey::receiver_key) | blind search tokens and the shipment-merge key |
//! | [`encrypt_receiver`] | the one-call ingest: DEK, wrap, three fields, tokens, masks |
//!
//! The grammar, the AAD strings, the key derivations and the leakage of the search tokens are
//! specified in `docs/ciphertext-format.md` at the workspace root.
//!
//! ## Security notes
//! * Crypto failures are deliberately opaque ([`CryptoError`]); parse failures are detailed
//!   ([`ParseError`]) because they concern public text only.
//! * Every secret type zeroizes on drop and prints `[redacted]` in `Debug`.
//! * The AES implementation is the constant-time bitsliced software AES of the `aes` crate
//!   (hardware AES-NI natively when available). In the browser the Wasm JIT gives no formal
//!   constant-time guarantee; the exposure is limited because the keys in a browser are
//!   one-time field keys for orders the user is already allowed to read.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used, clippy::panic))]

extern crate alloc;

mod b64;
mod error;
mod field;
mod format;
mod grant;
mod ids;
mod index;
mod keys;
mod mask;
mod order;

pub use error::{CryptoError, GrantError, ParseError, Segment};
pub use field::{FieldKind, UnknownFieldKind};
pub use format::{FieldCiphertext, MAX_CIPHERTEXT_LEN, SCHEME_VERSION};
pub use grant::{
    ClientSession, GRANT_MAX_ORDERS, GrantBody, GrantId, GrantOrder, GrantPurpose, OpenedGrant,
    SealedGrant, check_public_key, client_key_from_base64, client_key_to_base64, seal_grant,
};
pub use ids::{IdError, OrderId, ShopId};
pub use index::{
    IndexKey, IndexMasterSecret, PHONE_TOKEN_LEN, WINDOW_TOKEN_LEN, index_matches, normalize_phone,
    normalize_text,
};
pub use keys::{Dek, FieldKey, Kek, KekVersion, WrappedDek};
pub use mask::{mask, mask_address, mask_name, mask_phone};
pub use order::{EncryptedField, EncryptedReceiver, Receiver, encrypt_receiver};

/// Deterministic variants (fixed nonces and ephemeral keys) used to generate and check the
/// committed test vectors. Never use these in production code: reusing a nonce under the same
/// key breaks AES-GCM.
#[cfg(feature = "test-vectors")]
pub mod deterministic {
    pub use crate::format::encrypt_field_with_nonce;
    pub use crate::grant::seal_grant_with;
    pub use crate::keys::wrap_with_nonce;
}

/// Fill `buf` with cryptographically secure random bytes.
///
/// Natively this is the OS generator; in the browser it is `crypto.getRandomValues`.
/// A failing system generator is unrecoverable for a crypto library, so it is reported as
/// an opaque [`CryptoError`].
pub(crate) fn random_bytes(buf: &mut [u8]) -> Result<(), CryptoError> {
    getrandom::fill(buf).map_err(|_| CryptoError)
}
