//! What a disclosure of receiver data is (issue 20): the `Disclosure` an audit event carries
//! on every path that lets receiver data leave the store, and who made it. The audit append
//! writes its receipts ([`crate::audit::append_many`]); `crate::exposure` reads them. A leaf:
//! it imports only the wire types, the clock and the store.

use std::collections::BTreeMap;

use orderveil_api::{ActorKind, DisclosurePath};

use crate::store::WriteTx;
use crate::store::exposure::{self as store, Counts};

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

/// Count orders received by ingest: `(shop, day) → new orders` (after the ingest's audit rows,
/// so each shop's chain head is held first).
pub async fn count_orders(tx: &mut WriteTx<'_>, created: &BTreeMap<(String, String), i64>) -> Result<(), sqlx::Error> {
    let daily: BTreeMap<(String, String), Counts> = created.iter().filter(|(_, n)| **n > 0).map(|(k, n)| (k.clone(), Counts { orders: *n, ..Counts::default() })).collect();
    store::add_daily(tx, &daily).await
}
