//! Test-and-set locks whose release lives in a `Drop` guard: correct, quiet.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};

use crate::config::{reload_from_disk, Config};
use crate::report::{build_report, Report};

static RELOADING: AtomicBool = AtomicBool::new(false);

struct ReloadGuard;

impl Drop for ReloadGuard {
    fn drop(&mut self) {
        RELOADING.store(false, Ordering::Release);
    }
}

// quiet: compare_exchange takes the flag atomically and `ReloadGuard::drop` clears it,
// even on panic.
pub fn reload() -> Option<Config> {
    if RELOADING
        .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
        .is_err()
    {
        return None;
    }
    let _guard = ReloadGuard;
    Some(reload_from_disk())
}

pub struct SpinLock<T> {
    locked: AtomicBool,
    value: UnsafeCell<T>,
}

unsafe impl<T: Send> Sync for SpinLock<T> {}

pub struct SpinGuard<'a, T> {
    lock: &'a SpinLock<T>,
}

impl<T> SpinLock<T> {
    pub const fn new(value: T) -> Self {
        SpinLock {
            locked: AtomicBool::new(false),
            value: UnsafeCell::new(value),
        }
    }

    // quiet: a spin lock whose release is in `SpinGuard`'s `Drop`.
    pub fn acquire(&self) -> SpinGuard<'_, T> {
        while self
            .locked
            .compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
            .is_err()
        {
            spin_loop();
        }
        SpinGuard { lock: self }
    }
}

impl<T> Deref for SpinGuard<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        unsafe { &*self.lock.value.get() }
    }
}

impl<T> DerefMut for SpinGuard<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        unsafe { &mut *self.lock.value.get() }
    }
}

impl<T> Drop for SpinGuard<'_, T> {
    fn drop(&mut self) {
        self.lock.locked.store(false, Ordering::Release);
    }
}

pub struct BusyGuard<'a>(&'a AtomicBool);

impl Drop for BusyGuard<'_> {
    fn drop(&mut self) {
        self.0.store(false, Ordering::Release);
    }
}

pub struct Exporter {
    exporting: AtomicBool,
}

impl Exporter {
    // quiet: `swap(true)` is an atomic test-and-set and `BusyGuard` releases the flag.
    pub fn try_export(&self) -> Option<Report> {
        if self.exporting.swap(true, Ordering::Acquire) {
            return None;
        }
        let _busy = BusyGuard(&self.exporting);
        Some(build_report())
    }
}
