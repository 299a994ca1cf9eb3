//! The text ciphertext format of one field (Doudian-shaped):
//!
//! ```text
//! phone    $<index>$<payload>$<v>$$
//! name     #<index>#<payload>#<v>##
//! address  ~<index>~<payload>~<v>~~
//! ```
//!
//! `payload` = base64url(nonce(12) ‖ AES-256-GCM ciphertext ‖ tag(16)) under the field key,
//! `aad = "orderveil/v<v>|<shop_id>|<order_id>|<field>"`. The full grammar is in
//! `docs/ciphertext-format.md`.

use alloc::{string::String, vec::Vec};
use core::fmt;
use zeroize::Zeroizing;

use crate::error::Segment;
use crate::index::{PHONE_TOKEN_LEN, WINDOW_TOKEN_LEN};
use crate::keys::{NONCE_LEN, TAG_LEN, aead_open, aead_seal, random_nonce};
use crate::{CryptoError, FieldKey, FieldKind, OrderId, ParseError, ShopId, b64};

/// The scheme version this build writes and reads.
pub const SCHEME_VERSION: u32 = 1;

/// The longest text the parser looks at, in bytes. Longer input is refused before any
/// decoding, so a hostile string cannot make the parser allocate much.
pub const MAX_CIPHERTEXT_LEN: usize = 8192;

/// A parsed field ciphertext. `Display` writes the text form; [`FieldCiphertext::parse`]
/// reads it back exactly.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct FieldCiphertext {
    kind: FieldKind,
    index: Vec<u8>,
    payload: Vec<u8>,
    version: u32,
}

impl FieldCiphertext {
    /// Parse the text form. Total: every input gives a value or a [`ParseError`].
    pub fn parse(text: &str) -> Result<Self, ParseError> {
        if text.is_empty() {
            return Err(ParseError::Empty);
        }
        if text.len() > MAX_CIPHERTEXT_LEN {
            return Err(ParseError::TooLong { len: text.len(), max: MAX_CIPHERTEXT_LEN });
        }
        let first = text.chars().next().unwrap_or('\u{FFFD}');
        let kind = FieldKind::from_delimiter(first)
            .ok_or(ParseError::UnknownDelimiter { found: first })?;
        let d = first; // one ASCII byte
        // Opening delimiter + body + doubled closing delimiter.
        let body = text
            .strip_prefix(d)
            .and_then(|rest| rest.strip_suffix(d))
            .and_then(|rest| rest.strip_suffix(d))
            .ok_or(ParseError::MissingTerminator)?;
        let mut parts = body.split(d);
        let (Some(index), Some(payload), Some(version), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(ParseError::SegmentCount { found: body.split(d).count() });
        };
        let version = parse_version(version)?;
        if version != SCHEME_VERSION {
            return Err(ParseError::UnsupportedVersion { version });
        }
        let index =
            b64::decode(index).ok_or(ParseError::InvalidBase64 { segment: Segment::Index })?;
        if !index_len_ok(kind, index.len()) {
            return Err(ParseError::IndexLength { kind, len: index.len() });
        }
        let payload =
            b64::decode(payload).ok_or(ParseError::InvalidBase64 { segment: Segment::Payload })?;
        if payload.len() < NONCE_LEN + TAG_LEN {
            return Err(ParseError::PayloadTooShort { len: payload.len() });
        }
        Ok(Self { kind, index, payload, version })
    }

    /// The field kind (from the delimiter).
    pub fn kind(&self) -> FieldKind {
        self.kind
    }

    /// The raw search-index bytes (may be empty).
    pub fn index(&self) -> &[u8] {
        &self.index
    }

    /// The index segment as text (what a database column would hold for search).
    pub fn index_text(&self) -> String {
        b64::encode(&self.index)
    }

    /// The scheme version.
    pub fn version(&self) -> u32 {
        self.version
    }

    /// `nonce ‖ ciphertext ‖ tag`.
    pub fn payload(&self) -> &[u8] {
        &self.payload
    }

    /// Encrypt one field with a random nonce.
    pub fn encrypt(
        key: &FieldKey,
        shop: &ShopId,
        order: &OrderId,
        plaintext: &str,
        index: Vec<u8>,
    ) -> Result<Self, CryptoError> {
        encrypt_field_with_nonce(key, shop, order, plaintext, index, random_nonce()?)
    }

    /// Decrypt with the field key of this order. Fails (opaquely) for a key of another
    /// field or order, or a ciphertext moved to another shop, order or field.
    pub fn decrypt(
        &self,
        key: &FieldKey,
        shop: &ShopId,
        order: &OrderId,
    ) -> Result<Zeroizing<String>, CryptoError> {
        if key.kind() != self.kind {
            return Err(CryptoError);
        }
        let aad = field_aad(self.version, shop, order, self.kind);
        let pt = aead_open(key.bytes(), aad.as_bytes(), &self.payload)?;
        let s = core::str::from_utf8(&pt).map_err(|_| CryptoError)?;
        Ok(Zeroizing::new(String::from(s)))
    }
}

/// Encrypt with a caller-chosen nonce. Only for generating test vectors.
pub fn encrypt_field_with_nonce(
    key: &FieldKey,
    shop: &ShopId,
    order: &OrderId,
    plaintext: &str,
    index: Vec<u8>,
    nonce: [u8; NONCE_LEN],
) -> Result<FieldCiphertext, CryptoError> {
    let kind = key.kind();
    if !index_len_ok(kind, index.len()) {
        return Err(CryptoError);
    }
    let aad = field_aad(SCHEME_VERSION, shop, order, kind);
    let payload = aead_seal(key.bytes(), nonce, aad.as_bytes(), plaintext.as_bytes())?;
    Ok(FieldCiphertext { kind, index, payload, version: SCHEME_VERSION })
}

/// `orderveil/v<v>|<shop_id>|<order_id>|<field>`. Ids cannot contain `|`, so the string is
/// unambiguous.
pub(crate) fn field_aad(version: u32, shop: &ShopId, order: &OrderId, kind: FieldKind) -> String {
    alloc::format!("orderveil/v{version}|{shop}|{order}|{kind}")
}

/// Largest index accepted: one 3-byte token per window of a long address.
const MAX_INDEX_LEN: usize = 3 * 512;

fn index_len_ok(kind: FieldKind, len: usize) -> bool {
    match kind {
        FieldKind::Phone => len == 0 || len == PHONE_TOKEN_LEN,
        FieldKind::Name | FieldKind::Address => {
            len.is_multiple_of(WINDOW_TOKEN_LEN) && len <= MAX_INDEX_LEN
        }
    }
}

fn parse_version(s: &str) -> Result<u32, ParseError> {
    let ok = !s.is_empty()
        && s.len() <= 4
        && s.bytes().all(|b| b.is_ascii_digit())
        && !s.starts_with('0');
    if !ok {
        return Err(ParseError::InvalidVersion);
    }
    s.parse().map_err(|_| ParseError::InvalidVersion)
}

impl fmt::Display for FieldCiphertext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.kind.delimiter();
        write!(
            f,
            "{d}{}{d}{}{d}{}{d}{d}",
            b64::encode(&self.index),
            b64::encode(&self.payload),
            self.version
        )
    }
}

impl core::str::FromStr for FieldCiphertext {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Self, ParseError> {
        Self::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Dek;
    use alloc::string::ToString;

    fn ids() -> (ShopId, OrderId) {
        (ShopId::new("shop1").unwrap(), OrderId::new("o1").unwrap())
    }

    #[test]
    fn round_trip_and_binding() {
        let (shop, order) = ids();
        let dek = Dek::from_bytes([1; 32]);
        let key = dek.field_key(FieldKind::Name);
        let ct = FieldCiphertext::encrypt(&key, &shop, &order, "张三", Vec::new()).unwrap();
        let text = ct.to_string();
        assert!(text.starts_with("##") && text.ends_with("#1##"), "{text}");
        let back = FieldCiphertext::parse(&text).unwrap();
        assert_eq!(back, ct);
        assert_eq!(&*back.decrypt(&key, &shop, &order).unwrap(), "张三");
        let other_order = OrderId::new("o2").unwrap();
        assert!(back.decrypt(&key, &shop, &other_order).is_err());
        let other_shop = ShopId::new("shop2").unwrap();
        assert!(back.decrypt(&key, &other_shop, &order).is_err());
        let addr_key = dek.field_key(FieldKind::Address);
        assert!(back.decrypt(&addr_key, &shop, &order).is_err());
        // Same payload relabelled as an address: the AAD names the field, so it fails
        // even with the address key of the same order.
        let relabelled = text.replace('#', "~");
        let moved = FieldCiphertext::parse(&relabelled).unwrap();
        assert!(moved.decrypt(&addr_key, &shop, &order).is_err());
    }

    #[test]
    fn refuses_a_phone_index_of_the_wrong_length() {
        let (shop, order) = ids();
        let key = Dek::from_bytes([1; 32]).field_key(FieldKind::Phone);
        assert!(FieldCiphertext::encrypt(&key, &shop, &order, "1", alloc::vec![0; 5]).is_err());
    }
}
