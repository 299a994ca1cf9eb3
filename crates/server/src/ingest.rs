//! Order ingest from the platform's order system. Plaintext receiver data is encrypted on
//! arrival (in a blocking task) and dropped; the whole batch is validated first and written
//! in one transaction, so a bad order applies nothing. Idempotent on `order_id`: a repeat
//! updates status and completion time, and re-encrypts only if the receiver changed
//! (a buyer edited the address), as the receiver key tells without decrypting.

use std::collections::BTreeMap;

use orderveil_api::{ErrorCode, IngestOrder, IngestResponse, OrderStatus};
use orderveil_cipher::{EncryptedReceiver, OrderId, Receiver, ShopId, encrypt_receiver};
use serde_json::json;

use crate::audit::{self, Event};
use crate::clock::parse_rfc3339;
use crate::db::{Arg, bind_all};
use crate::error::{AppError, AppResult};
use crate::state::AppState;

/// Most orders in one ingest request.
pub const MAX_BATCH: usize = 500;
const MAX_FIELD_CHARS: usize = 200;

struct Checked {
    order_id: OrderId,
    shop_id: ShopId,
    status: OrderStatus,
    created_at: i64,
    completed_at: Option<i64>,
    items: String,
    amount_cents: i64,
}

fn check(i: usize, o: &IngestOrder, errors: &mut Vec<serde_json::Value>) -> Option<Checked> {
    let mut bad = |field: &str, reason: &str| errors.push(json!({"index": i, "order_id": o.order_id, "field": field, "reason": reason}));
    let order_id = OrderId::new(&o.order_id).map_err(|e| bad("order_id", &e.to_string())).ok();
    let shop_id = ShopId::new(&o.shop_id).map_err(|e| bad("shop_id", &e.to_string())).ok();
    let created_at = parse_rfc3339(&o.created_at);
    if created_at.is_none() {
        bad("created_at", "not RFC 3339");
    }
    let completed_at = match &o.completed_at {
        None => None,
        Some(s) => {
            let t = parse_rfc3339(s);
            if t.is_none() {
                bad("completed_at", "not RFC 3339");
            }
            t
        }
    };
    if o.status == OrderStatus::Completed && o.completed_at.is_none() {
        bad("completed_at", "required for completed orders");
    }
    if o.amount_cents < 0 {
        bad("amount_cents", "negative");
    }
    if o.items.is_empty() || o.items.len() > 100 || o.items.iter().any(|it| it.title.chars().count() > MAX_FIELD_CHARS || it.quantity == 0 || it.price_cents < 0) {
        bad("items", "1 to 100 items, each with a title of at most 200 characters, quantity ≥ 1, price ≥ 0");
    }
    for (name, v) in [("receiver.name", &o.receiver.name), ("receiver.phone", &o.receiver.phone), ("receiver.address", &o.receiver.address)] {
        let n = v.chars().count();
        if n == 0 || n > MAX_FIELD_CHARS {
            bad(name, "empty or longer than 200 characters");
        }
    }
    let items = serde_json::to_string(&o.items).ok()?;
    Some(Checked { order_id: order_id?, shop_id: shop_id?, status: o.status, created_at: created_at?, completed_at, items, amount_cents: o.amount_cents })
}

/// Ingest a batch. `actor` names who pushed it (for the audit trail).
pub async fn ingest(state: &AppState, orders: Vec<IngestOrder>, actor: &str) -> AppResult<IngestResponse> {
    if orders.len() > MAX_BATCH {
        return Err(AppError::new(ErrorCode::BatchTooLarge).with(json!({"max": MAX_BATCH, "got": orders.len()})));
    }
    if orders.is_empty() {
        return Ok(IngestResponse { created: 0, existing: 0 });
    }
    let mut errors = Vec::new();
    let checked: Vec<Option<Checked>> = orders.iter().enumerate().map(|(i, o)| check(i, o, &mut errors)).collect();
    let mut seen = std::collections::HashSet::new();
    for o in &orders {
        if !seen.insert(o.order_id.as_str()) {
            errors.push(json!({"order_id": o.order_id, "field": "order_id", "reason": "duplicate in batch"}));
        }
    }
    if !errors.is_empty() {
        return Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"errors": errors})));
    }
    let checked: Vec<Checked> = checked.into_iter().flatten().collect();

    // Encrypt off the async runtime: ~15 µs an order, 7 ms for a full batch.
    let st = state.clone();
    let receivers: Vec<Receiver> = orders
        .into_iter()
        .map(|o| Receiver { name: o.receiver.name, phone: o.receiver.phone, address: o.receiver.address })
        .collect();
    let ids: Vec<(ShopId, OrderId)> = checked.iter().map(|c| (c.shop_id.clone(), c.order_id.clone())).collect();
    let encrypted: Vec<(EncryptedReceiver, String)> = tokio::task::spawn_blocking(move || {
        let kek = st.keys.primary();
        ids.iter()
            .zip(&receivers)
            .map(|((shop, order), r)| {
                let ikey = st.keys.index_key(shop);
                let e = encrypt_receiver(kek, &ikey, shop, order, r)?;
                let last4: String = orderveil_cipher::normalize_phone(&r.phone).chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                Ok((e, last4))
            })
            .collect::<Result<Vec<_>, orderveil_cipher::CryptoError>>()
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)?;

    let now = state.now();
    let kek_version = i64::from(state.keys.primary().version().get());
    let mut tx = state.db.begin_write().await?;
    let (mut created, mut existing) = (0u32, 0u32);
    let mut count_delta: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut per_shop: BTreeMap<String, Vec<String>> = BTreeMap::new();

    let shops: std::collections::BTreeSet<&str> = checked.iter().map(|c| c.shop_id.as_str()).collect();
    for shop in &shops {
        sqlx::query("INSERT INTO shops (shop_id, name, suspended, created_at) VALUES ($1, $1, 0, $2) ON CONFLICT (shop_id) DO NOTHING")
            .bind(*shop)
            .bind(now)
            .execute(&mut *tx)
            .await?;
    }
    // Which orders exist already: one query for the whole batch.
    let sql = format!("SELECT order_id, shop_id, status, receiver_key FROM orders WHERE order_id IN ({})", state.db.positional(checked.len()).join(", "));
    let args: Vec<Arg> = checked.iter().map(|c| Arg::S(c.order_id.to_string())).collect();
    let prior: Vec<(String, String, String, String)> = bind_all(sqlx::query_as(&sql), &args).fetch_all(&mut *tx).await?;

    let mut fresh: Vec<(&Checked, &EncryptedReceiver, &String)> = Vec::new();
    for (c, (e, last4)) in checked.iter().zip(&encrypted) {
        let shop = c.shop_id.as_str();
        per_shop.entry(shop.to_string()).or_default().push(c.order_id.to_string());
        let Some((_, prior_shop, prior_status, prior_key)) = prior.iter().find(|p| p.0 == c.order_id.as_str()) else {
            *count_delta.entry((shop.to_string(), c.status.as_str().to_string())).or_default() += 1;
            created += 1;
            fresh.push((c, e, last4));
            continue;
        };
        if prior_shop != shop {
            // Dropping the transaction rolls back the whole batch.
            return Err(AppError::new(ErrorCode::IngestConflict).with(json!({"order_id": c.order_id.as_str(), "reason": "order id belongs to another shop"})));
        }
        existing += 1;
        if prior_status != c.status.as_str() {
            *count_delta.entry((shop.to_string(), prior_status.clone())).or_default() -= 1;
            *count_delta.entry((shop.to_string(), c.status.as_str().to_string())).or_default() += 1;
        }
        sqlx::query("UPDATE orders SET status = $1, completed_at = $2, updated_at = $3 WHERE order_id = $4")
            .bind(c.status.as_str())
            .bind(c.completed_at)
            .bind(now)
            .bind(c.order_id.as_str())
            .execute(&mut *tx)
            .await?;
        if *prior_key != e.receiver_key {
            sqlx::query(
                "UPDATE orders SET kek_version = $1, wrapped_dek = $2, name_ct = $3, phone_ct = $4, address_ct = $5, name_masked = $6, \
                 phone_masked = $7, address_masked = $8, phone_token = $9, phone_last4 = $10, name_index = $11, address_index = $12, \
                 receiver_key = $13 WHERE order_id = $14",
            )
            .bind(kek_version)
            .bind(e.wrapped_dek.as_bytes().to_vec())
            .bind(e.name.ciphertext.to_string())
            .bind(e.phone.ciphertext.to_string())
            .bind(e.address.ciphertext.to_string())
            .bind(&e.name.masked)
            .bind(&e.phone.masked)
            .bind(&e.address.masked)
            .bind(e.phone.ciphertext.index_text())
            .bind(last4)
            .bind(e.name.ciphertext.index_text())
            .bind(e.address.ciphertext.index_text())
            .bind(&e.receiver_key)
            .bind(c.order_id.as_str())
            .execute(&mut *tx)
            .await?;
        }
    }
    // New orders: multi-row INSERTs (22 values a row, 100 rows a statement).
    for chunk in fresh.chunks(100) {
        let ph = state.db.positional(chunk.len() * 22);
        let rows: Vec<String> = ph.chunks(22).map(|r| format!("({})", r.join(", "))).collect();
        let sql = format!(
            "INSERT INTO orders (order_id, shop_id, status, created_at, completed_at, items, amount_cents, kek_version, wrapped_dek, \
             name_ct, phone_ct, address_ct, name_masked, phone_masked, address_masked, phone_token, phone_last4, name_index, address_index, \
             receiver_key, ingested_at, updated_at) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query(&sql);
        for (c, e, last4) in chunk {
            q = q
                .bind(c.order_id.as_str())
                .bind(c.shop_id.as_str())
                .bind(c.status.as_str())
                .bind(c.created_at)
                .bind(c.completed_at)
                .bind(c.items.clone())
                .bind(c.amount_cents)
                .bind(kek_version)
                .bind(e.wrapped_dek.as_bytes().to_vec())
                .bind(e.name.ciphertext.to_string())
                .bind(e.phone.ciphertext.to_string())
                .bind(e.address.ciphertext.to_string())
                .bind(e.name.masked.clone())
                .bind(e.phone.masked.clone())
                .bind(e.address.masked.clone())
                .bind(e.phone.ciphertext.index_text())
                .bind((*last4).clone())
                .bind(e.name.ciphertext.index_text())
                .bind(e.address.ciphertext.index_text())
                .bind(e.receiver_key.clone())
                .bind(now)
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    for ((shop, status), d) in count_delta {
        if d != 0 {
            sqlx::query("INSERT INTO shop_order_counts (shop_id, status, n) VALUES ($1, $2, $3) ON CONFLICT (shop_id, status) DO UPDATE SET n = shop_order_counts.n + $3")
                .bind(&shop)
                .bind(&status)
                .bind(d)
                .execute(&mut *tx)
                .await?;
        }
    }
    for (shop, ids) in per_shop {
        let mut ev = Event::new(actor, None, Some(&shop), "ingest", "ok");
        ev.details = json!({"orders": ids.len(), "first": ids.first(), "last": ids.last()});
        audit::append(&mut tx, now, &ev).await?;
    }
    tx.commit().await?;
    Ok(IngestResponse { created, existing })
}
