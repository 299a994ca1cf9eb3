//! Metered search: a search on a receiver field is a disclosure.
//!
//! A phone search that matches confirms a guess, and the mask already shows 7 of a mobile
//! number's 11 digits, so 10,000 free guesses would recover any number; a name search that
//! matches confirms a guess at the given name the same way. So every **search term** on a
//! receiver field — phone, name or address in the order list, in an export's filter, or an
//! item of the ISV `search-index` helper — costs one **search unit**:
//!
//! * per account, a burst limit (`search_per_minute` terms in any minute; exceeding it starts
//!   a cool-down, `SEARCH_COOLDOWN`), counted by [`crate::risk`] under the subject
//!   `search:<account>`;
//! * per shop, a daily budget `max(search_budget_floor, search_budget_factor × today's reveal
//!   limit)` (`SEARCH_BUDGET_EXHAUSTED`), in `search_days`.
//!
//! Order-id and last-4 searches are free (the mask shows the last 4 digits anyway).
//!
//! [`Meter::begin`] checks and charges in the caller's write transaction; the caller runs the
//! search on [`Meter::conn`] and [`Meter::finish`] writes the audit row — the number of terms,
//! which fields, and the number of matches (unknown for `search-index`) — and commits, so a
//! search's charge and its audit row are one transaction. The terms are never stored or
//! logged. A refusal that starts a cool-down, and the first budget refusal of a shop's day, are
//! audited; later refusals are answered from reads alone and not written one by one (a flood of
//! refused guesses must not become a write or audit flood): the cool-down's start and the
//! first budget refusal (`search_days.refused` > 0) are the record.
//!
//! The ISV `search-index` helper hands the tokens themselves to the app, which can test each
//! against every stored ciphertext offline: a phone item is one unit, a name or address item
//! one unit per window token it returns.

use orderveil_api::{DisclosurePath, ErrorCode};
use orderveil_cipher::{FieldKind, normalize_phone};
use serde_json::json;
use sqlx::AnyConnection;

use crate::audit::{self, Event};
use crate::clock::day_of;
use crate::disclosure::Disclosure;
use crate::store::{self, WriteTx};
use crate::error::{AppError, AppResult};
use crate::guard::Caller;
use crate::platform;
use crate::quota;
use crate::risk::{self, Book, Limit};
use crate::state::AppState;

/// Is `s` a whole phone number, the only phone a search takes? 7 to 15 digits after
/// normalization, and a number that starts like a mainland mobile (`1…`) must be all 11
/// digits of one: a partial mobile number never matches an exact-match token, so it is
/// refused instead of charged.
pub fn whole_phone(s: &str) -> bool {
    let d = normalize_phone(s);
    if d.starts_with('1') {
        return d.len() == 11 && matches!(d.as_bytes().get(1), Some(b'3'..=b'9'));
    }
    (7..=15).contains(&d.len())
}

/// `VALIDATION_FAILED` for a phone search term that is not a whole number.
pub fn check_phone_term(field: &str, s: &str) -> AppResult<()> {
    if whole_phone(s) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::ValidationFailed).with(json!({"field": field, "reason": "a whole phone number (11 digits for a mobile); search the last 4 digits with phone_last4"})))
    }
}

/// A charged search, its transaction still open.
pub struct Meter {
    tx: WriteTx<'static>,
    event: Event,
    now: i64,
}

impl Meter {
    /// Check and charge `units` search units for `caller` searching `fields` of `shop`
    /// through `path` (`orders`, `export`, `isv_search_index`): one per term, or, where the
    /// caller receives the tokens themselves, one per token it can test on its own. `None`
    /// when there is no metered term. Refusals: `VALIDATION_FAILED` for more units in one
    /// request than a minute allows (it could never pass), `SEARCH_COOLDOWN`,
    /// `SEARCH_BUDGET_EXHAUSTED` (nothing is charged; the refusal's state is committed).
    pub async fn begin(state: &AppState, caller: &Caller, shop: &str, fields: &[FieldKind], units: u32, path: &str) -> AppResult<Option<Self>> {
        if fields.is_empty() {
            return Ok(None);
        }
        let terms = units.max(1);
        let now = state.now();
        let subject = risk::search_subject(&caller.risk_subject());
        let day = day_of(now);
        // A cool-down, or a budget whose exhaustion was already recorded, refuses before any
        // write: a flood of refused guesses costs reads only.
        {
            let mut conn = state.db.pool.acquire().await?;
            let rules = platform::rules(&mut *conn).await?;
            if terms > rules.search_per_minute {
                return Err(AppError::new(ErrorCode::ValidationFailed)
                    .with(json!({"field": "items", "reason": "more search units in one request than a minute allows", "max": rules.search_per_minute, "units": terms})));
            }
            let until = risk::cooling_until(&mut conn, &subject).await?;
            if until > now {
                return Err(AppError::new(ErrorCode::SearchCooldown).with(json!({"retry_after_secs": until - now, "until_unix": until})));
            }
            if let Some(row) = store::quota::search_day(&mut conn, shop, &day).await?.filter(|r| r.refused > 0) {
                let budget = rules.search_budget(quota::limit_on(&mut conn, shop, &day, now, &rules).await?);
                let used = u32::try_from(row.used).unwrap_or(u32::MAX);
                if used.saturating_add(terms) > budget {
                    return Err(AppError::new(ErrorCode::SearchBudgetExhausted)
                        .with(json!({"used": used, "budget": budget, "needed": terms, "remaining": budget.saturating_sub(used), "day": day})));
                }
            }
        }
        let mut event = Event::new(&caller.actor(), caller.actor_id(), Some(shop), "search", "ok");
        event.details = json!({
            "path": path,
            "terms": fields.len(),
            "units": terms,
            "fields": fields.iter().map(|f| f.as_str()).collect::<Vec<_>>(),
            "via": caller.via(),
        });
        let mut disclosure = Disclosure::new(DisclosurePath::SearchMatch, fields.iter().map(|f| f.as_str()), caller.disclosure_actor(), Some("search"));
        disclosure.search_units = i64::from(terms);
        disclosure.orders = Some(Vec::new());
        event.disclosure = Some(disclosure);

        let mut tx = state.db.begin_write().await?;
        let rules = platform::rules(&mut *tx).await?;
        let subjects = std::iter::once(subject.clone()).collect();
        let mut book = Book::load(&mut tx, &subjects, now).await?;
        let limit = [Limit { subject: &subject, scope: "account", per_minute: rules.search_per_minute, per_hour: u32::MAX }];
        if let Err(refused) = book.check(&limit, terms, now, rules.cooldown_secs) {
            book.write(&mut tx, Some(now)).await?;
            if refused.rule.is_some() {
                event.outcome = "refused";
                event.code = Some(ErrorCode::SearchCooldown.as_str());
                event.details["risk"] = refused.details(now);
                audit::append(&mut tx, now, &event).await?;
            }
            tx.commit().await?;
            return Err(AppError::new(ErrorCode::SearchCooldown).with(refused.details(now)));
        }

        let reveal_limit = quota::limit_on(&mut tx, shop, &day, now, &rules).await?;
        let budget = rules.search_budget(reveal_limit);
        let row = store::quota::lock_search_day(&mut tx, shop, &day).await?;
        let (used, refused) = (u32::try_from(row.used).unwrap_or(u32::MAX), row.refused);
        if used.saturating_add(terms) > budget {
            store::quota::refuse_search(&mut tx, shop, &day).await?;
            let details = json!({"used": used, "budget": budget, "needed": terms, "remaining": budget.saturating_sub(used), "day": day});
            if refused == 0 {
                event.outcome = "refused";
                event.code = Some(ErrorCode::SearchBudgetExhausted.as_str());
                event.details["budget"] = details.clone();
                audit::append(&mut tx, now, &event).await?;
            }
            tx.commit().await?;
            return Err(AppError::new(ErrorCode::SearchBudgetExhausted).with(details));
        }
        store::quota::charge_search(&mut tx, shop, &day, i64::from(terms)).await?;
        book.add(&[&subject], terms, now);
        book.write(&mut tx, Some(now)).await?;
        event.details["budget"] = json!({"used": used + terms, "budget": budget});
        Ok(Some(Self { tx, event, now }))
    }

    /// The open transaction, to run the search on.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Audit the search with its number of matches (`None` where the server cannot know,
    /// e.g. tokens handed to an app) and the orders it matched (up to
    /// [`crate::disclosure::MAX_SEARCH_RECEIPTS`]; each gets a `search_match` receipt), and
    /// commit the charge.
    pub async fn finish(mut self, matches: Option<u64>, matched: Vec<String>) -> AppResult<()> {
        self.event.details["matches"] = json!(matches);
        if let Some(d) = self.event.disclosure.as_mut() {
            d.search_matches = matches.map_or(0, |m| i64::try_from(m).unwrap_or(i64::MAX));
            d.orders = Some(matched);
        }
        audit::append(&mut self.tx, self.now, &self.event).await?;
        self.tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_phone_search_takes_a_whole_number_only() {
        for ok in ["13800138000", "+86 138 0013 8000", "138-0013-8000", "0571-88886666", "057188886666", "88886666", "１３８００１３８０００"] {
            assert!(whole_phone(ok), "{ok}");
        }
        for bad in ["1380013800", "138001380001", "1380013", "8000", "", "abc", "12800138000", "1234567890123456"] {
            assert!(!whole_phone(bad), "{bad}");
        }
    }
}
