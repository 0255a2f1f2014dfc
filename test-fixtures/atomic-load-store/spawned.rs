//! Counters shared with worker threads and tasks through `Arc` clones,
//! scoped threads, and `&AtomicX` parameters.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;

use crate::jobs::{process, Job};

// fire: Arc clone moved into std::thread::spawn, incremented by load + store
pub fn run_workers(jobs: Vec<Job>) -> Arc<AtomicUsize> {
    let processed = Arc::new(AtomicUsize::new(0));
    for job in jobs {
        let processed = Arc::clone(&processed);
        thread::spawn(move || {
            process(job);
            processed.store(processed.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
        });
    }
    processed
}

// fire: `.clone()` of an Arc moved into tokio::spawn(async move {..}), let-bound load then store
pub async fn fan_out(urls: Vec<String>) -> u64 {
    let bytes_fetched = Arc::new(AtomicU64::new(0));
    let mut handles = Vec::new();
    for url in urls {
        let total = bytes_fetched.clone();
        handles.push(tokio::spawn(async move {
            let body = reqwest::get(&url).await.unwrap().bytes().await.unwrap();
            let before = total.load(Ordering::Relaxed);
            total.store(before + body.len() as u64, Ordering::Relaxed); //~ atomic-load-store
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
    bytes_fetched.load(Ordering::Relaxed)
}

// fire: a local atomic used inside a thread::scope closure is shared with the scope's own thread
pub fn count_matches(lines: &[String], needle: &str) -> usize {
    let matches = AtomicUsize::new(0);
    let (front, back) = lines.split_at(lines.len() / 2);
    thread::scope(|s| {
        s.spawn(|| {
            let found = back.iter().filter(|l| l.contains(needle)).count();
            matches.store(matches.load(Ordering::Relaxed) + found, Ordering::Relaxed); //~ atomic-load-store
        });
        let found = front.iter().filter(|l| l.contains(needle)).count();
        matches.fetch_add(found, Ordering::Relaxed);
    });
    matches.into_inner()
}

// fire: `&AtomicU64` parameter is shared with whoever else holds the reference
pub fn add_bytes_sent(total: &AtomicU64, n: u64) {
    let cur = total.load(Ordering::Relaxed);
    total.store(cur + n, Ordering::Relaxed); //~ atomic-load-store
}

// fire: quota "download at most `limit` files": the check and the fetch_add are separate steps
pub async fn limited_downloads(limit: usize, files: Vec<String>) {
    let started = Arc::new(AtomicUsize::new(0));
    for file in files {
        let started = Arc::clone(&started);
        tokio::spawn(async move {
            if started.load(Ordering::Acquire) < limit {
                started.fetch_add(1, Ordering::AcqRel); //~ atomic-load-store
                crate::jobs::download(file).await;
            }
        });
    }
}
