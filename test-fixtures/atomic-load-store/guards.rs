//! Check-then-act on atomics: a load decides whether (or what) to write,
//! but another thread can change the value between the check and the act.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};

use crate::metrics::start_exporter;

const MAX_SESSIONS: usize = 10_000;
const WINDOW_LIMIT: u32 = 1_000;

static OPEN_SESSIONS: AtomicUsize = AtomicUsize::new(0);
static WINDOW_COUNT: AtomicU32 = AtomicU32::new(0);
static EXPORTER_STARTED: AtomicBool = AtomicBool::new(false);
static TICKETS_ISSUED: AtomicUsize = AtomicUsize::new(0);
static RETRY_BUDGET: AtomicU32 = AtomicU32::new(0);

pub struct RateLimiter {
    max_per_window: u32,
    used: AtomicU32,
}

// fire: the new value is chosen by an `if` on loads of the same atomic (one finding, on the store)
pub fn count_in_window() {
    WINDOW_COUNT.store(if WINDOW_COUNT.load(Ordering::Relaxed) > WINDOW_LIMIT { 0 } else { WINDOW_COUNT.load(Ordering::Relaxed) + 1 }, Ordering::Relaxed); //~ atomic-load-store
}

// fire: guarded increment; two threads can both pass the `<` check and exceed the cap
pub fn open_session() -> bool {
    if OPEN_SESSIONS.load(Ordering::Acquire) < MAX_SESSIONS {
        OPEN_SESSIONS.fetch_add(1, Ordering::AcqRel); //~ atomic-load-store
        return true;
    }
    false
}

// fire: one-shot init flag checked with load and set with store; two callers can both start the exporter
pub fn ensure_metrics_exporter() {
    if !EXPORTER_STARTED.load(Ordering::Acquire) {
        EXPORTER_STARTED.store(true, Ordering::Release); //~ atomic-load-store
        start_exporter();
    }
}

// fire: early-return guard; the fetch_add below is not conditional on the value it checked
pub fn issue_ticket(capacity: usize) -> bool {
    if TICKETS_ISSUED.load(Ordering::SeqCst) >= capacity {
        return false;
    }
    TICKETS_ISSUED.fetch_add(1, Ordering::SeqCst); //~ atomic-load-store
    true
}

// fire: `swap` whose new value is computed from a load of the same atomic
pub fn grant_retry() {
    RETRY_BUDGET.swap(RETRY_BUDGET.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
}

impl RateLimiter {
    // fire: `&self` field, early-return guard then fetch_add (use fetch_update with a bound)
    pub fn try_acquire(&self) -> bool {
        if self.used.load(Ordering::Acquire) >= self.max_per_window {
            return false;
        }
        self.used.fetch_add(1, Ordering::AcqRel); //~ atomic-load-store
        true
    }
}
