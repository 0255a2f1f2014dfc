//! Background loaders and worker pools that share locks through `Arc` clones.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::thread;

use tokio::sync::Mutex as AsyncMutex;
use tokio::task::JoinHandle;

use crate::jobs::{Job, JobId};
use crate::thumbs::{render_thumbnail, Thumbnail};

pub struct Runner {
    jobs: Arc<AsyncMutex<HashMap<JobId, JoinHandle<()>>>>,
}

// fire: every worker checks and inserts under separate acquisitions of the same
// `Arc<Mutex<_>>` (each clone is the same lock); two workers given the same key both
// render it.
pub fn warm_up(keys: Vec<String>) -> Arc<Mutex<HashMap<String, Thumbnail>>> {
    let cache = Arc::new(Mutex::new(HashMap::new()));
    let mut handles = Vec::new();
    for key in keys {
        let cache = Arc::clone(&cache);
        handles.push(thread::spawn(move || {
            if !cache.lock().unwrap().contains_key(&key) {
                let thumb = render_thumbnail(&key);
                cache.lock().unwrap().insert(key, thumb); //~ lock-check-then-act
            }
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    cache
}

// fire: the miss is checked on the caller's thread and the insert happens on a spawned
// loader through a clone; two requests for the same key spawn two loaders.
pub fn prefetch(cache: Arc<Mutex<HashMap<String, Thumbnail>>>, key: String) {
    if cache.lock().unwrap().contains_key(&key) {
        return;
    }
    let loader = cache.clone();
    thread::spawn(move || {
        let thumb = render_thumbnail(&key);
        loader.lock().unwrap().insert(key, thumb); //~ lock-check-then-act
    });
}

// fire: each thread reads the total and writes back `cur + sum` under a second guard;
// partial sums from other threads are lost.
pub fn parallel_total(chunks: Vec<Vec<u64>>) -> u64 {
    let total = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for chunk in chunks {
        let total = total.clone();
        handles.push(thread::spawn(move || {
            let sum: u64 = chunk.iter().sum();
            let cur = *total.lock().unwrap();
            *total.lock().unwrap() = cur + sum; //~ lock-check-then-act
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let result = *total.lock().unwrap();
    result
}

impl Runner {
    // fire: inside `tokio::spawn(async move ..)` the registry clone is checked and then
    // written under two separate `.lock().await`s.
    pub fn schedule(&self, id: JobId, job: Job) {
        let jobs = self.jobs.clone();
        tokio::spawn(async move {
            if jobs.lock().await.contains_key(&id) {
                return;
            }
            let handle = tokio::spawn(job.run());
            jobs.lock().await.insert(id, handle); //~ lock-check-then-act
        });
    }

    // quiet: the spawned task holds one guard across the check and the insert.
    pub fn schedule_once(&self, id: JobId, job: Job) {
        let jobs = Arc::clone(&self.jobs);
        tokio::spawn(async move {
            let mut jobs = jobs.lock().await;
            if !jobs.contains_key(&id) {
                jobs.insert(id, tokio::spawn(job.run()));
            }
        });
    }
}

// quiet: each worker adds its partial sum with a single acquisition per update.
pub fn parallel_total_fixed(chunks: Vec<Vec<u64>>) -> u64 {
    let total = Arc::new(Mutex::new(0u64));
    let mut handles = Vec::new();
    for chunk in chunks {
        let total = Arc::clone(&total);
        handles.push(thread::spawn(move || {
            let sum: u64 = chunk.iter().sum();
            *total.lock().unwrap() += sum;
        }));
    }
    for h in handles {
        h.join().unwrap();
    }
    let result = *total.lock().unwrap();
    result
}
