//! Transparency (issue 20): a receipt for every disclosure of an order's receiver data, and
//! the platform's exposure dashboard with anomaly flags.
//!
//! **Where receipts come from.** Every path that lets receiver data leave the store writes an
//! audit row; the paths that disclose attach a [`crate::disclosure::Disclosure`] to that row's
//! [`Event`](crate::audit::Event), and [`crate::audit::append_many`] writes, in the same
//! transaction, one receipt per order (pointing at the audit row's chain and seq) and the
//! shop's daily counts. A refused request discloses nothing and writes no receipt; an event
//! copied onto a factory's chain carries none (the shop's row has it). The paths:
//!
//! | path | written by | fields | purpose |
//! |---|---|---|---|
//! | `reveal` | the reveal settler (web, apps) | those granted | the stated purpose |
//! | `print` | print grants (shop, factory, apps) | all three | `print_label` |
//! | `sms` | `POST /api/v1/sms/send` | phone | the template's kind |
//! | `virtual_number` | a new binding | phone | `contact` |
//! | `search_match` | receiver searches (order list, export) | the searched fields | `search` |
//!
//! A receipt names the kind of actor (shop owner, staff, factory, app by name), never a user
//! name (the platform's rules group by the audit actor, which the buyer never sees), and no
//! receiver data, so it survives crypto-shredding.

pub mod dashboard;
pub mod flags;
pub mod link;
pub mod receipts;
pub mod routes;
