//! Writes made only by the thread that won an atomic step on another atomic
//! (a slot's state word, a reference count, a busy flag): nobody else can
//! write the target at that point. Last, a look-alike where the other
//! atomic's step does not decide the write, which still races.
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub struct Slot {
    state: AtomicUsize,
    len: AtomicUsize,
}

pub struct Shared {
    refs: AtomicUsize,
    phase: AtomicUsize,
    busy: AtomicBool,
    hits: AtomicUsize,
    total: AtomicUsize,
}

const EMPTY: usize = 0;
const FILLING: usize = 1;

impl Slot {
    // quiet: only the thread whose compare_exchange on `state` succeeded
    // writes `len`.
    pub fn fill(&self, extra: usize) -> bool {
        if self
            .state
            .compare_exchange(EMPTY, FILLING, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            return false;
        }
        let len = self.len.load(Ordering::Relaxed);
        self.len.store(len + extra, Ordering::Relaxed);
        true
    }
}

impl Shared {
    // quiet: the last reference, found by fetch_sub's result, owns `phase`.
    pub fn release(&self) {
        if self.refs.fetch_sub(1, Ordering::AcqRel) == 1 {
            let p = self.phase.load(Ordering::Acquire);
            self.phase.store(p + 1, Ordering::Release);
        }
    }

    // quiet: a one-shot flag taken with swap admits a single thread.
    pub fn bump_exclusive(&self) {
        if self.busy.swap(true, Ordering::Acquire) {
            return;
        }
        let h = self.hits.load(Ordering::Relaxed);
        self.hits.store(h * 2, Ordering::Relaxed);
    }

    // fires: the fetch_add on `hits` only counts; it decides nothing about
    // the write to `total`.
    pub fn record(&self, n: usize) {
        let _seen = self.hits.fetch_add(1, Ordering::Relaxed);
        let t = self.total.load(Ordering::Relaxed);
        self.total.store(t * 2 + n, Ordering::Relaxed); //~ atomic-load-store
    }
}
