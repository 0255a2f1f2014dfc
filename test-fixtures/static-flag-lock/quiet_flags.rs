//! Flags that look like locks but are not check-then-set-then-clear on shared state.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::html::{render_table, Node};
use crate::index::{rebuild_index, Busy};
use crate::sync::{run_sync, SyncOutcome};
use crate::telemetry::{install_exporter, TelemetryConfig};
use crate::worker::run_worker_loop;

static RUNNING: AtomicBool = AtomicBool::new(false);
static WARNED_DEPRECATED: AtomicBool = AtomicBool::new(false);
static TELEMETRY_STARTED: AtomicBool = AtomicBool::new(false);
static REINDEX: Mutex<()> = Mutex::new(());

pub struct Syncer {
    sync_lock: tokio::sync::Mutex<()>,
    dirty: AtomicBool,
}

// quiet: a status indicator set and cleared without any check before it; nothing
// decides based on it here.
pub fn run_worker() {
    RUNNING.store(true, Ordering::Release);
    run_worker_loop();
    RUNNING.store(false, Ordering::Release);
}

// quiet: warn once; `swap(true)` is atomic and the flag is never cleared.
pub fn warn_deprecated(option: &str) {
    if !WARNED_DEPRECATED.swap(true, Ordering::Relaxed) {
        eprintln!("warning: `{option}` is deprecated");
    }
}

// quiet: a one-shot latch; compare_exchange wins once and the flag is never released,
// so there is no critical section to leave locked.
pub fn init_telemetry(cfg: &TelemetryConfig) {
    if TELEMETRY_STARTED
        .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
        .is_err()
    {
        return;
    }
    install_exporter(cfg);
}

// quiet: a real `Mutex<()>` with `try_lock`, released by its guard.
pub fn reindex() -> Result<(), Busy> {
    let Ok(_guard) = REINDEX.try_lock() else {
        return Err(Busy);
    };
    rebuild_index();
    Ok(())
}

impl Syncer {
    // quiet: tokio `Mutex<()>::try_lock` as the "already running" test.
    pub async fn sync(&self) -> SyncOutcome {
        let Ok(_permit) = self.sync_lock.try_lock() else {
            return SyncOutcome::AlreadyRunning;
        };
        run_sync().await
    }

    // quiet: a dirty flag consumed with one atomic `swap(false)`.
    pub async fn flush_if_dirty(&self) {
        if self.dirty.swap(false, Ordering::AcqRel) {
            run_sync().await;
        }
    }
}

// quiet: a local `AtomicBool` that never leaves this function; nothing else can see it.
pub fn render(root: &Node) -> String {
    let in_table = AtomicBool::new(false);
    let mut out = String::new();
    for node in root.descendants() {
        if node.is_table() {
            if in_table.load(Ordering::Relaxed) {
                continue;
            }
            in_table.store(true, Ordering::Relaxed);
            out.push_str(&render_table(node));
            in_table.store(false, Ordering::Relaxed);
        } else {
            out.push_str(&node.text());
        }
    }
    out
}
