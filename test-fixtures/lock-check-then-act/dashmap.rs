//! Connection registry and token store on `DashMap`, whose methods each lock a shard
//! internally and release it before returning.

use std::net::SocketAddr;
use std::sync::LazyLock;

use dashmap::DashMap;
use tokio::task::JoinHandle;

use crate::auth::{Session, SessionId, UserId};
use crate::net::{Connection, Job, JobId};

static SESSIONS: LazyLock<DashMap<SessionId, Session>> = LazyLock::new(DashMap::new);

pub struct Registry {
    connections: DashMap<SocketAddr, Connection>,
    jobs: DashMap<JobId, Job>,
    hits: DashMap<SocketAddr, u64>,
}

impl Registry {
    // fire: `contains_key` and `insert` each take the shard lock separately; two
    // handshakes from the same peer both pass the check.
    pub fn accept(&self, peer: SocketAddr, conn: Connection) -> bool {
        if self.connections.contains_key(&peer) {
            return false;
        }
        self.connections.insert(peer, conn); //~ lock-check-then-act
        true
    }

    // quiet: the entry API holds the shard lock across the check and the update.
    pub fn count_hit(&self, peer: SocketAddr) -> u64 {
        let mut hits = self.hits.entry(peer).or_insert(0);
        *hits += 1;
        *hits
    }

    // quiet: `insert` reports the previous value itself; nothing is checked before it.
    pub fn replace_job(&self, id: JobId, job: Job) {
        if let Some(old) = self.jobs.insert(id, job) {
            old.cancel();
        }
    }

    // quiet: `remove` returns the removed job, so only one caller gets to cancel it.
    pub fn cancel_job(&self, id: JobId) -> bool {
        if let Some((_, job)) = self.jobs.remove(&id) {
            job.cancel();
            return true;
        }
        false
    }

    // quiet: `remove_if` evaluates the predicate under the shard lock.
    pub fn drop_if_closed(&self, peer: SocketAddr) {
        self.connections.remove_if(&peer, |_, conn| conn.is_closed());
    }
}

// fire: `get(..).is_none()` releases its `Ref` at the end of the condition; a second
// login for the same session id creates a second session.
pub fn login(id: SessionId, user: UserId) {
    if SESSIONS.get(&id).is_none() {
        SESSIONS.insert(id, Session::new(user)); //~ lock-check-then-act
    }
}

// fire: `contains_key` then `remove`; two cancellations both see the task, both abort
// and both are counted.
pub fn cancel(running: &DashMap<JobId, JoinHandle<()>>, id: JobId) -> bool {
    if !running.contains_key(&id) {
        return false;
    }
    running.remove(&id); //~ lock-check-then-act
    metrics::counter!("jobs_cancelled").increment(1);
    true
}
