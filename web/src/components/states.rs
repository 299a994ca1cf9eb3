//! The states of a list read from the server (loading, failed with a retry) and the table
//! that shows it once read; [`use_load`] reads a value into a [`Load`]; a form's refusal
//! shown next to the field it names ([`field_error`]).

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

/// A retry's callback: shows `loading`, then reads again with `fetch` (which sets `load`).
pub fn refetch<L: Clone + 'static>(load: &UseStateHandle<L>, loading: L, fetch: fn(UseStateHandle<L>)) -> Callback<MouseEvent> {
    let load = load.clone();
    Callback::from(move |_: MouseEvent| {
        load.set(loading.clone());
        fetch(load.clone());
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
/// is on screen stays there meanwhile; [`failed_reload`] bumps the counter).
#[hook]
pub fn use_load<T, D, F, R>(deps: D, read: R) -> (UseStateHandle<Load<T>>, UseStateHandle<u32>)
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

/// The `value` of the input that fired `e`.
pub fn value_of(e: &InputEvent) -> String {
    e.target().and_then(|t| js_sys::Reflect::get(&t, &JsValue::from_str("value")).ok()).and_then(|v| v.as_string()).unwrap_or_default()
}
