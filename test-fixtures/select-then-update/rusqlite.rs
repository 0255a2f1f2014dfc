//! Point-of-sale store on SQLite through rusqlite and an r2d2 pool; the HTTP layer
//! serves requests from several threads, each with its own pooled connection.

use chrono::Utc;
use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{params, TransactionBehavior};

use crate::pos::{PosError, Result};

const MAX_LOGIN_ATTEMPTS: i64 = 5;

pub struct PosStore {
    pool: Pool<SqliteConnectionManager>,
}

impl PosStore {
    // fire: lost update on a gift card: the balance is read, reduced in Rust and written
    // back with `?1`; two tills redeeming the same card at once both start from the same
    // balance.
    pub fn redeem_gift_card(&self, card_id: i64, amount_cents: i64) -> Result<i64> {
        let conn = self.pool.get()?;
        let balance: i64 = conn.query_row(
            "SELECT balance_cents FROM gift_cards WHERE id = ?1",
            params![card_id],
            |row| row.get(0),
        )?;
        if balance < amount_cents {
            return Err(PosError::InsufficientBalance);
        }
        let new_balance = balance - amount_cents;
        conn.execute(
            "UPDATE gift_cards SET balance_cents = ?1 WHERE id = ?2", //~ select-then-update
            params![new_balance, card_id],
        )?;
        Ok(new_balance)
    }

    // fire: the SELECT comes from a `let`-bound string; the attempt counter is
    // incremented in Rust, so concurrent failed logins are under-counted.
    pub fn record_failed_login(&self, username: &str) -> Result<i64> {
        let conn = self.pool.get()?;
        let q = "SELECT attempts FROM login_throttle WHERE username = ?1";
        let attempts: i64 = conn.query_row(q, params![username], |row| row.get(0))?;
        if attempts >= MAX_LOGIN_ATTEMPTS {
            return Err(PosError::AccountLocked);
        }
        conn.execute(
            "UPDATE login_throttle SET attempts = ?1, last_attempt_at = ?2 WHERE username = ?3", //~ select-then-update
            params![attempts + 1, Utc::now().timestamp(), username],
        )?;
        Ok(attempts + 1)
    }

    // fire: `conn.transaction()` is DEFERRED: the write lock is only taken at the UPDATE,
    // so two sales both read the old quantity first and one of them then fails with
    // SQLITE_BUSY, which the busy timeout cannot resolve.
    pub fn sell(&self, sku: &str, qty: i64) -> Result<()> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction()?;
        let on_hand: i64 = tx.query_row(
            "SELECT quantity FROM stock_levels WHERE sku = ?1",
            params![sku],
            |row| row.get(0),
        )?;
        if on_hand < qty {
            return Err(PosError::OutOfStock);
        }
        tx.execute(
            "UPDATE stock_levels SET quantity = quantity - ?1 WHERE sku = ?2", //~ select-then-update
            params![qty, sku],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: an IMMEDIATE transaction takes the write lock at BEGIN, so no other
    // connection can change the stock between the check and the UPDATE.
    pub fn sell_immediate(&self, sku: &str, qty: i64) -> Result<()> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let on_hand: i64 = tx.query_row(
            "SELECT quantity FROM stock_levels WHERE sku = ?1",
            params![sku],
            |row| row.get(0),
        )?;
        if on_hand < qty {
            return Err(PosError::OutOfStock);
        }
        tx.execute(
            "UPDATE stock_levels SET quantity = ?1 WHERE sku = ?2",
            params![on_hand - qty, sku],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: raw `BEGIN IMMEDIATE` on the same connection, committed after the UPDATE.
    pub fn top_up_gift_card(&self, card_id: i64, amount_cents: i64) -> Result<i64> {
        let conn = self.pool.get()?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let balance: i64 = conn.query_row(
            "SELECT balance_cents FROM gift_cards WHERE id = ?1",
            params![card_id],
            |row| row.get(0),
        )?;
        let new_balance = balance + amount_cents;
        conn.execute(
            "UPDATE gift_cards SET balance_cents = ?1 WHERE id = ?2",
            params![new_balance, card_id],
        )?;
        conn.execute_batch("COMMIT")?;
        Ok(new_balance)
    }

    // quiet: the UPDATE re-checks the quantity in its WHERE and the changed-row count is
    // checked.
    pub fn sell_guarded(&self, sku: &str, qty: i64) -> Result<()> {
        let conn = self.pool.get()?;
        let on_hand: i64 = conn.query_row(
            "SELECT quantity FROM stock_levels WHERE sku = ?1",
            params![sku],
            |row| row.get(0),
        )?;
        if on_hand < qty {
            return Err(PosError::OutOfStock);
        }
        let changed = conn.execute(
            "UPDATE stock_levels SET quantity = quantity - ?1 WHERE sku = ?2 AND quantity >= ?1",
            params![qty, sku],
        )?;
        if changed == 0 {
            return Err(PosError::OutOfStock);
        }
        Ok(())
    }

    // quiet: the attempt count is read from `login_throttle`, but the `let`-bound UPDATE
    // writes `users`, a different table.
    pub fn lock_if_throttled(&self, username: &str, until: i64) -> Result<bool> {
        let conn = self.pool.get()?;
        let attempts: i64 = conn.query_row(
            "SELECT attempts FROM login_throttle WHERE username = ?1",
            params![username],
            |row| row.get(0),
        )?;
        if attempts < MAX_LOGIN_ATTEMPTS {
            return Ok(false);
        }
        let q = "UPDATE users SET locked_until = ?1 WHERE username = ?2";
        conn.execute(q, params![until, username])?;
        Ok(true)
    }
}
