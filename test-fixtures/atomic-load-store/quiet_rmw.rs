//! Correct atomic read-modify-writes: single RMW instructions, CAS loops and
//! fetch_update. None of these can lose an update.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};

use crate::metrics::start_exporter;

static NEXT_REQUEST_ID: AtomicU64 = AtomicU64::new(1);
static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);
static EXPORTER_STARTED: AtomicBool = AtomicBool::new(false);
static SESSION_EPOCH: AtomicU64 = AtomicU64::new(0);
static HIGH_WATER: AtomicUsize = AtomicUsize::new(0);
static CONFIG_EPOCH: AtomicU64 = AtomicU64::new(0);

pub struct TokenBucket {
    tokens: AtomicU64,
}

// quiet: fetch_add alone is a single atomic RMW
pub fn next_request_id() -> u64 {
    NEXT_REQUEST_ID.fetch_add(1, Ordering::Relaxed)
}

// quiet: compare_exchange loop that starts from a load and retries on conflict
pub fn try_enter(max: usize) -> bool {
    let mut current = IN_FLIGHT.load(Ordering::Relaxed);
    loop {
        if current >= max {
            return false;
        }
        match IN_FLIGHT.compare_exchange(current, current + 1, Ordering::AcqRel, Ordering::Relaxed) {
            Ok(_) => return true,
            Err(actual) => current = actual,
        }
    }
}

// quiet: compare_exchange_weak loop for a high-water mark
pub fn observe_depth(depth: usize) {
    let mut seen = HIGH_WATER.load(Ordering::Relaxed);
    while depth > seen {
        match HIGH_WATER.compare_exchange_weak(seen, depth, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => break,
            Err(actual) => seen = actual,
        }
    }
}

// quiet: swap's own return value decides who starts the exporter (test-and-set)
pub fn ensure_metrics_exporter() {
    if !EXPORTER_STARTED.swap(true, Ordering::AcqRel) {
        start_exporter();
    }
}

// quiet: the load is only a cheap pre-check; the write is a compare_exchange that succeeds only from 0
pub fn open_first_session_epoch() {
    if SESSION_EPOCH.load(Ordering::Acquire) == 0 {
        let _ = SESSION_EPOCH.compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire);
    }
}

// quiet: fetch_update performs the bounded RMW atomically
pub fn bump_epoch_bounded(limit: u64) -> Result<u64, u64> {
    CONFIG_EPOCH.fetch_update(Ordering::AcqRel, Ordering::Acquire, |e| if e < limit { Some(e + 1) } else { None })
}

impl TokenBucket {
    // quiet: `&self` field, but the take is a fetch_update, not load + store
    pub fn try_take(&self, n: u64) -> bool {
        self.tokens
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |t| t.checked_sub(n))
            .is_ok()
    }
}
