//! The demo's ways to reach the buyer (issue 19), seeded once: shop1's SMS templates (two
//! approved, one waiting for the platform), a few logistics notices queued for shipped
//! orders (the worker sends them to the file sink), the platform's virtual-number pool, and
//! buyer messages on two orders awaiting shipment (one answered).

use orderveil_api::OrderStatus;

use crate::error::AppResult;
use crate::orders::OrderFilter;
use crate::state::AppState;
use crate::store::{messages, sms, vnum};

const TEMPLATES: [(&str, &str, &str, bool); 3] = [
    ("发货通知", "logistics", "您在{shop_name}购买的订单{order_id}已由{carrier}发出，运单号{tracking_no}，请留意查收。", true),
    ("上新提醒", "marketing", "{shop_name}秋冬新品上架，老朋友下单享九折。", true),
    ("售后回访", "after_sales", "您好，订单{order_id}的售后已处理完毕，如仍有问题请在订单页留言。——{shop_name}", false),
];

/// Seed once (nothing if shop1 has templates).
pub async fn seed(state: &AppState) -> AppResult<()> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    if !sms::templates(&mut *tx, Some("shop1"), None).await?.is_empty() {
        return Ok(());
    }
    let mut logistics = 0;
    for (name, kind, body, approve) in TEMPLATES {
        let id = sms::insert_template(&mut tx, "shop1", name, 1, kind, body, "shop1", now - 3 * 86_400).await?;
        if approve {
            sms::decide(&mut tx, id, "pending", "approved", "admin", now - 2 * 86_400, Some("符合规范")).await?;
        }
        if kind == "logistics" {
            logistics = id;
        }
    }
    // Logistics notices for three shipped orders: queued now, sent by the worker.
    let shipped = OrderFilter { shop_id: "shop1".into(), status: Some(OrderStatus::Shipped), ..Default::default() };
    let ids = crate::store::orders::filtered_ids(&mut tx, &shipped, 3).await?;
    let shop_name = sms::shop_name(&mut tx, "shop1").await?;
    let orders = sms::shop_orders(&mut tx, "shop1", &ids).await?;
    let mut new = Vec::new();
    for o in &orders {
        let carrier = o.carrier.as_deref().map(|c| orderveil_api::carriers::carrier(c).map_or(c, |x| x.name_zh));
        let vars = crate::sms::Vars { order_id: &o.order_id, carrier, tracking_no: o.tracking_no.as_deref(), shop_name: &shop_name };
        if let Some(body) = crate::sms::fill(TEMPLATES[0].2, &vars) {
            new.push(sms::NewMessage { order_id: &o.order_id, body, phone_ct: &o.phone_ct, phone_masked: &o.phone_masked, idempotency_key: format!("ovsms_{}", crate::auth::random_token(16)?) });
        }
    }
    let queued = sms::enqueue(&mut tx, "shop1", logistics, "logistics", &new, "shop1", now, &crate::clock::day_of(now)).await?;
    // Audited like a send from the SMS page, with its buyers' receipts.
    let mut ev = crate::audit::Event::new("shop1", None, Some("shop1"), "sms_send", "ok");
    ev.details = serde_json::json!({"template_id": logistics, "name": TEMPLATES[0].0, "version": 1, "kind": "logistics", "count": queued.len(), "demo": true});
    ev.order_ids = new.iter().map(|m| m.order_id.to_string()).collect();
    let actor = crate::disclosure::Actor { kind: orderveil_api::ActorKind::Shop, app_name: None, factory_id: None };
    ev.disclosure = Some(crate::disclosure::Disclosure::new(orderveil_api::DisclosurePath::Sms, ["phone"], actor, Some("logistics")));
    crate::audit::append(&mut tx, now, &ev).await?;
    // The virtual-number pool: 50 numbers × 20 extensions.
    let entries: Vec<(String, String)> = (0..50).flat_map(|n| (1..=20).map(move |e| (format!("170{:08}", n), format!("{e:04}")))).collect();
    vnum::add_entries(&mut tx, &entries, now).await?;
    // Buyer messages on two orders awaiting shipment; the first answered.
    let waiting = OrderFilter { shop_id: "shop1".into(), status: Some(OrderStatus::AwaitingShipment), ..Default::default() };
    let ids = crate::store::orders::filtered_ids(&mut tx, &waiting, 2).await?;
    let talk = [("请问今天能发货吗？我周末要用。", Some("您好，今天下午四点前发出，请放心。")), ("可以改成顺丰吗？运费我补。", None)];
    for (id, (ask, answer)) in ids.iter().zip(talk) {
        messages::insert(&mut tx, id, "shop1", "buyer", "buyer", None, ask, now - 3600).await?;
        if let Some(a) = answer {
            let m = messages::insert(&mut tx, id, "shop1", "shop", "shop1", None, a, now - 1800).await?;
            messages::mark_read(&mut tx, id, "shop", m).await?;
        }
    }
    tx.commit().await?;
    state.sms.wake();
    tracing::info!("seeded the demo's SMS templates, virtual-number pool and buyer messages");
    Ok(())
}


