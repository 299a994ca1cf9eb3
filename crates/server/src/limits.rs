//! Bounds on what one process takes on at once: requests in flight, the time a request may
//! take to answer, and export downloads (each holds a database connection of its own for as
//! long as the client reads). At a bound the answer is `SERVER_BUSY` (503) with
//! `Retry-After`, at once; nothing waits in an unbounded line. `/healthz` is outside the
//! bounds, so a load balancer sees a busy process as alive. The middleware that applies the
//! request bounds is in [`crate::routes`].
//!
//! The group-commit queues (reveal charges, ingest batches) have their own bounds
//! ([`crate::group_commit::Group::capacity`]), and login hashing its semaphore
//! ([`crate::auth::HASH_PERMITS`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use orderveil_api::ErrorCode;
use serde_json::json;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::error::{AppError, AppResult};
use crate::settings::Bounds;

/// The process's counters for [`Bounds`].
#[derive(Debug)]
pub struct Limits {
    bounds: Bounds,
    requests: Arc<Semaphore>,
    exports: Arc<Semaphore>,
    exports_by_shop: Arc<Mutex<HashMap<String, usize>>>,
    /// The export jobs this process is streaming now (job id → shop).
    running: Arc<Mutex<HashMap<String, String>>>,
}

/// `SERVER_BUSY` with a retry hint and why.
pub fn busy(reason: &str, retry_after_secs: u64) -> AppError {
    AppError::new(ErrorCode::ServerBusy).with(json!({"retry_after_secs": retry_after_secs, "reason": reason}))
}

impl Limits {
    /// Counters for `bounds`.
    pub fn new(bounds: Bounds) -> Self {
        Self {
            bounds,
            requests: Arc::new(Semaphore::new(bounds.max_requests.max(1))),
            exports: Arc::new(Semaphore::new(bounds.max_exports.max(1))),
            exports_by_shop: Arc::default(),
            running: Arc::default(),
        }
    }

    /// A place among the requests answered at once, or `None` when all are taken.
    pub fn enter(&self) -> Option<OwnedSemaphorePermit> {
        self.requests.clone().try_acquire_owned().ok()
    }

    /// The longest time to a response's head.
    pub fn request_timeout(&self) -> std::time::Duration {
        self.bounds.request_timeout
    }

    /// A slot for one export download of `shop`, held until the guard drops (the end of the
    /// download), or `SERVER_BUSY` when the shop or the process has as many running as allowed.
    pub fn export_slot(&self, shop: &str) -> AppResult<ExportSlot> {
        let mut by_shop = self.exports_by_shop.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let running = by_shop.get(shop).copied().unwrap_or(0);
        if running >= self.bounds.max_exports_per_shop {
            return Err(busy("exports_of_shop", 10).with_detail("max", self.bounds.max_exports_per_shop));
        }
        let permit = self.exports.clone().try_acquire_owned().map_err(|_| busy("exports", 10).with_detail("max", self.bounds.max_exports))?;
        by_shop.insert(shop.to_string(), running + 1);
        Ok(ExportSlot { _permit: permit, shop: shop.to_string(), by_shop: self.exports_by_shop.clone(), job: None, running: self.running.clone() })
    }

    /// The export jobs this process is streaming now: (job id, shop).
    pub fn running_exports(&self) -> Vec<(String, String)> {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter().map(|(j, s)| (j.clone(), s.clone())).collect()
    }
}

/// One running export download's place ([`Limits::export_slot`]).
#[derive(Debug)]
pub struct ExportSlot {
    _permit: OwnedSemaphorePermit,
    shop: String,
    by_shop: Arc<Mutex<HashMap<String, usize>>>,
    job: Option<String>,
    running: Arc<Mutex<HashMap<String, String>>>,
}

impl ExportSlot {
    /// The job this slot streams, listed in [`Limits::running_exports`] until the slot goes.
    pub fn streaming(&mut self, job: &str) {
        self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).insert(job.to_string(), self.shop.clone());
        self.job = Some(job.to_string());
    }
}

impl Drop for ExportSlot {
    fn drop(&mut self) {
        if let Some(job) = &self.job {
            self.running.lock().unwrap_or_else(std::sync::PoisonError::into_inner).remove(job);
        }
        let mut by_shop = self.by_shop.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(n) = by_shop.get_mut(&self.shop) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by_shop.remove(&self.shop);
            }
        }
    }
}

trait WithDetail {
    fn with_detail(self, key: &str, value: usize) -> Self;
}

impl WithDetail for AppError {
    fn with_detail(mut self, key: &str, value: usize) -> Self {
        if let Some(d) = self.details.as_mut() {
            d[key] = json!(value);
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_slots_are_bounded_per_shop_and_overall_and_come_back() {
        let l = Limits::new(Bounds { max_exports: 3, max_exports_per_shop: 2, ..Bounds::default() });
        let a1 = l.export_slot("a").unwrap();
        let _a2 = l.export_slot("a").unwrap();
        assert_eq!(l.export_slot("a").unwrap_err().details.unwrap()["reason"], "exports_of_shop");
        let _b1 = l.export_slot("b").unwrap();
        assert_eq!(l.export_slot("c").unwrap_err().details.unwrap()["reason"], "exports");
        drop(a1);
        let _c1 = l.export_slot("c").unwrap();
        assert!(l.export_slot("a").is_err(), "no place left overall");
    }
}
