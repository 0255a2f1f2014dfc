//! Schedulers and workers keeping a "busy" `AtomicBool` in a field or an `Arc`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};

use crate::auth::TokenClient;
use crate::jobs::{JobQueue, Registry};

pub struct Scheduler {
    registry: Registry,
    running: AtomicBool,
    shutdown: AtomicBool,
    refreshing: Arc<AtomicBool>,
    client: Arc<TokenClient>,
}

impl Scheduler {
    // fire: `&self` field used as a lock; two timer ticks can both pass the check and
    // run the due jobs twice.
    pub fn tick(&self) {
        if self.running.load(Ordering::Acquire) {
            return;
        }
        self.running.store(true, Ordering::Release); //~ static-flag-lock
        self.registry.run_due_jobs();
        self.running.store(false, Ordering::Release);
    }

    // fire: the `Arc<AtomicBool>` clone moved into `tokio::spawn` is the same flag;
    // two refresh requests race on it.
    pub fn schedule_refresh(&self) {
        let refreshing = self.refreshing.clone();
        let client = Arc::clone(&self.client);
        tokio::spawn(async move {
            if refreshing.load(Ordering::Acquire) {
                return;
            }
            refreshing.store(true, Ordering::Release); //~ static-flag-lock
            let _ = client.refresh_token().await;
            refreshing.store(false, Ordering::Release);
        });
    }

    // quiet: `&mut self` gives exclusive access; no other thread can observe the flag.
    pub fn tick_exclusive(&mut self) {
        if self.running.load(Ordering::Acquire) {
            return;
        }
        self.running.store(true, Ordering::Release);
        self.registry.run_due_jobs();
        self.running.store(false, Ordering::Release);
    }

    // quiet: a shutdown flag that is only checked here; it is set in `stop` without
    // any check and never cleared, so it is not a lock.
    pub fn poll(&self) {
        if self.shutdown.load(Ordering::Acquire) {
            return;
        }
        self.registry.run_due_jobs();
    }

    // quiet: an unconditional set of the shutdown flag.
    pub fn stop(&self) {
        self.shutdown.store(true, Ordering::Release);
    }
}

// fire: an `Arc<AtomicBool>` created here and moved (as clones) into worker threads;
// two workers can both see "not compacting" and compact concurrently.
pub fn start_workers(n: usize, queue: Arc<JobQueue>) -> Vec<JoinHandle<()>> {
    let compacting = Arc::new(AtomicBool::new(false));
    let mut handles = Vec::with_capacity(n);
    for _ in 0..n {
        let compacting = Arc::clone(&compacting);
        let queue = Arc::clone(&queue);
        handles.push(thread::spawn(move || {
            while let Some(job) = queue.pop() {
                job.run();
                if queue.needs_compaction() {
                    if compacting.load(Ordering::Acquire) {
                        continue;
                    }
                    compacting.store(true, Ordering::Release); //~ static-flag-lock
                    queue.compact();
                    compacting.store(false, Ordering::Release);
                }
            }
        }));
    }
    handles
}
