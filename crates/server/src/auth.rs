//! Credentials: argon2 password hashes, random tokens and their stored digests. The
//! extractors that turn credentials into a caller are in [`crate::guard`].

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest as _, Sha256};

use orderveil_api::ErrorCode;

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

/// Password hashes computed at once, process-wide. Each argon2id run takes ~19 MiB and a core
/// for tens of milliseconds; a flood of logins waits here instead of filling the blocking
/// pool (up to 512 threads) and the memory.
pub const HASH_PERMITS: usize = 2;

static HASHING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(HASH_PERMITS);

/// Run `work` (a hash or a verification) on the blocking pool under the hashing semaphore.
async fn hashing<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
    let _permit = HASHING.acquire().await.map_err(AppError::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(AppError::internal)
}

/// Hash a new password (under the hashing semaphore).
pub async fn hash(password: String) -> AppResult<String> {
    hashing(move || hash_password(&password)).await?.map_err(AppError::internal)
}

/// Check a password against a stored hash, or against a dummy hash when there is none (an
/// unknown user name), so both take the time of one verification (under the semaphore).
pub async fn verify(password: String, stored: Option<String>) -> AppResult<bool> {
    hashing(move || match stored {
        Some(h) => verify_password(&password, &h),
        None => {
            verify_against_dummy(&password);
            false
        }
    })
    .await
}

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest password accepted (bounds the hashing work).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The most common passwords (from the public leak lists, Chinese sites' included), lower
/// case; a new password equal to one of them, ignoring case, is refused.
const COMMON_PASSWORDS: &[&str] = &[
    "12345678", "123456789", "1234567890", "87654321", "11111111", "00000000", "88888888", "66666666",
    "99999999", "12341234", "11223344", "123123123", "147258369", "123456abc", "123456aa", "a1234567",
    "a12345678", "a123456789", "aa123456", "abc12345", "abc123456", "abcd1234", "qwerty123", "qwertyuiop",
    "1qaz2wsx", "1q2w3e4r", "1q2w3e4r5t", "zxcvbnm123", "asdfghjkl", "password", "password1", "password123",
    "passw0rd", "p@ssw0rd", "iloveyou", "iloveyou1", "woaini1314", "woaini520", "5201314520", "52013141",
    "qq123456", "qq5201314", "admin123", "admin1234", "administrator", "root1234", "welcome1", "letmein1",
    "sunshine", "princess", "football", "baseball", "starwars", "whatever", "trustno1", "superman",
    "changeme", "demo1234", "test1234", "user1234", "orderveil", "shop1234", "taobao123", "mima1234",
];

/// The rules for a new password: 8 to 256 characters, not containing the user name (ignoring
/// case), not one of the most common passwords. Each rule has its own code.
pub fn check_new_password(username: &str, password: &str) -> AppResult<()> {
    let n = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&n) {
        return Err(AppError::new(ErrorCode::PasswordLength).with(serde_json::json!({"min_chars": MIN_PASSWORD_CHARS, "max_chars": MAX_PASSWORD_CHARS})));
    }
    let lower = password.to_lowercase();
    let name = username.trim().to_lowercase();
    if name.chars().count() >= 3 && lower.contains(&name) {
        return Err(ErrorCode::PasswordContainsUsername.into());
    }
    if COMMON_PASSWORDS.contains(&lower.as_str()) {
        return Err(ErrorCode::PasswordTooCommon.into());
    }
    Ok(())
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


#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: AppResult<()>) -> Option<ErrorCode> {
        r.err().map(|e| e.code)
    }

    #[test]
    fn new_password_rules_each_have_their_code() {
        assert_eq!(code(check_new_password("shop1", "Kx8#tR2v")), None);
        assert_eq!(code(check_new_password("shop1", "short7!")), Some(ErrorCode::PasswordLength));
        assert_eq!(code(check_new_password("shop1", &"x".repeat(257))), Some(ErrorCode::PasswordLength));
        assert_eq!(code(check_new_password("shop1", &"密".repeat(8))), None, "characters, not bytes");
        assert_eq!(code(check_new_password("shop1", "my-SHOP1-pass")), Some(ErrorCode::PasswordContainsUsername));
        assert_eq!(code(check_new_password("shop1", "Password1")), Some(ErrorCode::PasswordTooCommon));
        assert_eq!(code(check_new_password("admin", "demo1234")), Some(ErrorCode::PasswordTooCommon));
        assert!(COMMON_PASSWORDS.iter().all(|p| p.chars().count() >= MIN_PASSWORD_CHARS && *p == p.to_lowercase()));
    }
}
