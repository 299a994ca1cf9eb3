//! Blind search indexes with per-shop keys.
//!
//! * phone: one exact token, `HMAC-SHA256(index key, "phone|" + digits)` truncated to
//!   [`PHONE_TOKEN_LEN`] bytes;
//! * name, address: one [`WINDOW_TOKEN_LEN`]-byte token per sliding window of the normalized
//!   text, a window being 2 CJK characters or 4 half-width characters (width 4, a CJK
//!   character counting 2), `HMAC-SHA256(index key, "<field>|" + window)` truncated;
//! * `receiver_key`: HMAC of the normalized (name, phone, address) triple, for merging
//!   shipments to the same receiver without plaintext.
//!
//! A query's windows are a subset of the windows of every text that contains the query, so
//! a search never misses a true match; truncation makes false positives possible on purpose.
//! The leakage is documented in `docs/ciphertext-format.md`.

use alloc::{string::String, vec::Vec};
use core::fmt;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::keys::{KEY_LEN, hkdf32, redacted_debug};
use crate::{CryptoError, FieldKind, ShopId, b64, random_bytes};

/// Bytes kept of a phone token (16 base64url characters).
pub const PHONE_TOKEN_LEN: usize = 12;
/// Bytes kept of a window token (4 base64url characters).
pub const WINDOW_TOKEN_LEN: usize = 3;
/// Bytes kept of a receiver key (22 base64url characters).
const RECEIVER_KEY_LEN: usize = 16;
/// Width of a sliding window: a CJK (or other non-ASCII) character counts 2, ASCII 1.
const WINDOW_WIDTH: usize = 4;
/// Longest normalized text indexed, in characters; longer text is indexed on its prefix.
const MAX_INDEXED_CHARS: usize = 256;

/// The platform's index master secret, from which each shop's index key is derived.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct IndexMasterSecret([u8; KEY_LEN]);
redacted_debug!(IndexMasterSecret);

impl IndexMasterSecret {
    /// From bytes.
    pub fn from_bytes(key: [u8; KEY_LEN]) -> Self {
        Self(key)
    }

    /// A fresh random secret.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut key = [0u8; KEY_LEN];
        random_bytes(&mut key)?;
        Ok(Self(key))
    }

    /// The bytes, for the key provider to persist.
    pub fn expose_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// `HKDF-SHA256(ikm = master, info = "orderveil/v1/index|<shop_id>")`.
    pub fn shop_key(&self, shop: &ShopId) -> IndexKey {
        IndexKey::from_bytes(hkdf32(None, &self.0, &[b"orderveil/v1/index|", shop.as_str().as_bytes()]))
    }
}

/// One shop's index key. Tokens of different shops are unrelated.
///
/// Holds the keyed HMAC state (inner and outer SHA-256 states after absorbing the padded
/// key), cloned per token: that halves the cost of a token. Those states are as secret as
/// the key; `sha2` is built with its `zeroize` feature, so they are wiped on drop.
#[derive(Clone)]
pub struct IndexKey(Hmac<Sha256>);
redacted_debug!(IndexKey);
impl ZeroizeOnDrop for IndexKey {}

impl IndexKey {
    /// From bytes (test vectors).
    pub fn from_bytes(mut key: [u8; KEY_LEN]) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let mac = <Hmac<Sha256> as KeyInit>::new_from_slice(&key)
            .unwrap_or_else(|_| unreachable_hmac());
        key.zeroize();
        Self(mac)
    }

    fn mac(&self, parts: &[&[u8]]) -> [u8; 32] {
        let mut m = self.0.clone();
        for p in parts {
            m.update(p);
        }
        m.finalize().into_bytes().into()
    }

    /// The exact-match token of a phone number, or `None` if it has no digits.
    pub fn phone_token(&self, phone: &str) -> Option<[u8; PHONE_TOKEN_LEN]> {
        let digits = normalize_phone(phone);
        if digits.is_empty() {
            return None;
        }
        let mac = self.mac(&[b"phone|", digits.as_bytes()]);
        let mut t = [0u8; PHONE_TOKEN_LEN];
        t.copy_from_slice(&mac[..PHONE_TOKEN_LEN]);
        Some(t)
    }

    /// The index bytes stored with a ciphertext of this kind: the phone token, or the
    /// concatenated window tokens of a name or address.
    pub fn index_for(&self, kind: FieldKind, plaintext: &str) -> Vec<u8> {
        match kind {
            FieldKind::Phone => self.phone_token(plaintext).map(Vec::from).unwrap_or_default(),
            FieldKind::Name | FieldKind::Address => {
                let norm = normalize_text(plaintext);
                let mut out = Vec::new();
                for_each_window(&norm, |w| out.extend_from_slice(&self.window_token(kind, w)));
                out
            }
        }
    }

    fn window_token(&self, kind: FieldKind, window: &str) -> [u8; WINDOW_TOKEN_LEN] {
        let mac = self.mac(&[kind.as_str().as_bytes(), b"|", window.as_bytes()]);
        [mac[0], mac[1], mac[2]]
    }

    /// The tokens a search for `fragment` must find, each as its base64url text (16
    /// characters for a phone, 4 for a window). An empty list means the fragment is too
    /// short to narrow the search (every order is a candidate).
    pub fn query_tokens(&self, kind: FieldKind, fragment: &str) -> Vec<String> {
        match kind {
            FieldKind::Phone => {
                self.phone_token(fragment).map(|t| alloc::vec![b64::encode(&t)]).unwrap_or_default()
            }
            FieldKind::Name | FieldKind::Address => {
                let norm = normalize_text(fragment);
                let mut out: Vec<String> = Vec::new();
                for_each_window(&norm, |w| {
                    let t = b64::encode(&self.window_token(kind, w));
                    if !out.contains(&t) {
                        out.push(t);
                    }
                });
                out
            }
        }
    }

    /// The receiver key of a (name, phone, address) triple: equal for the same receiver
    /// after normalization, so orders can be merged into one shipment.
    pub fn receiver_key(&self, name: &str, phone: &str, address: &str) -> String {
        let n = Zeroizing::new(normalize_text(name));
        let p = Zeroizing::new(normalize_phone(phone));
        let a = Zeroizing::new(normalize_text(address));
        let mac = self.mac(&[
            b"receiver|",
            n.as_bytes(),
            b"\x1f",
            p.as_bytes(),
            b"\x1f",
            a.as_bytes(),
        ]);
        b64::encode(&mac[..RECEIVER_KEY_LEN])
    }
}

#[cold]
fn unreachable_hmac() -> Hmac<Sha256> {
    // HMAC-SHA256 takes keys of any length; `new_from_slice` never fails for it.
    // Falling back to an all-zero key would silently weaken tokens, so it is a bug that
    // must not pass unnoticed in development.
    debug_assert!(false, "HMAC key rejected");
    <Hmac<Sha256> as KeyInit>::new(&Default::default())
}

/// Does the stored index (of a name or address) contain every query token at a token
/// boundary? `tokens` are the texts from [`IndexKey::query_tokens`].
pub fn index_matches(stored_index_text: &str, tokens: &[String]) -> bool {
    tokens.iter().all(|t| {
        stored_index_text.as_bytes().chunks(4).any(|c| c == t.as_bytes())
    })
}

/// Normalize a name or address for indexing: full-width ASCII to half-width, ASCII
/// lower-case, all white space (including the ideographic space) removed, the middle-dot
/// variants folded to `·`.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        let c = match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '•' | '・' | '‧' | '∙' | '⋅' => '·',
            _ => c,
        };
        if c.is_whitespace() {
            continue;
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Normalize a phone number to its digits (full-width digits included). A mainland mobile
/// written with a `+86`, `86` or `0086` prefix loses the prefix, so every spelling of one
/// number gives one token.
pub fn normalize_phone(s: &str) -> String {
    let mut digits = String::with_capacity(16);
    for c in s.chars() {
        match c {
            '0'..='9' => digits.push(c),
            '０'..='９' => digits.push(char::from_u32(c as u32 - 0xFEE0).unwrap_or('0')),
            _ => {}
        }
    }
    for prefix in ["0086", "86"] {
        if let Some(rest) = digits.strip_prefix(prefix)
            && is_mainland_mobile(rest)
        {
            return String::from(rest);
        }
    }
    digits
}

/// 11 digits starting with 1 and a second digit 3–9.
pub(crate) fn is_mainland_mobile(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == 11 && b[0] == b'1' && (b'3'..=b'9').contains(&b[1]) && b.iter().all(u8::is_ascii_digit)
}

fn char_width(c: char) -> usize {
    if c.is_ascii() { 1 } else { 2 }
}

/// Calls `f` with every window of `norm`: for each starting character, the shortest run of
/// characters of width ≥ 4. A window depends only on its start and what follows, so a
/// substring's windows are windows of the whole text.
fn for_each_window(norm: &str, mut f: impl FnMut(&str)) {
    let starts: Vec<usize> =
        norm.char_indices().map(|(i, _)| i).take(MAX_INDEXED_CHARS).collect();
    for &start in &starts {
        let mut width = 0;
        let rest = norm.get(start..).unwrap_or("");
        for (off, c) in rest.char_indices() {
            width += char_width(c);
            if width >= WINDOW_WIDTH {
                let end = start + off + c.len_utf8();
                if let Some(w) = norm.get(start..end) {
                    f(w);
                }
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn key() -> IndexKey {
        IndexMasterSecret::from_bytes([3; 32]).shop_key(&ShopId::new("shop1").unwrap())
    }

    fn windows(s: &str) -> Vec<String> {
        let mut v = Vec::new();
        for_each_window(s, |w| v.push(String::from(w)));
        v
    }

    #[test]
    fn windows_are_two_cjk_or_four_ascii() {
        assert_eq!(windows("任桂荣"), vec!["任桂", "桂荣"]);
        assert_eq!(windows("南岔区兴林小区").len(), 6);
        assert_eq!(windows("abcde"), vec!["abcd", "bcde"]);
        assert_eq!(windows("A栋3单元"), vec!["A栋3", "栋3单", "3单元", "单元"]);
        assert!(windows("张").is_empty());
        assert!(windows("").is_empty());
    }

    #[test]
    fn name_index_has_one_token_per_window() {
        let k = key();
        assert_eq!(k.index_for(FieldKind::Name, "任桂荣").len(), 2 * WINDOW_TOKEN_LEN);
        assert_eq!(b64::encode(&k.index_for(FieldKind::Name, "任桂荣")).len(), 8);
    }

    #[test]
    fn phone_spellings_give_one_token() {
        let k = key();
        let t = k.phone_token("13812345678").unwrap();
        for s in ["+86 138 1234 5678", "0086-138-1234-5678", "86 13812345678", "１３８１２３４５６７８"] {
            assert_eq!(k.phone_token(s), Some(t), "{s}");
        }
        assert_ne!(k.phone_token("13812345679"), Some(t));
        assert_eq!(k.phone_token("no digits"), None);
    }

    #[test]
    fn tokens_are_per_shop_and_per_field() {
        let m = IndexMasterSecret::from_bytes([3; 32]);
        let a = m.shop_key(&ShopId::new("shop1").unwrap());
        let b = m.shop_key(&ShopId::new("shop2").unwrap());
        assert_ne!(a.phone_token("13812345678"), b.phone_token("13812345678"));
        assert_ne!(a.index_for(FieldKind::Name, "张三丰"), b.index_for(FieldKind::Name, "张三丰"));
        assert_ne!(a.index_for(FieldKind::Name, "西湖"), a.index_for(FieldKind::Address, "西湖"));
    }

    #[test]
    fn query_finds_substring_and_normalizes() {
        let k = key();
        let stored = b64::encode(&k.index_for(FieldKind::Address, "浙江省杭州市西湖区文三路１００号 A座"));
        for q in ["西湖区", "文三路100", "号a座", "杭州市西湖"] {
            let toks = k.query_tokens(FieldKind::Address, q);
            assert!(!toks.is_empty(), "{q}");
            assert!(index_matches(&stored, &toks), "{q}");
        }
        let miss = k.query_tokens(FieldKind::Address, "朝阳区");
        assert!(!index_matches(&stored, &miss));
        assert!(k.query_tokens(FieldKind::Address, "西").is_empty(), "too short narrows nothing");
    }

    #[test]
    fn receiver_key_is_stable_under_normalization() {
        let k = key();
        let a = k.receiver_key("张三", "138 1234 5678", "浙江省杭州市西湖区文三路100号");
        let b = k.receiver_key(" 张三 ", "+8613812345678", "浙江省杭州市西湖区文三路１００号");
        assert_eq!(a, b);
        assert_eq!(a.len(), 22);
        assert_ne!(a, k.receiver_key("张三", "13812345678", "浙江省杭州市西湖区文三路101号"));
    }
}
