//! The form that creates a tenant — a shop (店铺管理) or a dropshipping factory (厂商管理) —
//! with its owner account, for the platform admin. A refusal shows next to the field it
//! concerns: the field `details` names, else the field a conflict or a password rule is about.

use orderveil_api::{ErrorCode, FactoryCreate, ShopCreate};
use yew::prelude::*;
use zeroize::Zeroizing;

use crate::api::{self, ApiFailure};
use crate::components::states::{self, value_of};
use crate::i18n::{AdminMsg, Lang, StaffMsg};
use crate::session::{use_lang, use_session};

/// What the form creates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tenant {
    /// A shop (`POST /api/v1/admin/shops`).
    Shop,
    /// A dropshipping factory (`POST /api/v1/admin/factories`).
    Factory,
}

impl Tenant {
    /// The fields: input id and the wire name a refusal's `details.field` uses (id, name,
    /// owner user name, owner password).
    fn fields(self) -> [(&'static str, &'static str); 4] {
        match self {
            Self::Shop => [("new-shop-id", "shop_id"), ("new-shop-name", "name"), ("new-owner-username", "owner_username"), ("new-owner-password", "owner_password")],
            Self::Factory => [
                ("new-factory-id", "factory_id"),
                ("new-factory-name", "name"),
                ("new-factory-owner-username", "owner_username"),
                ("new-factory-owner-password", "owner_password"),
            ],
        }
    }

    /// The form's id; its submit button and error lines are named after it.
    fn form_id(self) -> &'static str {
        match self {
            Self::Shop => "shop-create",
            Self::Factory => "factory-create",
        }
    }

    fn error_id(self) -> &'static str {
        match self {
            Self::Shop => "shop-create-error",
            Self::Factory => "factory-create-error",
        }
    }

    fn submit_id(self) -> &'static str {
        match self {
            Self::Shop => "shop-create-submit",
            Self::Factory => "factory-create-submit",
        }
    }

    /// Label and hint of each field.
    fn labels(self, l: Lang) -> [(&'static str, &'static str); 4] {
        let (id, name, name_hint, owner, password) = match self {
            Self::Shop => (AdminMsg::ShopId, AdminMsg::ShopName, AdminMsg::ShopNameHint, AdminMsg::OwnerUsername, AdminMsg::OwnerPassword),
            Self::Factory => (AdminMsg::FactoryId, AdminMsg::FactoryName, AdminMsg::FactoryNameHint, AdminMsg::FactoryOwnerUsername, AdminMsg::FactoryOwnerPassword),
        };
        [
            (l.t(id), l.t(StaffMsg::UsernameHint)),
            (l.t(name), l.t(name_hint)),
            (l.t(owner), l.t(StaffMsg::UsernameHint)),
            (l.t(password), l.t(StaffMsg::PasswordHint)),
        ]
    }

    /// The form's title and its button (idle).
    fn texts(self, l: Lang) -> (&'static str, &'static str) {
        match self {
            Self::Shop => (l.t(AdminMsg::ShopCreateTitle), l.t(AdminMsg::ShopCreate)),
            Self::Factory => (l.t(AdminMsg::FactoryCreateTitle), l.t(AdminMsg::FactoryCreate)),
        }
    }

    /// The code of "this id is taken".
    fn exists(self) -> ErrorCode {
        match self {
            Self::Shop => ErrorCode::ShopExists,
            Self::Factory => ErrorCode::FactoryExists,
        }
    }

    /// The form field a refusal concerns (`""`: none of them).
    fn refused_field(self, e: &ApiFailure) -> &'static str {
        let named = match (e.detail_field(), e.error_code()) {
            ("", Some(c)) if c == self.exists() => self.fields()[0].1,
            ("", Some(ErrorCode::UsernameTaken)) => "owner_username",
            ("", Some(ErrorCode::PasswordLength | ErrorCode::PasswordContainsUsername | ErrorCode::PasswordTooCommon)) => "owner_password",
            (f, _) => f,
        };
        self.fields().iter().find(|(_, w)| *w == named).map_or("", |(_, w)| w)
    }

    /// Create it; the new tenant's id.
    async fn create(self, csrf: &str, [id, name, owner, password]: [String; 4]) -> Result<String, ApiFailure> {
        match self {
            Self::Shop => {
                let req = ShopCreate { shop_id: id, name, owner_username: owner, owner_password: password };
                let r = api::admin_shop_create(csrf, &req).await.map(|s| s.shop_id);
                drop(Zeroizing::new(req.owner_password));
                r
            }
            Self::Factory => {
                let req = FactoryCreate { factory_id: id, name, owner_username: owner, owner_password: password };
                let r = api::admin_factory_create(csrf, &req).await.map(|f| f.factory_id);
                drop(Zeroizing::new(req.owner_password));
                r
            }
        }
    }
}

/// Props of [`TenantForm`].
#[derive(Properties, PartialEq)]
pub struct TenantFormProps {
    /// What it creates.
    pub tenant: Tenant,
    /// Called with the new tenant's id and its owner's login.
    pub on_created: Callback<(String, String)>,
}

/// The form that creates a shop or a factory with its owner account.
#[function_component(TenantForm)]
pub fn tenant_form(p: &TenantFormProps) -> Html {
    let (l, s, t) = (use_lang(), use_session(), p.tenant);
    // id, name, owner user name, owner password.
    let values = use_state(|| Zeroizing::new([String::new(), String::new(), String::new(), String::new()]));
    let failure = use_state(|| None::<(&'static str, ApiFailure)>);
    let sending = use_state(|| false);
    let onsubmit = {
        let (values, failure, sending, csrf, cb) = (values.clone(), failure.clone(), sending.clone(), s.csrf_token.clone(), p.on_created.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *sending {
                return;
            }
            let [id, name, owner, password] = &**values;
            let sent = [id.trim().to_string(), name.trim().to_string(), owner.trim().to_string(), password.clone()];
            let owner = sent[2].clone();
            failure.set(None);
            sending.set(true);
            let (values, failure, sending, csrf, cb) = (values.clone(), failure.clone(), sending.clone(), csrf.clone(), cb.clone());
            wasm_bindgen_futures::spawn_local(async move {
                let r = t.create(&csrf, sent).await;
                sending.set(false);
                match r {
                    Ok(id) => {
                        values.set(Default::default());
                        cb.emit((id, owner));
                    }
                    Err(e) => failure.set(Some((t.refused_field(&e), e))),
                }
            });
        })
    };
    let labels = t.labels(l);
    let inputs = t.fields().into_iter().enumerate().map(|(i, (id, wire))| {
        let oninput = {
            let values = values.clone();
            Callback::from(move |e: InputEvent| {
                let mut v = (*values).clone();
                v[i] = value_of(&e);
                values.set(v);
            })
        };
        let (label, hint) = labels[i];
        let bad = failure.as_ref().is_some_and(|(f, _)| *f == wire);
        html! {
            <label>{ label }
                <input id={id} type={(i == 3).then_some("password")} autocomplete={if i == 3 { "new-password" } else { "off" }}
                       value={values[i].clone()} {oninput} placeholder={hint} aria-invalid={bad.to_string()} />
                { states::field_error(l, t.error_id(), &failure, wire) }
            </label>
        }
    });
    let (title, submit) = t.texts(l);
    html! {
        <form class="card" id={t.form_id()} {onsubmit} novalidate=true>
            <h3>{ title }</h3>
            { for inputs }
            { states::field_error(l, t.error_id(), &failure, "") }
            <button type="submit" class="primary" id={t.submit_id()} disabled={*sending}>{ if *sending { l.t(StaffMsg::Creating) } else { submit } }</button>
        </form>
    }
}
