//! The dismissible outcome notice a page shows above its tables after an action.

use yew::prelude::*;

use crate::i18n::{CommonMsg, Lang};

/// What a notice says.
pub struct Said {
    /// Success (`notice ok`, `role=status`) or failure (`notice error`, `role=alert`).
    pub ok: bool,
    /// The element id (pages use one id for successes and another for failures).
    pub id: &'static str,
    /// `data-code`: the server's code of a failure, or what was done.
    pub code: String,
    /// The message.
    pub text: String,
}

/// `<div id class="notice ok|error" role data-code><span>text</span><button class="link">×</button></div>`
/// for the outcome in `outcome` (nothing when there is none); the button clears it.
pub fn outcome_notice<T: 'static>(l: Lang, outcome: &UseStateHandle<Option<T>>, said: impl FnOnce(&T) -> Said) -> Html {
    let Some(o) = &**outcome else { return html! {} };
    let Said { ok, id, code, text } = said(o);
    let (class, role) = if ok { ("ok", "status") } else { ("error", "alert") };
    let close = {
        let outcome = outcome.clone();
        Callback::from(move |_: MouseEvent| outcome.set(None))
    };
    html! {
        <div {id} class={classes!("notice", class)} {role} data-code={code}>
            <span>{ text }</span>
            <button type="button" class="link" onclick={close} aria-label={l.t(CommonMsg::Close)}>{ "×" }</button>
        </div>
    }
}
