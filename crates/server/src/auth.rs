//! Authentication: argon2 password hashes, cookie sessions with a CSRF token, the service
//! token of the order system, and the extractors that carry identity into handlers.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::FromRequestParts;
use axum::http::{Method, header, request::Parts};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use orderveil_api::{ErrorCode, Permission, Role, UserInfo};
use sha2::{Digest as _, Sha256};

use crate::error::{AppError, AppResult};
use crate::state::AppState;

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
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && std::hint::black_box(a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y))) == 0
}

/// A logged-in user, loaded from the session on every request (so a disabled account or a
/// changed permission takes effect on the next request).
#[derive(Clone, Debug)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Name.
    pub username: String,
    /// Role.
    pub role: Role,
    /// Shop of owners and staff.
    pub shop_id: Option<String>,
    /// Factory of factory users.
    pub factory_id: Option<String>,
    /// Effective permissions.
    pub permissions: Vec<Permission>,
    /// The session's CSRF token.
    pub csrf_token: String,
}

impl User {
    /// Does the user hold `p`? Owners hold every shop permission.
    pub fn can(&self, p: Permission) -> bool {
        match self.role {
            Role::Owner => true,
            Role::Staff => self.permissions.contains(&p),
            Role::Admin | Role::Factory => false,
        }
    }

    /// The user's shop, or FORBIDDEN for users without one.
    pub fn own_shop(&self) -> AppResult<&str> {
        self.shop_id.as_deref().ok_or_else(|| AppError::new(ErrorCode::Forbidden))
    }

    /// The API view.
    pub fn info(&self) -> UserInfo {
        let permissions = match self.role {
            Role::Owner => Permission::ALL.to_vec(),
            _ => self.permissions.clone(),
        };
        UserInfo {
            id: self.id,
            username: self.username.clone(),
            role: self.role,
            shop_id: self.shop_id.clone(),
            factory_id: self.factory_id.clone(),
            permissions,
        }
    }
}

/// Parse the comma-separated permission column.
pub fn parse_permissions(s: &str) -> Vec<Permission> {
    s.split(',').filter_map(|p| Permission::parse(p.trim())).collect()
}

fn cookie_value<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get_all(header::COOKIE).iter().filter_map(|v| v.to_str().ok()).flat_map(|v| v.split(';')).find_map(|c| {
        let (k, v) = c.trim().split_once('=')?;
        (k == name).then_some(v)
    })
}

/// Load the user of a session token.
pub async fn user_for_session(state: &AppState, token: &str) -> AppResult<Option<User>> {
    let row: Option<(i64, String, String, Option<String>, Option<String>, String, i64, String, i64)> = sqlx::query_as(
        "SELECT u.id, u.username, u.role, u.shop_id, u.factory_id, u.permissions, u.disabled, s.csrf_token, s.expires_at \
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1",
    )
    .bind(sha256_hex(token))
    .fetch_optional(&state.db.pool)
    .await?;
    let Some((id, username, role, shop_id, factory_id, perms, disabled, csrf_token, expires_at)) = row else {
        return Ok(None);
    };
    if disabled != 0 || expires_at <= state.now() {
        return Ok(None);
    }
    let role = Role::parse(&role).ok_or_else(|| AppError::internal("bad role in users table"))?;
    Ok(Some(User { id, username, role, shop_id, factory_id, permissions: parse_permissions(&perms), csrf_token }))
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = cookie_value(parts, SESSION_COOKIE).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let user = user_for_session(state, token).await?.ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        // Cookie-authenticated state changes must prove they come from our page.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            if !ct_eq(sent.as_bytes(), user.csrf_token.as_bytes()) {
                return Err(AppError::new(ErrorCode::CsrfFailed));
            }
        }
        Ok(user)
    }
}

/// The platform's order system, authenticated by `Authorization: Bearer <service token>`.
#[derive(Debug)]
pub struct OrderSystem;

impl FromRequestParts<AppState> for OrderSystem {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let got = Sha256::digest(token.trim().as_bytes());
        if ct_eq(&got, &state.service_token_sha256) { Ok(Self) } else { Err(AppError::new(ErrorCode::Unauthenticated)) }
    }
}
