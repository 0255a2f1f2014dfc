//! A helper takes `FOR UPDATE` on whatever connection it is given: it is
//! judged where it is called.

use sqlx::{PgConnection, PgPool};

pub async fn lock_account_row(conn: &mut PgConnection, id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
        .fetch_one(conn)
        .await
}

pub async fn peek(pool: &PgPool, id: i64) -> sqlx::Result<i64> {
    let mut conn = pool.acquire().await?;
    let balance = fetch_locked(&mut conn, id).await?; //~ for-update-outside-transaction
    Ok(balance)
}

pub async fn fetch_locked(conn: &mut PgConnection, id: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar!("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE", id)
        .fetch_one(conn)
        .await
}

// Quiet: the caller's transaction holds the lock.
pub async fn debit(pool: &PgPool, id: i64, amount: i64) -> sqlx::Result<()> {
    let mut tx = pool.begin().await?;
    let balance = fetch_locked(&mut tx, id).await?;
    sqlx::query!("UPDATE accounts SET balance = $1 WHERE id = $2", balance - amount, id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}
