//! A request counter and a session registry, each with a race hazard.
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

static REQUESTS: AtomicU64 = AtomicU64::new(0);

pub fn record_request() {
    let seen = REQUESTS.load(Ordering::Relaxed);
    REQUESTS.store(seen + 1, Ordering::Relaxed);
}

pub struct Sessions {
    by_id: Mutex<HashMap<u64, String>>,
}

impl Sessions {
    pub fn open(&self, id: u64, user: String) -> bool {
        if self.by_id.lock().unwrap().contains_key(&id) {
            return false;
        }
        self.by_id.lock().unwrap().insert(id, user);
        true
    }
}
