//! The outbox worker: in every process, claims due messages with a lease, decrypts each
//! number just before the hand-over, and records the outcome. A failed attempt is retried
//! with exponential backoff (5 s, 10 s, 20 s, … at most an hour) up to [`MAX_ATTEMPTS`]; a
//! provider's refusal, or a shredded order, gives up at once. The lease makes a message
//! whose process died mid-send due again; its idempotency key keeps the provider from
//! sending it twice. A marketing message waits out the quiet hours (21:00–08:00 Asia/Shanghai)
//! in the outbox, even one queued just before them.

use std::sync::Arc;
use std::time::Duration;

use orderveil_cipher::{FieldCiphertext, FieldKind, OrderId, ShopId};

use super::gateway::{GatewayError, Outgoing};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Backend;
use crate::store::sms::{self as store, MessageRow};

/// Attempts before a message gives up.
pub const MAX_ATTEMPTS: i64 = 6;
/// Seconds a claimed message is this process's before another may take it.
pub const LEASE_SECS: i64 = 60;
/// Messages claimed at once.
pub const BATCH: i64 = 50;
/// How often an idle worker looks for due messages (a send wakes it at once).
pub const POLL: Duration = Duration::from_secs(1);

/// Seconds until the next attempt after `attempts` attempts.
pub fn backoff(attempts: i64) -> i64 {
    let exp = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    (5_i64.saturating_mul(2_i64.saturating_pow(exp))).min(3600)
}

/// Run the worker from a task of its own, which ends with the state.
pub fn start(state: &AppState) {
    let alive = Arc::downgrade(&state.0);
    tokio::spawn(async move {
        loop {
            let Some(inner) = alive.upgrade() else { break };
            let state = AppState(inner);
            let handled = match run_once(&state).await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error = %e.code.as_str(), "sms worker: a round failed");
                    0
                }
            };
            if handled == 0 {
                let sms = Arc::clone(&state.0);
                drop(state);
                tokio::select! {
                    () = sms.sms.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        }
    });
}

/// One round: claim the due messages and hand each over. Returns how many were handled.
pub async fn run_once(state: &AppState) -> AppResult<usize> {
    let now = state.now();
    let mut tx = state.db.begin_write().await?;
    // Marketing never leaves between 21:00 and 08:00, not even a retry of one queued before.
    let claimed = store::claim(&mut tx, state.db.backend == Backend::Postgres, now, LEASE_SECS, BATCH, super::quiet_hours(now)).await?;
    tx.commit().await?;
    for m in &claimed {
        let outcome = hand_over(state, m).await;
        let now = state.now();
        let mut tx = state.db.begin_write().await?;
        match outcome {
            Ok(provider_id) => store::mark_sent(&mut tx, m.id, &provider_id, now).await?,
            Err(GatewayError::Permanent(e)) => store::mark_failed(&mut tx, m.id, true, now, &e).await?,
            Err(GatewayError::Retry(e)) => store::mark_failed(&mut tx, m.id, m.attempts >= MAX_ATTEMPTS, now + backoff(m.attempts), &e).await?,
        }
        tx.commit().await?;
    }
    Ok(claimed.len())
}

/// Decrypt the number and give the message to the gateway; the plaintext is zeroized when
/// this returns.
async fn hand_over(state: &AppState, m: &MessageRow) -> Result<String, GatewayError> {
    let to = match decrypt_phone(state, m).await {
        Ok(Some(p)) => p,
        Ok(None) => return Err(GatewayError::Permanent("order_shredded".into())),
        Err(e) => return Err(GatewayError::Retry(format!("decrypt: {}", e.code.as_str()))),
    };
    let out = Outgoing { message_id: m.id, to: &to, text: &m.body, idempotency_key: &m.idempotency_key };
    state.sms.gateway.send(&out).await
}

/// The message's number in the clear (`None`: the order's key is shredded).
async fn decrypt_phone(state: &AppState, m: &MessageRow) -> AppResult<Option<zeroize::Zeroizing<String>>> {
    let mut conn = state.db.pool.acquire().await?;
    let Some((kek, wrapped)) = store::order_key(&mut conn, &m.order_id).await? else { return Ok(None) };
    drop(conn);
    let Some(wrapped) = wrapped else { return Ok(None) };
    let order = OrderId::new(&m.order_id).map_err(AppError::internal)?;
    let shop = ShopId::new(&m.shop_id).map_err(AppError::internal)?;
    let keys = crate::grants::keys_for(state, [kek]).await?;
    let dek = crate::grants::unwrap_dek(&keys, &order, kek, &wrapped)?;
    let ct = FieldCiphertext::parse(&m.phone_ct).map_err(AppError::internal)?;
    let plain = ct.decrypt(&dek.field_key(FieldKind::Phone), &shop, &order).map_err(AppError::internal)?;
    Ok(Some(plain))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_5_seconds_up_to_an_hour() {
        assert_eq!((1..=6).map(backoff).collect::<Vec<_>>(), [5, 10, 20, 40, 80, 160]);
        assert_eq!(backoff(15), 3600);
    }
}
