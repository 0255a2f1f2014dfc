//! `static mut` counters bumped from worker threads.

use std::thread;

use crate::jobs::{handle, Job};

static mut JOBS_DONE: usize = 0;
static mut DROPPED_EVENTS: u64 = 0;
static mut ROWS_IMPORTED: usize = 0;

// fire: increment inside a closure passed to std::thread::spawn
pub fn spawn_workers(jobs: Vec<Job>) {
    for job in jobs {
        thread::spawn(move || {
            handle(job);
            unsafe {
                JOBS_DONE += 1; //~ static-mut-rmw
            }
        });
    }
}

// fire: std::thread::spawn with an unsafe block as the closure body
pub fn drop_event_async() -> thread::JoinHandle<()> {
    std::thread::spawn(|| unsafe {
        DROPPED_EVENTS = DROPPED_EVENTS + 1; //~ static-mut-rmw
    })
}

// fire: scoped threads all adding to the same static mut
pub fn import_batches(batches: &[Vec<String>]) {
    thread::scope(|s| {
        for batch in batches {
            s.spawn(move || unsafe {
                ROWS_IMPORTED += batch.len(); //~ static-mut-rmw
            });
        }
    });
}
