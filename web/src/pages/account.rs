//! One's own account (`/account`): who is logged in, and the password change (the current
//! password, the new one twice). The server checks the rules and ends the account's other
//! sessions; a refusal shows the code's message.

use orderveil_api::PasswordChange;
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::value_of;
use crate::i18n::{self, AccountMsg};
use crate::session::{use_lang, use_session};

/// The answer to the last change.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// Changed; how many other sessions ended.
    Changed(u64),
    /// The two new passwords differ (checked here, nothing sent).
    Mismatch,
    Failed(ApiFailure),
}

/// The account page.
#[function_component(Account)]
pub fn account() -> Html {
    let (l, s) = (use_lang(), use_session());
    let current = use_state(|| Zeroizing::new(String::new()));
    let new = use_state(|| Zeroizing::new(String::new()));
    let repeat = use_state(|| Zeroizing::new(String::new()));
    let sending = use_state(|| false);
    let outcome = use_state(|| None::<Outcome>);
    let input = |h: &UseStateHandle<Zeroizing<String>>| {
        let h = h.clone();
        Callback::from(move |e: InputEvent| h.set(Zeroizing::new(value_of(&e))))
    };
    let submit = {
        let (current, new, repeat, sending, outcome, csrf) = (current.clone(), new.clone(), repeat.clone(), sending.clone(), outcome.clone(), s.csrf_token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            if **new != **repeat {
                outcome.set(Some(Outcome::Mismatch));
                return;
            }
            let req = PasswordChange { current_password: current.to_string(), new_password: new.to_string() };
            let (current, new, repeat, sending, outcome, csrf) = (current.clone(), new.clone(), repeat.clone(), sending.clone(), outcome.clone(), csrf.clone());
            sending.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                let answer = api::change_password(&csrf, &req).await;
                drop(Zeroizing::new(req.current_password));
                drop(Zeroizing::new(req.new_password));
                outcome.set(Some(match answer {
                    Ok(done) => {
                        for h in [&current, &new, &repeat] {
                            h.set(Zeroizing::new(String::new()));
                        }
                        Outcome::Changed(done.sessions_ended)
                    }
                    Err(e) => Outcome::Failed(e),
                }));
                sending.set(false);
            });
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Outcome::Changed(n) => Said { ok: true, id: "password-changed", code: "changed".into(), text: i18n::password_changed(l, *n) },
        Outcome::Mismatch => Said { ok: false, id: "password-refused", code: "MISMATCH".into(), text: l.t(AccountMsg::Mismatch).into() },
        Outcome::Failed(e) => Said { ok: false, id: "password-refused", code: e.error_code().map(|c| c.as_str()).unwrap_or_default(), text: e.text(l) },
    });
    html! {
        <section class="account" id="account">
            <h2>{ l.t(AccountMsg::Title) }</h2>
            <p class="mono" id="account-user">{ &s.user.username }</p>
            { notice }
            <form class="password-change" id="password-change" onsubmit={submit}>
                <h3>{ l.t(AccountMsg::ChangeTitle) }</h3>
                <p class="hint">{ l.t(AccountMsg::Rules) }</p>
                <input type="text" autocomplete="username" value={s.user.username.clone()} hidden=true readonly=true />
                <label>{ l.t(AccountMsg::Current) }
                    <input id="current-password" type="password" autocomplete="current-password" required=true value={current.to_string()} oninput={input(&current)} />
                </label>
                <label>{ l.t(AccountMsg::New) }
                    <input id="new-password" type="password" autocomplete="new-password" required=true minlength="8" value={new.to_string()} oninput={input(&new)} />
                </label>
                <label>{ l.t(AccountMsg::Repeat) }
                    <input id="repeat-password" type="password" autocomplete="new-password" required=true value={repeat.to_string()} oninput={input(&repeat)} />
                </label>
                <button type="submit" id="change-password" class="primary" disabled={*sending}>
                    { l.t(if *sending { AccountMsg::Changing } else { AccountMsg::Change }) }
                </button>
            </form>
        </section>
    }
}
