//! A spin lock released from a closure held by a `Drop` guard.
use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicBool, Ordering};

struct CallOnDrop<F: FnMut()>(F);

impl<F: FnMut()> Drop for CallOnDrop<F> {
    fn drop(&mut self) {
        (self.0)();
    }
}

pub struct Spinlock<T> {
    locked: AtomicBool,
    data: UnsafeCell<T>,
}

unsafe impl<T: Send> Sync for Spinlock<T> {}

impl<T> Spinlock<T> {
    // quiet: the release runs from `CallOnDrop`'s `Drop`, on every exit path.
    pub fn try_with<R>(&self, f: impl FnOnce(&mut T) -> R) -> Option<R> {
        if self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_ok()
        {
            let _guard = CallOnDrop(|| self.locked.store(false, Ordering::Release));
            Some(f(unsafe { &mut *self.data.get() }))
        } else {
            None
        }
    }
}
