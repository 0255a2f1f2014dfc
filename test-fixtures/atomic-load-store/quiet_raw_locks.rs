//! Look-alikes where the write happens while a lock is held, through lock
//! APIs that return `bool` or guards of the crate's own types.
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct ReentrantMutex<R> {
    raw: R,
    owner: AtomicUsize,
}

impl<R: RawMutex> ReentrantMutex<R> {
    // quiet: `try_lock` here returns `bool`; the lock stays held after the `if`.
    pub fn try_lock_for(&self, id: usize) -> bool {
        if self.owner.load(Ordering::Relaxed) == id {
            return true;
        }
        if !self.raw.try_lock() {
            return false;
        }
        self.owner.store(id, Ordering::Relaxed);
        true
    }

    // quiet: the lock is taken through a closure returning a guard, bound with `let … else`.
    pub fn lock_with<G>(&self, id: usize, try_lock: impl FnOnce() -> Option<G>) -> bool {
        if self.owner.load(Ordering::Relaxed) == id {
            return true;
        }
        let Some(_guard) = try_lock() else {
            return false;
        };
        self.owner.store(id, Ordering::Relaxed);
        true
    }
}

pub struct SeqLock {
    state_hi: AtomicUsize,
}

pub struct SeqLockWriteGuard<'a> {
    lock: &'a SeqLock,
    state: usize,
}

impl SeqLockWriteGuard<'_> {
    // quiet: a write guard's method runs while the guard holds the lock.
    pub fn next_stamp(&self) -> usize {
        let lo = self.state.wrapping_add(2);
        if lo == 0 {
            let hi = self.lock.state_hi.load(Ordering::Relaxed);
            self.lock.state_hi.store(hi.wrapping_add(1), Ordering::Release);
        }
        lo
    }
}

pub struct Stats {
    hits: AtomicUsize,
}

impl Stats {
    // fire: after `unlock()` the raw lock no longer protects the store.
    pub fn bump_after_unlock(&self, raw: &impl RawMutex) {
        if !raw.try_lock() {
            return;
        }
        unsafe { raw.unlock() };
        let n = self.hits.load(Ordering::Relaxed);
        self.hits.store(n + 1, Ordering::Relaxed); //~ atomic-load-store
    }
}
