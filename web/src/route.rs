//! Client-side routes: the path in the address bar is the page; the server answers every
//! non-API path with index.html.

use std::cell::Cell;

use wasm_bindgen::JsValue;

use crate::pages::PageFn;

thread_local! {
    /// Which bundle this is and its pages, set once by [`crate::start`].
    static BUNDLE: Cell<Option<(bool, PageFn)>> = const { Cell::new(None) };
}

/// Record which bundle runs (`console`) and its page renderer.
pub fn set_bundle(console: bool, pages: PageFn) {
    BUNDLE.with(|b| b.set(Some((console, pages))));
}

/// The running bundle's page renderer.
pub fn pages() -> Option<PageFn> {
    BUNDLE.with(|b| b.get().map(|b| b.1))
}

fn running_console() -> bool {
    BUNDLE.with(|b| b.get().is_some_and(|b| b.0))
}

/// A page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// `/`: the order list.
    Orders,
    /// `/orders/{id}`: one order.
    Order(String),
    /// `/quota`: today's figures and the last 30 days.
    Quota,
    /// `/apps`: third-party (ISV) apps: owners authorize and revoke, admins register.
    Apps,
    /// `/staff`: the owner's staff accounts.
    Staff,
    /// `/audit`: the audit trail (owners: their shop; admins: everything).
    Audit,
    /// `/admin/applications`: the platform admin's queue of quota raise applications.
    AdminApplications,
    /// `/admin/shops`: the platform admin's shops: create, suspend, resume, their users.
    AdminShops,
    /// `/admin/settings`: the platform admin's quota and risk settings.
    AdminSettings,
    /// `/waybill-accounts`: e-waybill accounts (owners apply and recharge, admins review).
    WaybillAccounts,
    /// `/waybills`: waybills, label printing and shipping.
    Waybills,
    /// `/shipments/upload`: ship orders in bulk from a CSV or XLSX file.
    ShipmentsUpload,
}

impl Route {
    /// The route of a path.
    pub fn parse(path: &str) -> Self {
        let path = path.trim_end_matches('/');
        if path == "/quota" {
            return Self::Quota;
        }
        if path == "/apps" {
            return Self::Apps;
        }
        if path == "/staff" {
            return Self::Staff;
        }
        if path == "/audit" {
            return Self::Audit;
        }
        if path == "/admin/applications" {
            return Self::AdminApplications;
        }
        if path == "/admin/shops" {
            return Self::AdminShops;
        }
        if path == "/admin/settings" {
            return Self::AdminSettings;
        }
        if path == "/waybill-accounts" {
            return Self::WaybillAccounts;
        }
        if path == "/waybills" {
            return Self::Waybills;
        }
        if path == "/shipments/upload" {
            return Self::ShipmentsUpload;
        }
        match path.strip_prefix("/orders/") {
            Some(id) if !id.is_empty() && !id.contains('/') => {
                Self::Order(js_sys::decode_uri_component(id).ok().map(String::from).unwrap_or_else(|| id.to_string()))
            }
            _ => Self::Orders,
        }
    }

    /// The route in the address bar now.
    pub fn current() -> Self {
        web_sys::window().and_then(|w| w.location().pathname().ok()).map(|p| Self::parse(&p)).unwrap_or(Self::Orders)
    }

    /// The path of the route.
    pub fn path(&self) -> String {
        match self {
            Self::Orders => "/".into(),
            Self::Order(id) => format!("/orders/{}", String::from(js_sys::encode_uri_component(id))),
            Self::Quota => "/quota".into(),
            Self::Apps => "/apps".into(),
            Self::Staff => "/staff".into(),
            Self::Audit => "/audit".into(),
            Self::AdminApplications => "/admin/applications".into(),
            Self::AdminShops => "/admin/shops".into(),
            Self::AdminSettings => "/admin/settings".into(),
            Self::WaybillAccounts => "/waybill-accounts".into(),
            Self::Waybills => "/waybills".into(),
            Self::ShipmentsUpload => "/shipments/upload".into(),
        }
    }

    /// Is the route served by the other bundle than the running one (a page load away)?
    pub fn elsewhere(&self) -> bool {
        orderveil_api::is_console_route(&self.path()) != running_console()
    }

    /// Load the other bundle at this route (a full page load). False, and nothing done, if
    /// the browser is at this path already: the server answered it with this bundle (the
    /// other one is not built), and loading it again would loop.
    pub fn load(&self) -> bool {
        let Some(w) = web_sys::window() else { return false };
        let path = self.path();
        if w.location().pathname().is_ok_and(|p| p.trim_end_matches('/') == path.trim_end_matches('/')) {
            return false;
        }
        w.location().assign(&path).is_ok()
    }

    /// Put the route in the address bar (a history entry), keeping the query string.
    pub fn push(&self) {
        if let Some(w) = web_sys::window() {
            let search = w.location().search().unwrap_or_default();
            if let Ok(h) = w.history() {
                let _ = h.push_state_with_url(&JsValue::NULL, "", Some(&format!("{}{search}", self.path())));
            }
        }
    }
}
