//! The purpose of the reveals (解密用途), chosen once next to the quota meter and sent with
//! every reveal grant. The choice (and the note that `other` needs) lives in `sessionStorage`:
//! it stays for the browser tab's session and is gone when the tab closes; the default is
//! manual shipping. [`chosen`] reads it at the moment a grant is asked for and checks the note
//! with the API's own rule ([`purpose_note_problem`]), so a bad note is refused in the page
//! before anything is sent.

use gloo_storage::{SessionStorage, Storage};
use orderveil_api::{RevealPurpose, purpose_note_problem};
use yew::prelude::*;

use crate::api::ApiFailure;
use crate::components::states::value_of;
use crate::i18n::{self, Lang, OrdersMsg};
use crate::session::use_lang;

const PURPOSE_KEY: &str = "orderveil.purpose";
const NOTE_KEY: &str = "orderveil.purpose_note";

/// The purpose when none was chosen.
pub const DEFAULT: RevealPurpose = RevealPurpose::ManualShipping;

/// The remembered purpose and note (the default and no note if none).
fn stored() -> (RevealPurpose, String) {
    let purpose = SessionStorage::get::<String>(PURPOSE_KEY).ok().and_then(|p| RevealPurpose::parse(&p)).unwrap_or(DEFAULT);
    (purpose, SessionStorage::get::<String>(NOTE_KEY).unwrap_or_default())
}

fn remember(purpose: RevealPurpose, note: &str) {
    let _ = SessionStorage::set(PURPOSE_KEY, purpose.as_str());
    let _ = SessionStorage::set(NOTE_KEY, note);
}

/// The purpose and note a grant is sent with (a note only with `other`), or the page's own
/// `PURPOSE_INVALID` refusal when the note is missing or not allowed.
pub fn chosen() -> Result<(RevealPurpose, Option<String>), ApiFailure> {
    let (purpose, note) = stored();
    let note = (purpose == RevealPurpose::Other).then(|| note.trim().to_string());
    match purpose_note_problem(purpose, note.as_deref()) {
        None => Ok((purpose, note)),
        Some(problem) => Err(ApiFailure::local(
            "PURPOSE_INVALID",
            i18n::refusals::purpose_problem(Lang::En, problem),
            i18n::refusals::purpose_problem(Lang::Zh, problem),
        )),
    }
}

/// A purpose's label in the UI language.
pub fn label(l: Lang, p: RevealPurpose) -> &'static str {
    if l == Lang::Zh { p.label_zh() } else { p.label_en() }
}

/// The header's compact selector: `#purpose-select`, and with `other` the note
/// `#purpose-note` and, while the note is not acceptable, `#purpose-problem`.
#[function_component(PurposePicker)]
pub fn purpose_picker() -> Html {
    let l = use_lang();
    let state = use_state(stored);
    let (purpose, note) = (*state).clone();
    let on_purpose = {
        let state = state.clone();
        Callback::from(move |e: Event| {
            let v = e.target_dyn_into::<web_sys::HtmlSelectElement>().map(|s| s.value()).unwrap_or_default();
            let purpose = RevealPurpose::parse(&v).unwrap_or(DEFAULT);
            remember(purpose, &state.1);
            state.set((purpose, state.1.clone()));
        })
    };
    let on_note = {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            let note = value_of(&e);
            remember(state.0, &note);
            state.set((state.0, note));
        })
    };
    let other = purpose == RevealPurpose::Other;
    let problem = other.then(|| purpose_note_problem(purpose, Some(&note))).flatten();
    html! {
        <span class="purpose" id="purpose-picker" data-purpose={purpose.as_str()} title={l.t(OrdersMsg::PurposeHelp)}>
            <label for="purpose-select">{ l.t(OrdersMsg::Purpose) }</label>
            <select id="purpose-select" onchange={on_purpose}>
                { for RevealPurpose::ALL.iter().map(|x| html! { <option value={x.as_str()} selected={*x == purpose}>{ label(l, *x) }</option> }) }
            </select>
            if other {
                <input id="purpose-note" class="purpose-note" maxlength={RevealPurpose::NOTE_MAX_CHARS.to_string()} autocomplete="off"
                       value={note} oninput={on_note} placeholder={l.t(OrdersMsg::PurposeNotePh)} aria-label={l.t(OrdersMsg::PurposeNote)}
                       aria-invalid={problem.is_some().to_string()} aria-describedby={problem.map(|_| "purpose-problem")} />
            }
            if let Some(problem) = problem {
                <small class="error purpose-problem" id="purpose-problem" role="alert" data-problem={problem}>{ i18n::refusals::purpose_problem(l, problem) }</small>
            }
        </span>
    }
}
