//! A payment handler that reads a balance and writes it back.

use sqlx::PgPool;

pub async fn withdraw(pool: &PgPool, account_id: i64, amount: i64) -> anyhow::Result<i64> {
    let row = sqlx::query!("SELECT balance FROM accounts WHERE id = $1", account_id)
        .fetch_one(pool)
        .await?;
    anyhow::ensure!(row.balance >= amount, "insufficient funds");
    let new_balance = row.balance - amount;
    sqlx::query!("UPDATE accounts SET balance = $1 WHERE id = $2", new_balance, account_id)
        .execute(pool)
        .await?;
    Ok(new_balance)
}
