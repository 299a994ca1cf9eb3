//! The one-time key grant.
//!
//! ```text
//! client: ClientSession::new()            X25519 secret c from getrandom, sends C = c·G
//! server: seal_grant(C, body)             fresh s, S = s·G, shared = X25519(s, C)
//!         k = HKDF-SHA256(salt = C ‖ S, ikm = shared, info = "orderveil/v1/grant|" ‖ hex(grant_id))
//!         sealed = 0x01 ‖ grant_id(16) ‖ S(32) ‖ nonce(12) ‖ AES-256-GCM(k, nonce, body, aad = 0x01 ‖ grant_id ‖ S)
//! client: session.open(sealed, shop, now) shared = X25519(c, S); c is dropped whatever the outcome
//! ```
//!
//! One key agreement covers a batch of up to [`GRANT_MAX_ORDERS`] orders. The body carries
//! the grant id (checked against the header), shop, purpose, issue and expiry times, and per
//! order its id, an optional binding (e.g. the waybill number of a print grant) and the field
//! keys asked for. Byte layout: `docs/ciphertext-format.md`.

use alloc::{string::String, vec::Vec};
use core::fmt;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::{KEY_LEN, NONCE_LEN, TAG_LEN, aead_open, aead_seal, hkdf32, random_nonce};
use crate::{FieldCiphertext, FieldKey, FieldKind, GrantError, OrderId, ShopId, b64, random_bytes};

/// Most orders one grant may cover.
pub const GRANT_MAX_ORDERS: usize = 50;
const WIRE_VERSION: u8 = 1;
const BODY_VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 16 + 32;
const MAX_BINDING_LEN: usize = 64;

/// A grant id: 16 random bytes, shown as 32 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct GrantId([u8; 16]);

impl GrantId {
    /// A fresh random id.
    pub fn generate() -> Result<Self, GrantError> {
        let mut b = [0u8; 16];
        random_bytes(&mut b).map_err(|_| GrantError::Random)?;
        Ok(Self(b))
    }

    /// From bytes.
    pub const fn from_bytes(b: [u8; 16]) -> Self {
        Self(b)
    }

    /// The bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// 32 lower-case hex digits.
    pub fn to_hex(&self) -> String {
        let mut s = String::with_capacity(32);
        for b in self.0 {
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0xf));
        }
        s
    }

    /// Parse 32 hex digits.
    pub fn from_hex(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        if b.len() != 32 {
            return None;
        }
        let mut out = [0u8; 16];
        for (i, pair) in b.chunks_exact(2).enumerate() {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            out[i] = (hi * 16 + lo) as u8;
        }
        Some(Self(out))
    }
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

impl fmt::Display for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for GrantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "GrantId({})", self.to_hex())
    }
}

/// What a grant is for. A reveal grant is charged to the daily quota; a print grant is
/// bound to allocated waybills and counted against the reprint limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantPurpose {
    /// Show a field in the page after a click on the eye icon.
    Reveal,
    /// Render shipping labels into a print document.
    Print,
}

impl GrantPurpose {
    fn code(self) -> u8 {
        match self {
            Self::Reveal => 1,
            Self::Print => 2,
        }
    }
    fn from_code(c: u8) -> Option<Self> {
        match c {
            1 => Some(Self::Reveal),
            2 => Some(Self::Print),
            _ => None,
        }
    }
    /// `reveal` or `print`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reveal => "reveal",
            Self::Print => "print",
        }
    }
}

/// One order in a grant: its id, an optional binding, and the field keys granted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantOrder {
    /// The order.
    pub order_id: OrderId,
    /// What the keys are bound to, e.g. a waybill number for a print grant; empty for
    /// reveals. At most 64 bytes.
    pub binding: String,
    /// The granted field keys, one per kind.
    pub keys: Vec<FieldKey>,
}

/// The sealed content of a grant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GrantBody {
    /// The grant id (also in the clear header, and bound into the key derivation).
    pub grant_id: GrantId,
    /// The shop whose orders these are.
    pub shop_id: ShopId,
    /// Reveal or print.
    pub purpose: GrantPurpose,
    /// When issued, unix seconds.
    pub issued_at: i64,
    /// When it stops opening, unix seconds.
    pub expires_at: i64,
    /// 1 to 50 orders.
    pub orders: Vec<GrantOrder>,
}

impl GrantBody {
    fn validate(&self) -> Result<(), GrantError> {
        let n = self.orders.len();
        if n == 0 || n > GRANT_MAX_ORDERS || self.expires_at < self.issued_at {
            return Err(GrantError::InvalidBody);
        }
        for (i, o) in self.orders.iter().enumerate() {
            if o.keys.is_empty()
                || o.keys.len() > FieldKind::ALL.len()
                || o.binding.len() > MAX_BINDING_LEN
                || self.orders[..i].iter().any(|p| p.order_id == o.order_id)
            {
                return Err(GrantError::InvalidBody);
            }
            for (j, k) in o.keys.iter().enumerate() {
                if o.keys[..j].iter().any(|p| p.kind() == k.kind()) {
                    return Err(GrantError::InvalidBody);
                }
            }
        }
        Ok(())
    }

    fn encode(&self) -> Zeroizing<Vec<u8>> {
        let mut out = Zeroizing::new(Vec::with_capacity(64 + self.orders.len() * 140));
        out.push(BODY_VERSION);
        out.extend_from_slice(self.grant_id.as_bytes());
        out.push(self.purpose.code());
        out.extend_from_slice(&self.issued_at.to_be_bytes());
        out.extend_from_slice(&self.expires_at.to_be_bytes());
        push_str(&mut out, self.shop_id.as_str());
        out.push(self.orders.len() as u8);
        for o in &self.orders {
            push_str(&mut out, o.order_id.as_str());
            push_str(&mut out, &o.binding);
            out.push(o.keys.len() as u8);
            for k in &o.keys {
                out.push(k.kind().code());
                out.extend_from_slice(k.bytes());
            }
        }
        out
    }

    fn decode(b: &[u8]) -> Option<Self> {
        let mut r = Reader(b);
        if r.u8()? != BODY_VERSION {
            return None;
        }
        let grant_id = GrantId(r.array()?);
        let purpose = GrantPurpose::from_code(r.u8()?)?;
        let issued_at = i64::from_be_bytes(r.array()?);
        let expires_at = i64::from_be_bytes(r.array()?);
        let shop_id = ShopId::new(r.str()?).ok()?;
        let n = usize::from(r.u8()?);
        if n == 0 || n > GRANT_MAX_ORDERS {
            return None;
        }
        let mut orders = Vec::with_capacity(n);
        for _ in 0..n {
            let order_id = OrderId::new(r.str()?).ok()?;
            let binding = String::from(r.str()?);
            let nk = usize::from(r.u8()?);
            if nk == 0 || nk > FieldKind::ALL.len() {
                return None;
            }
            let mut keys = Vec::with_capacity(nk);
            for _ in 0..nk {
                let kind = FieldKind::from_code(r.u8()?)?;
                let mut key: [u8; KEY_LEN] = r.array()?;
                keys.push(FieldKey::from_bytes(kind, key));
                key.zeroize();
            }
            orders.push(GrantOrder { order_id, binding, keys });
        }
        if !r.0.is_empty() {
            return None;
        }
        let body = Self { grant_id, shop_id, purpose, issued_at, expires_at, orders };
        body.validate().ok()?;
        Some(body)
    }
}

fn push_str(out: &mut Vec<u8>, s: &str) {
    // Ids are ≤ 64 bytes and bindings are checked by `validate`, so the length fits a byte.
    out.push(s.len() as u8);
    out.extend_from_slice(s.as_bytes());
}

/// A cursor that never reads past the end: every read returns `None` instead.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (h, t) = self.0.split_at_checked(n)?;
        self.0 = t;
        Some(h)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }
    fn array<const N: usize>(&mut self) -> Option<[u8; N]> {
        self.take(N)?.try_into().ok()
    }
    fn str(&mut self) -> Option<&'a str> {
        let n = usize::from(self.u8()?);
        core::str::from_utf8(self.take(n)?).ok()
    }
}

/// The sealed grant as it travels (base64url in JSON). Holds nothing usable without the
/// client session's secret.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedGrant(Vec<u8>);

impl fmt::Debug for SealedGrant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SealedGrant({} bytes)", self.0.len())
    }
}

impl SealedGrant {
    /// Wrap received bytes; checks only the minimum length and the wire version.
    pub fn from_bytes(b: Vec<u8>) -> Result<Self, GrantError> {
        if b.len() < HEADER_LEN + NONCE_LEN + TAG_LEN || b.first() != Some(&WIRE_VERSION) {
            return Err(GrantError::Malformed);
        }
        Ok(Self(b))
    }

    /// Decode the base64url text of a JSON response.
    pub fn from_base64(s: &str) -> Result<Self, GrantError> {
        // A 50-order grant is under 10 KB; refuse anything absurd before decoding.
        if s.len() > 64 * 1024 {
            return Err(GrantError::Malformed);
        }
        Self::from_bytes(b64::decode(s).ok_or(GrantError::Malformed)?)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// base64url text for JSON.
    pub fn to_base64(&self) -> String {
        b64::encode(&self.0)
    }

    /// The grant id in the clear header.
    pub fn grant_id(&self) -> GrantId {
        let mut id = [0u8; 16];
        if let Some(h) = self.0.get(1..17) {
            id.copy_from_slice(h);
        }
        GrantId(id)
    }

    fn server_public(&self) -> [u8; 32] {
        let mut p = [0u8; 32];
        if let Some(h) = self.0.get(17..HEADER_LEN) {
            p.copy_from_slice(h);
        }
        p
    }
}

fn grant_key(shared: &[u8; 32], client: &[u8; 32], server: &[u8; 32], id: &GrantId) -> Zeroizing<[u8; 32]> {
    let mut salt = [0u8; 64];
    salt[..32].copy_from_slice(client);
    salt[32..].copy_from_slice(server);
    let hex = id.to_hex();
    Zeroizing::new(hkdf32(Some(&salt), shared, &[b"orderveil/v1/grant|", hex.as_bytes()]))
}

/// The Montgomery u-coordinates of every point of small order on Curve25519 and on its
/// twist, in every 255-bit encoding (bit 255 is ignored by X25519 and masked before the
/// comparison): 0, 1, the two u of order 8, p − 1, and the non-canonical p and p + 1.
/// The list libsodium's `has_small_order` uses; `tests::small_order_list_is_exactly_the_probe`
/// checks it against a scalar multiplication.
#[rustfmt::skip]
const SMALL_ORDER: [[u8; 32]; 7] = [
    // 0
    [0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    // 1
    [0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    // order 8
    [0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3, 0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32, 0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00],
    // order 8
    [0x5f, 0x9c, 0x95, 0xbc, 0xa3, 0x50, 0x8c, 0x24, 0xb1, 0xd0, 0xb1, 0x55, 0x9c, 0x83, 0xef, 0x5b, 0x04, 0x44, 0x5c, 0xc4, 0x58, 0x1c, 0x8e, 0x86, 0xd8, 0x22, 0x4e, 0xdd, 0xd0, 0x9f, 0x11, 0x57],
    // p - 1
    [0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    // p (0, non-canonical)
    [0xed, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
    // p + 1 (1, non-canonical)
    [0xee, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f],
];

/// A client's X25519 public key from the base64url text (no padding) a grant request
/// carries: 32 bytes ([`GrantError::Malformed`] otherwise) and not of low order
/// ([`check_public_key`]).
pub fn client_key_from_base64(text: &str) -> Result<[u8; 32], GrantError> {
    if text.len() > 64 {
        return Err(GrantError::Malformed);
    }
    let key: [u8; 32] = b64::decode(text).and_then(|v| v.try_into().ok()).ok_or(GrantError::Malformed)?;
    check_public_key(&key)?;
    Ok(key)
}

/// The base64url text (no padding) of a client public key, as a grant request carries it.
pub fn client_key_to_base64(key: &[u8; 32]) -> String {
    b64::encode(key)
}

/// Refuse a client public key of low order (any of the 8-torsion points, in any encoding)
/// before doing anything that costs: the server checks this before it charges the quota,
/// so a bad key cannot burn quota. A comparison with the seven encodings of `SMALL_ORDER`
/// (exactly the keys for which a clamped scalar, a multiple of the cofactor 8, gives the
/// all-zero output), not a scalar multiplication: the server checks every grant request and
/// then does its own key agreement anyway, which refuses the same keys again.
pub fn check_public_key(public: &[u8; 32]) -> Result<(), GrantError> {
    let mut key = *public;
    key[31] &= 0x7f;
    let small = SMALL_ORDER.iter().any(|s| s.iter().zip(&key).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0);
    if small { Err(GrantError::WeakKey) } else { Ok(()) }
}

/// Seal the field keys of `body` to the client public key, with a fresh server key pair.
/// Refuses a low-order client key (the shared secret would be predictable).
pub fn seal_grant(client_public: &[u8; 32], body: &GrantBody) -> Result<SealedGrant, GrantError> {
    let mut s = Zeroizing::new([0u8; 32]);
    random_bytes(&mut *s).map_err(|_| GrantError::Random)?;
    let nonce = random_nonce().map_err(|_| GrantError::Random)?;
    seal_grant_with(*s, nonce, client_public, body)
}

/// Seal with a caller-chosen server secret and nonce. Only for generating test vectors.
pub fn seal_grant_with(
    server_secret: [u8; 32],
    nonce: [u8; NONCE_LEN],
    client_public: &[u8; 32],
    body: &GrantBody,
) -> Result<SealedGrant, GrantError> {
    body.validate()?;
    let secret = StaticSecret::from(server_secret);
    let server_public = PublicKey::from(&secret).to_bytes();
    let shared = secret.diffie_hellman(&PublicKey::from(*client_public));
    if !shared.was_contributory() {
        return Err(GrantError::WeakKey);
    }
    let key = grant_key(shared.as_bytes(), client_public, &server_public, &body.grant_id);
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.push(WIRE_VERSION);
    header.extend_from_slice(body.grant_id.as_bytes());
    header.extend_from_slice(&server_public);
    let sealed = aead_seal(&key, nonce, &header, &body.encode()).map_err(|_| GrantError::Crypto)?;
    header.extend_from_slice(&sealed);
    Ok(SealedGrant(header))
}

/// The page's half of a grant: an X25519 secret that opens exactly one grant. Opening
/// drops the secret whatever the outcome, so a session cannot be used as an oracle.
pub struct ClientSession {
    secret: Option<StaticSecret>,
    public: [u8; 32],
}

impl fmt::Debug for ClientSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSession")
            .field("public", &b64::encode(&self.public))
            .field("used", &self.secret.is_none())
            .finish_non_exhaustive()
    }
}

impl ClientSession {
    /// A fresh session with a secret from `getrandom`.
    pub fn new() -> Result<Self, GrantError> {
        let mut s = Zeroizing::new([0u8; 32]);
        random_bytes(&mut *s).map_err(|_| GrantError::Random)?;
        Ok(Self::from_secret_bytes(*s))
    }

    /// A session from a fixed secret. Only for test vectors.
    pub fn from_secret_bytes(secret: [u8; 32]) -> Self {
        let secret = StaticSecret::from(secret);
        let public = PublicKey::from(&secret).to_bytes();
        Self { secret: Some(secret), public }
    }

    /// The public half to send with the grant request.
    pub fn public_key(&self) -> [u8; 32] {
        self.public
    }

    /// The public half as the grant request's `client_public` text.
    pub fn public_key_base64(&self) -> String {
        client_key_to_base64(&self.public)
    }

    /// Has this session opened (or tried to open) a grant?
    pub fn is_used(&self) -> bool {
        self.secret.is_none()
    }

    /// Open a sealed grant. Refuses a weak server key, tampering, a grant for another shop,
    /// an expired grant (`now` in unix seconds) and a second use of this session.
    pub fn open(
        &mut self,
        sealed: &SealedGrant,
        expected_shop: &ShopId,
        now: i64,
    ) -> Result<OpenedGrant, GrantError> {
        let secret = self.secret.take().ok_or(GrantError::SessionUsed)?;
        let server_public = sealed.server_public();
        let shared = secret.diffie_hellman(&PublicKey::from(server_public));
        drop(secret);
        if !shared.was_contributory() {
            return Err(GrantError::WeakKey);
        }
        let id = sealed.grant_id();
        let key = grant_key(shared.as_bytes(), &self.public, &server_public, &id);
        let (header, rest) = sealed.0.split_at_checked(HEADER_LEN).ok_or(GrantError::Malformed)?;
        let plain = aead_open(&key, header, rest).map_err(|_| GrantError::Crypto)?;
        let body = GrantBody::decode(&plain).ok_or(GrantError::Crypto)?;
        if body.grant_id != id {
            return Err(GrantError::Crypto);
        }
        if &body.shop_id != expected_shop {
            return Err(GrantError::WrongShop);
        }
        if now > body.expires_at {
            return Err(GrantError::Expired { expires_at: body.expires_at });
        }
        Ok(OpenedGrant { body })
    }
}

/// An opened grant: the field keys, zeroized when dropped.
#[derive(Debug)]
pub struct OpenedGrant {
    body: GrantBody,
}

impl OpenedGrant {
    /// The grant id.
    pub fn grant_id(&self) -> GrantId {
        self.body.grant_id
    }
    /// The shop.
    pub fn shop_id(&self) -> &ShopId {
        &self.body.shop_id
    }
    /// Reveal or print.
    pub fn purpose(&self) -> GrantPurpose {
        self.body.purpose
    }
    /// Expiry, unix seconds.
    pub fn expires_at(&self) -> i64 {
        self.body.expires_at
    }
    /// Issue time, unix seconds.
    pub fn issued_at(&self) -> i64 {
        self.body.issued_at
    }
    /// The covered orders with their bindings and key kinds.
    pub fn orders(&self) -> &[GrantOrder] {
        &self.body.orders
    }

    /// The key of one field of one order, if granted.
    pub fn field_key(&self, order: &OrderId, kind: FieldKind) -> Result<&FieldKey, GrantError> {
        let o = self
            .body
            .orders
            .iter()
            .find(|o| &o.order_id == order)
            .ok_or(GrantError::OrderNotCovered)?;
        o.keys.iter().find(|k| k.kind() == kind).ok_or(GrantError::FieldNotCovered)
    }

    /// Parse a field ciphertext of `order` and decrypt it with the granted key.
    pub fn decrypt(&self, order: &OrderId, ciphertext: &str) -> Result<Zeroizing<String>, GrantError> {
        let ct = FieldCiphertext::parse(ciphertext)?;
        self.decrypt_parsed(order, &ct)
    }

    /// Decrypt an already parsed field ciphertext of `order`.
    pub fn decrypt_parsed(
        &self,
        order: &OrderId,
        ct: &FieldCiphertext,
    ) -> Result<Zeroizing<String>, GrantError> {
        let key = self.field_key(order, ct.kind())?;
        ct.decrypt(key, &self.body.shop_id, order).map_err(|_| GrantError::CiphertextMismatch)
    }
}

// Every `FieldKey` zeroizes itself on drop, so an opened grant leaves no key behind.
impl ZeroizeOnDrop for OpenedGrant {}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    /// The definition `check_public_key` stands for: a clamped scalar times the key is zero.
    fn probe_contributory(public: &[u8; 32]) -> bool {
        StaticSecret::from([0x5a; 32]).diffie_hellman(&PublicKey::from(*public)).was_contributory()
    }

    #[test]
    fn small_order_list_is_exactly_the_probe() {
        // Every listed encoding, with and without bit 255, is refused by both.
        for s in SMALL_ORDER {
            for top in [0u8, 0x80] {
                let mut k = s;
                k[31] |= top;
                assert!(!probe_contributory(&k), "{k:02x?} should be of small order");
                assert!(check_public_key(&k).is_err());
            }
        }
        // Near misses and many random keys: the table and the probe agree.
        let mut keys: Vec<[u8; 32]> = Vec::new();
        for s in SMALL_ORDER {
            for i in 0..32 {
                let mut k = s;
                k[i] ^= 1;
                keys.push(k);
            }
        }
        for _ in 0..2_000 {
            let mut k = [0u8; 32];
            random_bytes(&mut k).unwrap();
            keys.push(k);
        }
        for k in keys {
            assert_eq!(check_public_key(&k).is_ok(), probe_contributory(&k), "{k:02x?}");
        }
    }
}
