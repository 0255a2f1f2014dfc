//! Loads and stores that look related but where the written value does not
//! depend on the load, or where load and store touch different atomics.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

static REQUESTS_THIS_WINDOW: AtomicU64 = AtomicU64::new(0);
static LIVE_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
static LAST_REPORTED_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);
static BYTES_IN: AtomicU64 = AtomicU64::new(0);
static PEAK_CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

pub struct Stats {
    hits: AtomicU64,
    misses: AtomicU64,
    hit_ratio_permille: AtomicU64,
}

// quiet: the load is only logged; the reset to zero does not depend on it
pub fn close_rate_window() {
    let seen = REQUESTS_THIS_WINDOW.load(Ordering::Relaxed);
    log::debug!("rate window closed after {} requests", seen);
    REQUESTS_THIS_WINDOW.store(0, Ordering::Relaxed);
}

// quiet: load of one atomic stored into a different atomic (snapshot for a report)
pub fn snapshot_connections() -> usize {
    let live = LIVE_CONNECTIONS.load(Ordering::Relaxed);
    LAST_REPORTED_CONNECTIONS.store(live, Ordering::Relaxed);
    live
}

// quiet: fetch_add's own return value is used; no separate load
pub fn add_bytes_in(n: u64) -> u64 {
    let before = BYTES_IN.fetch_add(n, Ordering::Relaxed);
    before + n
}

// quiet: fetch_max is the atomic form of a high-water mark
pub fn note_connections(now: usize) {
    PEAK_CONNECTIONS.fetch_max(now, Ordering::Relaxed);
}

impl Stats {
    // quiet: derived gauge computed from two other atomics, stored into a third
    pub fn refresh_ratio(&self) {
        let hits = self.hits.load(Ordering::Relaxed);
        let misses = self.misses.load(Ordering::Relaxed);
        let total = (hits + misses).max(1);
        self.hit_ratio_permille.store(hits * 1000 / total, Ordering::Relaxed);
    }

    // quiet: read-only reporting, nothing is written back
    pub fn report(&self) -> String {
        format!("hits={} misses={}", self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed))
    }
}
