//! The admin's registration form (name, web origins checked here as `http(s)://host[:port]`
//! before the server checks them again) and the new app's id and secret, shown once.

use std::rc::Rc;

use gloo_timers::callback::Timeout;
use orderveil_api::IsvAppCreate;
use yew::prelude::*;
use zeroize::Zeroizing;

use super::focus;
use crate::api::{self, ApiFailure};
use crate::components::states::value_of;
use crate::i18n::{self, AppsMsg, Lang, OrdersMsg};
use crate::session::{use_lang, use_session};

/// Most origins an app registers (the server's limit).
pub const MAX_ORIGINS: usize = orderveil_api::ISV_MAX_ORIGINS;
/// Most characters of an app name (the server's limit).
pub const MAX_NAME: usize = 64;

/// What is wrong with the registration form.
#[derive(Clone, Debug, PartialEq, Eq)]
enum FormError {
    /// Empty or longer than [`MAX_NAME`].
    Name,
    /// No origin.
    NoOrigins,
    /// More than [`MAX_ORIGINS`].
    TooManyOrigins,
    /// Line (1-based) and its text.
    Origin(usize, String),
}

impl FormError {
    fn text(&self, l: Lang) -> String {
        match self {
            Self::Name => l.t(AppsMsg::NameInvalid).into(),
            Self::NoOrigins => l.t(AppsMsg::OriginsEmpty).into(),
            Self::TooManyOrigins => l.t(AppsMsg::OriginsTooMany).into(),
            Self::Origin(line, o) => i18n::origin_invalid(l, *line, o),
        }
    }
}

/// The form's values as a request: the name trimmed, one origin per non-blank line.
fn registration(name: &str, origins: &str) -> Result<IsvAppCreate, FormError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > MAX_NAME {
        return Err(FormError::Name);
    }
    let mut list: Vec<String> = Vec::new();
    for (i, line) in origins.lines().enumerate() {
        let o = line.trim();
        if o.is_empty() {
            continue;
        }
        if !orderveil_api::valid_origin(o) {
            return Err(FormError::Origin(i + 1, o.to_string()));
        }
        if !list.iter().any(|x| x == o) {
            list.push(o.to_string());
        }
    }
    match list.len() {
        0 => Err(FormError::NoOrigins),
        n if n > MAX_ORIGINS => Err(FormError::TooManyOrigins),
        _ => Ok(IsvAppCreate { name: name.to_string(), origins: list }),
    }
}

/// Props of [`RegisterForm`].
#[derive(Properties, PartialEq)]
pub(super) struct FormProps {
    /// Called with the new app's name.
    pub(super) on_registered: Callback<String>,
}

/// A new app's id and secret, shown once (the secret is wiped when the card closes).
#[derive(PartialEq)]
struct Created {
    app_id: String,
    name: String,
    secret: Zeroizing<String>,
}

/// The admin's registration form; after a registration, the app id and secret, once.
#[function_component(RegisterForm)]
pub(super) fn register_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let name = use_state(String::new);
    let origins = use_state(String::new);
    let error = use_state(|| None::<FormError>);
    let failure = use_state(|| None::<ApiFailure>);
    let busy = use_state(|| false);
    let created = use_state(|| None::<Rc<Created>>);
    let copied = use_state(|| None::<bool>);
    let copy_ref = use_node_ref();
    let name_ref = use_node_ref();
    let origins_ref = use_node_ref();
    {
        // The new secret takes the focus (its copy button), so it is the next thing read.
        let copy_ref = copy_ref.clone();
        use_effect_with(created.is_some(), move |shown| {
            if *shown {
                focus(&copy_ref);
            }
        });
    }
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| name.set(value_of(&e)))
    };
    let on_origins = {
        let origins = origins.clone();
        Callback::from(move |e: InputEvent| origins.set(value_of(&e)))
    };
    let submit = {
        let (name, origins, error, failure, busy, created, copied) =
            (name.clone(), origins.clone(), error.clone(), failure.clone(), busy.clone(), created.clone(), copied.clone());
        let (csrf, on_registered, name_ref, origins_ref) = (s.csrf_token.clone(), p.on_registered.clone(), name_ref.clone(), origins_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            failure.set(None);
            let req = match registration(&name, &origins) {
                Ok(r) => r,
                Err(fe) => {
                    focus(if fe == FormError::Name { &name_ref } else { &origins_ref });
                    error.set(Some(fe));
                    return;
                }
            };
            error.set(None);
            busy.set(true);
            let (csrf, name, origins, failure, busy, created, copied, on_registered) =
                (csrf.clone(), name.clone(), origins.clone(), failure.clone(), busy.clone(), created.clone(), copied.clone(), on_registered.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::register_isv_app(&csrf, &req).await {
                    Ok(r) => {
                        let app_name = r.app.name.clone();
                        copied.set(None);
                        created.set(Some(Rc::new(Created { app_id: r.app.app_id, name: r.app.name, secret: Zeroizing::new(r.app_secret) })));
                        name.set(String::new());
                        origins.set(String::new());
                        on_registered.emit(app_name);
                    }
                    Err(e) => failure.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let card = (*created).clone().map(|c| {
        let copy = {
            let (c, copied) = (c.clone(), copied.clone());
            Callback::from(move |_: MouseEvent| {
                let Some(w) = web_sys::window() else { return };
                let promise = w.navigator().clipboard().write_text(c.secret.as_str());
                let copied = copied.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    copied.set(Some(wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()));
                    let reset = copied.clone();
                    Timeout::new(1500, move || reset.set(None)).forget();
                });
            })
        };
        let close = {
            let (created, copied, name_ref) = (created.clone(), copied.clone(), name_ref.clone());
            Callback::from(move |_: MouseEvent| {
                copied.set(None);
                created.set(None);
                focus(&name_ref);
            })
        };
        let copy_text = match *copied {
            Some(true) => l.t(OrdersMsg::Copied),
            Some(false) => l.t(OrdersMsg::CopyFailed),
            None => l.t(OrdersMsg::Copy),
        };
        html! {
            <div class="card created" id="app-created" data-app-id={c.app_id.clone()}>
                <h3>{ format!("{} · {}", l.t(AppsMsg::CreatedTitle), c.name) }</h3>
                <p class="warning" id="secret-warning" role="alert">{ l.t(AppsMsg::SecretWarning) }</p>
                <dl>
                    <dt>{ l.t(AppsMsg::Id) }</dt><dd class="mono" id="created-app-id">{ c.app_id.clone() }</dd>
                    <dt>{ l.t(AppsMsg::Secret) }</dt>
                    <dd class="secret-line">
                        <code class="mono secret" id="created-app-secret">{ c.secret.as_str() }</code>
                        <button type="button" id="copy-secret" class="copy" ref={copy_ref.clone()} onclick={copy}>{ copy_text }</button>
                    </dd>
                </dl>
                <button type="button" id="created-close" onclick={close}>{ l.t(AppsMsg::SecretSaved) }</button>
            </div>
        }
    });
    let err = (*error).clone();
    let name_bad = err.as_ref().is_some_and(|e| *e == FormError::Name);
    let origins_bad = err.as_ref().is_some_and(|e| *e != FormError::Name);
    html! {
        <>
        { for card }
        <form class="card register" id="app-register" onsubmit={submit} novalidate=true>
            <h3>{ l.t(AppsMsg::RegisterTitle) }</h3>
            <label for="app-name">{ l.t(AppsMsg::Name) }</label>
            <input id="app-name" ref={name_ref} value={(*name).clone()} oninput={on_name} maxlength="64" autocomplete="off"
                   aria-invalid={name_bad.to_string()} aria-describedby={name_bad.then_some("app-form-error")} />
            <label for="app-origins">{ l.t(AppsMsg::Origins) }</label>
            <textarea id="app-origins" ref={origins_ref} rows="3" value={(*origins).clone()} oninput={on_origins} spellcheck="false"
                      placeholder="https://erp.example.com" aria-invalid={origins_bad.to_string()}
                      aria-describedby={if origins_bad { "app-form-error origins-hint" } else { "origins-hint" }} />
            <small class="state" id="origins-hint">{ l.t(AppsMsg::OriginsHint) }</small>
            if let Some(e) = &err { <p class="error" role="alert" id="app-form-error">{ e.text(l) }</p> }
            if let Some(f) = &*failure { <p class="error" role="alert" id="app-register-error" data-code={f.code()}>{ f.text(l) }</p> }
            <div><button type="submit" class="primary" id="app-register-submit" disabled={*busy}>{ l.t(if *busy { AppsMsg::Registering } else { AppsMsg::Register }) }</button></div>
        </form>
        </>
    }
}
