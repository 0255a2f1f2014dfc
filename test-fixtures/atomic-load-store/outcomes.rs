//! A load whose value is used as the result of a later write to the same
//! atomic: the caller is told what the value "was", but another thread may
//! have changed it between the load and the write.

use std::sync::atomic::{AtomicU32, AtomicU8, AtomicUsize, Ordering};

const DIRTY: u32 = 1 << 0;
const PINNED: u32 = 1 << 3;

const IDLE: u8 = 0;
const RUNNING: u8 = 1;
const DRAINING: u8 = 2;

static PAGE_FLAGS: AtomicU32 = AtomicU32::new(0);
static SERVER_STATE: AtomicU8 = AtomicU8::new(IDLE);
static ACTIVE_CONFIG_SLOT: AtomicUsize = AtomicUsize::new(0);

pub struct Worker {
    state: AtomicU8,
    flags: AtomicU32,
}

// fire: "was it already dirty?" comes from the load, not from what fetch_or returns
pub fn mark_dirty() -> bool {
    let was = PAGE_FLAGS.load(Ordering::Acquire) & DIRTY != 0;
    PAGE_FLAGS.fetch_or(DIRTY, Ordering::AcqRel); //~ atomic-load-store
    was
}

// fire: get-then-set; the returned old state may not be the one the store replaced (use swap)
pub fn begin_drain() -> u8 {
    let old = SERVER_STATE.load(Ordering::Acquire);
    SERVER_STATE.store(DRAINING, Ordering::Release); //~ atomic-load-store
    old
}

// fire: the previous slot is read with load, then swap's own return value is thrown away
pub fn activate_config(slot: usize) -> usize {
    let previous = ACTIVE_CONFIG_SLOT.load(Ordering::Acquire);
    ACTIVE_CONFIG_SLOT.swap(slot, Ordering::AcqRel); //~ atomic-load-store
    previous
}

impl Worker {
    // fire: match on a load decides a store of the same atomic (state transition without CAS)
    pub fn start(&self) {
        match self.state.load(Ordering::Acquire) {
            IDLE => self.state.store(RUNNING, Ordering::Release), //~ atomic-load-store
            _ => {}
        }
    }

    // fire: "was it pinned?" read by load, then fetch_and's result discarded
    pub fn unpin(&self) -> bool {
        let was_pinned = self.flags.load(Ordering::Acquire) & PINNED != 0;
        self.flags.fetch_and(!PINNED, Ordering::AcqRel); //~ atomic-load-store
        was_pinned
    }
}
