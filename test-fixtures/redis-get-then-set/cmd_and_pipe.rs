//! Inventory and sessions sent as raw commands: `redis::cmd(..)` chains and
//! `redis::pipe()` pipelines, with and without MULTI/EXEC and WATCH.

use redis::aio::MultiplexedConnection;
use redis::RedisResult;

// fire: GET and SET as raw commands; the stock is decremented in Rust.
pub async fn sell_one(con: &mut MultiplexedConnection, sku: &str) -> RedisResult<bool> {
    let key = format!("stock:{sku}");
    let stock: i64 = redis::cmd("GET").arg(&key).query_async(con).await?;
    if stock <= 0 {
        return Ok(false);
    }
    redis::cmd("SET").arg(&key).arg(stock - 1).query_async::<()>(con).await?; //~ redis-get-then-set
    Ok(true)
}

// fire: the write is queued in an atomic pipeline, but the value was read
// before MULTI and nothing WATCHes the key.
pub async fn extend_session(con: &mut MultiplexedConnection, sid: &str, extra: u64) -> RedisResult<()> {
    let ttl: u64 = redis::cmd("HGET").arg(sid).arg("ttl").query_async(con).await?;
    redis::pipe()
        .atomic()
        .hset(sid, "ttl", ttl + extra) //~ redis-get-then-set
        .ignore()
        .expire(sid, 3600)
        .ignore()
        .query_async::<()>(con)
        .await?;
    Ok(())
}

// fire: a pipeline built step by step in a binding, after a read.
pub async fn set_owner(con: &mut MultiplexedConnection, doc: &str, user: &str) -> RedisResult<()> {
    let owner: Option<String> = redis::cmd("GET").arg(doc).query_async(con).await?;
    if owner.is_none() {
        let mut pipe = redis::pipe();
        pipe.cmd("SET").arg(doc).arg(user); //~ redis-get-then-set
        pipe.cmd("SADD").arg("owned").arg(doc);
        pipe.query_async::<()>(con).await?;
    }
    Ok(())
}

// fire: MULTI/EXEC sent by hand, again without WATCH.
pub async fn add_tag(con: &mut MultiplexedConnection, id: &str, tag: &str) -> RedisResult<()> {
    let tags: String = redis::cmd("GET").arg(id).query_async(con).await?;
    redis::cmd("MULTI").query_async::<()>(con).await?;
    redis::cmd("SET").arg(id).arg(format!("{tags},{tag}")).query_async::<()>(con).await?; //~ redis-get-then-set
    redis::cmd("EXEC").query_async::<()>(con).await?;
    Ok(())
}

// quiet: WATCH, read, then MULTI/EXEC: EXEC aborts when the key changed.
pub async fn add_tag_watched(con: &mut MultiplexedConnection, id: &str, tag: &str) -> RedisResult<()> {
    redis::cmd("WATCH").arg(id).query_async::<()>(con).await?;
    let tags: String = redis::cmd("GET").arg(id).query_async(con).await?;
    redis::cmd("MULTI").query_async::<()>(con).await?;
    redis::cmd("SET").arg(id).arg(format!("{tags},{tag}")).query_async::<()>(con).await?;
    redis::cmd("EXEC").query_async::<()>(con).await?;
    Ok(())
}

// quiet: WATCH then an atomic pipeline.
pub async fn sell_one_watched(con: &mut MultiplexedConnection, sku: &str) -> RedisResult<bool> {
    let key = format!("stock:{sku}");
    redis::cmd("WATCH").arg(&key).query_async::<()>(con).await?;
    let stock: i64 = redis::cmd("GET").arg(&key).query_async(con).await?;
    if stock <= 0 {
        return Ok(false);
    }
    let done: Option<()> = redis::pipe().atomic().set(&key, stock - 1).query_async(con).await?;
    Ok(done.is_some())
}

// quiet: GET and SET in one pipeline: the SET cannot use the GET's reply.
pub async fn rotate(con: &mut MultiplexedConnection, key: &str, value: &str) -> RedisResult<Option<String>> {
    let (old,): (Option<String>,) = redis::pipe().get(key).set(key, value).ignore().query_async(con).await?;
    Ok(old)
}

// quiet: SET … NX as a raw command.
pub async fn claim(con: &mut MultiplexedConnection, job: &str, worker: &str) -> RedisResult<bool> {
    let taken: Option<String> = redis::cmd("GET").arg(job).query_async(con).await?;
    if taken.is_some() {
        return Ok(false);
    }
    let set: Option<String> = redis::cmd("SET").arg(job).arg(worker).arg("NX").query_async(con).await?;
    Ok(set.is_some())
}

// quiet: the whole read-modify-write runs in a Lua script on the server.
pub async fn sell_one_script(con: &mut MultiplexedConnection, sku: &str) -> RedisResult<i64> {
    redis::Script::new(
        r#"local n = tonumber(redis.call("GET", KEYS[1]) or "0")
           if n <= 0 then return -1 end
           return redis.call("DECR", KEYS[1])"#,
    )
    .key(format!("stock:{sku}"))
    .invoke_async(con)
    .await
}
