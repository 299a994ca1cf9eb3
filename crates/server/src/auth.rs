//! Credentials: argon2 password hashes, random tokens and their stored digests. The
//! extractors that turn credentials into a caller are in [`crate::guard`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use crate::error::{AppError, AppResult};

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "ov_session";

/// Hash a password (argon2id, default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, String> {
    let mut salt = [0u8; 16];
    getrandom::fill(&mut salt).map_err(|e| e.to_string())?;
    let salt = SaltString::encode_b64(&salt).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Check a password against a stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// Spend the time of a real verification for a user name that does not exist, so the
/// response time of a failed login does not tell which user names exist.
pub fn verify_against_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("orderveil-dummy-password").unwrap_or_default());
    let _ = verify_password(password, hash);
}

/// `n` random bytes as base64url.
pub fn random_token(n: usize) -> AppResult<String> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(AppError::internal)?;
    Ok(URL_SAFE_NO_PAD.encode(b))
}

/// Hex SHA-256, for storing session tokens (the cookie value itself is never stored).
pub fn sha256_hex(s: &str) -> String {
    Sha256::digest(s.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

/// Constant-time comparison of two digests.
pub(crate) fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

