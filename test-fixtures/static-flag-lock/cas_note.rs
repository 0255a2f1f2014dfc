//! Test-and-set locks that are atomic to take but released by hand, so a panic in
//! the critical section leaves them held forever. Reported as notes, on the call that
//! sets the flag.

use std::hint::spin_loop;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::{reload_from_disk, Config};
use crate::metrics::{collect, publish};
use crate::wal::Segment;

static RELOAD_LOCK: AtomicBool = AtomicBool::new(false);
static METRICS_LOCK: AtomicBool = AtomicBool::new(false);
static PUBLISHING: AtomicBool = AtomicBool::new(false);

pub struct Wal {
    flushing: AtomicBool,
    pending: Vec<Segment>,
}

// fire: compare_exchange takes the lock atomically, but the release is a manual
// `store(false)`; if `reload_from_disk` panics the lock is never released.
pub fn reload() -> Option<Config> {
    if RELOAD_LOCK.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok() { //~ static-flag-lock
        let cfg = reload_from_disk();
        RELOAD_LOCK.store(false, Ordering::Release);
        return Some(cfg);
    }
    None
}

// fire: spin on compare_exchange, then release by hand.
pub fn scrape() {
    while METRICS_LOCK.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() { //~ static-flag-lock
        spin_loop();
    }
    collect();
    METRICS_LOCK.store(false, Ordering::Release);
}

// fire: `swap(true)` as test-and-set, followed by a manual `store(false)`.
pub fn publish_once_at_a_time() {
    if PUBLISHING.swap(true, Ordering::Acquire) { //~ static-flag-lock
        return;
    }
    publish();
    PUBLISHING.store(false, Ordering::Release);
}

impl Wal {
    // fire: field flag, compare_exchange with an early return, manual release.
    pub fn flush(&self) -> io::Result<()> {
        if self.flushing.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_err() { //~ static-flag-lock
            return Ok(());
        }
        let result = self.write_pending();
        self.flushing.store(false, Ordering::Release);
        result
    }

    fn write_pending(&self) -> io::Result<()> {
        for segment in &self.pending {
            segment.sync()?;
        }
        Ok(())
    }
}
