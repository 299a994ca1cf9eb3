//! Transparency (issue 20): a receipt for every disclosure of an order's receiver data, and
//! the platform's exposure dashboard with anomaly flags.
//!
//! **Where receipts come from.** Every path that lets receiver data leave the store writes an
//! audit row; the paths that disclose attach a [`Disclosure`] to that row's
//! [`Event`](crate::audit::Event), and [`crate::audit::append_many`] writes, in the same
//! transaction, one receipt per order (pointing at the audit row's chain and seq) and the
//! shop's daily counts. A refused request discloses nothing and writes no receipt; an event
//! copied onto a factory's chain carries none (the shop's row has it). The paths:
//!
//! | path | written by | fields | purpose |
//! |---|---|---|---|
//! | `reveal` | the reveal settler (web, apps) | those granted | the stated purpose |
//! | `print` | print grants (shop, factory, apps) | all three | `print_label` |
//! | `sms` | `POST /api/v1/sms/send` | phone | the template's kind |
//! | `virtual_number` | a new binding | phone | `contact` |
//! | `search_match` | receiver searches (order list, export) | the searched fields | `search` |
//!
//! A receipt names the kind of actor (shop owner, staff, factory, app by name), never a user
//! name (the platform's rules group by the audit actor, which the buyer never sees), and no
//! receiver data, so it survives crypto-shredding.

pub mod dashboard;
pub mod flags;
pub mod receipts;
pub mod routes;

use std::collections::BTreeMap;

use orderveil_api::{ActorKind, DisclosurePath, Role};

use crate::audit::Event;
use crate::clock::day_of;
use crate::guard::{Caller, User};
use crate::store::exposure::{self as store, Counts};
use crate::store::{Val, WriteTx};

/// Receipts a search writes at most: a search matching more orders than this (a broad last-4
/// search) confirms little about any one of them; its count is still in the day's matches.
pub const MAX_SEARCH_RECEIPTS: usize = 500;

/// Who disclosed, as the buyer may see it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    /// The kind.
    pub kind: ActorKind,
    /// An app's name.
    pub app_name: Option<String>,
    /// The factory (a factory user, or a factory's app).
    pub factory_id: Option<String>,
}

impl Actor {
    /// A user's kind: owner → shop, staff → staff, a factory's users → factory.
    pub fn of_user(user: &User) -> Self {
        let kind = match user.role {
            Role::Staff => ActorKind::Staff,
            Role::Factory | Role::FactoryStaff => ActorKind::Factory,
            Role::Owner | Role::Admin => ActorKind::Shop,
        };
        Self { kind, app_name: None, factory_id: user.factory_id.clone() }
    }

    /// A caller's kind: an app by name.
    pub fn of_caller(caller: &Caller) -> Self {
        match caller {
            Caller::User(u) => Self::of_user(u),
            Caller::App(a) => Self { kind: ActorKind::App, app_name: Some(a.app_name.clone()), factory_id: None },
            Caller::FactoryApp(a) => Self { kind: ActorKind::FactoryApp, app_name: Some(a.app_name.clone()), factory_id: Some(a.factory_id.clone()) },
        }
    }
}

/// What an audit event disclosed (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disclosure {
    /// The path.
    pub path: DisclosurePath,
    /// The fields, by wire name.
    pub fields: Vec<String>,
    /// Who.
    pub actor: Actor,
    /// The purpose.
    pub purpose: Option<String>,
    /// The orders disclosed, if not the event's `order_ids` (a search's matches).
    pub orders: Option<Vec<String>>,
    /// A search's units (the day's `search_units`).
    pub search_units: i64,
    /// A search's matches, all of them (the day's `search_matches`).
    pub search_matches: i64,
}

impl Disclosure {
    /// A disclosure of the event's orders.
    pub fn new(path: DisclosurePath, fields: impl IntoIterator<Item = impl Into<String>>, actor: Actor, purpose: Option<&str>) -> Self {
        Self { path, fields: fields.into_iter().map(Into::into).collect(), actor, purpose: purpose.map(Into::into), orders: None, search_units: 0, search_matches: 0 }
    }
}

/// Write the receipts and daily counts of `events`, just appended as `seqs` (inside the
/// audit append's transaction, after the heads of their chains were locked).
pub async fn record(tx: &mut WriteTx<'_>, events: &[(i64, Event)], seqs: &[i64]) -> Result<(), sqlx::Error> {
    let mut rows: Vec<store::NewReceipt> = Vec::new();
    let mut daily: BTreeMap<(String, String), Counts> = BTreeMap::new();
    for ((at, ev), seq) in events.iter().zip(seqs) {
        let (Some(d), Some(shop), None, "ok") = (&ev.disclosure, &ev.shop_id, &ev.factory_id, ev.outcome) else {
            continue;
        };
        let day = day_of(*at);
        let orders = d.orders.as_ref().unwrap_or(&ev.order_ids);
        let c = daily.entry((shop.clone(), day.clone())).or_default();
        let n = i64::try_from(orders.len()).unwrap_or(i64::MAX);
        match d.path {
            DisclosurePath::Reveal => c.reveals += n,
            DisclosurePath::Print => c.prints += n,
            DisclosurePath::Sms => c.sms += n,
            DisclosurePath::VirtualNumber => c.virtual_numbers += n,
            DisclosurePath::SearchMatch => {
                c.search_units += d.search_units;
                c.search_matches += d.search_matches;
            }
        }
        let fields = d.fields.join(",");
        for order in orders {
            rows.push([
                Val::S(order.clone()),
                Val::S(shop.clone()),
                Val::I(*at),
                Val::S(day.clone()),
                Val::S(d.path.as_str().into()),
                Val::S(fields.clone()),
                Val::S(d.actor.kind.as_str().into()),
                Val::S(ev.actor.clone()),
                Val::NS(d.actor.app_name.clone()),
                Val::NS(d.actor.factory_id.clone()),
                Val::NS(d.purpose.clone()),
                Val::S(format!("shop:{shop}")),
                Val::I(*seq),
            ]);
        }
    }
    store::insert_receipts(tx, &rows).await?;
    store::add_daily(tx, &daily).await
}

/// Count orders received by ingest: `(shop, day) → new orders` (after the ingest's audit rows,
/// so each shop's chain head is held first).
pub async fn count_orders(tx: &mut WriteTx<'_>, created: &BTreeMap<(String, String), i64>) -> Result<(), sqlx::Error> {
    let daily: BTreeMap<(String, String), Counts> = created.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (k.clone(), Counts { orders: *n, ..Counts::default() })).collect();
    store::add_daily(tx, &daily).await
}
