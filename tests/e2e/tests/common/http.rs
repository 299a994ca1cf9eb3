//! HTTP against the server outside the browser: raw HTTP/1.0 exchanges (every header seen,
//! no redirects, no cookie jar) and logged-in API sessions.

use std::io::{Read as _, Write as _};

use orderveil_server::demo;
use serde_json::{Value, json};

/// A raw HTTP/1.0 exchange: status, headers (lower-case names), body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// `method path` on `addr` (`127.0.0.1:PORT`) with `headers` and `body`.
pub async fn http(addr: &str, method: &str, path: &str, headers: &[(&str, &str)], body: &str) -> Reply {
    let (addr, method, path, body) = (addr.to_string(), method.to_string(), path.to_string(), body.to_string());
    let headers: Vec<(String, String)> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(&addr).unwrap();
        let mut req = format!("{method} {path} HTTP/1.0\r\nHost: {addr}\r\nContent-Length: {}\r\n", body.len());
        for (k, v) in &headers {
            req.push_str(&format!("{k}: {v}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        s.write_all(req.as_bytes()).unwrap();
        let mut buf = Vec::new();
        s.read_to_end(&mut buf).unwrap();
        let split = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
        let head = String::from_utf8_lossy(&buf[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines.next().unwrap().split(' ').nth(1).unwrap().parse().unwrap();
        let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string())).collect();
        Reply { status, headers, body: buf[split + 4..].to_vec() }
    })
    .await
    .unwrap()
}

/// A session cookie of `user` (demo password) as a `Cookie` header value, logged in over the
/// API at `addr` (the login must answer 200).
pub async fn api_cookie(addr: &str, user: &str) -> String {
    let body = json!({"username": user, "password": demo::PASSWORD}).to_string();
    let login = http(addr, "POST", "/api/v1/auth/login", &[("Content-Type", "application/json")], &body).await;
    assert_eq!(login.status, 200, "{}", login.text());
    login.header("set-cookie").unwrap().split(';').next().unwrap().to_string()
}

/// A logged-in API session: a client with the session cookie, and the CSRF token.
pub type Session = (reqwest::Client, String);

/// Log `user` (demo password) in at `base` (`http://HOST:PORT`, no slash).
pub async fn api_login(base: &str, user: &str) -> Session {
    let http = reqwest::Client::builder().cookie_store(true).build().unwrap();
    let r: Value = http.post(format!("{base}/api/v1/auth/login")).json(&json!({"username": user, "password": demo::PASSWORD})).send().await.unwrap().json().await.unwrap();
    (http, r["csrf_token"].as_str().unwrap().to_string())
}

/// `POST url` with a JSON `body` in session `s`; the answer must be 200.
pub async fn api_post<T: serde::de::DeserializeOwned>(s: &Session, url: String, body: Value) -> T {
    let r = s.0.post(url).header("X-CSRF-Token", &s.1).json(&body).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 200);
    r.json().await.unwrap()
}
