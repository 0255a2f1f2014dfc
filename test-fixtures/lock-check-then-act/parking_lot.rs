//! Job scheduler and router using `parking_lot` locks (no poisoning, no `unwrap`).

use std::collections::HashMap;

use parking_lot::{Mutex, RwLock, RwLockUpgradableReadGuard};

use crate::jobs::{Job, JobHandle, JobId, SchedulerError};
use crate::web::Handler;

const MAX_QUEUED: usize = 1024;

pub struct Scheduler {
    queued: Mutex<Vec<JobId>>,
    running: Mutex<HashMap<JobId, JobHandle>>,
    backlog: Mutex<Vec<Job>>,
    routes: RwLock<HashMap<String, Handler>>,
}

impl Scheduler {
    // fire: the membership test is kept in a `let`; the guard is already gone when the
    // id is pushed, so the same job can be queued twice.
    pub fn enqueue(&self, id: JobId) {
        let exists = self.queued.lock().contains(&id);
        if !exists {
            self.queued.lock().push(id); //~ lock-check-then-act
        }
    }

    // fire: "already running?" is answered under one lock, the handle inserted under
    // another; two triggers can start the job twice and the first handle is lost.
    pub fn start(&self, id: JobId) -> Result<(), SchedulerError> {
        if self.running.lock().get(&id).is_some() {
            return Err(SchedulerError::AlreadyRunning(id));
        }
        let handle = JobHandle::spawn(id);
        self.running.lock().insert(id, handle); //~ lock-check-then-act
        Ok(())
    }

    // fire: parking_lot RwLock; a miss under `read()` followed by an insert under a
    // separate `write()`.
    pub fn route(&self, path: String, handler: Handler) {
        if self.routes.read().get(&path).is_none() {
            self.routes.write().insert(path, handler); //~ lock-check-then-act
        }
    }

    // quiet: a single guard covers the check and the push.
    pub fn enqueue_once(&self, id: JobId) -> bool {
        let mut queued = self.queued.lock();
        if queued.contains(&id) {
            return false;
        }
        queued.push(id);
        true
    }

    // quiet: the upgradable read guard is upgraded in place, nobody can write between
    // the check and the insert.
    pub fn route_once(&self, path: String, handler: Handler) -> bool {
        let routes = self.routes.upgradable_read();
        if routes.contains_key(&path) {
            return false;
        }
        let mut routes = RwLockUpgradableReadGuard::upgrade(routes);
        routes.insert(path, handler);
        true
    }

    // quiet: `try_lock` hands out one guard; the bound check and the push use it.
    pub fn offer(&self, job: Job) -> Result<(), Job> {
        if let Some(mut backlog) = self.backlog.try_lock() {
            if backlog.len() < MAX_QUEUED {
                backlog.push(job);
                return Ok(());
            }
        }
        Err(job)
    }
}
