//! The flag rules' thresholds (a part of the platform settings, on `/admin/settings`): the
//! current values with their version, and a form to change them. A save carries the version
//! it was based on; if someone else saved in between (`SETTINGS_CHANGED`) the rules are read
//! again.

use std::rc::Rc;

use orderveil_api::{ExposureRules, ExposureRulesUpdate, ExposureRulesView};
use serde_json::{Map, Value};
use yew::prelude::*;

use crate::api;
use crate::components::states::{self, Load, when};
use crate::i18n::{ExposureMsg, rule_field};
use crate::session::{use_lang, use_session};

/// The thresholds in the order the form shows them.
pub const FIELDS: [&str; 14] = [
    "spike_factor",
    "spike_min_reveals",
    "spike_window_days",
    "unshipped_grace_days",
    "unshipped_min_orders",
    "unshipped_min_pct",
    "night_start_hour",
    "night_end_hour",
    "night_min_reveals",
    "guess_min_units",
    "guess_max_match_pct",
    "concentration_min_reveals",
    "concentration_min_pct",
    "concentration_min_accounts",
];

fn values(r: &ExposureRules) -> Vec<String> {
    let v = serde_json::to_value(r).unwrap_or_default();
    FIELDS.iter().map(|f| v.get(*f).map(|x| x.to_string()).unwrap_or_default()).collect()
}

/// The form's values as rules, or the first field that is not a whole number.
fn rules_of(shown: &[String]) -> Result<ExposureRules, &'static str> {
    let mut m = Map::new();
    for (f, s) in FIELDS.iter().zip(shown) {
        let n: u32 = s.trim().parse().map_err(|_| *f)?;
        m.insert((*f).to_string(), Value::from(n));
    }
    serde_json::from_value(Value::Object(m)).map_err(|_| FIELDS[0])
}

/// The rules card.
#[function_component(ExposureRulesCard)]
pub fn exposure_rules_card() -> Html {
    let (l, s) = (use_lang(), use_session());
    let (load, reload) = states::use_load((), |_| api::exposure_rules());
    let form = use_state(Vec::<String>::new);
    let said = use_state(|| None::<Result<String, String>>);
    {
        let (form, load) = (form.clone(), load.clone());
        // A new version (read or saved) refills the form.
        let version = match &*load {
            Load::Ok(r) => Some((r.version, values(&r.rules))),
            _ => None,
        };
        use_effect_with(version, move |v| {
            if let Some((_, shown)) = v {
                form.set(shown.clone());
            }
        });
    }
    let on_save = {
        let (form, load, reload, said, csrf) = (form.clone(), load.clone(), reload.clone(), said.clone(), s.csrf_token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Load::Ok(view) = &*load else { return };
            let rules = match rules_of(&form) {
                Ok(r) => r,
                Err(f) => {
                    said.set(Some(Err(format!("{}：{}", rule_field(l, f), l.t(ExposureMsg::NotANumber)))));
                    return;
                }
            };
            let req = ExposureRulesUpdate { rules, expected_version: view.version };
            let (load, reload, said, csrf) = (load.clone(), reload.clone(), said.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match api::save_exposure_rules(&csrf, &req).await {
                    Ok(v) => {
                        load.set(Load::Ok(Rc::new(v)));
                        said.set(Some(Ok(l.t(ExposureMsg::RulesSaved).to_string())));
                    }
                    Err(e) if e.code() == "SETTINGS_CHANGED" => {
                        said.set(Some(Err(l.t(ExposureMsg::RulesChanged).to_string())));
                        reload.set(*reload + 1);
                    }
                    Err(e) => said.set(Some(Err(e.text(l)))),
                }
            });
        })
    };
    let body = match &*load {
        Load::Loading => states::loading(l, "rules-loading", true),
        Load::Failed(e) => states::failed_retry(l, "rules-error", e, states::retry_afresh(&load, &reload), true),
        Load::Ok(v) => html! { <form id="exposure-rules-form" data-version={v.version.to_string()} onsubmit={on_save}>
            <div class="rules-grid">
                { for FIELDS.iter().enumerate().map(|(i, f)| {
                    let on_input = {
                        let form = form.clone();
                        Callback::from(move |e: InputEvent| {
                            let mut x = (*form).clone();
                            if let Some(slot) = x.get_mut(i) {
                                *slot = e.target_dyn_into::<web_sys::HtmlInputElement>().map(|t| t.value()).unwrap_or_default();
                            }
                            form.set(x);
                        })
                    };
                    html! { <label>{ rule_field(l, f) }<input id={format!("rule-{f}")} inputmode="numeric" value={form.get(i).cloned().unwrap_or_default()} oninput={on_input} /></label> }
                }) }
            </div>
            { updated(l, v) }
            <button type="submit" class="primary" id="rules-save">{ l.t(ExposureMsg::RulesSave) }</button>
        </form> },
    };
    html! {
        <div class="card" id="exposure-rules">
            <h3>{ l.t(ExposureMsg::RulesTitle) }</h3>
            <p class="state">{ l.t(ExposureMsg::RulesIntro) }</p>
            { match &*said {
                Some(Ok(t)) => html! { <p class="ok" id="rules-status" aria-live="polite">{ t }</p> },
                Some(Err(t)) => html! { <p class="error" role="alert" id="rules-notice">{ t }</p> },
                None => html! {},
            } }
            { body }
        </div>
    }
}

fn updated(l: crate::i18n::Lang, v: &ExposureRulesView) -> Html {
    match (&v.updated_at, &v.updated_by) {
        (Some(at), Some(by)) => html! { <p class="since" id="rules-updated">{ format!("v{} · {} · {}", v.version, when(at), by) }</p> },
        _ => html! { <p class="since" id="rules-updated">{ l.pick(("默认规则", "Default rules")) }</p> },
    }
}
