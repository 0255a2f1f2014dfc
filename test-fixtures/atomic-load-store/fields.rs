//! Statistics and gauges kept as atomic fields of a shared struct and updated
//! through `&self` (or `self: Arc<Self>`), so every caller shares them.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub struct RequestStats {
    pub requests: AtomicU64,
    pub errors: AtomicU64,
}

pub struct ConnectionPool {
    in_use: AtomicUsize,
    peak_in_use: AtomicUsize,
    fastest_checkout_us: AtomicU64,
    stats: RequestStats,
}

pub struct Cache {
    hits: AtomicU64,
    generation: AtomicU64,
    evicted_bytes: AtomicU64,
}

impl ConnectionPool {
    // fire: high-water mark via `.max(n)` on a load of the same field (fetch_max)
    pub fn note_checkout(&self, now_in_use: usize) {
        self.peak_in_use.store(self.peak_in_use.load(Ordering::Relaxed).max(now_in_use), Ordering::Relaxed); //~ atomic-load-store
    }

    // fire: low-water mark via `.min(n)` on a load of the same field (fetch_min)
    pub fn note_checkout_latency(&self, took: Duration) {
        let micros = took.as_micros() as u64;
        self.fastest_checkout_us.store(self.fastest_checkout_us.load(Ordering::Relaxed).min(micros), Ordering::Relaxed); //~ atomic-load-store
    }

    // fire: nested field path `self.stats.requests`, incremented by load + store
    pub fn count_request(&self) {
        self.stats.requests.store(self.stats.requests.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
    }

    // fire: `self: Arc<Self>` is shared; the release decrement is a load + store
    pub fn release(self: Arc<Self>) {
        let current = self.in_use.load(Ordering::Acquire);
        self.in_use.store(current - 1, Ordering::Release); //~ atomic-load-store
    }
}

impl Cache {
    // fire: let-bound load, then store of `v + 1`
    pub fn record_hit(&self) {
        let v = self.hits.load(Ordering::Relaxed);
        self.hits.store(v + 1, Ordering::Relaxed); //~ atomic-load-store
    }

    // fire: the loaded value flows through two `let`s before the store
    pub fn bump_generation(&self) -> u64 {
        let current_gen = self.generation.load(Ordering::Acquire);
        let next = current_gen * 2 + 1;
        self.generation.store(next, Ordering::Release); //~ atomic-load-store
        next
    }

    // fire: let-bound load with a saturating add written back
    pub fn account_eviction(&self, bytes: u64) {
        let so_far = self.evicted_bytes.load(Ordering::Relaxed);
        let total = so_far.saturating_add(bytes);
        self.evicted_bytes.store(total, Ordering::Relaxed); //~ atomic-load-store
    }
}
