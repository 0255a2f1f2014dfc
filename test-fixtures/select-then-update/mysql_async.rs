//! Game economy service on MySQL (InnoDB) through mysql_async. InnoDB's default
//! isolation is REPEATABLE READ, where a plain SELECT is a non-locking snapshot read.

use mysql_async::prelude::*;
use mysql_async::{IsolationLevel, Pool, TxOpts};

use crate::economy::{EconomyError, Result};

pub struct Economy {
    pool: Pool,
}

impl Economy {
    // fire: lost update: the coin balance is read with `exec_first`, reduced in Rust and
    // written back with `exec_drop`; two purchases at once both start from the same
    // balance.
    pub async fn buy_item(&self, player_id: u64, price: i64) -> Result<i64> {
        let mut conn = self.pool.get_conn().await?;
        let coins: Option<i64> = conn
            .exec_first("SELECT coins FROM wallets WHERE player_id = ?", (player_id,))
            .await?;
        let Some(coins) = coins else {
            return Err(EconomyError::NoWallet);
        };
        if coins < price {
            return Err(EconomyError::NotEnoughCoins);
        }
        conn.exec_drop(
            "UPDATE wallets SET coins = ? WHERE player_id = ?", //~ select-then-update
            (coins - price, player_id),
        )
        .await?;
        Ok(coins - price)
    }

    // fire: a transaction with default options: the SELECT is a snapshot read that takes
    // no lock, so two crafts both see the material and both consume it.
    pub async fn craft(&self, player_id: u64, material: &str, needed: u32) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        let have: Option<u32> = tx
            .exec_first(
                "SELECT amount FROM inventories WHERE player_id = ? AND material = ?",
                (player_id, material),
            )
            .await?;
        match have {
            Some(amount) if amount >= needed => {
                tx.exec_drop(
                    "UPDATE inventories SET amount = amount - ? WHERE player_id = ? AND material = ?", //~ select-then-update
                    (needed, player_id, material),
                )
                .await?;
            }
            _ => return Err(EconomyError::MissingMaterial),
        }
        tx.commit().await?;
        Ok(())
    }

    // fire: REPEATABLE READ on MySQL does not abort on a concurrent update; the UPDATE
    // overwrites whatever committed in between with a value computed from the snapshot.
    pub async fn level_up(&self, player_id: u64, xp_cost: i64) -> Result<i64> {
        let mut conn = self.pool.get_conn().await?;
        let mut opts = TxOpts::default();
        opts.with_isolation_level(IsolationLevel::RepeatableRead);
        let mut tx = conn.start_transaction(opts).await?;
        let xp: i64 = tx
            .exec_first("SELECT xp FROM players WHERE id = ?", (player_id,))
            .await?
            .ok_or(EconomyError::NoPlayer)?;
        if xp < xp_cost {
            return Err(EconomyError::NotEnoughXp);
        }
        tx.exec_drop(
            "UPDATE players SET xp = ?, level = level + 1 WHERE id = ?", //~ select-then-update
            (xp - xp_cost, player_id),
        )
        .await?;
        tx.commit().await?;
        Ok(xp - xp_cost)
    }

    // quiet: SELECT ... FOR UPDATE inside the transaction takes an exclusive row lock, so
    // a concurrent purchase waits for this commit.
    pub async fn buy_item_locked(&self, player_id: u64, price: i64) -> Result<i64> {
        let mut conn = self.pool.get_conn().await?;
        let mut tx = conn.start_transaction(TxOpts::default()).await?;
        let coins: i64 = tx
            .exec_first(
                "SELECT coins FROM wallets WHERE player_id = ? FOR UPDATE",
                (player_id,),
            )
            .await?
            .ok_or(EconomyError::NoWallet)?;
        if coins < price {
            return Err(EconomyError::NotEnoughCoins);
        }
        tx.exec_drop(
            "UPDATE wallets SET coins = ? WHERE player_id = ?",
            (coins - price, player_id),
        )
        .await?;
        tx.commit().await?;
        Ok(coins - price)
    }

    // quiet: SERIALIZABLE on MySQL turns the plain SELECT into a locking read, so two
    // concurrent grants cannot both use the same reading.
    pub async fn grant_daily_bonus(&self, player_id: u64, bonus: i64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let mut opts = TxOpts::default();
        opts.with_isolation_level(IsolationLevel::Serializable);
        let mut tx = conn.start_transaction(opts).await?;
        let coins: i64 = tx
            .exec_first("SELECT coins FROM wallets WHERE player_id = ?", (player_id,))
            .await?
            .ok_or(EconomyError::NoWallet)?;
        tx.exec_drop(
            "UPDATE wallets SET coins = ? WHERE player_id = ?",
            (coins + bonus, player_id),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: a named lock (`GET_LOCK`) is taken before the read and released after the
    // write, so transfers for the same player run one at a time.
    pub async fn transfer_coins(&self, player_id: u64, to_bank: i64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let locked: Option<i64> = conn
            .exec_first("SELECT GET_LOCK(CONCAT('wallet:', ?), 5)", (player_id,))
            .await?;
        if locked != Some(1) {
            return Err(EconomyError::Busy);
        }
        let coins: i64 = conn
            .exec_first("SELECT coins FROM wallets WHERE player_id = ?", (player_id,))
            .await?
            .ok_or(EconomyError::NoWallet)?;
        if coins < to_bank {
            return Err(EconomyError::NotEnoughCoins);
        }
        conn.exec_drop(
            "UPDATE wallets SET coins = ? WHERE player_id = ?",
            (coins - to_bank, player_id),
        )
        .await?;
        conn.exec_drop("SELECT RELEASE_LOCK(CONCAT('wallet:', ?))", (player_id,))
            .await?;
        Ok(())
    }

    // quiet: the UPDATE repeats the check in its WHERE (`coins >= ?`) and
    // `affected_rows()` tells whether it matched.
    pub async fn buy_item_guarded(&self, player_id: u64, price: i64) -> Result<()> {
        let mut conn = self.pool.get_conn().await?;
        let coins: Option<i64> = conn
            .exec_first("SELECT coins FROM wallets WHERE player_id = ?", (player_id,))
            .await?;
        if coins.unwrap_or(0) < price {
            return Err(EconomyError::NotEnoughCoins);
        }
        conn.exec_drop(
            "UPDATE wallets SET coins = coins - ? WHERE player_id = ? AND coins >= ?",
            (price, player_id, price),
        )
        .await?;
        if conn.affected_rows() == 0 {
            return Err(EconomyError::NotEnoughCoins);
        }
        Ok(())
    }
}
