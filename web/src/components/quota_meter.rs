//! The header meter: used / limit today, amber from 80 %, red at 100 %.

use orderveil_api::QuotaToday;
use yew::prelude::*;

use crate::api;
use crate::i18n::Lang;

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
}

/// The colour band of a usage level.
pub fn band(used: u32, limit: u32) -> &'static str {
    if limit == 0 || used >= limit {
        "red"
    } else if u64::from(used) * 100 >= u64::from(limit) * 80 {
        "amber"
    } else {
        "green"
    }
}

/// The meter.
#[function_component(QuotaMeter)]
pub fn quota_meter(props: &Props) -> Html {
    let q = use_state(|| None::<QuotaToday>);
    {
        let q = q.clone();
        use_effect_with((), move |_| {
            wasm_bindgen_futures::spawn_local(async move {
                if let Ok(r) = api::quota().await {
                    q.set(Some(r.today));
                }
            });
        });
    }
    match &*q {
        None => html! { <span class="quota">{ props.lang.t("loading") }</span> },
        Some(t) => html! {
            <span class={classes!("quota", band(t.used, t.limit))} id="quota-meter" title={props.lang.t("quota")}>
                { format!("{} {}/{}", props.lang.t("quota"), t.used, t.limit) }
            </span>
        },
    }
}
