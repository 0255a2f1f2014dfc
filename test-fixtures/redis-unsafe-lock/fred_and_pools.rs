//! Locks on fred and on pooled `redis` connections (deadpool-redis).

use deadpool_redis::Pool;
use fred::prelude::*;
use redis::AsyncCommands;

pub struct Scheduler {
    client: Client,
}

impl Scheduler {
    // fire: fred SET with NX but no expiration.
    pub async fn take_tick(&self, shard: u32) -> Result<bool, Error> {
        let key = format!("tick-lock:{shard}");
        let set: Option<String> = self.client.set(&key, "1", None, Some(SetOptions::NX), false).await?; //~ redis-unsafe-lock
        Ok(set.is_some())
    }

    // fire: NX with an expiration, then a plain DEL.
    pub async fn with_lock(&self, name: &str, token: &str) -> Result<(), Error> {
        let key = format!("lock:{name}");
        let set: Option<String> = self
            .client
            .set(&key, token, Some(Expiration::PX(5_000)), Some(SetOptions::NX), false)
            .await?;
        if set.is_none() {
            return Ok(());
        }
        work().await;
        self.client.del::<(), _>(&key).await?; //~ redis-unsafe-lock
        Ok(())
    }

    // quiet: NX with an expiration, released with a compare-and-delete script.
    pub async fn with_lock_safely(&self, name: &str, token: &str) -> Result<(), Error> {
        let key = format!("lock:{name}");
        let set: Option<String> = self
            .client
            .set(&key, token, Some(Expiration::PX(5_000)), Some(SetOptions::NX), false)
            .await?;
        if set.is_none() {
            return Ok(());
        }
        work().await;
        let _: i64 = self.client.eval(RELEASE, vec![key], vec![token]).await?;
        Ok(())
    }
}

const RELEASE: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

// fire: a pooled connection: SET NX EX, work, then DEL.
pub async fn nightly(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let ok: Option<String> = redis::cmd("SET").arg("nightly-lock").arg("1").arg("NX").arg("EX").arg(600).query_async(&mut conn).await?;
    if ok.is_some() {
        compact().await;
        let _: () = conn.del("nightly-lock").await?; //~ redis-unsafe-lock
    }
    Ok(())
}

// quiet: a pool's `get()` is not a Redis GET, and the lock here expires and is
// released by a script.
pub async fn nightly_safely(pool: &Pool, token: &str) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let ok: Option<String> = redis::cmd("SET").arg("nightly-lock").arg(token).arg("NX").arg("EX").arg(600).query_async(&mut conn).await?;
    if ok.is_some() {
        compact().await;
        let _: i32 = redis::Script::new(RELEASE).key("nightly-lock").arg(token).invoke_async(&mut conn).await?;
    }
    Ok(())
}

// quiet: removing an entry from a local map of locks is not a Redis DEL.
pub fn forget(locks: &mut std::collections::HashMap<String, u64>, name: &str) {
    locks.remove(name);
}

async fn work() {}
async fn compact() {}
