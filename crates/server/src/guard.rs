//! Who is calling, and what they may do: the extractors that carry identity into handlers
//! (a session [`User`], a shop's ISV app [`AppCaller`] or a factory's [`FactoryAppCaller`],
//! any of them as a [`Caller`], the order system's service token as [`OrderSystem`]) and the
//! authorization guards every handler uses ([`require_admin`], [`require_owner`],
//! [`shop_with`], [`Caller::acting_shop`], [`Caller::readable_shop`],
//! [`Caller::acting_factory`]). One place, so a rule is written once and tested once.

use axum::extract::FromRequestParts;
use axum::http::{HeaderMap, Method, header, request::Parts};
use orderveil_api::{ErrorCode, Permission, RevealPurpose, Role, Scope, UserInfo};
use serde_json::json;
use sha2::{Digest as _, Sha256};

use crate::audit::Event;
use crate::auth::{SESSION_COOKIE, ct_eq, sha256_hex};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::{isv, sessions};

/// Prefix of ISV access tokens.
pub const ACCESS_PREFIX: &str = "ovat_";

/// FORBIDDEN unless the user is a platform admin.
pub fn require_admin(user: &User) -> AppResult<()> {
    if user.role == Role::Admin { Ok(()) } else { Err(ErrorCode::Forbidden.into()) }
}

/// The shop of an owner, or FORBIDDEN (staff, admins and factories).
pub fn require_owner(user: &User) -> AppResult<&str> {
    if user.role == Role::Owner { user.own_shop() } else { Err(ErrorCode::Forbidden.into()) }
}

/// The shop of an owner or of staff granted `permission`, or FORBIDDEN (other staff,
/// admins and factories).
pub fn shop_with(user: &User, permission: Permission) -> AppResult<String> {
    match user.role {
        Role::Owner | Role::Staff if user.can(permission) => Ok(user.own_shop()?.to_string()),
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

/// The factory of a factory owner, or FORBIDDEN (factory staff, shops, admins).
pub fn require_factory_owner(user: &User) -> AppResult<&str> {
    if user.role == Role::Factory { user.own_factory() } else { Err(ErrorCode::Forbidden.into()) }
}

/// The factory of a factory user (owner or staff) holding `permission` (`print`, `ship`; any
/// factory user for `None`), or FORBIDDEN. An action (`Some`: allocate, cancel, print, ship)
/// of a suspended factory is FACTORY_SUSPENDED, as the session read it at the request's start
/// (the actions with a transaction of their own read it again inside it); reads (`None`) work.
pub fn factory_with(user: &User, permission: Option<Permission>) -> AppResult<String> {
    match user.role {
        Role::Factory | Role::FactoryStaff if permission.is_none_or(|p| user.permissions.contains(&p)) => {
            let factory = user.own_factory()?.to_string();
            if permission.is_some() && user.factory_suspended {
                return Err(AppError::new(ErrorCode::FactorySuspended).with(json!({"factory_id": factory})));
            }
            Ok(factory)
        }
        _ => Err(ErrorCode::Forbidden.into()),
    }
}

/// What a factory account may do: print and ship (its owner both).
pub const FACTORY_PERMISSIONS: [Permission; 2] = [Permission::Print, Permission::Ship];

/// A logged-in user, loaded from the session on every request (so a disabled account or a
/// changed permission takes effect on the next request): the API's [`UserInfo`] (with the
/// effective permissions) and the session's CSRF token. Derefs to the [`UserInfo`].
#[derive(Clone, Debug)]
pub struct User {
    /// Who: id, name, role, shop or factory, effective permissions.
    pub info: UserInfo,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// A factory user's factory is suspended by the platform (read with the session).
    pub factory_suspended: bool,
}

impl std::ops::Deref for User {
    type Target = UserInfo;
    fn deref(&self) -> &UserInfo {
        &self.info
    }
}

impl User {
    /// A user from the stored columns; owners hold every shop permission.
    pub fn new(id: i64, username: String, role: Role, shop_id: Option<String>, factory_id: Option<String>, stored: &str, csrf_token: String) -> Self {
        let permissions = match role {
            Role::Owner => Permission::ALL.to_vec(),
            Role::Factory => FACTORY_PERMISSIONS.to_vec(),
            Role::FactoryStaff => parse_permissions(stored).into_iter().filter(|p| FACTORY_PERMISSIONS.contains(p)).collect(),
            _ => parse_permissions(stored),
        };
        Self { info: UserInfo { id, username, role, shop_id, factory_id, permissions }, csrf_token, factory_suspended: false }
    }

    /// Does the user hold `p`? Owners hold every shop permission; admins and factories none.
    pub fn can(&self, p: Permission) -> bool {
        matches!(self.role, Role::Owner | Role::Staff) && self.permissions.contains(&p)
    }

    /// The user's factory, or FORBIDDEN for users without one.
    pub fn own_factory(&self) -> AppResult<&str> {
        match self.role {
            Role::Factory | Role::FactoryStaff => self.factory_id.as_deref().ok_or_else(|| AppError::new(ErrorCode::Forbidden)),
            _ => Err(ErrorCode::Forbidden.into()),
        }
    }

    /// Is this a factory account (owner or staff)?
    pub fn is_factory(&self) -> bool {
        matches!(self.role, Role::Factory | Role::FactoryStaff)
    }

    /// The user's shop, or FORBIDDEN for users without one.
    pub fn own_shop(&self) -> AppResult<&str> {
        self.shop_id.as_deref().ok_or_else(|| AppError::new(ErrorCode::Forbidden))
    }

    /// An `ok` audit event of this user acting on `shop`.
    pub fn event(&self, shop: &str, action: &str, details: serde_json::Value) -> Event {
        let mut ev = Event::new(&self.username, Some(self.id), Some(shop), action, "ok");
        ev.details = details;
        ev
    }

    /// Who this user is on a buyer's receipt: owner → shop, staff → staff, a factory's users →
    /// factory (never a name).
    pub fn disclosure_actor(&self) -> crate::disclosure::Actor {
        use orderveil_api::ActorKind;
        let kind = match self.role {
            Role::Staff => ActorKind::Staff,
            Role::Factory | Role::FactoryStaff => ActorKind::Factory,
            Role::Owner | Role::Admin => ActorKind::Shop,
        };
        crate::disclosure::Actor { kind, app_name: None, factory_id: self.factory_id.clone() }
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

/// How often a session's `last_seen_at` moves forward (seconds): the idle timeout is exact
/// to this much, and a busy user costs one write a minute, not one per request.
pub const TOUCH_EVERY_SECS: i64 = 60;

/// The user of a session cookie's token, if the session is live: not past its end, not idle
/// longer than the platform's idle timeout, its account not disabled.
pub async fn user_for_session(state: &AppState, token: &str) -> AppResult<Option<User>> {
    let Some(r) = sessions::user_of(&state.db.pool, &sha256_hex(token)).await? else {
        return Ok(None);
    };
    let now = state.now();
    if r.disabled != 0 || r.expires_at <= now || now - r.last_seen_at >= r.idle_secs {
        return Ok(None);
    }
    // The idle timeout counts from the last request; noted at most once a minute.
    if now - r.last_seen_at >= TOUCH_EVERY_SECS {
        sessions::touch(&state.db.pool, &sha256_hex(token), now).await?;
    }
    let role = Role::parse(&r.role).ok_or_else(|| AppError::internal("bad role in users table"))?;
    let mut user = User::new(r.id, r.username, role, r.shop_id, r.factory_id, &r.permissions, r.csrf_token);
    user.factory_suspended = r.factory_suspended != 0;
    Ok(Some(user))
}

impl FromRequestParts<AppState> for User {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let user = FormUser::from_request_parts(parts, state).await?.0;
        // Cookie-authenticated state changes must prove they come from our page.
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let sent = parts.headers.get("x-csrf-token").and_then(|v| v.to_str().ok()).unwrap_or("");
            user.check_csrf(sent)?;
        }
        Ok(user)
    }
}

impl User {
    /// CSRF_FAILED unless `sent` is this session's CSRF token (constant-time).
    pub fn check_csrf(&self, sent: &str) -> AppResult<()> {
        if ct_eq(sent.as_bytes(), self.csrf_token.as_bytes()) { Ok(()) } else { Err(AppError::new(ErrorCode::CsrfFailed)) }
    }
}

/// The session's user WITHOUT the CSRF check of [`User`]: only for a handler that takes the
/// token from a form field instead of the `X-CSRF-Token` header (a plain form POST, which a
/// browser's download manager can follow) and calls [`User::check_csrf`] itself before it
/// does anything.
pub struct FormUser(pub User);

impl FromRequestParts<AppState> for FormUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = cookie_value(parts, SESSION_COOKIE).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let user = user_for_session(state, token).await?.ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        Ok(Self(user))
    }
}

/// An app acting for a shop, from a valid access token.
#[derive(Clone, Debug)]
pub struct AppCaller {
    /// The app.
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// The shop that authorized it.
    pub shop_id: String,
    /// The authorization.
    pub authorization_id: i64,
    /// The token's scopes.
    pub scopes: Vec<Scope>,
    /// The app's registered web origins.
    pub origins: Vec<String>,
    /// The purposes the shop lets it reveal for.
    pub purposes: Vec<RevealPurpose>,
}

impl AppCaller {
    /// SCOPE_MISSING unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.scopes.contains(&scope) { Ok(()) } else { Err(AppError::new(ErrorCode::ScopeMissing).with(json!({"scope": scope.as_str()}))) }
    }

    /// The id its reveal charges are recorded with: negative, so it never collides with a
    /// user's id.
    pub fn account_id(&self) -> i64 {
        -self.authorization_id
    }

    /// The risk subject of this app in this shop: the same across re-authorizations, so
    /// revoking and authorizing again starts no fresh count.
    pub fn risk_subject(&self) -> String {
        crate::risk::app_subject(&self.app_id, &self.shop_id)
    }

    /// The audit actor, `app:<id>`.
    pub fn actor(&self) -> String {
        format!("app:{}", self.app_id)
    }
}

/// An app acting for a factory (厂商代发), from a valid access token of an authorization the
/// factory's owner made: it reads the factory's assigned orders, allocates, prints and ships
/// for them by its scopes. It has no shop and never reveals.
#[derive(Clone, Debug)]
pub struct FactoryAppCaller {
    /// The app.
    pub app_id: String,
    /// Its name.
    pub app_name: String,
    /// The factory that authorized it.
    pub factory_id: String,
    /// The authorization.
    pub authorization_id: i64,
    /// The token's scopes.
    pub scopes: Vec<Scope>,
    /// The app's registered web origins.
    pub origins: Vec<String>,
    /// The platform suspended the factory (read with the token).
    pub factory_suspended: bool,
}

/// Who calls an endpoint that both merchants' pages and ISV apps use.
#[derive(Clone, Debug)]
pub enum Caller {
    /// A logged-in user (session cookie; CSRF checked for state changes).
    User(User),
    /// An ISV app with an access token for one shop.
    App(AppCaller),
    /// An ISV app with an access token for one factory: every shop path refuses it.
    FactoryApp(FactoryAppCaller),
}

impl Caller {
    /// The shop whose orders the caller may read: an app's own shop (`orders.read`), a shop
    /// user's own shop (`view`), or the one a platform admin names.
    pub fn readable_shop(&self, asked: Option<&str>) -> AppResult<String> {
        match self {
            Self::App(app) => {
                app.require(Scope::OrdersRead)?;
                match asked {
                    Some(s) if s != app.shop_id => Err(AppError::new(ErrorCode::Forbidden)),
                    _ => Ok(app.shop_id.clone()),
                }
            }
            Self::FactoryApp(_) => Err(AppError::new(ErrorCode::Forbidden)),
            Self::User(user) => match user.role {
                Role::Admin => asked.map(str::to_string).ok_or_else(|| AppError::new(ErrorCode::ValidationFailed).with(json!({"field": "shop_id", "reason": "required for admins"}))),
                Role::Owner | Role::Staff if user.can(Permission::View) => Ok(user.own_shop()?.to_string()),
                _ => Err(AppError::new(ErrorCode::Forbidden)),
            },
        }
    }

    /// The shop the caller acts for with `permission` (a shop user: owner, or staff granted
    /// it) or `scope` (an app); FORBIDDEN or SCOPE_MISSING otherwise.
    pub fn acting_shop(&self, permission: Permission, scope: Scope) -> AppResult<String> {
        match self {
            Self::App(app) => {
                app.require(scope)?;
                Ok(app.shop_id.clone())
            }
            Self::User(user) if matches!(user.role, Role::Owner | Role::Staff) && user.can(permission) => Ok(user.own_shop()?.to_string()),
            Self::User(_) | Self::FactoryApp(_) => Err(ErrorCode::Forbidden.into()),
        }
    }

    /// Is the caller a factory's (a factory user, or an app a factory authorized)?
    pub fn is_factory(&self) -> bool {
        match self {
            Self::User(u) => u.is_factory(),
            Self::FactoryApp(_) => true,
            Self::App(_) => false,
        }
    }

    /// The factory the caller acts for: a factory user holding `permission` (any factory user
    /// for `None`), or a factory's app whose token carries `scope`; FORBIDDEN or
    /// SCOPE_MISSING otherwise. An action (`Some`) of a suspended factory is
    /// FACTORY_SUSPENDED (as read with the session or token; the actions read it again in
    /// their transaction); reads work.
    pub fn acting_factory(&self, permission: Option<Permission>, scope: Scope) -> AppResult<String> {
        match self {
            Self::User(user) => factory_with(user, permission),
            Self::FactoryApp(app) => {
                app.require(scope)?;
                if permission.is_some() && app.factory_suspended {
                    return Err(AppError::new(ErrorCode::FactorySuspended).with(json!({"factory_id": app.factory_id})));
                }
                Ok(app.factory_id.clone())
            }
            Self::App(_) => Err(ErrorCode::Forbidden.into()),
        }
    }

    /// The audit actor: the user name, or `app:<id>`.
    pub fn actor(&self) -> String {
        match self {
            Self::App(app) => app.actor(),
            Self::FactoryApp(app) => format!("app:{}", app.app_id),
            Self::User(user) => user.username.clone(),
        }
    }

    /// An `ok` audit event of this caller acting on `shop`; an app's carries `via`.
    pub fn event(&self, shop: &str, action: &str, mut details: serde_json::Value) -> Event {
        let mut ev = Event::new(&self.actor(), self.actor_id(), Some(shop), action, "ok");
        if matches!(self, Self::App(_) | Self::FactoryApp(_)) {
            details["via"] = self.via();
        }
        ev.details = details;
        ev
    }

    /// Who this caller is on a buyer's receipt: a user's kind, an app by name.
    pub fn disclosure_actor(&self) -> crate::disclosure::Actor {
        use orderveil_api::ActorKind;
        match self {
            Self::User(u) => u.disclosure_actor(),
            Self::App(a) => crate::disclosure::Actor { kind: ActorKind::App, app_name: Some(a.app_name.clone()), factory_id: None },
            Self::FactoryApp(a) => crate::disclosure::Actor { kind: ActorKind::FactoryApp, app_name: Some(a.app_name.clone()), factory_id: Some(a.factory_id.clone()) },
        }
    }

    /// The acting user's id (none for an app).
    pub fn actor_id(&self) -> Option<i64> {
        match self {
            Self::App(_) | Self::FactoryApp(_) => None,
            Self::User(user) => Some(user.id),
        }
    }

    /// The risk subject of the account ([`crate::risk`]).
    pub fn risk_subject(&self) -> String {
        match self {
            Self::App(app) => app.risk_subject(),
            Self::FactoryApp(app) => crate::risk::app_subject(&app.app_id, &format!("factory:{}", app.factory_id)),
            Self::User(user) => crate::risk::user_subject(user.id),
        }
    }

    /// How the caller came, for audit details: `"web"` or the app.
    pub fn via(&self) -> serde_json::Value {
        match self {
            Self::App(app) => json!({"isv": app.app_id, "app_name": app.app_name}),
            Self::FactoryApp(app) => json!({"isv": app.app_id, "app_name": app.app_name, "factory_id": app.factory_id}),
            Self::User(_) => json!("web"),
        }
    }

    /// May the caller read this shop's order? (Other shops' orders look absent.)
    pub fn can_read_order_of(&self, shop: &str) -> bool {
        match self {
            Self::App(app) => app.scopes.contains(&Scope::OrdersRead) && app.shop_id == shop,
            Self::FactoryApp(_) => false,
            Self::User(user) => match user.role {
                Role::Admin => true,
                Role::Owner | Role::Staff => user.can(Permission::View) && user.shop_id.as_deref() == Some(shop),
                Role::Factory | Role::FactoryStaff => false,
            },
        }
    }
}

pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer ")).map(str::trim)
}

pub(crate) fn parse_scopes(s: &str) -> Vec<Scope> {
    s.split(',').filter_map(|p| Scope::parse(p.trim())).collect()
}

pub(crate) fn join_scopes(scopes: &[Scope]) -> String {
    scopes.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn parse_purposes(s: &str) -> Vec<RevealPurpose> {
    s.split(',').filter_map(|p| RevealPurpose::parse(p.trim())).collect()
}

pub(crate) fn join_purposes(purposes: &[RevealPurpose]) -> String {
    purposes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join(",")
}

pub(crate) fn parse_origins(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

impl FactoryAppCaller {
    /// SCOPE_MISSING unless the token carries `scope`.
    pub fn require(&self, scope: Scope) -> AppResult<()> {
        if self.scopes.contains(&scope) { Ok(()) } else { Err(AppError::new(ErrorCode::ScopeMissing).with(json!({"scope": scope.as_str()}))) }
    }
}

/// The app behind an access token, re-read on every request: an expired token, a revoked
/// authorization or a disabled app stop working at once. A shop's authorization gives a
/// [`Caller::App`], a factory's a [`Caller::FactoryApp`].
pub async fn app_for_token(state: &AppState, token: &str) -> AppResult<Caller> {
    if !token.starts_with(ACCESS_PREFIX) {
        return Err(ErrorCode::TokenInvalid.into());
    }
    let Some(r) = isv::access_token(&state.db.pool, &sha256_hex(token)).await? else {
        return Err(ErrorCode::TokenInvalid.into());
    };
    if r.kind != "access" {
        return Err(ErrorCode::TokenInvalid.into());
    }
    if r.revoked_at.is_some() || r.disabled != 0 {
        return Err(ErrorCode::AppNotAuthorized.into());
    }
    if r.expires_at <= state.now() {
        return Err(ErrorCode::TokenExpired.into());
    }
    match (r.shop_id, r.factory_id) {
        (Some(shop_id), None) => Ok(Caller::App(AppCaller {
            scopes: parse_scopes(&r.scopes),
            origins: parse_origins(&r.origins),
            purposes: parse_purposes(&r.purposes),
            app_id: r.app_id,
            app_name: r.app_name,
            shop_id,
            authorization_id: r.authorization_id,
        })),
        (None, Some(factory_id)) => Ok(Caller::FactoryApp(FactoryAppCaller {
            scopes: parse_scopes(&r.scopes),
            origins: parse_origins(&r.origins),
            app_id: r.app_id,
            app_name: r.app_name,
            factory_id,
            authorization_id: r.authorization_id,
            factory_suspended: r.factory_suspended != 0,
        })),
        _ => Err(AppError::internal("an authorization with both or neither of shop and factory")),
    }
}

impl Caller {
    /// An app's registered web origins (none for a user).
    pub fn origins(&self) -> &[String] {
        match self {
            Self::App(app) => &app.origins,
            Self::FactoryApp(app) => &app.origins,
            Self::User(_) => &[],
        }
    }
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        // Already checked by the CORS layer (a cross-origin request).
        if let Some(app) = parts.extensions.get::<Caller>() {
            return Ok(app.clone());
        }
        if let Some(token) = bearer(&parts.headers).filter(|t| t.starts_with(ACCESS_PREFIX)) {
            return app_for_token(state, token).await;
        }
        Ok(Self::User(User::from_request_parts(parts, state).await?))
    }
}

/// The platform's order system, authenticated by `Authorization: Bearer <service token>`.
#[derive(Debug)]
pub struct OrderSystem;

impl FromRequestParts<AppState> for OrderSystem {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> AppResult<Self> {
        let token = bearer(&parts.headers).ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
        let got = Sha256::digest(token.as_bytes());
        if ct_eq(&got, &state.service_token_sha256) { Ok(Self) } else { Err(AppError::new(ErrorCode::Unauthenticated)) }
    }
}
