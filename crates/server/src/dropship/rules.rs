//! Product rules at ingest: new orders awaiting shipment with a ruled SKU are assigned to the
//! rule's factory inside the ingest transaction. Below the handlers (the ingest writer calls
//! it): it reads no request state.

use std::collections::BTreeMap;

use orderveil_api::{Item, OrderStatus};
use serde_json::json;

use crate::audit::{self, Event};
use crate::store::orders::Incoming;
use crate::store::{WriteTx, dropship as store};

/// At ingest, inside its transaction: new orders awaiting shipment with an item whose SKU has
/// a rule to a factory with an active binding are assigned to it, audited per shop and
/// factory on both chains. One query per shop of the batch when it has no rule.
pub async fn apply_rules(tx: &mut WriteTx<'_>, fresh: &[&Incoming], actor: &str, now: i64) -> Result<(), sqlx::Error> {
    let mut per_shop: BTreeMap<&str, Vec<&Incoming>> = BTreeMap::new();
    for o in fresh.iter().filter(|o| o.status == OrderStatus::AwaitingShipment) {
        per_shop.entry(o.shop_id.as_str()).or_default().push(o);
    }
    for (shop, orders) in per_shop {
        let rules = store::live_rules(tx, shop).await?;
        if rules.is_empty() {
            continue;
        }
        let mut to: BTreeMap<(&str, i64), Vec<String>> = BTreeMap::new();
        for o in orders {
            let items: Vec<Item> = serde_json::from_str(&o.items).unwrap_or_default();
            // The first item with a ruled SKU decides.
            if let Some((_, factory, binding)) = items.iter().find_map(|it| it.sku.as_deref().and_then(|sku| rules.iter().find(|(s, ..)| s == sku))) {
                to.entry((factory.as_str(), *binding)).or_default().push(o.order_id.as_str().to_string());
            }
        }
        for ((factory, binding), ids) in to {
            let new = store::NewAssignment { shop, factory, binding, how: "rule", by: actor, now };
            store::insert_assignments(tx, &ids, &new).await?;
            let mut ev = Event::new(actor, None, Some(shop), "assign", "ok");
            ev.details = json!({"factory_id": factory, "how": "rule", "orders": ids.len()});
            ev.order_ids = ids;
            let on_factory = ev.for_factory(factory);
            audit::append_many(tx, &[(now, ev), (now, on_factory)]).await?;
        }
    }
    Ok(())
}
