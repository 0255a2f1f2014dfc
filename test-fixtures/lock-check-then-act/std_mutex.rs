//! Session store, lease table and rate limiter guarded by `std::sync::Mutex`.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::auth::{Session, SessionId, UserId};

pub struct Lease {
    pub holder: String,
    pub expires_at: Instant,
}

pub struct SessionStore {
    sessions: Mutex<HashMap<SessionId, Session>>,
    leases: Mutex<HashMap<u64, Lease>>,
    buckets: Mutex<HashMap<IpAddr, u32>>,
    limit: u32,
}

impl SessionStore {
    // fire: the `contains_key` guard is a temporary of the `if` condition and is gone
    // before the block runs; two logins for the same id can both see "absent" and the
    // second `insert` silently replaces the first session.
    pub fn open(&self, id: SessionId, user: UserId) {
        if !self.sessions.lock().unwrap().contains_key(&id) {
            let session = Session::new(user);
            self.sessions.lock().unwrap().insert(id, session); //~ lock-check-then-act
        }
    }

    // fire: expiry is decided under one acquisition and the lease is removed under
    // another; a holder that renews in between loses its freshly renewed lease.
    pub fn reap(&self, id: u64) -> bool {
        let expired = self
            .leases
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(&id)
            .map_or(false, |l| l.expires_at <= Instant::now());
        if expired {
            self.leases.lock().unwrap_or_else(|e| e.into_inner()).remove(&id); //~ lock-check-then-act
        }
        expired
    }

    // fire: fixed-window rate limiter; the count is read under one guard and written
    // back (`used + 1`) under another, so concurrent requests from one IP all pass.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let used = self
            .buckets
            .lock()
            .expect("rate limiter poisoned")
            .get(&ip)
            .copied()
            .unwrap_or(0);
        if used >= self.limit {
            return false;
        }
        self.buckets.lock().expect("rate limiter poisoned").insert(ip, used + 1); //~ lock-check-then-act
        true
    }

    // quiet: one guard is held across the check and the insert.
    pub fn open_once(&self, id: SessionId, user: UserId) -> bool {
        let mut sessions = self.sessions.lock().unwrap();
        if !sessions.contains_key(&id) {
            sessions.insert(id, Session::new(user));
            return true;
        }
        false
    }

    // quiet: the entry API checks and inserts under a single acquisition.
    pub fn hit(&self, ip: IpAddr) -> u32 {
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        let used = buckets.entry(ip).or_insert(0);
        *used += 1;
        *used
    }

    // quiet: check and removal in one statement under one temporary guard.
    pub fn reap_all(&self) {
        let now = Instant::now();
        self.leases.lock().unwrap().retain(|_, l| l.expires_at > now);
    }
}

// fire: lost update through a value; the count read under the first guard is
// written back under a second one, so concurrent callers overwrite each other.
pub fn record_download(counter: &Arc<Mutex<u64>>) -> u64 {
    let n = *counter.lock().unwrap();
    *counter.lock().unwrap() = n + 1; //~ lock-check-then-act
    n + 1
}
