//! What one file may cost: a time budget, the last line of defence against
//! an input that makes some pass slow, and a budget for re-parsing macro
//! arguments, which keeps nested macros linear.
//!
//! The walk parses the arguments of `vec![…]`, `format!(…)` and the SQL
//! macros where it meets them; each parse first copies the tokens of every
//! macro nested inside, so `vec![vec![vec![…]]]` n deep costs n² without a
//! bound. The bytes of macro text parsed are counted against a multiple of
//! the file's size; past it, further macros are left unparsed (their
//! arguments unseen), which ordinary code never reaches.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Time for one file: a fixed allowance plus one second per megabyte. An
/// unoptimised (debug) build runs the same analysis about ten times slower,
/// so it gets ten times the time: the budget stops hangs, not slow builds.
pub fn time_for(len: usize) -> Duration {
    let base = Duration::from_secs(20) + Duration::from_secs((len >> 20) as u64);
    if cfg!(debug_assertions) {
        base * 10
    } else {
        base
    }
}

/// Macro text parsed per byte of the file.
pub const MACRO_FACTOR: usize = 16;

#[derive(Debug)]
pub struct Budget {
    deadline: Option<Instant>,
    /// The time the budget allowed, for the message.
    pub allowed: Duration,
    expired: AtomicBool,
    calls: AtomicU32,
    macro_left: AtomicUsize,
}

impl Default for Budget {
    /// No limit (a file analysed outside a run, as in unit tests).
    fn default() -> Budget {
        Budget {
            deadline: None,
            allowed: Duration::MAX,
            expired: AtomicBool::new(false),
            calls: AtomicU32::new(0),
            macro_left: AtomicUsize::new(usize::MAX),
        }
    }
}

impl Budget {
    /// The budget of a file of `len` bytes, starting now.
    pub fn for_file(len: usize) -> Budget {
        Budget::with(time_for(len), len)
    }

    pub fn with(allowed: Duration, len: usize) -> Budget {
        Budget {
            deadline: Instant::now().checked_add(allowed),
            allowed,
            macro_left: AtomicUsize::new(len.saturating_mul(MACRO_FACTOR).max(1 << 20)),
            ..Budget::default()
        }
    }

    /// Whether the time is up; reads the clock on every 256th call.
    pub fn expired(&self) -> bool {
        if self.expired.load(Ordering::Relaxed) {
            return true;
        }
        let Some(deadline) = self.deadline else {
            return false;
        };
        if !self
            .calls
            .fetch_add(1, Ordering::Relaxed)
            .is_multiple_of(256)
        {
            return false;
        }
        let over = Instant::now() >= deadline;
        if over {
            self.expired.store(true, Ordering::Relaxed);
        }
        over
    }

    /// Whether `bytes` more of macro text may be parsed; charges them.
    pub fn take_macro(&self, bytes: usize) -> bool {
        self.macro_left
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| {
                left.checked_sub(bytes)
            })
            .is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_stays_spent() {
        let b = Budget::with(Duration::ZERO, 10);
        assert!((0..512).any(|_| b.expired()));
        assert!(b.expired());
        assert!(b.take_macro(1 << 20));
        assert!(!b.take_macro(1));
        let free = Budget::default();
        assert!(!(0..1000).any(|_| free.expired()));
        assert!(free.take_macro(usize::MAX / 2));
    }
}
