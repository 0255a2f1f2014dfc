//! Racy initialisation whose loser only repeats work, next to look-alikes
//! where the guarded section has an effect or the store is a claim.
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicUsize, Ordering};

static LEVEL: AtomicU8 = AtomicU8::new(0);
static PAGE: AtomicUsize = AtomicUsize::new(0);
static WARNED: AtomicBool = AtomicBool::new(false);
static STARTED: AtomicBool = AtomicBool::new(false);
static SEEN: AtomicUsize = AtomicUsize::new(0);
static OPENED: AtomicUsize = AtomicUsize::new(0);

fn probe_level() -> u8 {
    3
}

fn page_size() -> usize {
    4096
}

// quiet: a deterministic value detected lazily; two racing callers both
// store the same level.
pub fn level() -> u8 {
    let mut level = LEVEL.load(Ordering::Relaxed);
    if level == 0 {
        level = probe_level();
        LEVEL.store(level, Ordering::Relaxed);
    }
    level
}

// quiet: the same, through a match and an early return.
pub fn page() -> usize {
    match PAGE.load(Ordering::Relaxed) {
        0 => {
            let size = page_size();
            PAGE.store(size, Ordering::Relaxed);
            size
        }
        size => size,
    }
}

// quiet: a "done" flag set as the last step after idempotent work.
pub fn warn_once(msg: &str) -> usize {
    let mut n = 0;
    if !WARNED.load(Ordering::Relaxed) {
        n = msg.len();
        WARNED.store(true, Ordering::Relaxed);
    }
    n
}

// fires: a constant stored first is a claim; both threads can pass the
// check and both run what follows.
pub fn start(run: fn()) {
    if !STARTED.load(Ordering::Acquire) {
        STARTED.store(true, Ordering::Release); //~ atomic-load-store
        run();
    }
}

// fires: the guarded section bumps a counter, which must not happen twice.
pub fn first_visit() -> usize {
    if SEEN.load(Ordering::Relaxed) == 0 {
        OPENED.fetch_add(1, Ordering::Relaxed);
        SEEN.store(page_size(), Ordering::Relaxed); //~ atomic-load-store
    }
    SEEN.load(Ordering::Relaxed)
}

static PHASE: AtomicUsize = AtomicUsize::new(0);

// fires: a computed value stored before further work still claims the
// section; both callers run `run`.
pub fn enter(run: fn()) {
    if PHASE.load(Ordering::Acquire) == 0 {
        PHASE.store(page_size(), Ordering::Release); //~ atomic-load-store
        run();
    }
}
