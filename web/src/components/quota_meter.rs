//! The header meter: used / limit today, amber from 80 %, red at 100 %. The app holds the
//! figures and refreshes them after every reveal (the grant response carries the quota).

use orderveil_api::QuotaToday;
use yew::prelude::*;

use crate::i18n::{CommonMsg, Lang, QuotaMsg};

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// UI language.
    pub lang: Lang,
    /// Today's figures, once loaded.
    pub today: Option<QuotaToday>,
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
    match &props.today {
        None => html! { <span class="quota">{ props.lang.t(CommonMsg::Loading) }</span> },
        Some(t) => html! {
            <span class={classes!("quota", band(t.used, t.limit))} id="quota-meter" title={props.lang.t(QuotaMsg::Meter)}
                  data-used={t.used.to_string()} data-limit={t.limit.to_string()}>
                { format!("{} {}/{}", props.lang.t(QuotaMsg::Meter), t.used, t.limit) }
            </span>
        },
    }
}
