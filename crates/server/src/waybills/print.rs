//! The print grant: the reveal protocol with another purpose. Each order's field keys are
//! sealed to the client's fresh key, bound to its waybill number, counted against the
//! reprint limit and in the reveal burst rules (never the reveal quota); only waybills of
//! the caller's own accounts and orders awaiting shipment print.

use orderveil_api::carriers;
use orderveil_api::{ErrorCode, Item, Label, LabelOrder, OrderStatus, Permission, PrintGrantRequest, PrintGrantResponse, Scope, items_summary};
use orderveil_cipher::{FieldKind, GrantId, GrantPurpose, OrderId};
use serde_json::json;

use super::{MAX_ORDERS, PRINT_LIMIT, distinct_ids, print_shop};
use crate::audit;
use crate::error::{AppError, AppResult};
use crate::grants::{GrantFor, Sealable};
use crate::guard::Caller;
use crate::risk::{self, Book, Limit};
use crate::state::AppState;
use crate::store::prints as store;

/// What the print transaction decided: the labels (without the grant) and the keys to seal.
struct Printed {
    labels: Vec<Label>,
    keys: Vec<(String, String, i64, Vec<u8>)>,
}

/// Issue a print grant for waybills of the caller's shop (owners, staff with `print`, apps
/// with the `print` scope).
pub async fn grant(state: &AppState, caller: &Caller, req: PrintGrantRequest) -> AppResult<PrintGrantResponse> {
    let nos = distinct_ids(&req.waybill_nos, "waybill_nos")?;
    // A factory prints waybills of its own accounts for orders assigned to it, one shop's
    // per grant (the grant is sealed for one shop).
    let (shop, factory) = match caller {
        _ if caller.is_factory() => {
            let f = caller.acting_factory(Some(Permission::Print), Scope::Print)?;
            let mut conn = state.db.pool.acquire().await?;
            let rows = store::print_rows(&mut conn, &nos).await?;
            let shops: std::collections::BTreeSet<&str> = rows.iter().filter(|r| r.account_factory.as_deref() == Some(f.as_str())).map(|r| r.shop_id.as_str()).collect();
            if shops.len() > 1 {
                return Err(AppError::new(ErrorCode::PrintShopsMixed).with(json!({"shop_ids": shops})));
            }
            (shops.first().map(|s| (*s).to_string()).unwrap_or_default(), Some(f))
        }
        _ => (print_shop(caller)?, None),
    };
    let client_public = crate::grants::client_key(&req.client_public)?;
    let now = state.now();
    let grant_id = GrantId::generate().map_err(AppError::internal)?;
    let gid = grant_id.to_hex();
    let printed = match print_tx(state, caller, (&shop, factory.as_deref()), &nos, &gid, now).await {
        Ok(p) => p,
        Err(e) => {
            // A refusal is audited too (outside the rolled-back transaction).
            if e.code != ErrorCode::Internal {
                let mut ev = caller.event(&shop, "print", json!({"waybill_nos": nos, "grant_id": gid}));
                ev.outcome = "refused";
                ev.code = Some(e.code.as_str());
                if e.code == ErrorCode::RiskCooldown {
                    ev.details["risk"] = e.details.clone().unwrap_or_default();
                }
                match &factory {
                    Some(f) => {
                        ev.shop_id = (!shop.is_empty()).then(|| shop.clone());
                        let on_factory = ev.for_factory(f);
                        let mut tx = state.db.begin_write().await?;
                        if ev.shop_id.is_some() {
                            audit::append(&mut tx, now, &ev).await?;
                        }
                        audit::append(&mut tx, now, &on_factory).await?;
                        tx.commit().await?;
                    }
                    None => audit::record(&state.db, now, &ev).await?,
                }
            }
            return Err(e);
        }
    };
    // Seal every order's three field keys, bound to its waybill.
    let mut orders = Vec::with_capacity(printed.keys.len());
    for (waybill, id, kek_version, wrapped) in &printed.keys {
        let order_id = OrderId::new(id).map_err(AppError::internal)?;
        orders.push(Sealable { order_id, binding: waybill.clone(), kek_version: *kek_version, wrapped });
    }
    let to = GrantFor { grant_id, shop: &shop, purpose: GrantPurpose::Print, fields: &FieldKind::ALL, client_public: &client_public, now };
    let (sealed, expires_at) = crate::grants::seal(state, to, orders).await?;
    Ok(PrintGrantResponse { grant_id: gid, sealed_grant: sealed.to_base64(), shop_id: shop, expires_at_unix: expires_at, labels: printed.labels })
}

/// Check and count the prints in one transaction with their audit row.
async fn print_tx(state: &AppState, caller: &Caller, (shop, factory): (&str, Option<&str>), nos: &[String], gid: &str, now: i64) -> AppResult<Printed> {
    let mut tx = state.db.begin_write().await?;
    if !crate::quota::suspended_among(&mut tx, &std::collections::BTreeSet::from([shop])).await?.is_empty() {
        return Err(ErrorCode::ShopSuspended.into());
    }
    let rows = store::print_rows(&mut tx, nos).await?;
    // Only waybills of the caller's own shop, allocated from its own e-waybill accounts (a
    // factory's: from the factory's accounts).
    let own_account = |r: &store::PrintRow| factory.map_or(r.account_shop == shop, |f| r.account_factory.as_deref() == Some(f));
    let mine = |n: &String| rows.iter().find(|r| &r.waybill_no == n && r.shop_id == shop && own_account(r));
    let missing: Vec<&String> = nos.iter().filter(|n| mine(n).is_none()).collect();
    if !missing.is_empty() {
        return Err(AppError::new(ErrorCode::NotFound).with(json!({"waybill_nos": missing})));
    }
    let dead: Vec<&String> = rows.iter().filter(|r| r.status != "allocated" && r.status != "printed").map(|r| &r.waybill_no).collect();
    if !dead.is_empty() {
        return Err(AppError::new(ErrorCode::WaybillStateConflict).with(json!({"waybill_nos": dead, "reason": "only allocated or printed waybills print"})));
    }
    let limit = i64::from(PRINT_LIMIT);
    let spent: Vec<&String> = rows.iter().filter(|r| r.print_count >= limit).map(|r| &r.waybill_no).collect();
    if !spent.is_empty() {
        return Err(AppError::new(ErrorCode::PrintLimitReached).with(json!({"waybill_nos": spent, "limit": PRINT_LIMIT})));
    }
    let orders = store::print_orders(&mut tx, nos).await?;
    if orders.len() > MAX_ORDERS {
        return Err(AppError::new(ErrorCode::TooManyOrders).with(json!({"max": MAX_ORDERS, "got": orders.len()})));
    }
    // A factory prints only orders still assigned to it (a recalled one looks absent).
    if let Some(f) = factory {
        let ids: Vec<String> = orders.iter().map(|o| o.order_id.clone()).collect();
        let assigned = crate::store::dropship::assigned_to(&mut tx, f, &ids).await?;
        let gone: Vec<&String> = ids.iter().filter(|i| !assigned.iter().any(|(a, _)| a == *i)).collect();
        if !gone.is_empty() {
            return Err(AppError::new(ErrorCode::OrderNotFound).with(json!({"order_ids": gone})));
        }
    }
    // A destroyed key first: it is final, whatever the order's state.
    if let Some(o) = orders.iter().find(|o| o.wrapped_dek.is_none()) {
        return Err(AppError::new(ErrorCode::OrderShredded).with(json!({"order_ids": [o.order_id]})));
    }
    // A label is printed to ship: only orders awaiting shipment (a shipped, completed or
    // after-sale order would make the print path a reveal without the quota).
    let forbidden: Vec<&String> = orders.iter().filter(|o| !OrderStatus::parse(&o.status).is_some_and(OrderStatus::allows_print)).map(|o| &o.order_id).collect();
    if !forbidden.is_empty() {
        return Err(AppError::new(ErrorCode::OrderNotShippable).with(json!({"order_ids": forbidden, "reason": "only orders awaiting shipment print"})));
    }
    // Every printed order counts in the reveal burst rules, per account and per shop.
    let rules = crate::platform::rules(&mut *tx).await?;
    let (account, shop_subject) = (caller.risk_subject(), risk::shop_subject(shop));
    let mut book = Book::load(&mut tx, &[account.clone(), shop_subject.clone()].into_iter().collect(), now).await?;
    let limits = [
        Limit { subject: &account, scope: "account", per_minute: rules.per_minute, per_hour: rules.per_hour },
        Limit { subject: &shop_subject, scope: "shop", per_minute: rules.shop_per_minute, per_hour: rules.shop_per_hour },
    ];
    let units = u32::try_from(orders.len()).unwrap_or(u32::MAX);
    if let Err(refused) = book.check(&limits, units, now, rules.cooldown_secs) {
        // The cool-down it starts is kept; the refusal is audited by the caller.
        book.write(&mut tx, Some(now)).await?;
        tx.commit().await?;
        return Err(AppError::new(ErrorCode::RiskCooldown).with(refused.details(now)));
    }
    book.add(&[&account, &shop_subject], units, now);
    book.write(&mut tx, Some(now)).await?;
    // Count the prints; a concurrent print that reached the limit first makes this one fail.
    let counted = store::count_prints(&mut tx, nos, limit, now).await?;
    if counted != nos.len() as u64 {
        return Err(AppError::new(ErrorCode::PrintLimitReached).with(json!({"waybill_nos": nos, "limit": PRINT_LIMIT})));
    }
    let mut labels = Vec::with_capacity(nos.len());
    let mut keys = Vec::with_capacity(orders.len());
    for no in nos {
        let Some(w) = mine(no) else { continue };
        let carrier_name = carriers::carrier(&w.carrier).map_or_else(|| w.carrier.clone(), |c| c.name_zh.to_string());
        let mut label_orders = Vec::new();
        for o in orders.iter().filter(|o| &o.waybill_no == no) {
            let items: Vec<Item> = serde_json::from_str(&o.items).map_err(AppError::internal)?;
            label_orders.push(LabelOrder {
                order_id: o.order_id.clone(),
                items: items_summary(&items),
                name_ct: o.name_ct.clone(),
                phone_ct: o.phone_ct.clone(),
                address_ct: o.address_ct.clone(),
            });
            if let Some(w) = &o.wrapped_dek {
                keys.push((no.clone(), o.order_id.clone(), o.kek_version, w.clone()));
            }
        }
        labels.push(Label {
            waybill_no: no.clone(),
            carrier: w.carrier.clone(),
            carrier_name,
            sender_name: w.sender_name.clone(),
            sender_phone: w.sender_phone.clone(),
            sender_address: w.sender_address.clone(),
            print_no: u32::try_from(w.print_count + 1).unwrap_or(u32::MAX),
            orders: label_orders,
        });
    }
    let mut ev = caller.event(shop, "print", json!({"grant_id": gid, "waybills": labels.iter().map(|l| json!({"waybill_no": l.waybill_no, "print_no": l.print_no})).collect::<Vec<_>>()}));
    ev.order_ids = keys.iter().map(|k| k.1.clone()).collect();
    let actor = caller.disclosure_actor();
    ev.disclosure = Some(crate::disclosure::Disclosure::new(orderveil_api::DisclosurePath::Print, FieldKind::ALL.iter().map(|f| f.as_str()), actor, Some("print_label")));
    if let Some(f) = factory {
        ev.details["factory_id"] = json!(f);
        let on_factory = ev.for_factory(f);
        audit::append(&mut tx, now, &on_factory).await?;
    }
    audit::append(&mut tx, now, &ev).await?;
    tx.commit().await?;
    Ok(Printed { labels, keys })
}
