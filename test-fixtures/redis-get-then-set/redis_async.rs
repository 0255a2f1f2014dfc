//! Rate limits, carts and feature flags on the `redis` crate's async API, with
//! connections from a multiplexed client, a `ConnectionManager`, deadpool-redis
//! and bb8-redis.

use std::sync::Arc;

use axum::extract::State;
use bb8_redis::RedisConnectionManager;
use deadpool_redis::Pool;
use redis::aio::{ConnectionManager, MultiplexedConnection};
use redis::AsyncCommands;

#[derive(Clone)]
pub struct AppState {
    pub redis: ConnectionManager,
    pub cache: Pool,
}

// fire: a rate limiter that reads the count and writes count + 1: concurrent
// requests all read the same count, and the limit lets too many through.
pub async fn allow_request(con: &mut MultiplexedConnection, ip: &str) -> redis::RedisResult<bool> {
    let key = format!("rate:{ip}");
    let count: u32 = con.get(&key).await.unwrap_or(0);
    if count >= 100 {
        return Ok(false);
    }
    let _: () = con.set_ex(&key, count + 1, 60).await?; //~ redis-get-then-set
    Ok(true)
}

// fire: the connection comes from a deadpool-redis pool held in axum state.
pub async fn add_to_cart(State(state): State<AppState>, user: u64, sku: String) -> anyhow::Result<()> {
    let mut conn = state.cache.get().await?;
    let key = format!("cart:{user}");
    let raw: Option<String> = conn.get(&key).await?;
    let mut items: Vec<String> = raw.map(|r| r.split(',').map(String::from).collect()).unwrap_or_default();
    items.push(sku);
    let _: () = conn.set(&key, items.join(",")).await?; //~ redis-get-then-set
    Ok(())
}

// fire: bb8-redis: a pooled connection, and a check-then-set of a flag.
pub async fn enable_once(pool: &bb8::Pool<RedisConnectionManager>, flag: &str) -> anyhow::Result<bool> {
    let mut conn = pool.get().await?;
    let enabled: Option<String> = conn.get(flag).await?;
    match enabled {
        Some(_) => Ok(false),
        None => {
            let _: () = conn.set(flag, "on").await?; //~ redis-get-then-set
            Ok(true)
        }
    }
}

// fire: a ConnectionManager field of the state, cloned per request.
pub async fn bump_version(state: Arc<AppState>, doc: u64) -> redis::RedisResult<u64> {
    let mut redis = state.redis.clone();
    let version: u64 = redis.hget(format!("doc:{doc}"), "version").await?;
    let _: () = redis.hset(format!("doc:{doc}"), "version", version + 1).await?; //~ redis-get-then-set
    Ok(version + 1)
}

// fire: a connection obtained from a client in the function.
pub async fn set_max_score(client: &redis::Client, player: &str, score: i64) -> redis::RedisResult<()> {
    let mut con = client.get_multiplexed_async_connection().await?;
    let best: Option<i64> = con.get(player).await?;
    if best.map_or(true, |b| score > b) {
        let _: () = con.set(player, score).await?; //~ redis-get-then-set
    }
    Ok(())
}

// fire: a generic connection bounded by `AsyncCommands`.
pub async fn push_event<C: AsyncCommands>(con: &mut C, stream: &str, id: &str) -> redis::RedisResult<()> {
    let last: Option<String> = con.get(stream).await?;
    if last.as_deref() != Some(id) {
        let _: () = con.set(stream, id).await?; //~ redis-get-then-set
    }
    Ok(())
}

// fire: a job document read, edited and written back; the value flows through
// a let chain (`if let … && let …`).
pub async fn complete_job(con: &mut MultiplexedConnection, id: &str) -> anyhow::Result<()> {
    let key = format!("job:{id}");
    let raw: Option<String> = con.get(&key).await?;
    if let Some(json) = raw
        && let Ok(mut job) = serde_json::from_str::<serde_json::Value>(&json)
    {
        job["status"] = "done".into();
        let _: () = con.set(&key, job.to_string()).await?; //~ redis-get-then-set
    }
    Ok(())
}

// quiet: INCR and EXPIRE: the count is changed in one step.
pub async fn allow_request_incr(con: &mut MultiplexedConnection, ip: &str) -> redis::RedisResult<bool> {
    let key = format!("rate:{ip}");
    let count: u32 = con.incr(&key, 1).await?;
    if count == 1 {
        let _: () = con.expire(&key, 60).await?;
    }
    Ok(count <= 100)
}

// quiet: a pool's `get()` takes no key: it hands out a connection, it is not a GET.
pub async fn ping(pool: &Pool) -> anyhow::Result<()> {
    let mut conn = pool.get().await?;
    let _: () = redis::cmd("PING").query_async(&mut conn).await?;
    Ok(())
}

// quiet: the keys differ: `format!` templates with different arguments.
pub async fn copy_profile(con: &mut MultiplexedConnection, from: u64, to: u64) -> redis::RedisResult<()> {
    let profile: String = con.get(format!("profile:{}", from)).await?;
    con.set(format!("profile:{}", to), profile).await
}

// quiet: a `HashMap` field called `redis_fallback` is not a Redis connection.
pub struct Fallback {
    pub redis_fallback: std::collections::HashMap<String, String>,
}
impl Fallback {
    pub fn remember(&mut self, k: &str) {
        if self.redis_fallback.get(k).is_none() {
            self.redis_fallback.insert(k.to_string(), String::new());
        }
    }
}
