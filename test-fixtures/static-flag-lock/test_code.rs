//! Flag locks in test code are skipped unless `--include-tests` is given.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

static FIXTURE_BUSY: AtomicBool = AtomicBool::new(false);

// quiet: `#[test]` function, skipped by default.
#[test]
fn fixture_is_exclusive() {
    if FIXTURE_BUSY.load(Ordering::Acquire) {
        return;
    }
    FIXTURE_BUSY.store(true, Ordering::Release);
    assert_eq!(2 + 2, 4);
    FIXTURE_BUSY.store(false, Ordering::Release);
}

// quiet: `#[tokio::test]` function, skipped by default.
#[tokio::test]
async fn refresh_runs_once() {
    let flag = Arc::new(AtomicBool::new(false));
    let f = flag.clone();
    tokio::spawn(async move {
        if f.load(Ordering::Acquire) {
            return;
        }
        f.store(true, Ordering::Release);
        tokio::task::yield_now().await;
        f.store(false, Ordering::Release);
    })
    .await
    .unwrap();
    assert!(!flag.load(Ordering::Acquire));
}

#[cfg(test)]
mod tests {
    use super::*;

    static mut DB_IN_USE: bool = false;

    // quiet: helper inside a `#[cfg(test)]` module, skipped by default.
    fn with_test_db(f: impl FnOnce()) {
        unsafe {
            while DB_IN_USE {}
            DB_IN_USE = true;
            f();
            DB_IN_USE = false;
        }
    }

    // quiet: test inside a `#[cfg(test)]` module, skipped by default.
    #[test]
    fn migrations_apply() {
        static LOCK: AtomicBool = AtomicBool::new(false);
        if LOCK.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed).is_ok() {
            with_test_db(|| {});
            LOCK.store(false, Ordering::Release);
        }
    }
}
