//! The order list's export (owners, staff with `export`): the list's current filters as a CSV
//! or XLSX file of masked and encrypted columns (no plaintext, no decryption quota). A job is
//! created, its file handed to the browser's download manager (the session cookie
//! authenticates it), and its progress polled while the server streams it.

use gloo_timers::callback::Timeout;
use orderveil_api::{ExportCreate, ExportFilter, ExportFormat, ExportJob, ExportStatus};
use wasm_bindgen::JsCast;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::i18n::OrdersMsg;
use crate::session::{use_lang, use_session};

/// How often the progress is read.
const POLL_MS: u32 = 500;

/// Props.
#[derive(Properties, PartialEq)]
pub struct Props {
    /// The order list's current filters.
    pub filter: ExportFilter,
}

/// Done or failed: nothing more to poll.
fn finished(j: &ExportJob) -> bool {
    matches!(j.status, ExportStatus::Done | ExportStatus::Failed)
}

fn status_key(s: ExportStatus) -> OrdersMsg {
    match s {
        ExportStatus::Ready => OrdersMsg::ExportReady,
        ExportStatus::Running => OrdersMsg::ExportRunning,
        ExportStatus::Done => OrdersMsg::ExportDone,
        ExportStatus::Failed => OrdersMsg::ExportFailed,
    }
}

/// Hand the file at `url` to the browser's download manager: a hidden form posts the
/// session's CSRF token there (a download changes the job and is audited, so it is a POST,
/// never a GET); the answer is an attachment, so the page stays.
fn download(url: &str, csrf: &str) {
    post_download(url, &[("csrf_token", csrf)]);
}

/// Post `fields` to `url` as a hidden form (an audited download: a POST the browser's
/// download manager follows; the answer is an attachment, so the page stays).
pub fn post_download(url: &str, fields: &[(&str, &str)]) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else { return };
    let Ok(form) = doc.create_element("form") else { return };
    let _ = form.set_attribute("method", "post");
    let _ = form.set_attribute("action", url);
    let _ = form.set_attribute("hidden", "");
    for (name, value) in fields {
        let Ok(field) = doc.create_element("input") else { return };
        let _ = field.set_attribute("type", "hidden");
        let _ = field.set_attribute("name", name);
        let _ = field.set_attribute("value", value);
        let _ = form.append_child(&field);
    }
    let Some(body) = doc.body() else { return };
    let _ = body.append_child(&form);
    if let Ok(f) = form.clone().dyn_into::<web_sys::HtmlFormElement>() {
        let _ = f.submit();
    }
    form.remove();
}

/// The toolbar's export button, its panel and the job's progress.
#[function_component(Exporter)]
pub fn exporter(p: &Props) -> Html {
    let (l, s) = (use_lang(), use_session());
    let open = use_state(|| false);
    let format = use_state(|| ExportFormat::Csv);
    let job = use_state(|| None::<ExportJob>);
    let failure = use_state(|| None::<ApiFailure>);
    let starting = use_state(|| false);
    let polls = use_state(|| 0u32);
    {
        // The live job is read again every POLL_MS until it is done or failed (a failed read stops it).
        let (job, failure, polls) = (job.clone(), failure.clone(), polls.clone());
        let live = job.as_ref().filter(|j| !finished(j)).map(|j| j.id.clone());
        use_effect_with((live, *polls), move |(id, n)| {
            let n = *n;
            let timer = id.clone().map(|id| {
                Timeout::new(POLL_MS, move || {
                    wasm_bindgen_futures::spawn_local(async move {
                        match api::export_job(&id).await {
                            Ok(j) => {
                                job.set(Some(j));
                                polls.set(n + 1);
                            }
                            Err(e) => failure.set(Some(e)),
                        }
                    });
                })
            });
            move || drop(timer)
        });
    }
    let toggle = {
        let open = open.clone();
        Callback::from(move |_: MouseEvent| open.set(!*open))
    };
    let on_format = {
        let format = format.clone();
        Callback::from(move |e: Event| {
            if let Some(f) = e.target_dyn_into::<HtmlSelectElement>().and_then(|s| ExportFormat::parse(&s.value())) {
                format.set(f);
            }
        })
    };
    let on_start = {
        let (job, failure, starting, csrf) = (job.clone(), failure.clone(), starting.clone(), s.csrf_token.clone());
        let req = ExportCreate { format: *format, filter: p.filter.clone() };
        Callback::from(move |_: MouseEvent| {
            if *starting {
                return;
            }
            starting.set(true);
            failure.set(None);
            let (job, failure, starting, csrf, req) = (job.clone(), failure.clone(), starting.clone(), csrf.clone(), req.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = api::export_create(&csrf, &req).await;
                starting.set(false);
                match r {
                    Ok(j) => {
                        download(&api::export_file_url(&j.id), &csrf);
                        job.set(Some(j));
                    }
                    Err(e) => failure.set(Some(e)),
                }
            });
        })
    };
    let running = job.as_ref().is_some_and(|j| j.status == ExportStatus::Running);
    let progress = job.as_ref().map(|j| {
        // The retry link downloads again: poll again from there.
        let retry = {
            let (job, j, csrf) = (job.clone(), j.clone(), s.csrf_token.clone());
            Callback::from(move |_: MouseEvent| {
                download(&api::export_file_url(&j.id), &csrf);
                job.set(Some(ExportJob { status: ExportStatus::Running, rows_done: 0, ..j.clone() }));
            })
        };
        let max = j.rows_total.max(j.rows_done).max(1);
        let value = if j.status == ExportStatus::Done { max } else { j.rows_done };
        html! {
            <div class="export-job" id="export-job" data-status={j.status.as_str()} data-job-id={j.id.clone()} role="status" aria-live="polite">
                <progress id="export-progress" max={max.to_string()} value={value.to_string()} aria-label={l.t(OrdersMsg::ExportProgress)}></progress>
                <span id="export-count" class="mono">{ format!("{} / {}", j.rows_done, j.rows_total) }</span>
                <span class="muted">{ l.t(status_key(j.status)) }</span>
                if j.status == ExportStatus::Failed {
                    <button type="button" class="link" id="export-retry" onclick={retry}>{ l.t(OrdersMsg::ExportRetry) }</button>
                }
            </div>
        }
    });
    html! { <>
        <button type="button" id="export-open" aria-expanded={open.to_string()} aria-controls="export-panel" onclick={toggle}>{ l.t(OrdersMsg::ExportOpen) }</button>
        if *open {
            <div class="card export-panel" id="export-panel">
                <h3>{ l.t(OrdersMsg::ExportTitle) }</h3>
                <p class="muted">{ l.t(OrdersMsg::ExportNote) }</p>
                <label>{ l.t(OrdersMsg::ExportFormat) }
                    <select id="export-format" onchange={on_format}>
                        <option value="csv" selected={*format == ExportFormat::Csv}>{ l.t(OrdersMsg::ExportCsv) }</option>
                        <option value="xlsx" selected={*format == ExportFormat::Xlsx}>{ l.t(OrdersMsg::ExportXlsx) }</option>
                    </select>
                </label>
                <small class="muted">{ l.t(OrdersMsg::ExportScope) }</small>
                <button type="button" class="primary" id="export-start" disabled={*starting || running} onclick={on_start}>
                    { l.t(if *starting { OrdersMsg::ExportStarting } else { OrdersMsg::ExportStart }) }
                </button>
            </div>
        }
        if let Some(f) = &*failure {
            <p class="error export-notice" role="alert" id="export-notice" data-code={f.code()}>{ f.text(l) }</p>
        }
        { progress.unwrap_or_default() }
    </> }
}
