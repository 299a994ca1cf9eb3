//! What the whole app shares, by context rather than props: the UI language ([`use_lang`]),
//! who is logged in with what the app offers a page ([`use_session`]: the CSRF token, how
//! long a revealed value stays, the quota refresh for the header meter, navigation), today's
//! quota for the header ([`use_quota`]), and the frame's own state ([`use_shell`]: login,
//! logout, language switch, the current route). [`SessionProvider`] holds them all at the root.
//!
//! Each has its own context so that a change re-renders only what reads it: the meter moves
//! on every reveal, and must not re-render the order table. Also here: the permission checks
//! that decide which controls show (the server decides each request).

use std::ops::Deref;
use std::rc::Rc;

use gloo_events::EventListener;
use orderveil_api::{Permission, QuotaToday, Role, SessionInfo};
use yew::prelude::*;

use crate::api;
use crate::config;
use crate::i18n::Lang;
use crate::route::Route;

/// Who is logged in, and what the app offers the pages. It reads as the server's
/// [`SessionInfo`] (`s.user`, `s.csrf_token`).
#[derive(Clone, PartialEq)]
pub struct Session {
    info: Rc<SessionInfo>,
    /// Seconds a revealed value stays in the page.
    pub reveal_secs: u32,
    /// Hand the header meter today's figures (after a reveal, a poll, the quota page).
    pub set_quota: Callback<QuotaToday>,
    /// Go to another page.
    pub nav: Callback<Route>,
}

impl Deref for Session {
    type Target = SessionInfo;

    fn deref(&self) -> &SessionInfo {
        &self.info
    }
}

impl Session {
    /// An owner or a staff member of a shop.
    pub fn shop_user(&self) -> bool {
        matches!(self.user.role, Role::Owner | Role::Staff)
    }

    /// A platform admin.
    pub fn admin(&self) -> bool {
        self.user.role == Role::Admin
    }

    /// Does this shop user (owner, or staff granted it) have `p`?
    pub fn may(&self, p: Permission) -> bool {
        self.shop_user() && self.user.permissions.contains(&p)
    }

    /// A factory's owner or staff (厂商代发).
    pub fn factory(&self) -> bool {
        matches!(self.user.role, Role::Factory | Role::FactoryStaff)
    }

    /// Does this factory user (owner, or staff granted it) have `p` (`print` or `ship`)?
    pub fn factory_may(&self, p: Permission) -> bool {
        self.factory() && self.user.permissions.contains(&p)
    }

    /// May this user allocate waybills and print labels (owners, staff with `print`, and
    /// factory users with `print`, for the orders assigned to their factory)?
    pub fn can_print(&self) -> bool {
        self.may(Permission::Print) || self.factory_may(Permission::Print)
    }
}

/// Whether we know who is logged in yet.
#[derive(Clone, PartialEq)]
pub enum Auth {
    /// Asking the server.
    Checking,
    /// Nobody: the login form.
    Anonymous,
    /// Logged in.
    In(Session),
}

/// The frame's view of the root: who is logged in, the route, and the frame's actions.
#[derive(Clone, PartialEq)]
pub struct Shell {
    /// Who is logged in.
    pub auth: Auth,
    /// The page in the address bar.
    pub route: Route,
    /// A login succeeded.
    pub login: Callback<SessionInfo>,
    /// Log out.
    pub logout: Callback<()>,
    /// Switch the language (and remember it).
    pub switch_lang: Callback<()>,
}

/// Today's quota for the header meter, once read (shop users only).
#[derive(Clone, PartialEq)]
pub struct HeaderQuota(pub Option<QuotaToday>);

/// The UI language.
#[hook]
pub fn use_lang() -> Lang {
    use_context::<Lang>().unwrap_or_else(Lang::load)
}

/// The session of the logged-in user.
#[hook]
pub fn use_session() -> Session {
    // Pages and their parts are mounted only under the provider's session (see app.rs); one
    // mounted elsewhere is a mistake that every end-to-end test would show at once, which a
    // made-up empty session would hide.
    #[allow(clippy::expect_used)]
    use_context::<Session>().expect("mounted under the SessionProvider with a session")
}

/// Today's quota for the header meter (`None` until read, and for users without a shop).
#[hook]
pub fn use_quota() -> Option<QuotaToday> {
    use_context::<HeaderQuota>().and_then(|q| q.0)
}

/// The frame's state and actions (the header, the page switch, the login form).
#[hook]
pub fn use_shell() -> Option<Shell> {
    use_context::<Shell>()
}

/// Props of [`SessionProvider`].
#[derive(Properties, PartialEq)]
pub struct ProviderProps {
    /// The app.
    pub children: Html,
}

/// Holds the language, the session, the route and today's quota, and provides them.
#[function_component(SessionProvider)]
pub fn session_provider(props: &ProviderProps) -> Html {
    let lang = use_state(Lang::load);
    let user = use_state(|| None::<Option<Rc<SessionInfo>>>);
    let route = use_state(Route::current);
    // `_eq`: a reveal that charges nothing new (a re-reveal today) changes nothing.
    let quota = use_state_eq(|| None::<QuotaToday>);
    let reveal_secs = use_state(config::reveal_secs);
    {
        let user = user.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move { user.set(Some(api::me().await.ok().map(Rc::new))) });
        });
    }
    {
        // Back and forward buttons.
        let route = route.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|w| EventListener::new(&w, "popstate", move |_| route.set(Route::current())));
            move || drop(listener)
        });
    }
    {
        // The header meter of a shop user: read at login, then kept current by reveals and polls.
        let quota = quota.clone();
        let shop_user = matches!(&*user, Some(Some(s)) if matches!(s.user.role, Role::Owner | Role::Staff));
        use_effect_with(shop_user, move |shop_user| {
            if *shop_user {
                wasm_bindgen_futures::spawn_local(async move {
                    if let Ok(r) = api::quota(None).await {
                        quota.set(Some(r.today));
                    }
                });
            } else {
                quota.set(None);
            }
        });
    }
    // Callbacks made once: a new callback would be a new context value, and every page and
    // row reading it would render again.
    let set_quota = {
        let quota = quota.clone();
        use_callback((), move |q: QuotaToday, _| quota.set(Some(q)))
    };
    let nav = {
        let route = route.clone();
        use_callback((), move |r: Route, _| {
            if r.elsewhere() && r.load() {
                return;
            }
            r.push();
            route.set(r);
        })
    };
    let login = {
        let user = user.clone();
        use_callback((), move |s: SessionInfo, _| user.set(Some(Some(Rc::new(s)))))
    };
    let logout = {
        let user = user.clone();
        let csrf = (*user).clone().flatten().map(|s| s.csrf_token.clone());
        use_callback(csrf, move |(), csrf| {
            let (csrf, user) = (csrf.clone().unwrap_or_default(), user.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let _ = api::logout(&csrf).await;
                user.set(Some(None));
            });
        })
    };
    let switch_lang = {
        let lang = lang.clone();
        use_callback(*lang, move |(), l| {
            let next = l.toggled();
            next.save();
            lang.set(next);
        })
    };
    let session = use_memo(((*user).clone(), *reveal_secs), {
        let (set_quota, nav) = (set_quota.clone(), nav.clone());
        move |(user, secs)| user.clone().flatten().map(|info| Session { info, reveal_secs: *secs, set_quota, nav })
    });
    let auth = match (&*user, &*session) {
        (None, _) => Auth::Checking,
        (Some(_), Some(s)) => Auth::In(s.clone()),
        (Some(_), None) => Auth::Anonymous,
    };
    let shell = Shell { auth, route: (*route).clone(), login, logout, switch_lang };
    let children = match &*session {
        Some(s) => html! { <ContextProvider<Session> context={s.clone()}>{ props.children.clone() }</ContextProvider<Session>> },
        None => props.children.clone(),
    };
    html! {
        <ContextProvider<Lang> context={*lang}>
        <ContextProvider<HeaderQuota> context={HeaderQuota((*quota).clone())}>
        <ContextProvider<Shell> context={shell}>
            { children }
        </ContextProvider<Shell>>
        </ContextProvider<HeaderQuota>>
        </ContextProvider<Lang>>
    }
}
