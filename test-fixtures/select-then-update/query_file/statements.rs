//! Invoice payments using sqlx's `query_file!`, which reads the SQL from `queries/`
//! next to this crate's Cargo.toml.

use sqlx::PgPool;

use crate::error::{AppError, Result};

// fire: the balance read by `get_balance.sql` is reduced in Rust and written back by
// `set_balance.sql` on another pooled connection; a concurrent payment is lost.
pub async fn pay_invoice(pool: &PgPool, account_id: i64, amount: i64) -> Result<i64> {
    let account = sqlx::query_file!("queries/get_balance.sql", account_id)
        .fetch_one(pool)
        .await?;
    if account.balance < amount {
        return Err(AppError::InsufficientFunds);
    }
    let new_balance = account.balance - amount;
    sqlx::query_file!("queries/set_balance.sql", new_balance, account_id) //~ select-then-update
        .execute(pool)
        .await?;
    Ok(new_balance)
}

// quiet: the same two files, but a transaction-scoped advisory lock on the account is
// taken first, so payments for one account run one after the other.
pub async fn pay_invoice_locked(pool: &PgPool, account_id: i64, amount: i64) -> Result<i64> {
    let mut tx = pool.begin().await?;
    sqlx::query!("SELECT pg_advisory_xact_lock($1)", account_id)
        .execute(&mut *tx)
        .await?;
    let account = sqlx::query_file!("queries/get_balance.sql", account_id)
        .fetch_one(&mut *tx)
        .await?;
    if account.balance < amount {
        return Err(AppError::InsufficientFunds);
    }
    let new_balance = account.balance - amount;
    sqlx::query_file!("queries/set_balance.sql", new_balance, account_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(new_balance)
}

#[derive(Debug)]
pub struct Balance {
    pub balance: i64,
}

// fire: `query_file_as!` reads the row into a struct; the new balance is computed in
// Rust and written back without a lock.
pub async fn refund_invoice(pool: &PgPool, account_id: i64, amount: i64) -> Result<i64> {
    let account = sqlx::query_file_as!(Balance, "queries/get_balance.sql", account_id)
        .fetch_one(pool)
        .await?;
    let new_balance = account.balance + amount;
    sqlx::query_file!("queries/set_balance.sql", new_balance, account_id) //~ select-then-update
        .execute(pool)
        .await?;
    Ok(new_balance)
}
