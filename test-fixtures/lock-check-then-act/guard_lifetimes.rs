//! Connection pool and job queue: where exactly does a guard die?
//! (This crate is edition 2021; see edition2024/ for the `if let` difference.)

use std::collections::HashMap;
use std::sync::Mutex;

use crate::pool::{Conn, PoolError, Slot};
use crate::queue::{Job, QueueFull};

const MAX_QUEUED: usize = 256;

pub struct Pool {
    queue: Mutex<Vec<Job>>,
    slots: Mutex<Vec<Slot>>,
    capacity: usize,
    conns: Mutex<HashMap<String, Conn>>,
}

impl Pool {
    // fire: the guard is dropped explicitly before the length is acted on.
    pub fn submit(&self, job: Job) -> Result<(), QueueFull> {
        let queue = self.queue.lock().unwrap();
        let n = queue.len();
        drop(queue);
        if n >= MAX_QUEUED {
            return Err(QueueFull(job));
        }
        self.queue.lock().unwrap().push(job); //~ lock-check-then-act
        Ok(())
    }

    // fire: the guard is bound with `let`, but inside a block that ends before the insert.
    pub fn connect(&self, dsn: &str) -> Result<(), PoolError> {
        let found = {
            let conns = self.conns.lock().unwrap();
            conns.get(dsn).is_some()
        };
        if !found {
            let conn = Conn::open(dsn)?;
            self.conns.lock().unwrap().insert(dsn.to_owned(), conn); //~ lock-check-then-act
        }
        Ok(())
    }

    // fire: an `if` condition's temporary guard dies before the block runs, so the
    // capacity check no longer protects the push.
    pub fn reserve(&self, slot: Slot) -> bool {
        if self.slots.lock().unwrap().len() < self.capacity {
            self.slots.lock().unwrap().push(slot); //~ lock-check-then-act
            return true;
        }
        false
    }

    // fire: early return from an inner block; its guard has ended by the time the
    // connection is inserted.
    pub fn register(&self, dsn: String, conn: Conn) -> Result<(), PoolError> {
        {
            let conns = self.conns.lock().unwrap();
            if conns.contains_key(&dsn) {
                return Err(PoolError::Exists(dsn));
            }
        }
        self.conns.lock().unwrap().insert(dsn, conn); //~ lock-check-then-act
        Ok(())
    }

    // quiet: `match` on data borrowed from a guard binding; the insert goes through the
    // same guard, which is held for the whole function.
    pub fn checkout(&self, dsn: &str) -> Result<Conn, PoolError> {
        let mut conns = self.conns.lock().unwrap();
        match conns.get(dsn) {
            Some(conn) => Ok(conn.clone()),
            None => {
                let conn = Conn::open(dsn)?;
                conns.insert(dsn.to_owned(), conn.clone());
                Ok(conn)
            }
        }
    }

    // quiet: no check-then-act race in edition 2021: the `if let` scrutinee's guard is
    // still alive in the `else` block, so the second `lock()` cannot interleave with
    // another writer (it self-deadlocks, which is not this rule's concern). The same
    // code in edition2024/ fires.
    pub fn checkout_2021(&self, dsn: &str) -> Conn {
        if let Some(conn) = self.conns.lock().unwrap().get(dsn) {
            conn.clone()
        } else {
            let conn = Conn::open_lazy(dsn);
            self.conns.lock().unwrap().insert(dsn.to_owned(), conn.clone());
            conn
        }
    }

    // quiet: `drop(queue)` only happens on the path that returns; on the path that
    // pushes, the guard taken for the check is still held.
    pub fn submit_held(&self, job: Job) -> Result<(), QueueFull> {
        let mut queue = self.queue.lock().unwrap();
        if queue.len() >= MAX_QUEUED {
            drop(queue);
            tracing::warn!("queue full, rejecting job");
            return Err(QueueFull(job));
        }
        queue.push(job);
        Ok(())
    }
}
