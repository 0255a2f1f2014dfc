//! Look-alikes that are not check-then-act on a shared lock.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::{Mutex, RwLock};

use crate::auth::{Session, SessionId, UserId};
use crate::net::Conn;
use crate::queue::Job;

pub struct Server {
    sessions: Mutex<HashMap<SessionId, Session>>,
    banned: RwLock<HashSet<IpAddr>>,
    active: Mutex<HashMap<IpAddr, Conn>>,
    queue: Mutex<Vec<Job>>,
}

pub struct Registry {
    names: HashMap<String, u64>,
}

impl Server {
    // quiet: `&mut self` means no one else can reach the mutex during this call.
    pub fn restore(&mut self, id: SessionId, user: UserId) {
        if !self.sessions.lock().unwrap().contains_key(&id) {
            self.sessions.lock().unwrap().insert(id, Session::new(user));
        }
    }

    // quiet: the ban list is checked, but the insert goes to a different lock
    // (`active`), which was never checked.
    pub fn accept(&self, ip: IpAddr, conn: Conn) -> Result<(), Conn> {
        if self.banned.read().unwrap().contains(&ip) {
            return Err(conn);
        }
        self.active.lock().unwrap().insert(ip, conn);
        Ok(())
    }

    // quiet: the length is only logged; the push is unconditional and does not use it.
    pub fn enqueue(&self, job: Job) {
        let depth = self.queue.lock().unwrap().len();
        tracing::debug!(depth, "enqueueing job");
        self.queue.lock().unwrap().push(job);
    }

    // quiet: `if let` / `else` both go through the one guard bound at the top.
    pub fn touch(&self, id: SessionId, user: UserId) {
        let mut sessions = self.sessions.lock().unwrap();
        if let Some(s) = sessions.get_mut(&id) {
            s.touch();
        } else {
            sessions.insert(id, Session::new(user));
        }
    }
}

// quiet: the mutex is owned by value; `get_mut()` needs no locking and nobody else can
// see it.
pub fn finalize(mut registry: Mutex<Registry>, name: String, id: u64) -> Registry {
    if !registry.get_mut().unwrap().names.contains_key(&name) {
        registry.get_mut().unwrap().names.insert(name, id);
    }
    registry.into_inner().unwrap()
}

// quiet: a local mutex created here and never shared with a closure or thread.
pub fn dedup(items: Vec<String>) -> Vec<String> {
    let seen = Mutex::new(HashSet::new());
    let mut out = Vec::new();
    for item in items {
        if !seen.lock().unwrap().contains(&item) {
            seen.lock().unwrap().insert(item.clone());
            out.push(item);
        }
    }
    out
}
