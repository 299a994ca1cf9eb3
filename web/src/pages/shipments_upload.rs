//! Bulk shipping (`/shipments/upload`, owners and staff with `ship`, and a factory's users with
//! `ship` for the orders assigned to it): a CSV or XLSX file of order id, carrier and tracking
//! number, checked as a whole by the server. Either every row ships, or nothing does and every
//! bad row is listed with its line, field and reason.

use std::rc::Rc;

use orderveil_api::{ErrorCode, ShipmentUploadErrors};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiFailure};
use crate::components::states;
use crate::i18n::{self, FulfilMsg, Lang, OrdersMsg};
use crate::session::{use_lang, use_session};

const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// What the last upload did.
#[derive(Clone, PartialEq)]
enum Outcome {
    /// Every row applied: this many orders shipped.
    Applied(u32),
    /// Refused as a whole (`UPLOAD_INVALID`): every problem, nothing applied.
    Invalid(Rc<ShipmentUploadErrors>),
    /// Any other refusal.
    Failed(ApiFailure),
}

/// The content type the server reads a file by: from its extension, else what the browser says.
fn content_type(name: &str, given: String) -> String {
    let name = name.to_ascii_lowercase();
    if name.ends_with(".xlsx") {
        XLSX.into()
    } else if name.ends_with(".csv") {
        "text/csv".into()
    } else if given.is_empty() {
        "application/octet-stream".into()
    } else {
        given
    }
}

/// The chosen file's bytes and content type.
async fn read_file(input: Option<HtmlInputElement>) -> Result<(String, JsValue), ApiFailure> {
    let file = input.and_then(|i| i.files()).and_then(|f| f.get(0)).ok_or_else(|| ApiFailure::from_text("UPLOAD_NO_FILE", FulfilMsg::UploadNoFile))?;
    let bytes = JsFuture::from(file.array_buffer()).await.map_err(|_| ApiFailure::from_text("UPLOAD_UNREADABLE", FulfilMsg::UploadUnreadable))?;
    Ok((content_type(&file.name(), file.type_()), bytes))
}

/// Upload (to the factory's endpoint for a factory user), and sort the answer.
async fn upload(csrf: &str, factory: bool, input: Option<HtmlInputElement>) -> Outcome {
    let sent = match read_file(input).await {
        Ok((content_type, bytes)) if factory => api::factory_upload_shipments(csrf, &content_type, bytes).await,
        Ok((content_type, bytes)) => api::upload_shipments(csrf, &content_type, bytes).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(r) => Outcome::Applied(r.applied),
        Err(e) if e.is(ErrorCode::UploadInvalid) => match e.details.clone().map(serde_json::from_value::<ShipmentUploadErrors>) {
            Some(Ok(errors)) => Outcome::Invalid(Rc::new(errors)),
            _ => Outcome::Failed(e),
        },
        Err(e) => Outcome::Failed(e),
    }
}

/// The label key of a problem's field.
fn field_key(field: &str) -> FulfilMsg {
    match field {
        "order_id" => FulfilMsg::FieldOrderId,
        "carrier" => FulfilMsg::FieldCarrier,
        "tracking_no" => FulfilMsg::FieldTrackingNo,
        "header" => FulfilMsg::FieldHeader,
        _ => FulfilMsg::FieldFile,
    }
}

fn errors_table(l: Lang, e: &ShipmentUploadErrors) -> Html {
    let rows = e.errors.iter().map(|x| {
        let msg = if l == Lang::Zh { &x.message_zh } else { &x.message };
        html! {
            <tr data-line={x.line.to_string()} data-field={x.field.clone()} data-code={x.code.clone()}>
                <td class="line">{ if x.line == 0 { l.t(FulfilMsg::UploadWholeFile).to_string() } else { x.line.to_string() } }</td>
                <td class="mono order">{ &x.order_id }</td>
                <td class="field">{ l.t(field_key(&x.field)) }</td>
                <td class="message">{ msg }</td>
            </tr>
        }
    });
    states::table("upload-errors", states::heads(&[l.t(FulfilMsg::UploadLine), l.t(OrdersMsg::OrderId), l.t(FulfilMsg::UploadField), l.t(FulfilMsg::UploadProblem)]), rows.collect())
}

/// The upload page.
#[function_component(ShipmentsUpload)]
pub fn shipments_upload() -> Html {
    let (l, s) = (use_lang(), use_session());
    let file = use_node_ref();
    let outcome = use_state(|| None::<Outcome>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (file, outcome, sending, csrf, factory) = (file.clone(), outcome.clone(), sending.clone(), s.csrf_token.clone(), s.factory());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            sending.set(true);
            outcome.set(None);
            let (input, outcome, sending, csrf) = (file.cast::<HtmlInputElement>(), outcome.clone(), sending.clone(), csrf.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let o = upload(&csrf, factory, input).await;
                sending.set(false);
                outcome.set(Some(o));
            });
        })
    };
    let result = match &*outcome {
        None => html! {},
        Some(Outcome::Applied(n)) => html! {
            <div id="upload-result" class="notice ok" role="status" data-applied={n.to_string()}><span>{ i18n::upload_applied(l, *n) }</span></div>
        },
        Some(Outcome::Invalid(e)) => html! { <>
            <p class="error" role="alert" id="upload-nothing-applied">{ l.t(FulfilMsg::UploadNothingApplied) }</p>
            { errors_table(l, e) }
        </> },
        Some(Outcome::Failed(e)) => html! { <p class="error" role="alert" id="upload-notice" data-code={e.code()}>{ e.text(l) }</p> },
    };
    html! {
        <section class="shipments-upload" id="upload-page">
            <div class="toolbar"><h2>{ l.t(FulfilMsg::UploadTitle) }</h2></div>
            <p class="state">{ l.t(FulfilMsg::UploadIntro) }</p>
            if s.factory() { <p class="state" id="upload-factory-note">{ l.t(FulfilMsg::UploadFactoryNote) }</p> }
            <p class="templates">{ l.t(FulfilMsg::UploadTemplates) }
                <a id="template-csv" href="/api/v1/shipments/template.csv" download="">{ l.t(FulfilMsg::TemplateCsv) }</a>{ " · " }
                <a id="template-xlsx" href="/api/v1/shipments/template.xlsx" download="">{ l.t(FulfilMsg::TemplateXlsx) }</a>
            </p>
            <form class="card upload-form" id="upload-form" {onsubmit}>
                <label>{ l.t(FulfilMsg::UploadFile) }
                    <input ref={file} type="file" id="upload-file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" />
                </label>
                <button type="submit" class="primary" id="upload-submit" disabled={*sending}>{ l.t(if *sending { FulfilMsg::Uploading } else { FulfilMsg::UploadSubmit }) }</button>
            </form>
            <div class="live" aria-live="polite">{ result }</div>
        </section>
    }
}
