//! The states of a list read from the server (loading, failed with a retry) and the table
//! that shows it once read.

use yew::prelude::*;

use crate::api::ApiFailure;
use crate::i18n::Lang;

/// `<p class="state" id>Loading…</p>`, announced politely when `live`.
pub fn loading(l: Lang, id: &'static str, live: bool) -> Html {
    html! { <p class="state" {id} aria-live={live.then_some("polite")}>{ l.t("loading") }</p> }
}

/// `<p class="error" role="alert" id>message<button>Retry</button></p>`; `typed` gives the
/// button `type="button"`.
pub fn failed_retry(l: Lang, id: &'static str, e: &ApiFailure, retry: Callback<MouseEvent>, typed: bool) -> Html {
    html! {
        <p class="error" role="alert" {id}>{ e.text(l) }<button type={typed.then_some("button")} onclick={retry}>{ l.t("retry") }</button></p>
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
    html! {
        <div class="table-wrap">
        <table {id}>
            <thead><tr>{ head }</tr></thead>
            <tbody>{ rows }</tbody>
        </table>
        </div>
    }
}
