//! Hazards inside test code are skipped unless `--include-tests` is given.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

static TEST_COUNTER: AtomicUsize = AtomicUsize::new(0);
static FIXTURE_READY: AtomicBool = AtomicBool::new(false);

// quiet: `#[test]` function, skipped by default
#[test]
fn counter_increments() {
    TEST_COUNTER.store(TEST_COUNTER.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
    assert!(TEST_COUNTER.load(Ordering::SeqCst) >= 1);
}

// quiet: `#[tokio::test]` async function with an Arc clone in a spawned task, skipped by default
#[tokio::test]
async fn spawned_tasks_count() {
    let hits = Arc::new(AtomicUsize::new(0));
    let h = Arc::clone(&hits);
    tokio::spawn(async move {
        let v = h.load(Ordering::Relaxed);
        h.store(v + 1, Ordering::Relaxed);
    })
    .await
    .unwrap();
    assert_eq!(hits.load(Ordering::Relaxed), 1);
}

// quiet: `#[cfg(test)]` module, skipped by default
#[cfg(test)]
mod tests {
    use super::*;

    fn setup_fixture() {
        if !FIXTURE_READY.load(Ordering::Acquire) {
            FIXTURE_READY.store(true, Ordering::Release);
        }
    }

    #[test]
    fn fixture_is_ready() {
        setup_fixture();
        assert!(FIXTURE_READY.load(Ordering::Acquire));
    }
}
