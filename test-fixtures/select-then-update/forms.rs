//! Less common ways of writing the same read-then-write: SQLite and MySQL
//! through sqlx, `concat!`, `unchecked_transaction`, prepared statements,
//! `SET TRANSACTION`, and mysql_async's `query_first`/`query_drop`.

use mysql_async::prelude::*;
use rusqlite::{params, Connection};
use sqlx::{MySqlPool, SqlitePool};

pub struct Ledger {
    pool: SqlitePool,
}

impl Ledger {
    // fire: SQLite through sqlx; the points read are decremented in Rust and written
    // back. SQLite has no FOR UPDATE: the rewrite is `BEGIN IMMEDIATE`.
    pub async fn spend_points(&self, user_id: i64, cost: i64) -> anyhow::Result<i64> {
        let points: i64 = sqlx::query_scalar("SELECT points FROM members WHERE id = ?1")
            .bind(user_id)
            .fetch_one(&self.pool)
            .await?;
        anyhow::ensure!(points >= cost, "not enough points");
        sqlx::query("UPDATE members SET points = ?1 WHERE id = ?2") //~ select-then-update
            .bind(points - cost)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(points - cost)
    }
}

// fire: MySQL through sqlx, with the SELECT split over `concat!`.
pub async fn take_seat(pool: &MySqlPool, show_id: u64) -> anyhow::Result<()> {
    let free: i32 = sqlx::query_scalar(concat!(
        "SELECT seats_free FROM shows ",
        "WHERE id = ?"
    ))
    .bind(show_id)
    .fetch_one(pool)
    .await?;
    if free == 0 {
        anyhow::bail!("sold out");
    }
    sqlx::query("UPDATE shows SET seats_free = seats_free - 1 WHERE id = ?") //~ select-then-update
        .bind(show_id)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: `SET TRANSACTION ISOLATION LEVEL SERIALIZABLE` as the transaction's first
// statement; one of two concurrent callers fails to commit instead of losing an update.
pub async fn take_seat_serializable(pool: &sqlx::PgPool, show_id: i64) -> anyhow::Result<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL SERIALIZABLE")
        .execute(&mut *tx)
        .await?;
    let free: i32 = sqlx::query_scalar("SELECT seats_free FROM shows WHERE id = $1")
        .bind(show_id)
        .fetch_one(&mut *tx)
        .await?;
    if free > 0 {
        sqlx::query("UPDATE shows SET seats_free = seats_free - 1 WHERE id = $1")
            .bind(show_id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

// fire: a deferred `unchecked_transaction` does not take the write lock when it reads;
// the UPDATE runs through a prepared statement.
pub fn consume_credit(conn: &Connection, account: i64) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let credits: i64 = tx.query_row(
        "SELECT credits FROM accounts WHERE id = ?1",
        params![account],
        |r| r.get(0),
    )?;
    if credits > 0 {
        let mut stmt = tx.prepare("UPDATE accounts SET credits = credits - 1 WHERE id = ?1")?; //~ select-then-update
        stmt.execute(params![account])?;
    }
    tx.commit()
}

// quiet: the same, but the SELECT and UPDATE touch different tables.
pub fn consume_credit_elsewhere(conn: &Connection, account: i64) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    let credits: i64 = tx.query_row(
        "SELECT credits FROM accounts WHERE id = ?1",
        params![account],
        |r| r.get(0),
    )?;
    if credits > 0 {
        tx.execute("UPDATE usage SET used = used + 1 WHERE account = ?1", params![account])?;
    }
    tx.commit()
}

// fire: mysql_async `query_first` then a `format!`-built `query_drop`.
pub async fn bump_quota(conn: &mut mysql_async::Conn, team: u64) -> mysql_async::Result<()> {
    let used: Option<u32> = conn
        .query_first(format!("SELECT used FROM quotas WHERE team_id = {team}"))
        .await?;
    let used = used.unwrap_or(0);
    if used < 100 {
        conn.query_drop(format!(
            "UPDATE quotas SET used = {} WHERE team_id = {}", //~ select-then-update
            used + 1,
            team
        ))
        .await?;
    }
    Ok(())
}
