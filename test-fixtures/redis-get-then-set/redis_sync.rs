//! Counters, quotas and profiles kept in Redis with the `redis` crate's
//! blocking `Commands` API. Every command is atomic on its own; a GET and a
//! later SET are two commands, and other clients run between them.

use redis::{Commands, Connection, RedisResult};

pub struct Stats {
    conn: Connection,
}

// fire: the new count is computed in Rust from the value read: two workers read
// 41 and both write 42, one hit is lost.
pub fn record_hit(con: &mut Connection, page: &str) -> RedisResult<()> {
    let key = format!("hits:{page}");
    let hits: Option<i64> = con.get(&key)?;
    let _: () = con.set(&key, hits.unwrap_or(0) + 1)?; //~ redis-get-then-set
    Ok(())
}

// fire: the same through a binding computed from the read, and a decrement.
pub fn take_credit(con: &mut Connection, user: u64, cost: i64) -> RedisResult<i64> {
    let balance: i64 = con.get(format!("credits:{user}"))?;
    let left = balance - cost;
    let _: () = con.set(format!("credits:{user}"), left)?; //~ redis-get-then-set
    Ok(left)
}

// fire: a stale check: two requests both see no reservation and both write one.
pub fn reserve_seat(con: &mut Connection, seat: &str, order: &str) -> RedisResult<bool> {
    let holder: Option<String> = con.get(seat)?;
    if holder.is_none() {
        let _: () = con.set(seat, order)?; //~ redis-get-then-set
        return Ok(true);
    }
    Ok(false)
}

// fire: EXISTS, then SETEX: the early return makes the check guard the write.
pub fn claim_nonce(con: &mut Connection, nonce: &str) -> RedisResult<bool> {
    let seen: bool = con.exists(nonce)?;
    if seen {
        return Ok(false);
    }
    let _: () = con.set_ex(nonce, 1, 600)?; //~ redis-get-then-set
    Ok(true)
}

// fire: a hash field read and written back: HGET, then HSET of the same field.
pub fn add_points(con: &mut Connection, team: &str, points: i64) -> RedisResult<()> {
    let current: i64 = con.hget("scores", team)?;
    let _: () = con.hset("scores", team, current + points)?; //~ redis-get-then-set
    Ok(())
}

// fire: a field of `self` holds the connection; the value is a JSON document.
impl Stats {
    pub fn rename_user(&mut self, id: u64, name: &str) -> RedisResult<()> {
        let key = format!("user:{id}");
        let raw: String = self.conn.get(&key)?;
        let mut doc: serde_json::Value = serde_json::from_str(&raw).unwrap_or_default();
        doc["name"] = name.into();
        let _: () = self.conn.set(&key, doc.to_string())?; //~ redis-get-then-set
        Ok(())
    }
}

// fire: both branches write what was read; one finding, the second write is a
// label of it.
pub fn toggle(con: &mut Connection, flag: &str) -> RedisResult<()> {
    let on: Option<String> = con.get(flag)?;
    if on.as_deref() == Some("1") {
        con.set(flag, "0") //~ redis-get-then-set
    } else {
        con.set(flag, "1")
    }
}

// quiet: INCRBY does the read-modify-write in one command.
pub fn record_hit_atomically(con: &mut Connection, page: &str) -> RedisResult<i64> {
    con.incr(format!("hits:{page}"), 1)
}

// quiet: the write does not depend on what was read (it is only logged).
pub fn overwrite_banner(con: &mut Connection, text: &str) -> RedisResult<()> {
    let old: Option<String> = con.get("banner")?;
    log::info!("replacing banner {:?}", old);
    con.set("banner", text)
}

// quiet: a different key is written from the value read.
pub fn snapshot(con: &mut Connection) -> RedisResult<()> {
    let live: i64 = con.get("visitors:live")?;
    con.set("visitors:snapshot", live)
}

// quiet: SET NX is the atomic form of "write only when absent".
pub fn reserve_seat_nx(con: &mut Connection, seat: &str, order: &str) -> RedisResult<bool> {
    let holder: Option<String> = con.get(seat)?;
    if holder.is_none() {
        return con.set_nx(seat, order);
    }
    Ok(false)
}

// quiet: redis::transaction WATCHes the key and sends the write in MULTI/EXEC.
pub fn add_points_watched(con: &mut Connection, team: &str, points: i64) -> RedisResult<()> {
    redis::transaction(con, &["scores"], |con, pipe| {
        let current: i64 = con.hget("scores", team)?;
        pipe.hset("scores", team, current + points).ignore().query(con)
    })
}

// quiet: a std HashMap named like a cache is not Redis.
pub fn local_cache(cache: &mut std::collections::HashMap<String, i64>, k: &str) {
    let v = cache.get(k).copied().unwrap_or(0);
    cache.insert(k.to_string(), v + 1);
}

// quiet: another field of the same hash is written.
pub fn copy_field(con: &mut Connection, team: &str) -> RedisResult<()> {
    let score: i64 = con.hget("scores", team)?;
    con.hset("best", team, score)
}

// quiet: an untyped value whose name mentions Redis but not a connection
// (`redis_stats` is a local settings object with its own get/set).
pub fn bump_setting(k: &str) {
    let redis_stats = settings::load();
    let n: i64 = redis_stats.get(k);
    redis_stats.set(k, n + 1);
}
