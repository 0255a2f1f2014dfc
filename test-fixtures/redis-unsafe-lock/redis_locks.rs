//! Distributed locks on the `redis` crate: taken with SET NX, released in
//! several ways. A lock is safe when it has an expiry and a holder-specific
//! token, and is released by a script that compares the token and deletes in
//! one step.

use redis::aio::MultiplexedConnection;
use redis::{AsyncCommands, Commands, Connection, RedisResult};

const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

// fire: `set_nx` without an expiry: a worker that crashes inside the critical
// section leaves `lock:report` set forever.
pub fn build_report(con: &mut Connection) -> RedisResult<()> {
    let acquired: bool = con.set_nx("lock:report", 1)?; //~ redis-unsafe-lock
    if !acquired {
        return Ok(());
    }
    render_report();
    let _: () = con.del("lock:report")?;
    Ok(())
}

// fire: expiry set in a second command (a crash in between leaves no expiry),
// and then released with a plain DEL although the lock can expire.
pub fn rotate_keys(con: &mut Connection, tenant: &str) -> RedisResult<()> {
    let key = format!("lock:rotate:{tenant}");
    if !con.set_nx::<_, _, bool>(&key, 1)? { //~ redis-unsafe-lock
        return Ok(());
    }
    let _: () = con.expire(&key, 30)?;
    rotate(tenant);
    let _: () = con.del(&key)?; //~ redis-unsafe-lock
    Ok(())
}

// fire: SET NX PX with a token, but released with a plain DEL: if the job
// outlived the 30 s, another worker holds the lock now and this DEL frees it.
pub async fn run_job(con: &mut MultiplexedConnection, job: &str, token: &str) -> RedisResult<()> {
    let lock = format!("job-lock:{job}");
    let taken: Option<String> = redis::cmd("SET")
        .arg(&lock)
        .arg(token)
        .arg("NX")
        .arg("PX")
        .arg(30_000)
        .query_async(con)
        .await?;
    if taken.is_none() {
        return Ok(());
    }
    process(job).await;
    let _: () = con.del(&lock).await?; //~ redis-unsafe-lock
    Ok(())
}

// fire: the token is compared in Rust, then the key deleted: the lock can
// expire and pass to another worker between the GET and the DEL.
pub async fn unlock(con: &mut MultiplexedConnection, name: &str, token: &str) -> RedisResult<bool> {
    let key = format!("lock:{name}");
    let holder: Option<String> = con.get(&key).await?;
    if holder.as_deref() == Some(token) {
        let _: () = con.del(&key).await?; //~ redis-unsafe-lock
        return Ok(true);
    }
    Ok(false)
}

// fire: a release helper that deletes whatever lock key it is given.
pub async fn release_lock(con: &mut MultiplexedConnection, lock_key: &str) -> RedisResult<()> {
    con.del(lock_key).await //~ redis-unsafe-lock
}

// fire: a guard whose `Drop` deletes the lock key.
pub struct RedisLock {
    con: Connection,
    key: String,
}

impl Drop for RedisLock {
    fn drop(&mut self) {
        let _: RedisResult<()> = self.con.del(&self.key); //~ redis-unsafe-lock
    }
}

// fire: SETNX sent as a raw command, no expiry.
pub fn elect_leader(con: &mut Connection, node: &str) -> RedisResult<bool> {
    redis::cmd("SETNX").arg("leader").arg(node).query(con) //~ redis-unsafe-lock
}

// fire: set_options with NX but without an expiry.
pub fn lock_migration(con: &mut Connection) -> RedisResult<bool> {
    let opts = redis::SetOptions::default().conditional_set(redis::ExistenceCheck::NX);
    let r: Option<String> = con.set_options("migration-lock", "1", opts)?; //~ redis-unsafe-lock
    Ok(r.is_some())
}

// quiet: token, NX and PX in one command; compare-and-delete script to release.
pub async fn run_job_safely(con: &mut MultiplexedConnection, job: &str, token: &str) -> RedisResult<()> {
    let lock = format!("job-lock:{job}");
    let taken: Option<String> = redis::cmd("SET")
        .arg(&lock)
        .arg(token)
        .arg("NX")
        .arg("PX")
        .arg(30_000)
        .query_async(con)
        .await?;
    if taken.is_none() {
        return Ok(());
    }
    process(job).await;
    let _: i32 = redis::Script::new(RELEASE).key(&lock).arg(token).invoke_async(con).await?;
    Ok(())
}

// quiet: set_options with NX and PX; released elsewhere.
pub fn try_lock(con: &mut Connection, name: &str, token: &str) -> RedisResult<bool> {
    let opts = redis::SetOptions::default()
        .conditional_set(redis::ExistenceCheck::NX)
        .with_expiration(redis::SetExpiry::PX(10_000));
    let r: Option<String> = con.set_options(format!("lock:{name}"), token, opts)?;
    Ok(r.is_some())
}

// quiet: an idempotency marker, not a lock: it is meant to stay.
pub fn first_delivery(con: &mut Connection, message_id: &str) -> RedisResult<bool> {
    con.set_nx(format!("delivered:{message_id}"), 1)
}

// quiet: deleting a cache entry is not releasing a lock.
pub async fn invalidate(con: &mut MultiplexedConnection, user: u64) -> RedisResult<()> {
    con.del(format!("profile:{user}")).await
}

// quiet: WATCH, compare, and the DEL in MULTI/EXEC, which fails when the key changed.
pub async fn unlock_watched(con: &mut MultiplexedConnection, name: &str, token: &str) -> RedisResult<bool> {
    let key = format!("lock:{name}");
    redis::cmd("WATCH").arg(&key).query_async::<()>(con).await?;
    let holder: Option<String> = redis::cmd("GET").arg(&key).query_async(con).await?;
    if holder.as_deref() != Some(token) {
        redis::cmd("UNWATCH").query_async::<()>(con).await?;
        return Ok(false);
    }
    let done: Option<(i32,)> = redis::pipe().atomic().del(&key).query_async(con).await?;
    Ok(done.is_some())
}

// quiet: a release function that ends a session, not a lock.
pub async fn release_session(con: &mut MultiplexedConnection, sid: &str) -> RedisResult<()> {
    con.del(format!("session:{sid}")).await
}

// quiet: HSETNX records a first value in a hash; it is not a lock.
pub fn first_seen(con: &mut Connection, device: &str, ts: i64) -> RedisResult<bool> {
    con.hset_nx("first-seen", device, ts)
}

fn render_report() {}
fn rotate(_: &str) {}
async fn process(_: &str) {}
