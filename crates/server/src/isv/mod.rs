//! Third-party (ISV) apps.
//!
//! * The platform admin **registers** an app (name, allowed web origins) and receives its id
//!   and secret once; only the secret's SHA-256 is stored.
//! * A shop owner **authorizes** an app for the shop with scopes (`orders.read`, `reveal`,
//!   `print`, `ship`) and can **revoke** it; revocation takes effect on the app's next request
//!   because every request re-reads the authorization.
//! * The app's backend obtains **short-lived access tokens** for a shop with its credentials
//!   (client credentials bound to the live authorization) and refreshes them with one-time
//!   refresh tokens.
//! * [`Caller`](crate::guard::Caller) accepts either a session user or an app access token on the order and grant
//!   endpoints; an app's grants are charged to the shop's quota and audited as `app:<id>`.
//! * [`cors()`]: browser requests from another origin are answered only for an app token whose
//!   app registered that origin; preflights only for registered origins. A session cookie is
//!   never honoured cross-origin.
//! * Batch helpers for an ISV's own storage: masking of stored ciphertext and blind-index
//!   tokens for search terms (≤ 50 each).
//!
//! Rooms: [`apps`] (registration, authorizations), [`tokens`] (the token endpoint),
//! [`mod@cors`] (the cross-origin layer), [`batch`] (the batch helpers), [`mod@routes`] (HTTP).

pub mod apps;
pub mod batch;
pub mod cors;
pub mod routes;
pub mod tokens;

pub use apps::{authorize, list_apps, list_authorizations, register, revoke, set_disabled};
pub use batch::{batch_mask, search_index};
pub use cors::{cors, registered_origins};
pub use routes::{IsvDoc, routes};
pub use tokens::token;

/// Prefix of access tokens.
pub use crate::guard::ACCESS_PREFIX;
/// Prefix of refresh tokens.
pub const REFRESH_PREFIX: &str = "ovrt_";
/// Prefix of app secrets.
pub const SECRET_PREFIX: &str = "ovas_";
/// Lifetime of an access token.
pub const ACCESS_TTL_SECS: i64 = 2 * 3600;
/// Lifetime of a refresh token.
pub const REFRESH_TTL_SECS: i64 = 30 * 86_400;
/// Most origins an app registers.
pub const MAX_ORIGINS: usize = orderveil_api::ISV_MAX_ORIGINS;
/// Most items of a batch helper request.
pub const MAX_BATCH: usize = 50;
