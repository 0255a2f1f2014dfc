//! Look-alikes where a separate step is made safe by something the code does
//! between the read and the write, or where nothing can be lost.
use std::cell::Cell;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

pub struct Slots {
    tail: AtomicUsize,
    state: AtomicUsize,
    flags: AtomicUsize,
}

const WRITING: usize = 1;
const DONE: usize = 2;
const PARKED: usize = 4;

impl Slots {
    // quiet: the store runs only after winning a compare_exchange on the same
    // atomic, which re-validates the loaded value.
    pub fn claim(&self) -> bool {
        let tail = self.tail.load(Ordering::Acquire);
        if self
            .tail
            .compare_exchange(tail, tail + 1, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        self.tail.store(tail + 1, Ordering::Release);
        true
    }

    // quiet: a state machine entered through compare_exchange; the final store
    // is made by the thread that won it.
    pub fn run_once(&self, f: impl FnOnce()) {
        if self.state.load(Ordering::Acquire) == DONE {
            return;
        }
        if self
            .state
            .compare_exchange(0, WRITING, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            f();
            self.state.store(DONE, Ordering::Release);
        }
    }

    // quiet: the result of fetch_add is what decides; the early load is a shortcut.
    pub fn reserve(&self, cap: usize) -> Option<usize> {
        if self.tail.load(Ordering::Relaxed) >= cap {
            return None;
        }
        let slot = self.tail.fetch_add(1, Ordering::AcqRel);
        if slot >= cap {
            self.tail.fetch_sub(1, Ordering::AcqRel);
            return None;
        }
        Some(slot)
    }

    // quiet: clearing a bit is idempotent; the check only skips a no-op.
    pub fn unpark(&self) {
        if self.flags.load(Ordering::Relaxed) & PARKED != 0 {
            self.flags.fetch_and(!PARKED, Ordering::Release);
        }
    }

    // quiet: the callback runs later, decided by its own argument, not by the load.
    pub fn park(&self, queue: &Queue) {
        let state = self.flags.load(Ordering::Relaxed);
        if state & PARKED != 0 {
            queue.wait(|was_last| {
                if was_last {
                    self.flags.fetch_sub(PARKED, Ordering::Relaxed);
                }
            });
        }
    }
}

// quiet: a sticky "unsupported" flag recorded under an unrelated condition;
// concurrent callers all store the same constant.
pub fn open_special() -> Option<u32> {
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);
    if UNSUPPORTED.load(Ordering::Relaxed) {
        return None;
    }
    let errno = try_open();
    if errno == ENOSYS {
        UNSUPPORTED.store(true, Ordering::Relaxed);
    }
    None
}

// quiet: the store runs inside `call_once`, exactly once.
pub fn init_logging() {
    static READY: AtomicBool = AtomicBool::new(false);
    static ONCE: std::sync::Once = std::sync::Once::new();
    if !READY.load(Ordering::Acquire) {
        ONCE.call_once(|| {
            install();
            READY.store(true, Ordering::Release);
        });
    }
}

// quiet: written while holding the guards a `lock_*` function returns.
pub fn rehash(table: &Table, key: usize) {
    let (a, b) = lock_bucket_pair(key, key + 1);
    if table.generation.load(Ordering::Relaxed) == a.generation {
        table.generation.store(b.generation + 1, Ordering::Relaxed);
    }
}

/// A worker handle: `Cell` and a raw-pointer marker make it `!Sync`, so `&self`
/// methods run on one thread only.
pub struct Worker {
    back: AtomicUsize,
    cached: Cell<usize>,
    _marker: PhantomData<*mut ()>,
}

impl Worker {
    // quiet: `Worker` cannot be shared between threads; only its owner writes `back`.
    pub fn push(&self) {
        let b = self.back.load(Ordering::Relaxed);
        self.cached.set(b);
        self.back.store(b + 1, Ordering::Release);
    }
}
