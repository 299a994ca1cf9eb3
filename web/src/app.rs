//! The root: session and language state, header, and which page shows.

use orderveil_api::{Role, SessionInfo};
use yew::prelude::*;

use crate::api;
use crate::components::quota_meter::QuotaMeter;
use crate::i18n::Lang;
use crate::pages::{login::Login, orders::Orders};

/// Whether we know who is logged in yet.
#[derive(Clone, PartialEq)]
enum Auth {
    Checking,
    Anonymous,
    In(SessionInfo),
}

/// The app.
#[function_component(App)]
pub fn app() -> Html {
    let lang = use_state(Lang::load);
    let auth = use_state(|| Auth::Checking);
    {
        let auth = auth.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                auth.set(match api::me().await {
                    Ok(s) => Auth::In(s),
                    Err(_) => Auth::Anonymous,
                });
            });
        });
    }
    let switch = {
        let lang = lang.clone();
        Callback::from(move |_| {
            let next = lang.toggled();
            next.save();
            lang.set(next);
        })
    };
    let on_login = {
        let auth = auth.clone();
        Callback::from(move |s: SessionInfo| auth.set(Auth::In(s)))
    };
    let l = *lang;
    let header_user = match &*auth {
        Auth::In(s) => {
            let csrf = s.csrf_token.clone();
            let auth = auth.clone();
            let logout = Callback::from(move |_| {
                let (csrf, auth) = (csrf.clone(), auth.clone());
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = api::logout(&csrf).await;
                    auth.set(Auth::Anonymous);
                });
            });
            let shop_user = matches!(s.user.role, Role::Owner | Role::Staff);
            html! {
                <>
                    if shop_user { <QuotaMeter lang={l} /> }
                    <span class="user">{ &s.user.username }</span>
                    <button class="link" onclick={logout}>{ l.t("logout") }</button>
                </>
            }
        }
        _ => html! {},
    };
    let body = match &*auth {
        Auth::Checking => html! { <p class="state">{ l.t("loading") }</p> },
        Auth::Anonymous => html! { <Login lang={l} {on_login} /> },
        Auth::In(s) if matches!(s.user.role, Role::Owner | Role::Staff) => html! { <Orders lang={l} /> },
        Auth::In(_) => html! { <p class="state">{ l.t("no_shop") }</p> },
    };
    html! {
        <>
            <header>
                <h1>{ l.t("app") }</h1>
                <nav>
                    { header_user }
                    <button class="link" id="lang-switch" onclick={switch}>{ l.t("switch") }</button>
                </nav>
            </header>
            <main>{ body }</main>
        </>
    }
}
