//! The server's settings from the command line (flags and env).

/// Platform rules from the command line (flags and env), with DESIGN.md's defaults. The quota
/// and risk rules are only the *initial* values of a new store: once stored, the admin console
/// edits them in the database ([`crate::platform`]) and every process reads them from there.
#[derive(Clone, Debug)]
pub struct Settings {
    /// Reveal rate in basis points of the last 30 days' orders (500 = 5 %).
    pub quota_rate_bps: u32,
    /// Minimum daily limit.
    pub quota_floor: u32,
    /// Orders revealed or printed per account per minute before a cool-down.
    pub risk_per_minute: u32,
    /// Orders revealed or printed per account per hour before a cool-down.
    pub risk_per_hour: u32,
    /// Orders revealed or printed by a whole shop per minute before the shop cools down.
    pub shop_risk_per_minute: u32,
    /// Per shop per hour.
    pub shop_risk_per_hour: u32,
    /// Receiver search terms per account per minute before a cool-down.
    pub search_per_minute: u32,
    /// The daily search budget's floor.
    pub search_budget_floor: u32,
    /// The daily search budget's factor on today's reveal limit.
    pub search_budget_factor: u32,
    /// Cool-down length, seconds.
    pub risk_cooldown_secs: i64,
    /// Lifetime of a sealed grant, seconds.
    pub grant_ttl_secs: i64,
    /// Absolute lifetime of a login session, seconds.
    pub session_ttl_secs: i64,
    /// Initial idle timeout of a login session, seconds (a platform setting afterwards).
    pub session_idle_secs: i64,
    /// Initial retention of completed and cancelled orders' keys, days (a platform setting).
    pub retention_days: u32,
    /// Initial SMS per order per day (a platform setting afterwards).
    pub sms_per_order_day: u32,
    /// Initial SMS per shop per day (a platform setting afterwards).
    pub sms_per_shop_day: u32,
    /// Initial days a virtual number stays bound after completion (a platform setting afterwards).
    pub virtual_number_days: u32,
    /// Run the retention (crypto-shredding) once a day in this process.
    pub retention_daily: bool,
    /// The address users reach the server at (`--public-url`, e.g. `https://orders.example.com`).
    /// When it is HTTPS, cookies are `Secure` and responses carry HSTS.
    pub public_url: Option<String>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// What one process takes on at once ([`crate::limits`]).
    pub bounds: Bounds,
    /// The SMS provider's endpoint (`--sms-http-endpoint`); without it, messages go to the
    /// file sink `sms-sink.jsonl` in the data directory.
    pub sms_http_endpoint: Option<String>,
    /// Run the SMS outbox worker in this process.
    pub sms_worker: bool,
    /// The telephony partner's token (`--telephony-token`); without it, `telephony-token`
    /// in the data directory (generated on first start).
    pub telephony_token: Option<String>,
}

impl Settings {
    /// The public URL is HTTPS: `Secure` cookies and HSTS.
    pub fn https(&self) -> bool {
        self.public_url.as_deref().is_some_and(|u| u.to_ascii_lowercase().starts_with("https://"))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            quota_rate_bps: 500,
            quota_floor: 10,
            // Orders, not requests. One person working a shift reveals at most a few orders a
            // minute by hand, or a page of 50 with one batch grant; two such batches and some
            // single reveals fit in a minute, and a full 8-hour shift of steady work stays under
            // the hour's 1,000. See docs/threat-model.md.
            risk_per_minute: 120,
            risk_per_hour: 1000,
            shop_risk_per_minute: 300,
            shop_risk_per_hour: 3000,
            search_per_minute: 20,
            search_budget_floor: 200,
            search_budget_factor: 4,
            risk_cooldown_secs: 30 * 60,
            grant_ttl_secs: 60,
            session_ttl_secs: 12 * 3600,
            session_idle_secs: 30 * 60,
            retention_days: 90,
            sms_per_order_day: 3,
            sms_per_shop_day: 2000,
            virtual_number_days: 15,
            retention_daily: true,
            public_url: None,
            trusted_proxies: Vec::new(),
            bounds: Bounds::default(),
            sms_http_endpoint: None,
            sms_worker: true,
            telephony_token: None,
        }
    }
}

/// The bounds of a process.
#[derive(Clone, Copy, Debug)]
pub struct Bounds {
    /// Requests answered at once (`/healthz` aside).
    pub max_requests: usize,
    /// Longest time to the response's head (a streamed body may take longer).
    pub request_timeout: std::time::Duration,
    /// Export downloads at once, over all shops.
    pub max_exports: usize,
    /// Export downloads at once of one shop.
    pub max_exports_per_shop: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Self { max_requests: 512, request_timeout: std::time::Duration::from_secs(30), max_exports: 8, max_exports_per_shop: 2 }
    }
}

