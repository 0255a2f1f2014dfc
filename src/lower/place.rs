//! A named piece of shared state ([`Place`]) and how a method receives
//! `self` ([`Receiver`]). The walk resolves expressions to places in
//! `walk/place.rs`.

use super::effects::Root;

/// A resolved place expression.
#[derive(Debug, Clone)]
pub struct Place {
    pub key: String,
    pub display: String,
    pub root: Root,
    pub shared: bool,
    /// The declared type when the file states it (field, static, `let`).
    pub ty: Option<String>,
}

impl Place {
    /// State outside the process (a database, a Redis key, a path): shared
    /// by every caller, identified by `key`.
    pub fn external(key: String, display: &str) -> Place {
        Place {
            key,
            display: display.to_string(),
            root: Root::Other,
            shared: true,
            ty: None,
        }
    }
}

/// How a method receives `self`, which decides whether its fields are shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Receiver {
    /// An associated function or free function: there is no `self`.
    None,
    /// `&self`, `self: Arc<Self>`, `self: &Arc<Self>`, `self: Pin<&Self>`.
    Shared,
    /// `&mut self`, `self`, `mut self`: the caller has exclusive access.
    Exclusive,
}
