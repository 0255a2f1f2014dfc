//! Process-wide counters kept in `static` atomics, updated with a separate
//! load and store. Two threads can both read the same old value and one
//! update is lost.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};

static REQUESTS_SERVED: AtomicU64 = AtomicU64::new(0);
static AVAILABLE_PERMITS: AtomicUsize = AtomicUsize::new(64);
static FEATURE_FLAGS: AtomicU32 = AtomicU32::new(0);
static ENABLED_SHARDS: AtomicU32 = AtomicU32::new(u32::MAX);
static DEBUG_TOGGLES: AtomicU32 = AtomicU32::new(0);
static FRAME_SEQ: AtomicU32 = AtomicU32::new(0);

// fire: `+` on a value loaded from the same static, written back with store
pub fn record_request() {
    REQUESTS_SERVED.store(REQUESTS_SERVED.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
}

// fire: `-` on the loaded value; concurrent acquirers can both take the same permit
pub fn take_permits(n: usize) {
    AVAILABLE_PERMITS.store(AVAILABLE_PERMITS.load(Ordering::Acquire) - n, Ordering::Release); //~ atomic-load-store
}

// fire: `|` to set a flag bit; a concurrent enable of another bit is lost (fetch_or)
pub fn enable_feature(bit: u32) {
    FEATURE_FLAGS.store(FEATURE_FLAGS.load(Ordering::SeqCst) | bit, Ordering::SeqCst); //~ atomic-load-store
}

// fire: `&` with a mask to clear bits; a concurrent disable of another shard is lost (fetch_and)
pub fn disable_shard(shard: u32) {
    let mask = !(1u32 << shard);
    ENABLED_SHARDS.store(ENABLED_SHARDS.load(Ordering::SeqCst) & mask, Ordering::SeqCst); //~ atomic-load-store
}

// fire: `^` toggle; two concurrent toggles can cancel into one (fetch_xor)
pub fn toggle_debug(bits: u32) {
    DEBUG_TOGGLES.store(DEBUG_TOGGLES.load(Ordering::Relaxed) ^ bits, Ordering::Relaxed); //~ atomic-load-store
}

// fire: `.wrapping_add(n)` on the loaded value; two frames get the same sequence number
pub fn next_frame_seq() -> u32 {
    FRAME_SEQ.store(FRAME_SEQ.load(Ordering::Relaxed).wrapping_add(1), Ordering::Relaxed); //~ atomic-load-store
    FRAME_SEQ.load(Ordering::Relaxed)
}
