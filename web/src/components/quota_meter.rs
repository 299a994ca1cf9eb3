//! The header meter: used / limit today, amber from 80 %, red at 100 %. The session provider
//! holds the figures; every reveal and poll refreshes them (the grant response carries the
//! quota).

use yew::prelude::*;

use crate::i18n::{CommonMsg, QuotaMsg};
use crate::session::{use_lang, use_quota};

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
pub fn quota_meter() -> Html {
    let l = use_lang();
    match use_quota() {
        None => html! { <span class="quota">{ l.t(CommonMsg::Loading) }</span> },
        Some(t) => html! {
            <span class={classes!("quota", band(t.used, t.limit))} id="quota-meter" title={l.t(QuotaMsg::Meter)}
                  data-used={t.used.to_string()} data-limit={t.limit.to_string()}>
                { format!("{} {}/{}", l.t(QuotaMsg::Meter), t.used, t.limit) }
            </span>
        },
    }
}
