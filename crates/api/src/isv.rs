//! ISV apps: scopes, registration, shop authorizations, tokens, and the batch mask and search-index helpers.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

use crate::RevealPurpose;

/// What an ISV app's access token may do for the shop that authorized it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub enum Scope {
    /// Read the shop's masked orders and ciphertext; batch masking and search-index tokens.
    #[serde(rename = "orders.read")]
    OrdersRead,
    /// Ask for reveal grants (charged to the shop's quota).
    #[serde(rename = "reveal")]
    Reveal,
    /// Print labels (print grants).
    #[serde(rename = "print")]
    Print,
    /// Ship orders.
    #[serde(rename = "ship")]
    Ship,
}

impl Scope {
    /// Every scope.
    pub const ALL: [Scope; 4] = [Self::OrdersRead, Self::Reveal, Self::Print, Self::Ship];
    /// The name (`orders.read`, `reveal`, `print`, `ship`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OrdersRead => "orders.read",
            Self::Reveal => "reveal",
            Self::Print => "print",
            Self::Ship => "ship",
        }
    }
    /// Parse the name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

/// Most web origins an ISV app registers.
pub const ISV_MAX_ORIGINS: usize = 10;

/// Is `o` a web origin an ISV app may register: `http(s)://host[:port]` in lower case and
/// nothing else (no path, no trailing slash, no wildcard)? The server refuses any other
/// (`VALIDATION_FAILED`); the web app checks the same rule before sending the form.
pub fn valid_origin(o: &str) -> bool {
    let Some(rest) = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")) else { return false };
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|l| !l.is_empty() && l.len() <= 63 && l.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()) && p.parse::<u16>().is_ok_and(|n| n > 0));
    host_ok && port_ok
}

/// `POST /api/v1/admin/isv-apps`: register a third-party app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IsvAppCreate {
    /// Display name (1–64 characters).
    pub name: String,
    /// Web origins allowed to call the API from a browser and to embed the isolated reveal
    /// frame, e.g. `https://erp.example.com` (scheme, host and port; at most 10).
    pub origins: Vec<String>,
}

/// A registered app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvApp {
    /// App id (`app_…`).
    pub app_id: String,
    /// Display name.
    pub name: String,
    /// Allowed web origins.
    pub origins: Vec<String>,
    /// Disabled by the platform (its tokens stop working).
    pub disabled: bool,
    /// Registered, RFC 3339.
    pub created_at: String,
}

/// Answer to a registration: the secret is shown this once and stored only as a hash.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvAppCreated {
    /// The app.
    pub app: IsvApp,
    /// The app secret for the token endpoint (`ovas_…`).
    pub app_secret: String,
}

/// `POST /api/v1/shop/isv-authorizations`: a shop owner authorizes an app.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct IsvAuthorizationCreate {
    /// The app.
    pub app_id: String,
    /// What it may do (at least one).
    pub scopes: Vec<Scope>,
    /// With the `reveal` scope: the purposes it may reveal for (at least one).
    #[serde(default)]
    pub purposes: Vec<RevealPurpose>,
}

/// An app's authorization for a shop.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct IsvAuthorization {
    /// Id.
    pub id: i64,
    /// The app.
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// The shop that authorized it (`None` for a factory's app).
    pub shop_id: Option<String>,
    /// The factory that authorized it (厂商代发; `None` for a shop's app).
    #[serde(default)]
    pub factory_id: Option<String>,
    /// Granted scopes.
    pub scopes: Vec<Scope>,
    /// The purposes the app may reveal for (empty without the `reveal` scope).
    #[serde(default)]
    pub purposes: Vec<RevealPurpose>,
    /// Granted by (user name).
    pub granted_by: String,
    /// When, RFC 3339.
    pub created_at: String,
    /// Revoked when, RFC 3339 (tokens stop working at once).
    pub revoked_at: Option<String>,
}

/// `POST /api/v1/isv/token`: client credentials for a shop, or a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TokenRequest {
    /// `client_credentials` or `refresh_token`.
    pub grant_type: String,
    /// The app id.
    pub app_id: String,
    /// The app secret.
    pub app_secret: String,
    /// The shop (client credentials for a shop's authorization).
    #[serde(default)]
    pub shop_id: Option<String>,
    /// The factory (client credentials for a factory's authorization); exactly one of
    /// `shop_id` and `factory_id`.
    #[serde(default)]
    pub factory_id: Option<String>,
    /// The refresh token (refresh).
    #[serde(default)]
    pub refresh_token: Option<String>,
    /// Scopes wanted; default all that the shop granted.
    #[serde(default)]
    pub scopes: Option<Vec<Scope>>,
}

/// A short-lived access token and its refresh token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TokenResponse {
    /// `Authorization: Bearer <access_token>` (`ovat_…`).
    pub access_token: String,
    /// Always `Bearer`.
    pub token_type: String,
    /// Seconds until the access token expires.
    pub expires_in: i64,
    /// One-time refresh token (`ovrt_…`); a refresh replaces it.
    pub refresh_token: String,
    /// Seconds until the refresh token expires.
    pub refresh_expires_in: i64,
    /// The token's scopes.
    pub scopes: Vec<Scope>,
    /// The shop it acts for (`None` for a factory's token).
    pub shop_id: Option<String>,
    /// The factory it acts for (`None` for a shop's token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub factory_id: Option<String>,
}

/// One ciphertext an ISV stores, to be masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MaskItem {
    /// The order the ciphertext belongs to.
    pub order_id: String,
    /// A field ciphertext (`#…##`, `$…$$`, `~…~~`).
    pub ciphertext: String,
}

/// `POST /api/v1/isv/batch-mask` (≤ 50 items).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchMaskRequest {
    /// The ciphertexts.
    pub items: Vec<MaskItem>,
}

/// A masked ciphertext.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct MaskedItem {
    /// The order.
    pub order_id: String,
    /// `name`, `phone` or `address`.
    pub field: String,
    /// The masked text.
    pub masked: String,
}

/// Answer of batch masking, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct BatchMaskResponse {
    /// One per item.
    pub items: Vec<MaskedItem>,
}

/// A plaintext search term.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchTerm {
    /// `name`, `phone` or `address`.
    pub field: String,
    /// What the user typed: a full phone number, or a name or address fragment.
    pub value: String,
}

/// `POST /api/v1/isv/search-index` (≤ 50 terms).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SearchIndexRequest {
    /// The terms.
    pub items: Vec<SearchTerm>,
}

/// The blind-index tokens of one term under the shop's index key.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchIndexItem {
    /// The field.
    pub field: String,
    /// Tokens (base64url) to look for in the index segment of stored ciphertexts. Phone: one
    /// token, and a ciphertext matches when its index segment equals it. Name/address: one
    /// 4-character token per window of the fragment (2 CJK or 4 half-width characters), and
    /// a ciphertext matches when its index segment holds every one of them at a multiple of
    /// 4 characters. Empty: the term is too short to narrow the search.
    pub tokens: Vec<String>,
}

/// Answer of the search-index helper, in request order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SearchIndexResponse {
    /// One per term.
    pub items: Vec<SearchIndexItem>,
}

#[cfg(test)]
mod tests {
    use super::valid_origin;

    #[test]
    fn origins_are_scheme_host_and_port_only() {
        for ok in ["https://erp.example.com", "http://127.0.0.1:8081", "http://localhost:3000", "https://a-b.c"] {
            assert!(valid_origin(ok), "{ok}");
        }
        for bad in ["", "erp.example.com", "ftp://x.com", "https://x.com/", "https://x.com/path", "https://X.com", "https://x.com:0", "https://x.com:99999", "https://", "https://x..com", "https://x.com:", "null", "https://*.x.com"] {
            assert!(!valid_origin(bad), "{bad}");
        }
    }
}
