//! The states of a value read from the server (loading, failed with a retry) and the table
//! that shows a list once read; [`use_load`] and [`use_load_afresh`] read a value into a
//! [`Load`], the one shape every page reads in; a form's refusal shown next to the field it
//! names ([`field_error`]).

use std::future::Future;
use std::rc::Rc;

use wasm_bindgen::JsValue;
use yew::prelude::*;

use crate::api::ApiFailure;
use crate::i18n::{CommonMsg, Lang};

/// `Some(s)` unless `s` is empty (an attribute left out).
fn opt(s: &'static str) -> Option<&'static str> {
    (!s.is_empty()).then_some(s)
}

/// `<p class="state" id>Loading…</p>` (no id if `id` is empty), announced politely when `live`.
pub fn loading(l: Lang, id: &'static str, live: bool) -> Html {
    html! { <p class="state" id={opt(id)} aria-live={live.then_some("polite")}>{ l.t(CommonMsg::Loading) }</p> }
}

/// `<p class="error" role="alert" id>message<button>Retry</button></p>` (no id if `id` is
/// empty); `typed` gives the button `type="button"`.
pub fn failed_retry(l: Lang, id: &'static str, e: &ApiFailure, retry: Callback<MouseEvent>, typed: bool) -> Html {
    html! {
        <p class="error" role="alert" id={opt(id)}>{ e.text(l) }<button type={typed.then_some("button")} onclick={retry}>{ l.t(CommonMsg::Retry) }</button></p>
    }
}

/// [`failed_retry`] whose retry reads again by bumping a reload counter.
pub fn failed_reload(l: Lang, id: &'static str, e: &ApiFailure, reload: &UseStateHandle<u32>) -> Html {
    let reload = reload.clone();
    failed_retry(l, id, e, Callback::from(move |_: MouseEvent| reload.set(*reload + 1)), false)
}

/// A retry's callback that shows "Loading…" while it reads again (bumps the reload counter).
pub fn retry_afresh<T: 'static>(load: &UseStateHandle<Load<T>>, reload: &UseStateHandle<u32>) -> Callback<MouseEvent> {
    let (load, reload) = (load.clone(), reload.clone());
    Callback::from(move |_: MouseEvent| {
        load.set(Load::Loading);
        reload.set(*reload + 1);
    })
}

/// `<div class="table-wrap"><table id><thead><tr>head</tr></thead><tbody>rows</tbody></table></div>`.
pub fn table(id: &'static str, head: Html, rows: Html) -> Html {
    table_of(id, "", head, rows)
}

/// Header cells: `<th>` with each text.
pub fn heads(texts: &[&'static str]) -> Html {
    texts.iter().map(|t| html! { <th>{ *t }</th> }).collect()
}

/// [`table`] with a class; an empty id or class is left out.
pub fn table_of(id: &'static str, class: &'static str, head: Html, rows: Html) -> Html {
    html! {
        <div class="table-wrap">
        <table id={opt(id)} class={opt(class)}>
            <thead><tr>{ head }</tr></thead>
            <tbody>{ rows }</tbody>
        </table>
        </div>
    }
}

/// A value read from the server.
#[derive(PartialEq)]
pub enum Load<T> {
    /// Not read yet.
    Loading,
    /// Read.
    Ok(Rc<T>),
    /// The read failed.
    Failed(ApiFailure),
}

impl<T> Clone for Load<T> {
    fn clone(&self) -> Self {
        match self {
            Self::Loading => Self::Loading,
            Self::Ok(v) => Self::Ok(v.clone()),
            Self::Failed(e) => Self::Failed(e.clone()),
        }
    }
}

impl<T> From<Result<T, ApiFailure>> for Load<T> {
    fn from(r: Result<T, ApiFailure>) -> Self {
        match r {
            Ok(v) => Self::Ok(Rc::new(v)),
            Err(e) => Self::Failed(e),
        }
    }
}

/// What `read` answers, read when `deps` change and when the returned counter is bumped (what
/// is on screen stays there meanwhile, e.g. a table whose checkboxes and focus must stay;
/// [`failed_reload`] bumps the counter). A page may also set the state itself, e.g. with the
/// answer of an action.
#[hook]
pub fn use_load<T, D, F, R>(deps: D, read: R) -> (UseStateHandle<Load<T>>, UseStateHandle<u32>)
where
    T: 'static,
    D: PartialEq + 'static,
    F: Future<Output = Result<T, ApiFailure>> + 'static,
    R: FnOnce(&D) -> F + 'static,
{
    use_load_with(false, deps, read)
}

/// [`use_load`] that shows [`Load::Loading`] again at each read (a new page of a list, another
/// order: what was on screen is not what was asked for).
#[hook]
pub fn use_load_afresh<T, D, F, R>(deps: D, read: R) -> (UseStateHandle<Load<T>>, UseStateHandle<u32>)
where
    T: 'static,
    D: PartialEq + 'static,
    F: Future<Output = Result<T, ApiFailure>> + 'static,
    R: FnOnce(&D) -> F + 'static,
{
    use_load_with(true, deps, read)
}

#[hook]
fn use_load_with<T, D, F, R>(afresh: bool, deps: D, read: R) -> (UseStateHandle<Load<T>>, UseStateHandle<u32>)
where
    T: 'static,
    D: PartialEq + 'static,
    F: Future<Output = Result<T, ApiFailure>> + 'static,
    R: FnOnce(&D) -> F + 'static,
{
    let load = use_state(|| Load::Loading);
    let reload = use_state(|| 0u32);
    {
        let load = load.clone();
        use_effect_with((deps, *reload), move |(d, _)| {
            if afresh {
                load.set(Load::Loading);
            }
            let answer = read(d);
            wasm_bindgen_futures::spawn_local(async move { load.set(answer.await.into()) });
        });
    }
    (load, reload)
}

/// `<p class="error field-error" role="alert" id data-code data-field>message</p>` when the
/// form's refusal `e` (with the field it concerns, `""` for none) is about the field `at`.
pub fn field_error(l: Lang, id: &'static str, e: &Option<(&'static str, ApiFailure)>, at: &str) -> Html {
    match e {
        Some((field, f)) if *field == at => html! {
            <p class="error field-error" role="alert" {id} data-code={f.code()} data-field={opt(field)}>{ f.text(l) }</p>
        },
        _ => html! {},
    }
}

/// `YYYY-MM-DD HH:MM` of an RFC 3339 time.
pub fn when(t: &str) -> String {
    t.get(..16).unwrap_or(t).replace('T', " ")
}

/// The `value` of the input, select or textarea that fired `e`.
pub fn value_of(e: &Event) -> String {
    e.target().and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("value")).ok()).and_then(|v| v.as_string()).unwrap_or_default()
}
