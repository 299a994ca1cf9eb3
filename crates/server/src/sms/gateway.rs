//! [`SmsGateway`]: where a message leaves OrderVeil. [`FileSink`] appends each message to a
//! local file (the demo and the tests: the file stands for the carrier's network);
//! [`HttpGateway`] posts it to a provider's endpoint with an idempotency key, so a message
//! handed over twice (a retry after a timeout, a process that died mid-send) is sent once.

use std::collections::HashSet;
use std::future::Future;
use std::io::Write as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use tokio::sync::Notify;

/// One message as the gateway gets it: the only place a receiver's number exists in the
/// clear, for the length of one hand-over.
pub struct Outgoing<'a> {
    /// The outbox id.
    pub message_id: i64,
    /// The real number (zeroized by the caller after the hand-over).
    pub to: &'a str,
    /// The text.
    pub text: &'a str,
    /// The message's idempotency key.
    pub idempotency_key: &'a str,
}

impl std::fmt::Debug for Outgoing<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing").field("message_id", &self.message_id).field("to", &"<redacted>").finish_non_exhaustive()
    }
}

/// Why a hand-over failed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayError {
    /// Worth another attempt later (network, timeout, 5xx, 429).
    Retry(String),
    /// The provider refused it for good (4xx): no retry.
    Permanent(String),
}

/// The boxed future of [`SmsGateway::send`].
pub type SendFuture<'a> = Pin<Box<dyn Future<Output = Result<String, GatewayError>> + Send + 'a>>;

/// A way out for messages. `send` answers the provider's message id.
pub trait SmsGateway: Send + Sync {
    /// Hand `m` over.
    fn send<'a>(&'a self, m: &'a Outgoing<'a>) -> SendFuture<'a>;
    /// A name for logs and the audit (`file`, `http`).
    fn name(&self) -> &'static str;
}

/// Appends `{"id", "to", "text", "idempotency_key"}` lines to a file; a repeated key is
/// dropped, as a provider would.
pub struct FileSink {
    path: PathBuf,
    seen: Mutex<HashSet<String>>,
}

impl FileSink {
    /// The sink at `path` (created on the first message); keys already in it are remembered.
    pub fn open(path: PathBuf) -> Self {
        let seen = std::fs::read_to_string(&path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["idempotency_key"].as_str().map(str::to_string))
            .collect();
        Self { path, seen: Mutex::new(seen) }
    }

    fn write(&self, m: &Outgoing<'_>) -> Result<String, GatewayError> {
        let mut seen = self.seen.lock().map_err(|_| GatewayError::Retry("sink lock poisoned".into()))?;
        if !seen.contains(m.idempotency_key) {
            let line = json!({"id": m.message_id, "to": m.to, "text": m.text, "idempotency_key": m.idempotency_key}).to_string();
            let mut f = std::fs::OpenOptions::new().create(true).append(true).open(&self.path).map_err(|e| GatewayError::Retry(format!("sink: {e}")))?;
            writeln!(f, "{line}").map_err(|e| GatewayError::Retry(format!("sink: {e}")))?;
            seen.insert(m.idempotency_key.to_string());
        }
        Ok(format!("file:{}", m.idempotency_key))
    }
}

impl SmsGateway for FileSink {
    fn send<'a>(&'a self, m: &'a Outgoing<'a>) -> SendFuture<'a> {
        Box::pin(async move { self.write(m) })
    }
    fn name(&self) -> &'static str {
        "file"
    }
}

/// POSTs `{"to", "text", "idempotency_key"}` as JSON to a provider's endpoint with the
/// `Idempotency-Key` header; a 2xx answer is sent (its JSON `id`, if any, is the provider's
/// id), 408/429/5xx and network errors are retried, any other status is refused for good.
pub struct HttpGateway {
    endpoint: String,
    client: reqwest::Client,
}

impl HttpGateway {
    /// A gateway posting to `endpoint` (`http://…`), 10 s per attempt.
    pub fn new(endpoint: String) -> Result<Self, String> {
        let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().map_err(|e| format!("sms gateway: {e}"))?;
        Ok(Self { endpoint, client })
    }
}

impl SmsGateway for HttpGateway {
    fn send<'a>(&'a self, m: &'a Outgoing<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            let body = json!({"to": m.to, "text": m.text, "idempotency_key": m.idempotency_key});
            let resp = self.client.post(&self.endpoint).header("Idempotency-Key", m.idempotency_key).json(&body).send().await;
            // reqwest's error text names the URL, never the body: no number in it.
            let resp = resp.map_err(|e| GatewayError::Retry(format!("provider unreachable: {}", e.without_url())))?;
            let status = resp.status();
            if status.is_success() {
                let v: serde_json::Value = resp.json().await.unwrap_or_default();
                return Ok(v["id"].as_str().map_or_else(|| m.idempotency_key.to_string(), str::to_string));
            }
            let what = format!("provider answered {}", status.as_u16());
            if status.is_server_error() || status.as_u16() == 408 || status.as_u16() == 429 { Err(GatewayError::Retry(what)) } else { Err(GatewayError::Permanent(what)) }
        })
    }
    fn name(&self) -> &'static str {
        "http"
    }
}

/// The process's way out for messages and the bell that wakes its worker.
pub struct Sms {
    /// Where messages leave.
    pub gateway: Arc<dyn SmsGateway>,
    bell: Notify,
}

impl Sms {
    /// The outbox over `gateway`.
    pub fn new(gateway: Arc<dyn SmsGateway>) -> Self {
        Self { gateway, bell: Notify::new() }
    }

    /// Wake the worker (messages were queued).
    pub fn wake(&self) {
        self.bell.notify_one();
    }

    /// Wait for [`Self::wake`].
    pub async fn notified(&self) {
        self.bell.notified().await;
    }
}
