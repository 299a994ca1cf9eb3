//! The factory's one list of the orders its shops assigned to it: masks, items, receiver keys
//! and shop names; never a ciphertext, never a key.

use orderveil_api::{AssignmentStatus, FactoryOrder, FactoryOrderPage, FactoryOrderQuery, Item, OrderStatus, ReceiverFields, Scope};

use super::invalid;
use crate::clock::rfc3339;
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::state::AppState;
use crate::store::dropship::{self as store, FactoryFilter, FactoryOrderRow};

fn view(r: FactoryOrderRow) -> AppResult<FactoryOrder> {
    let shipment = match (r.carrier, r.tracking_no, r.shipped_at) {
        (Some(c), Some(t), Some(at)) => Some(crate::shipping::shipment(c, t, at)),
        _ => None,
    };
    Ok(FactoryOrder {
        order_id: r.order_id,
        shop_id: r.shop_id,
        shop_name: r.shop_name,
        status: OrderStatus::parse(&r.status).ok_or_else(|| AppError::internal("bad order status"))?,
        created_at: rfc3339(r.created_at),
        items: serde_json::from_str::<Vec<Item>>(&r.items).map_err(AppError::internal)?,
        masked: ReceiverFields { name: r.name_masked, phone: r.phone_masked, address: r.address_masked },
        receiver_key: r.receiver_key,
        assignment: AssignmentStatus::parse(&r.assignment).ok_or_else(|| AppError::internal("bad assignment status"))?,
        assigned_at: rfc3339(r.assigned_at),
        shipment,
        waybill_no: r.waybill_no,
    })
}

/// `GET /api/v1/factory/orders` (any user of the factory; its apps with `orders.read`).
pub async fn list(state: &AppState, caller: &Caller, q: FactoryOrderQuery) -> AppResult<FactoryOrderPage> {
    let factory = caller.acting_factory(None, Scope::OrdersRead)?;
    let page = q.page.unwrap_or(1).max(1);
    let per_page = q.per_page.unwrap_or(20);
    if !(1..=200).contains(&per_page) {
        return Err(invalid("per_page", "1 to 200"));
    }
    let status = match q.status.unwrap_or(AssignmentStatus::Assigned) {
        AssignmentStatus::Recalled => return Err(invalid("status", "assigned or shipped")),
        s => s,
    };
    let f = FactoryFilter {
        factory,
        shop: q.shop_id.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
        status: status.as_str().into(),
        order_id: q.order_id.map(|s| s.trim().to_string()).filter(|s| !s.is_empty()),
    };
    let mut conn = state.db.pool.acquire().await?;
    let total = store::factory_order_count(&mut conn, &f).await?;
    let rows = store::factory_orders(&mut conn, &f, i64::from(per_page), i64::from(page - 1) * i64::from(per_page)).await?;
    Ok(FactoryOrderPage { orders: rows.into_iter().map(view).collect::<AppResult<_>>()?, page, per_page, total: u64::try_from(total).unwrap_or(0) })
}
