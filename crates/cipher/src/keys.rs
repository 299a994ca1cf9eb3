//! Envelope keys: the versioned master key (KEK), the per-order data key (DEK), and the
//! per-field keys derived from it.
//!
//! ```text
//! wrapped DEK = nonce(12) ‖ AES-256-GCM(KEK_v, nonce, DEK, aad = "orderveil/v1/dek|<order_id>")
//! field key   = HKDF-SHA256(salt = none, ikm = DEK, info = "orderveil/v1/field|<field>")
//! ```

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use alloc::vec::Vec;
use core::fmt;
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{CryptoError, FieldKind, OrderId, random_bytes};

/// Length of every symmetric key, in bytes.
pub(crate) const KEY_LEN: usize = 32;
/// Length of an AES-GCM nonce.
pub(crate) const NONCE_LEN: usize = 12;
/// Length of an AES-GCM tag.
pub(crate) const TAG_LEN: usize = 16;
/// Length of a wrapped DEK: nonce ‖ encrypted key ‖ tag.
pub(crate) const WRAPPED_LEN: usize = NONCE_LEN + KEY_LEN + TAG_LEN;

macro_rules! redacted_debug {
    ($name:ident) => {
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }
    };
}
pub(crate) use redacted_debug;

/// AES-256-GCM seal: returns `nonce ‖ ciphertext ‖ tag`.
pub(crate) fn aead_seal(
    key: &[u8; KEY_LEN],
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
    msg: &[u8],
) -> Result<Vec<u8>, CryptoError> {
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    let ct = cipher
        .encrypt(&Nonce::from(nonce), Payload { msg, aad })
        .map_err(|_| CryptoError)?;
    let mut out = Vec::with_capacity(NONCE_LEN + ct.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// AES-256-GCM open of `nonce ‖ ciphertext ‖ tag`. The plaintext is returned in a buffer
/// that zeroizes on drop.
pub(crate) fn aead_open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    sealed: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + TAG_LEN {
        return Err(CryptoError);
    }
    let (nonce, ct) = sealed.split_at(NONCE_LEN);
    let nonce: [u8; NONCE_LEN] = nonce.try_into().map_err(|_| CryptoError)?;
    let cipher = Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key));
    cipher
        .decrypt(&Nonce::from(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError)
}

pub(crate) fn random_nonce() -> Result<[u8; NONCE_LEN], CryptoError> {
    let mut n = [0u8; NONCE_LEN];
    random_bytes(&mut n)?;
    Ok(n)
}

/// HKDF-SHA256 to one 32-byte key.
pub(crate) fn hkdf32(salt: Option<&[u8]>, ikm: &[u8], info: &[&[u8]]) -> [u8; KEY_LEN] {
    let hk = Hkdf::<Sha256>::new(salt, ikm);
    let mut okm = [0u8; KEY_LEN];
    // 32 bytes is far below HKDF-SHA256's limit of 255 * 32, so expand cannot fail.
    let _ = hk.expand_multi_info(info, &mut okm);
    okm
}

/// Version number of a master key (1, 2, …).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KekVersion(u32);

impl KekVersion {
    /// A version; `None` for 0.
    pub const fn new(v: u32) -> Option<Self> {
        if v == 0 { None } else { Some(Self(v)) }
    }

    /// The number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for KekVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// The master key (key-encryption key) of one version. Held by the server's key provider;
/// never leaves it.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Kek {
    #[zeroize(skip)]
    version: KekVersion,
    key: [u8; KEY_LEN],
}
redacted_debug!(Kek);

impl Kek {
    /// A master key from its bytes.
    pub fn from_bytes(version: KekVersion, key: [u8; KEY_LEN]) -> Self {
        Self { version, key }
    }

    /// A fresh random master key.
    pub fn generate(version: KekVersion) -> Result<Self, CryptoError> {
        let mut key = [0u8; KEY_LEN];
        random_bytes(&mut key)?;
        Ok(Self { version, key })
    }

    /// The bytes, for the key provider to persist (e.g. the 0600 key file).
    pub fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// This key's version.
    pub fn version(&self) -> KekVersion {
        self.version
    }

    /// Wrap a DEK for an order under this master key, with a random nonce.
    pub fn wrap(&self, dek: &Dek, order: &OrderId) -> Result<WrappedDek, CryptoError> {
        wrap_with_nonce(self, dek, order, random_nonce()?)
    }

    /// Unwrap a DEK. Fails if the wrapped key was made under another version, for another
    /// order, or was tampered with.
    pub fn unwrap(&self, wrapped: &WrappedDek, order: &OrderId) -> Result<Dek, CryptoError> {
        if wrapped.kek_version != self.version {
            return Err(CryptoError);
        }
        let aad = dek_aad(order);
        let pt = aead_open(&self.key, &aad, &wrapped.bytes)?;
        let key: [u8; KEY_LEN] = pt.as_slice().try_into().map_err(|_| CryptoError)?;
        Ok(Dek(key))
    }
}

fn dek_aad(order: &OrderId) -> Vec<u8> {
    let mut aad = Vec::with_capacity(32 + order.as_str().len());
    aad.extend_from_slice(b"orderveil/v1/dek|");
    aad.extend_from_slice(order.as_str().as_bytes());
    aad
}

/// Wrap with a caller-chosen nonce. Only for generating test vectors.
pub fn wrap_with_nonce(
    kek: &Kek,
    dek: &Dek,
    order: &OrderId,
    nonce: [u8; NONCE_LEN],
) -> Result<WrappedDek, CryptoError> {
    let sealed = aead_seal(&kek.key, nonce, &dek_aad(order), &dek.0)?;
    let bytes: [u8; WRAPPED_LEN] = sealed.as_slice().try_into().map_err(|_| CryptoError)?;
    Ok(WrappedDek { kek_version: kek.version, bytes })
}

/// A DEK wrapped under a master key: what the database stores per order (with the version).
/// Deleting it crypto-shreds the order.
#[derive(Clone, PartialEq, Eq)]
pub struct WrappedDek {
    kek_version: KekVersion,
    bytes: [u8; WRAPPED_LEN],
}

impl fmt::Debug for WrappedDek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Not secret (it is ciphertext), but long and useless in logs.
        write!(f, "WrappedDek(v{}, {} bytes)", self.kek_version, WRAPPED_LEN)
    }
}

impl WrappedDek {
    /// Rebuild from stored parts; `None` if the length is wrong.
    pub fn from_parts(kek_version: KekVersion, bytes: &[u8]) -> Option<Self> {
        Some(Self { kek_version, bytes: bytes.try_into().ok()? })
    }

    /// The master-key version that wrapped it.
    pub fn kek_version(&self) -> KekVersion {
        self.kek_version
    }

    /// `nonce ‖ ciphertext ‖ tag`, 60 bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }
}

/// A per-order data key. Exists unwrapped only in memory, briefly.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Dek([u8; KEY_LEN]);
redacted_debug!(Dek);

impl Dek {
    /// A fresh random data key.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = [0u8; KEY_LEN];
        random_bytes(&mut key)?;
        Ok(Self(key))
    }

    /// A data key from bytes (test vectors, re-wrapping tools).
    pub fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        Self(key)
    }

    /// The field key of one field of this order.
    pub fn field_key(&self, kind: FieldKind) -> FieldKey {
        let key = hkdf32(None, &self.0, &[b"orderveil/v1/field|", kind.as_str().as_bytes()]);
        FieldKey { kind, key }
    }
}

/// The key of one field of one order: what a grant carries.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct FieldKey {
    #[zeroize(skip)]
    kind: FieldKind,
    key: [u8; KEY_LEN],
}

impl fmt::Debug for FieldKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FieldKey({}, [redacted])", self.kind)
    }
}

impl PartialEq for FieldKey {
    fn eq(&self, other: &Self) -> bool {
        use subtle_eq::ct_eq;
        self.kind == other.kind && ct_eq(&self.key, &other.key)
    }
}
impl Eq for FieldKey {}

impl FieldKey {
    /// A field key from bytes (test vectors; the grant opener).
    pub fn from_bytes(kind: FieldKind, key: [u8; KEY_LEN]) -> Self {
        Self { kind, key }
    }

    /// Which field this key opens.
    pub fn kind(&self) -> FieldKind {
        self.kind
    }

    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }

    /// The key bytes. Only with the `test-vectors` feature.
    #[cfg(feature = "test-vectors")]
    pub fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.key
    }
}

mod subtle_eq {
    /// Constant-time equality of two keys (no early exit).
    pub(super) fn ct_eq(a: &[u8; 32], b: &[u8; 32]) -> bool {
        let mut acc = 0u8;
        for (x, y) in a.iter().zip(b.iter()) {
            acc |= x ^ y;
        }
        core::hint::black_box(acc) == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    fn order(s: &str) -> OrderId {
        OrderId::new(s).unwrap()
    }

    #[test]
    fn wrap_unwrap_round_trips_and_is_bound_to_order_and_version() {
        let v1 = KekVersion::new(1).unwrap();
        let kek = Kek::generate(v1).unwrap();
        let dek = Dek::generate().unwrap();
        let w = kek.wrap(&dek, &order("o1")).unwrap();
        let back = kek.unwrap(&w, &order("o1")).unwrap();
        assert_eq!(back.0, dek.0);
        assert!(kek.unwrap(&w, &order("o2")).is_err(), "moved to another order");
        let other = Kek::generate(v1).unwrap();
        assert!(other.unwrap(&w, &order("o1")).is_err(), "another master key");
        let kek2 = Kek::from_bytes(KekVersion::new(2).unwrap(), kek.key);
        assert!(kek2.unwrap(&w, &order("o1")).is_err(), "version must match");
        let mut bytes = *w.as_bytes().first_chunk::<WRAPPED_LEN>().unwrap();
        bytes[20] ^= 1;
        let tampered = WrappedDek::from_parts(v1, &bytes).unwrap();
        assert!(kek.unwrap(&tampered, &order("o1")).is_err(), "tampered");
        assert!(WrappedDek::from_parts(v1, &bytes[..59]).is_none());
    }

    #[test]
    fn field_keys_differ_per_field_and_per_order() {
        let dek = Dek::from_bytes([7; 32]);
        let p = dek.field_key(FieldKind::Phone);
        let n = dek.field_key(FieldKind::Name);
        assert_ne!(p.key, n.key);
        assert_ne!(p.key, Dek::from_bytes([8; 32]).field_key(FieldKind::Phone).key);
        assert_eq!(p, dek.field_key(FieldKind::Phone));
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let kek = Kek::from_bytes(KekVersion::new(1).unwrap(), [0xAB; 32]);
        let dek = Dek::from_bytes([0xAB; 32]);
        let fk = FieldKey::from_bytes(FieldKind::Phone, [0xAB; 32]);
        for s in [format!("{kek:?}"), format!("{dek:?}"), format!("{fk:?}")] {
            assert!(s.contains("redacted"), "{s}");
            assert!(!s.contains("171") && !s.to_lowercase().contains("ab, "), "{s}");
        }
    }
}
