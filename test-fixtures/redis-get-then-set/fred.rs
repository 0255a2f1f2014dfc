//! Wallets and leaderboards on the fred client.

use fred::prelude::*;

pub struct Wallets {
    client: Client,
}

impl Wallets {
    // fire: balance read, computed in Rust, written back with SET.
    pub async fn deposit(&self, user: &str, amount: i64) -> Result<i64, Error> {
        let key = format!("wallet:{user}");
        let balance: Option<i64> = self.client.get(&key).await?;
        let next = balance.unwrap_or(0) + amount;
        self.client.set::<(), _, _>(&key, next, None, None, false).await?; //~ redis-get-then-set
        Ok(next)
    }

    // fire: the check on the old value decides the write.
    pub async fn set_best(&self, board: &str, player: &str, score: i64) -> Result<(), Error> {
        let best: Option<i64> = self.client.hget(board, player).await?;
        if best.map_or(true, |b| score > b) {
            self.client.hset::<(), _, _>(board, (player, score)).await?; //~ redis-get-then-set
        }
        Ok(())
    }

    // fire: a fred transaction queues the write, but nothing WATCHes the key.
    pub async fn rename(&self, user: &str, name: &str) -> Result<(), Error> {
        let key = format!("profile:{user}");
        let profile: String = self.client.get(&key).await?;
        let trx = self.client.multi();
        trx.set::<(), _, _>(&key, profile.replace("\"name\":\"\"", name), None, None, false).await?; //~ redis-get-then-set
        trx.exec::<()>(true).await?;
        Ok(())
    }

    // quiet: INCRBY on the server.
    pub async fn deposit_atomic(&self, user: &str, amount: i64) -> Result<i64, Error> {
        self.client.incr_by(format!("wallet:{user}"), amount).await
    }

    // quiet: WATCH, then a transaction: EXEC aborts when the key changed.
    pub async fn rename_watched(&self, user: &str, name: &str) -> Result<(), Error> {
        let key = format!("profile:{user}");
        self.client.watch(&key).await?;
        let profile: String = self.client.get(&key).await?;
        let trx = self.client.multi();
        trx.set::<(), _, _>(&key, profile.replace("\"name\":\"\"", name), None, None, false).await?;
        trx.exec::<()>(true).await?;
        Ok(())
    }

    // quiet: SET with NX only writes an absent key.
    pub async fn open_wallet(&self, user: &str) -> Result<bool, Error> {
        let key = format!("wallet:{user}");
        let existing: Option<i64> = self.client.get(&key).await?;
        if existing.is_some() {
            return Ok(false);
        }
        let created: Option<String> = self.client.set(&key, 0, None, Some(SetOptions::NX), false).await?;
        Ok(created.is_some())
    }
}
