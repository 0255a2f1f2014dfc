//! Load-then-store on atomics that the code holds exclusively: `&mut self`,
//! by-value `self`, `get_mut()`, `&mut AtomicX` parameters, and local atomics
//! that never leave the function.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

pub struct ShardStats {
    requests: AtomicU64,
    peak_queue: AtomicUsize,
    errors: AtomicU64,
}

impl ShardStats {
    // quiet: `&mut self` method, nobody else can touch the fields meanwhile
    pub fn merge_from(&mut self, other: &ShardStats) {
        self.requests.store(self.requests.load(Ordering::Relaxed) + other.requests.load(Ordering::Relaxed), Ordering::Relaxed);
        let peak = self.peak_queue.load(Ordering::Relaxed);
        self.peak_queue.store(peak.max(other.peak_queue.load(Ordering::Relaxed)), Ordering::Relaxed);
    }

    // quiet: by-value `self`, the struct is owned here
    pub fn finish(self, trailing_errors: u64) -> u64 {
        let errs = self.errors.load(Ordering::Relaxed);
        self.errors.store(errs + trailing_errors, Ordering::Relaxed);
        self.errors.into_inner()
    }

    // quiet: get_mut() gives plain exclusive access to the value
    pub fn reset_errors_after(&mut self, handled: u64) {
        let errors = self.errors.get_mut();
        *errors = errors.saturating_sub(handled);
    }
}

// quiet: `&mut AtomicUsize` parameter is an exclusive borrow
pub fn bump_local_counter(counter: &mut AtomicUsize) {
    counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

// quiet: a local atomic created here and never handed to a closure or another thread
pub fn count_retries(attempts: &[Result<(), std::io::Error>]) -> usize {
    let failures = AtomicUsize::new(0);
    for a in attempts {
        if a.is_err() {
            let n = failures.load(Ordering::Relaxed);
            failures.store(n + 1, Ordering::Relaxed);
        }
    }
    failures.into_inner()
}
