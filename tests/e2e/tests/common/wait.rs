//! WebDriver helpers that wait for the page: an element, a text, an attribute value, an
//! element gone, a condition; and the app's login form.

use std::time::{Duration, Instant};

use fantoccini::{Client, Locator, elements::Element};
use orderveil_server::demo;

/// How long a wait lasts unless told otherwise.
pub const WITHIN: Duration = Duration::from_secs(20);
/// How often a wait looks again unless told otherwise.
pub const EVERY: Duration = Duration::from_millis(50);
/// The rows of the order list, there once the app has loaded after a login.
pub const ORDER_ROWS: &str = "table#orders tbody tr";

/// The element `css`, once it is there (up to [`WITHIN`]).
pub async fn wait_for(c: &Client, css: &str) -> Element {
    wait_for_within(c, css, WITHIN).await
}

/// The element `css`, once it is there (up to `within`).
pub async fn wait_for_within(c: &Client, css: &str, within: Duration) -> Element {
    c.wait().at_most(within).for_element(Locator::Css(css)).await.unwrap_or_else(|e| panic!("{css} did not appear: {e}"))
}

/// Wait until the element `css` has a text containing `want`.
pub async fn wait_text(c: &Client, css: &str, want: &str) {
    let deadline = Instant::now() + WITHIN;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.text().await.is_ok_and(|t| t.contains(want))
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css} never showed {want:?}; page: {}", c.source().await.unwrap_or_default());
        tokio::time::sleep(EVERY).await;
    }
}

/// The text of the element, exactly (waits for it to appear).
pub async fn exact_text(c: &Client, css: &str) -> String {
    wait_for(c, css).await.text().await.unwrap()
}

/// Wait until the attribute `attr` of the element `css` is `want`.
pub async fn wait_attr(c: &Client, css: &str, attr: &str, want: &str) {
    wait_attr_every(c, css, attr, want, WITHIN, EVERY).await;
}

/// [`wait_attr`], up to `within`, looking every `every`.
pub async fn wait_attr_every(c: &Client, css: &str, attr: &str, want: &str, within: Duration, every: Duration) {
    let deadline = Instant::now() + within;
    loop {
        if let Ok(e) = c.find(Locator::Css(css)).await
            && e.attr(attr).await.ok().flatten().as_deref() == Some(want)
        {
            return;
        }
        assert!(Instant::now() < deadline, "{css}[{attr}] never became {want:?}; page: {}", c.source().await.unwrap_or_default());
        tokio::time::sleep(every).await;
    }
}

/// Wait until no element matches `css` (up to `within`).
pub async fn wait_gone(c: &Client, css: &str, within: Duration) {
    let deadline = Instant::now() + within;
    while !c.find_all(Locator::Css(css)).await.unwrap().is_empty() {
        assert!(Instant::now() < deadline, "{css} still present after {within:?}");
        tokio::time::sleep(EVERY).await;
    }
}

/// Wait until `done` says so, up to `within`, asking every `every`; fail with `what` if it
/// never does.
pub async fn until(within: Duration, every: Duration, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !done().await {
        assert!(Instant::now() < deadline, "{what}");
        tokio::time::sleep(every).await;
    }
}

/// How many elements match `css` now.
pub async fn count(c: &Client, css: &str) -> usize {
    c.find_all(Locator::Css(css)).await.unwrap().len()
}

/// Click the element `css` (waits for it to appear).
pub async fn click(c: &Client, css: &str) {
    wait_for(c, css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
}

/// `part` of the field `kind` (name, phone, address) of the order `id` in the order list.
pub fn field(id: &str, kind: &str, part: &str) -> String {
    format!("tr[data-order-id=\"{id}\"] .field[data-field=\"{kind}\"] {part}")
}

/// Open `url`, log in as `user` (demo password) and wait for the order list's rows.
pub async fn login(c: &Client, url: &str, user: &str) {
    log_in(c, url, user, demo::PASSWORD, ORDER_ROWS, WITHIN).await;
}

/// Open `url`, log in with `user` and `password` on the app's form and wait for `ready`;
/// each wait up to `within`.
pub async fn log_in(c: &Client, url: &str, user: &str, password: &str, ready: &str, within: Duration) {
    c.goto(url).await.unwrap();
    wait_for_within(c, "#username", within).await.send_keys(user).await.unwrap();
    c.find(Locator::Css("#password")).await.unwrap().send_keys(password).await.unwrap();
    c.find(Locator::Css("#login")).await.unwrap().click().await.unwrap();
    wait_for_within(c, ready, within).await;
}

/// Open `url`, log in as `user` (demo password) and wait for the header's logout button: any
/// role, whatever page the login lands on.
pub async fn login_any(c: &Client, url: &str, user: &str) {
    log_in(c, url, user, demo::PASSWORD, "#logout", WITHIN).await;
}

/// Clear the input `css` (waiting for it) and type `text`.
pub async fn type_into(c: &Client, css: &str, text: &str) {
    let e = wait_for(c, css).await;
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}
