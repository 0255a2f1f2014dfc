//! `unsafe fn`s whose safety contract makes the caller serialise calls,
//! next to one whose contract is about something else.
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Timer {
    state: AtomicUsize,
    owner: AtomicUsize,
}

static INSTALLED: AtomicUsize = AtomicUsize::new(0);

impl Timer {
    /// Moves the timer to its next state.
    ///
    /// # Safety
    ///
    /// The caller must hold the driver lock.
    pub unsafe fn advance(&self) {
        // quiet: serialised by the driver lock the caller holds.
        let s = self.state.load(Ordering::Relaxed);
        self.state.store(s + 1, Ordering::Release);
    }

    /// Hands the timer to another owner.
    ///
    /// # Safety
    ///
    /// `next` must be the id of a live thread.
    pub unsafe fn hand_to(&self, next: usize) {
        let o = self.owner.load(Ordering::Relaxed);
        self.owner.store(o ^ next, Ordering::Relaxed); //~ atomic-load-store
    }
}

/// Installs the handler table.
///
/// # Safety
///
/// Must be called before any other thread is started: there must be no
/// other threads running.
pub unsafe fn install(extra: usize) {
    // quiet: no other thread exists yet.
    let n = INSTALLED.load(Ordering::Relaxed);
    INSTALLED.store(n * 2 + extra, Ordering::Relaxed);
}
