//! The key buyer links are signed with (issue 20): `HMAC-SHA256(key = service token,
//! "orderveil-buyer-link-v1")`, so the order system, which holds the token, can sign links
//! itself; a link's signature is `hex(HMAC-SHA256(link key, order_id "\n" expires))`. A leaf
//! (the process state holds one).

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

/// The key buyer links are signed with (derived from the service token); never printed.
#[derive(Clone)]
pub struct LinkKey(zeroize::Zeroizing<[u8; 32]>);

impl std::fmt::Debug for LinkKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("LinkKey(..)")
    }
}

fn mac(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes a key of any length.
    <Hmac<Sha256> as hmac::KeyInit>::new_from_slice(key).unwrap_or_else(|_| <Hmac<Sha256> as hmac::KeyInit>::new(&Default::default()))
}

impl LinkKey {
    /// The link key of the order system's service token.
    pub fn of_service_token(token: &str) -> Self {
        let mut m = mac(token.as_bytes());
        m.update(b"orderveil-buyer-link-v1");
        Self(zeroize::Zeroizing::new(m.finalize().into_bytes().into()))
    }

    fn mac_of(&self, order_id: &str, expires: i64) -> Hmac<Sha256> {
        let mut m = mac(&*self.0);
        m.update(order_id.as_bytes());
        m.update(b"\n");
        m.update(expires.to_string().as_bytes());
        m
    }

    /// The signature of a link to `order_id` until `expires` (hex).
    pub fn sign(&self, order_id: &str, expires: i64) -> String {
        self.mac_of(order_id, expires).finalize().into_bytes().iter().map(|x| format!("{x:02x}")).collect()
    }

    /// Is `sig` the signature of that link? (Constant time: HMAC's own verification.)
    pub fn verify(&self, order_id: &str, expires: i64, sig: &str) -> bool {
        let got: Option<Vec<u8>> = (sig.len() == 64 && sig.is_ascii()).then(|| (0..32).map(|i| u8::from_str_radix(&sig[2 * i..2 * i + 2], 16).ok()).collect()).flatten();
        got.is_some_and(|g| self.mac_of(order_id, expires).verify_slice(&g).is_ok())
    }
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_verifies_only_for_its_order_and_end() {
        let k = LinkKey::of_service_token("ovs_token");
        let sig = k.sign("o-1", 100);
        assert!(k.verify("o-1", 100, &sig));
        assert!(!k.verify("o-2", 100, &sig));
        assert!(!k.verify("o-1", 101, &sig));
        assert!(!k.verify("o-1", 100, &sig[..62]));
        assert!(!k.verify("o-1", 100, "zz"));
        assert!(!LinkKey::of_service_token("ovs_other").verify("o-1", 100, &sig));
        assert_eq!(format!("{k:?}"), "LinkKey(..)");
    }
}
