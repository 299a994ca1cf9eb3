//! Client-side routes: the path in the address bar is the page; the server answers every
//! non-API path with index.html.

use std::cell::Cell;

use wasm_bindgen::JsValue;

thread_local! {
    /// Is the running bundle the console? Set once by [`crate::start`].
    static CONSOLE: Cell<bool> = const { Cell::new(false) };
}

/// Record which bundle runs (`console`), for [`Route::elsewhere`].
pub fn set_console(console: bool) {
    CONSOLE.with(|c| c.set(console));
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
    /// `/admin/factories`: the platform admin's factories: create with an owner, suspend, resume.
    AdminFactories,
    /// `/admin/settings`: the platform admin's quota and risk settings.
    AdminSettings,
    /// `/waybill-accounts`: e-waybill accounts (owners apply and recharge, admins review).
    WaybillAccounts,
    /// `/waybills`: waybills, label printing and shipping.
    Waybills,
    /// `/shipments/upload`: ship orders in bulk from a CSV or XLSX file.
    ShipmentsUpload,
    /// `/account`: one's own account (change the password).
    Account,
    /// `/dropship`: 厂商代发 for a shop: bindings with factories, product rules.
    Dropship,
    /// `/factory/orders`: the factory console's list of the orders assigned to it.
    FactoryOrders,
    /// `/factory/bindings`: the factory's bindings with shops (accept, decline, end).
    FactoryBindings,
    /// `/sms`: platform SMS: send, templates, outbox.
    Sms,
    /// `/admin/sms-templates`: the platform admin's review of SMS templates.
    AdminSms,
    /// `/admin/exposure`: the platform admin's exposure dashboard and its flags.
    AdminExposure,
}

/// Every page with a fixed path, and its path: the one table [`Route::parse`] and
/// [`Route::path`] read (only `/orders/{id}` is not fixed).
const PATHS: [(Route, &str); 19] = [
    (Route::Orders, "/"),
    (Route::Quota, "/quota"),
    (Route::Apps, "/apps"),
    (Route::Staff, "/staff"),
    (Route::Audit, "/audit"),
    (Route::AdminApplications, "/admin/applications"),
    (Route::AdminShops, "/admin/shops"),
    (Route::AdminFactories, "/admin/factories"),
    (Route::AdminSettings, "/admin/settings"),
    (Route::WaybillAccounts, "/waybill-accounts"),
    (Route::Waybills, "/waybills"),
    (Route::ShipmentsUpload, "/shipments/upload"),
    (Route::Account, "/account"),
    (Route::Dropship, "/dropship"),
    (Route::FactoryOrders, "/factory/orders"),
    (Route::FactoryBindings, "/factory/bindings"),
    (Route::Sms, "/sms"),
    (Route::AdminSms, "/admin/sms-templates"),
    (Route::AdminExposure, "/admin/exposure"),
];

/// Where a one-order path starts.
const ORDER_PREFIX: &str = "/orders/";

impl Route {
    /// The route of a path (the order list for an unknown one).
    pub fn parse(path: &str) -> Self {
        let path = path.trim_end_matches('/');
        if let Some((r, _)) = PATHS.iter().find(|(_, p)| p.trim_end_matches('/') == path) {
            return r.clone();
        }
        match path.strip_prefix(ORDER_PREFIX) {
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
            Self::Order(id) => format!("{ORDER_PREFIX}{}", String::from(js_sys::encode_uri_component(id))),
            fixed => PATHS.iter().find(|(r, _)| r == fixed).map_or("/", |(_, p)| p).to_string(),
        }
    }

    /// Is the route served by the other bundle than the running one (a page load away)?
    pub fn elsewhere(&self) -> bool {
        orderveil_api::is_console_route(&self.path()) != CONSOLE.with(Cell::get)
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
