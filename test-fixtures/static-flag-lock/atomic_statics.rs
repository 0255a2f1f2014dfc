//! `static` atomics used as locks with separate `load` and `store`.
//! Reported as `static-flag-lock`, not also as `atomic-load-store`.

use std::hint::spin_loop;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

use crate::billing::{run_invoice_batch, BatchError, BatchReport};
use crate::cache::{evict_expired, rotate_keys, warm_cache};

static LOCKED: AtomicBool = AtomicBool::new(false);
static KEY_ROTATION: AtomicBool = AtomicBool::new(false);
static WARMING: AtomicBool = AtomicBool::new(false);
static EVICTION_STATE: AtomicU8 = AtomicU8::new(0);

// fire: load, then store; two batch triggers can both observe `false` and both run.
pub fn invoice_batch() -> Result<BatchReport, BatchError> {
    if LOCKED.load(Ordering::Acquire) {
        return Err(BatchError::AlreadyRunning);
    }
    LOCKED.store(true, Ordering::Release); //~ static-flag-lock
    let report = run_invoice_batch();
    LOCKED.store(false, Ordering::Release);
    report
}

// fire: spin-wait on the flag, then set it; the wake-up and the store are separate.
pub fn rotate() {
    while KEY_ROTATION.load(Ordering::Acquire) {
        spin_loop();
    }
    KEY_ROTATION.store(true, Ordering::Release); //~ static-flag-lock
    rotate_keys();
    KEY_ROTATION.store(false, Ordering::Release);
}

// fire: negated load guarding the whole critical section.
pub fn warm() {
    if !WARMING.load(Ordering::SeqCst) {
        WARMING.store(true, Ordering::SeqCst); //~ static-flag-lock
        warm_cache();
        WARMING.store(false, Ordering::SeqCst);
    }
}

// fire: an integer atomic used as a lock word (0 = free, 1 = held).
pub fn evict() {
    if EVICTION_STATE.load(Ordering::Acquire) != 0 {
        return;
    }
    EVICTION_STATE.store(1, Ordering::Release); //~ static-flag-lock
    evict_expired();
    EVICTION_STATE.store(0, Ordering::Release);
}
