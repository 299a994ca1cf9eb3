//! Canonical unpadded base64url, the only binary-to-text encoding OrderVeil uses.

use alloc::{string::String, vec::Vec};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes canonical unpadded base64url; rejects padding, other alphabets and non-zero
/// trailing bits, so every byte string has exactly one text form.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}
