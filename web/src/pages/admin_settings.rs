//! The platform admin's quota, risk and receiver search settings (`/admin/settings`): the
//! reveal rate and floor, the burst limits in orders per account and per shop, the cool-down,
//! and the search limits (terms per account per minute, the shop's daily budget's floor and
//! factor); the current values with
//! their version and who changed them last, and a form to change them. The form shows the
//! rate in percent (the wire has basis points) and the cool-down in minutes (the wire has
//! seconds); a save carries the version it was based on, and if someone else saved in between
//! (`SETTINGS_CHANGED`) the page says so and reads the current values again.

use std::rc::Rc;

use orderveil_api::{ErrorCode, PlatformSettings, PlatformSettingsUpdate};
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::notice::{Said, outcome_notice};
use crate::components::states::{self, Load, value_of, when};
use crate::i18n::{AdminMsg, CommonMsg, Lang, QuotaMsg, StaffMsg};
use crate::session::{use_lang, use_session};

/// How a field is typed in the form.
#[derive(Clone, Copy, PartialEq)]
enum Unit {
    /// A whole number, as on the wire.
    Count,
    /// Percent, decimals allowed (basis points on the wire).
    Percent,
    /// Minutes, decimals allowed (seconds on the wire).
    Minutes,
}

impl Unit {
    /// The form's text as the wire value.
    fn parse(self, s: &str) -> Option<u32> {
        match self {
            Self::Count => s.trim().parse().ok(),
            Self::Percent => percent_to_bps(s),
            Self::Minutes => minutes_to_secs(s),
        }
    }

    /// The wire value as the form shows it.
    fn show(self, v: u32) -> String {
        match self {
            Self::Count => v.to_string(),
            Self::Percent => bps_to_percent(v),
            Self::Minutes => secs_to_minutes(v),
        }
    }
}

/// A form field: input id, wire name (as a refusal's `details.field` names it), label, help,
/// unit.
struct Field(&'static str, &'static str, AdminMsg, AdminMsg, Unit);

/// How many settings the form edits.
const N: usize = 15;

const FIELDS: [Field; N] = [
    Field("set-rate", "quota_rate_bps", AdminMsg::SettingsRate, AdminMsg::SettingsRateHelp, Unit::Percent),
    Field("set-floor", "quota_floor", AdminMsg::SettingsFloor, AdminMsg::SettingsFloorHelp, Unit::Count),
    Field("set-per-minute", "risk_per_minute", AdminMsg::SettingsPerMinute, AdminMsg::SettingsPerMinuteHelp, Unit::Count),
    Field("set-per-hour", "risk_per_hour", AdminMsg::SettingsPerHour, AdminMsg::SettingsPerHourHelp, Unit::Count),
    Field("set-shop-per-minute", "shop_risk_per_minute", AdminMsg::SettingsShopPerMinute, AdminMsg::SettingsShopPerMinuteHelp, Unit::Count),
    Field("set-shop-per-hour", "shop_risk_per_hour", AdminMsg::SettingsShopPerHour, AdminMsg::SettingsShopPerHourHelp, Unit::Count),
    Field("set-cooldown", "risk_cooldown_secs", AdminMsg::SettingsCooldown, AdminMsg::SettingsCooldownHelp, Unit::Minutes),
    Field("set-search-per-minute", "search_per_minute", AdminMsg::SettingsSearchPerMinute, AdminMsg::SettingsSearchPerMinuteHelp, Unit::Count),
    Field("set-search-floor", "search_budget_floor", AdminMsg::SettingsSearchFloor, AdminMsg::SettingsSearchFloorHelp, Unit::Count),
    Field("set-search-factor", "search_budget_factor", AdminMsg::SettingsSearchFactor, AdminMsg::SettingsSearchFactorHelp, Unit::Count),
    Field("set-session-idle", "session_idle_secs", AdminMsg::SettingsSessionIdle, AdminMsg::SettingsSessionIdleHelp, Unit::Minutes),
    Field("set-retention", "retention_days", AdminMsg::SettingsRetention, AdminMsg::SettingsRetentionHelp, Unit::Count),
    Field("set-sms-order", "sms_per_order_day", AdminMsg::SettingsSmsOrder, AdminMsg::SettingsSmsOrderHelp, Unit::Count),
    Field("set-sms-shop", "sms_per_shop_day", AdminMsg::SettingsSmsShop, AdminMsg::SettingsSmsShopHelp, Unit::Count),
    Field("set-vn-days", "virtual_number_days", AdminMsg::SettingsVnDays, AdminMsg::SettingsVnDaysHelp, Unit::Count),
];

/// A decimal number (`5`, `2.5`, `.75`; spaces and a trailing `%` ignored) times `scale`,
/// rounded half up; `None` for anything else or more than `u32::MAX`.
pub fn parse_scaled(s: &str, scale: u32) -> Option<u32> {
    let s = s.trim().trim_end_matches('%').trim_end();
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    if int.is_empty() && frac.is_empty() || !int.bytes().chain(frac.bytes()).all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Nine decimals at most count (beyond them only the rounding of a tie could change).
    let frac = frac.get(..9).unwrap_or(frac);
    let den = 10u64.pow(frac.len() as u32);
    let whole: u64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let part: u64 = if frac.is_empty() { 0 } else { frac.parse().ok()? };
    let n = whole.checked_mul(den)?.checked_add(part)?;
    let v = n.checked_mul(u64::from(scale))?.checked_add(den / 2)? / den;
    u32::try_from(v).ok()
}

/// `v / scale` with at most two decimals, trailing zeros dropped (`500, 100` → `5`, `250, 100`
/// → `2.5`, `90, 60` → `1.5`).
pub fn show_scaled(v: u32, scale: u32) -> String {
    let hundredths = (u64::from(v) * 100 + u64::from(scale) / 2) / u64::from(scale.max(1));
    let (w, f) = (hundredths / 100, hundredths % 100);
    match f {
        0 => w.to_string(),
        f if f % 10 == 0 => format!("{w}.{}", f / 10),
        f => format!("{w}.{f:02}"),
    }
}

/// Percent in the form → basis points on the wire (`2.5` → 250).
pub fn percent_to_bps(s: &str) -> Option<u32> {
    parse_scaled(s, 100)
}

/// Basis points → percent for the form (250 → `2.5`).
pub fn bps_to_percent(bps: u32) -> String {
    show_scaled(bps, 100)
}

/// Minutes in the form → seconds on the wire (`10` → 600).
pub fn minutes_to_secs(s: &str) -> Option<u32> {
    parse_scaled(s, 60)
}

/// Seconds → minutes for the form (600 → `10`).
pub fn secs_to_minutes(secs: u32) -> String {
    show_scaled(secs, 60)
}

/// The values in the order of [`FIELDS`].
fn wire_values(s: &PlatformSettings) -> [u32; N] {
    [
        s.quota_rate_bps,
        s.quota_floor,
        s.risk_per_minute,
        s.risk_per_hour,
        s.shop_risk_per_minute,
        s.shop_risk_per_hour,
        s.risk_cooldown_secs,
        s.search_per_minute,
        s.search_budget_floor,
        s.search_budget_factor,
        s.session_idle_secs,
        s.retention_days,
        s.sms_per_order_day,
        s.sms_per_shop_day,
        s.virtual_number_days,
    ]
}

/// The values as the form shows them.
fn form_values(s: &PlatformSettings) -> [String; N] {
    let v = wire_values(s);
    std::array::from_fn(|i| FIELDS[i].4.show(v[i]))
}

/// The form's values as a request, or the first field that is not a number with its message.
fn update(values: &[String; N], version: i64) -> Result<PlatformSettingsUpdate, (&'static str, ApiFailure)> {
    let mut v = [0u32; N];
    for (i, f) in FIELDS.iter().enumerate() {
        let key = if f.4 == Unit::Count { AdminMsg::SettingsNotInt } else { AdminMsg::SettingsNan };
        v[i] = f.4.parse(&values[i]).ok_or_else(|| (f.1, ApiFailure::local("NOT_A_NUMBER", Lang::En.t(key).into(), Lang::Zh.t(key).into())))?;
    }
    let [
        quota_rate_bps,
        quota_floor,
        risk_per_minute,
        risk_per_hour,
        shop_risk_per_minute,
        shop_risk_per_hour,
        risk_cooldown_secs,
        search_per_minute,
        search_budget_floor,
        search_budget_factor,
        session_idle_secs,
        retention_days,
        sms_per_order_day,
        sms_per_shop_day,
        virtual_number_days,
    ] = v;
    Ok(PlatformSettingsUpdate {
        quota_rate_bps,
        quota_floor,
        risk_per_minute,
        risk_per_hour,
        shop_risk_per_minute,
        shop_risk_per_hour,
        risk_cooldown_secs,
        search_per_minute,
        search_budget_floor,
        search_budget_factor,
        session_idle_secs: Some(session_idle_secs),
        retention_days: Some(retention_days),
        sms_per_order_day: Some(sms_per_order_day),
        sms_per_shop_day: Some(sms_per_shop_day),
        virtual_number_days: Some(virtual_number_days),
        expected_version: version,
    })
}

/// The settings page.
#[function_component(AdminSettings)]
pub fn admin_settings() -> Html {
    let l = use_lang();
    let (load, reload) = states::use_load((), |_| api::admin_settings());
    // `Ok` after a save, the `SETTINGS_CHANGED` refusal otherwise.
    let outcome = use_state(|| None::<Result<(), ApiFailure>>);
    let on_saved = {
        let (load, reload, outcome) = (load.clone(), reload.clone(), outcome.clone());
        Callback::from(move |r: Result<PlatformSettings, ApiFailure>| match r {
            Ok(s) => {
                load.set(Load::Ok(Rc::new(s)));
                outcome.set(Some(Ok(())));
            }
            Err(e) => {
                outcome.set(Some(Err(e)));
                reload.set(*reload + 1);
            }
        })
    };
    let notice = outcome_notice(l, &outcome, |o| match o {
        Ok(()) => Said { ok: true, id: "settings-status", code: "saved".into(), text: l.t(AdminMsg::SettingsSaved).into() },
        Err(e) => Said { ok: false, id: "settings-notice", code: e.code(), text: l.t(AdminMsg::SettingsChanged).into() },
    });
    let body = match &*load {
        Load::Loading => states::loading(l, "settings-loading", true),
        Load::Failed(e) => states::failed_reload(l, "settings-error", e, &reload),
        Load::Ok(s) => {
            let shown = form_values(s);
            let wire = wire_values(s);
            html! { <>
                <div class="card">
                    <h3>{ l.t(AdminMsg::SettingsCurrent) }</h3>
                    <dl class="settings-current" id="settings-current" data-version={s.version.to_string()}>
                        { for FIELDS.iter().enumerate().map(|(i, f)| html! { <>
                            <dt>{ l.t(f.2) }</dt><dd data-field={f.1} data-value={wire[i].to_string()}>{ shown[i].clone() }</dd>
                        </> }) }
                        <dt>{ l.t(AdminMsg::SettingsVersion) }</dt><dd id="settings-version">{ s.version }</dd>
                        <dt>{ l.t(AdminMsg::SettingsUpdatedAt) }</dt><dd id="settings-updated-at"><time datetime={s.updated_at.clone()}>{ when(&s.updated_at) }</time></dd>
                        <dt>{ l.t(AdminMsg::SettingsUpdatedBy) }</dt><dd id="settings-updated-by">{ s.updated_by.clone() }</dd>
                    </dl>
                </div>
                // A new version (saved, or read again) starts the form afresh from its values.
                <SettingsForm key={s.version} values={shown} version={s.version} {on_saved} />
            </> }
        }
    };
    html! {
        <section class="admin-settings" id="settings-page">
            <div class="toolbar"><h2>{ l.t(CommonMsg::NavSettings) }</h2></div>
            <p class="state">{ l.t(AdminMsg::SettingsIntro) }</p>
            <p class="state" id="settings-formula">{ l.t(QuotaMsg::Formula) }</p>
            <div class="live" aria-live="polite">{ notice }</div>
            { body }
            <crate::components::exposure_rules::ExposureRulesCard />
        </section>
    }
}

/// Props of [`SettingsForm`].
#[derive(Properties, PartialEq)]
struct FormProps {
    /// The current values as the form shows them.
    values: [String; N],
    /// The version they have.
    version: i64,
    /// Saved (the new settings), or `SETTINGS_CHANGED`; other refusals show in the form.
    on_saved: Callback<Result<PlatformSettings, ApiFailure>>,
}

/// The form, started from the current values.
#[function_component(SettingsForm)]
fn settings_form(p: &FormProps) -> Html {
    let (l, s) = (use_lang(), use_session());
    let values = use_state(|| p.values.clone());
    let failure = use_state(|| None::<(&'static str, ApiFailure)>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (values, failure, sending, csrf, version, cb) = (values.clone(), failure.clone(), sending.clone(), s.csrf_token.clone(), p.version, p.on_saved.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let req = match update(&values, version) {
                Ok(r) => r,
                Err(f) => {
                    failure.set(Some(f));
                    return;
                }
            };
            failure.set(None);
            sending.set(true);
            let (failure, sending, csrf, cb) = (failure.clone(), sending.clone(), csrf.clone(), cb.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::admin_settings_save(&csrf, &req).await;
                sending.set(false);
                match r {
                    Err(e) if !e.is(ErrorCode::SettingsChanged) => {
                        // A value out of range: say the range (e.g. a shop limit below the account's).
                        let e = match (e.detail_i64("min"), e.detail_i64("max")) {
                            (Some(min), Some(max)) => e.with_suffix(&format!(" (allowed: {min} to {max})"), &format!("（允许范围：{min}–{max}）")),
                            _ => e,
                        };
                        let named = e.detail_field();
                        failure.set(Some((FIELDS.iter().find(|f| f.1 == named).map_or("", |f| f.1), e)));
                    }
                    r => cb.emit(r),
                }
            });
        })
    };
    let inputs = FIELDS.iter().enumerate().map(|(i, f)| {
        let oninput = {
            let values = values.clone();
            Callback::from(move |e: InputEvent| {
                let mut v = (*values).clone();
                v[i] = value_of(&e);
                values.set(v);
            })
        };
        let help = format!("{}-help", f.0);
        let bad = failure.as_ref().is_some_and(|(w, _)| *w == f.1);
        html! {
            <div class="settings-field">
                <label for={f.0}>{ l.t(f.2) }</label>
                <input id={f.0} inputmode={if f.4 == Unit::Count { "numeric" } else { "decimal" }} autocomplete="off" value={values[i].clone()} {oninput}
                       aria-invalid={bad.to_string()} aria-describedby={help.clone()} />
                <small class="state help" id={help}>{ l.t(f.3) }</small>
                { states::field_error(l, "settings-form-error", &failure, f.1) }
            </div>
        }
    });
    html! {
        <form class="card settings-form" id="settings-form" {onsubmit} novalidate=true>
            <h3>{ l.t(AdminMsg::SettingsEdit) }</h3>
            { for inputs }
            { states::field_error(l, "settings-form-error", &failure, "") }
            <button type="submit" class="primary" id="settings-save" disabled={*sending}>{ if *sending { l.t(StaffMsg::Saving) } else { l.t(AdminMsg::SettingsSave) } }</button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_and_basis_points() {
        assert_eq!(percent_to_bps("5"), Some(500));
        assert_eq!(percent_to_bps("2.5"), Some(250));
        assert_eq!(percent_to_bps(" 2.50 % "), Some(250));
        assert_eq!(percent_to_bps("0.01"), Some(1));
        assert_eq!(percent_to_bps("0.005"), Some(1));
        assert_eq!(percent_to_bps("0.004"), Some(0));
        assert_eq!(percent_to_bps(".75"), Some(75));
        assert_eq!(percent_to_bps("100"), Some(10000));
        for bad in ["", ".", "abc", "5,5", "-1", "1e2", "1.2.3", "+5"] {
            assert_eq!(percent_to_bps(bad), None, "{bad}");
        }
        assert_eq!(percent_to_bps("99999999999999999999"), None);
        assert_eq!(bps_to_percent(500), "5");
        assert_eq!(bps_to_percent(250), "2.5");
        assert_eq!(bps_to_percent(1), "0.01");
        assert_eq!(bps_to_percent(0), "0");
        for bps in [0, 1, 7, 10, 99, 250, 500, 1234, 10000] {
            assert_eq!(percent_to_bps(&bps_to_percent(bps)), Some(bps));
        }
    }

    #[test]
    fn minutes_and_seconds() {
        assert_eq!(minutes_to_secs("10"), Some(600));
        assert_eq!(minutes_to_secs("1.5"), Some(90));
        assert_eq!(minutes_to_secs("10080"), Some(604_800));
        assert_eq!(minutes_to_secs("x"), None);
        assert_eq!(secs_to_minutes(600), "10");
        assert_eq!(secs_to_minutes(90), "1.5");
        assert_eq!(secs_to_minutes(100), "1.67");
        for secs in [60, 61, 90, 100, 599, 600, 3600, 604_800] {
            assert_eq!(minutes_to_secs(&secs_to_minutes(secs)), Some(secs));
        }
    }
}
