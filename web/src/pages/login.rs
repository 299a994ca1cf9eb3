//! The login form.

use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api;
use crate::i18n::{self, CommonMsg, Lang};
use crate::session::{use_lang, use_shell};

/// The login page: the new session goes to the session provider.
#[function_component(Login)]
pub fn login() -> Html {
    let on_login = use_shell().map(|s| s.login).unwrap_or_default();
    let user = use_node_ref();
    let pass = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<api::ApiFailure>);
    let l = use_lang();
    let submit = {
        let (user, pass, busy, error) = (user.clone(), pass.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let u = user.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let p = pass.cast::<HtmlInputElement>().map(|i| i.value()).unwrap_or_default();
            let (busy, error, on_login) = (busy.clone(), error.clone(), on_login.clone());
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match api::login(u, p).await {
                    Ok(s) => on_login.emit(s),
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="login" onsubmit={submit}>
            <label>{ l.t(CommonMsg::Username) }<input ref={user} id="username" autocomplete="username" required=true /></label>
            <label>{ l.t(CommonMsg::Password) }<input ref={pass} id="password" type="password" autocomplete="current-password" required=true /></label>
            if let Some(e) = &*error { <p class="error" id="login-error" role="alert" data-code={e.error_code().map(|c| c.as_str())}>{ refusal(l, e) }</p> }
            <button type="submit" id="login" disabled={*busy}>{ if *busy { l.t(CommonMsg::LoggingIn) } else { l.t(CommonMsg::Login) } }</button>
        </form>
    }
}

/// A refused login: the throttle's refusals say how long to wait.
fn refusal(l: Lang, e: &api::ApiFailure) -> String {
    let d = e.details.as_ref();
    match (e.error_code(), d.and_then(|d| d["retry_after_secs"].as_i64())) {
        (Some(orderveil_api::ErrorCode::LoginLocked), Some(secs)) => {
            i18n::login_held(l, d.and_then(|d| d["locked"].as_bool()).unwrap_or(true), secs)
        }
        _ => e.text(l),
    }
}
