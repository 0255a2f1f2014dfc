//! Billing queries on tokio-postgres, with clients checked out of a deadpool pool.
//! A client straight from the pool runs every statement in autocommit mode.

use anyhow::{bail, Context, Result};
use deadpool_postgres::Pool;
use tokio_postgres::{Client, IsolationLevel, NoTls, Transaction};
use uuid::Uuid;

use crate::config::DbConfig;
use crate::model::{Invoice, Subscription};

const LOCK_BATCH_INVOICES: &str =
    "SELECT id, customer_id, amount_cents FROM invoices WHERE batch_id = $1 ORDER BY id FOR UPDATE";

// fire: the client from `pool.get()` is in autocommit mode; the lock is released as
// soon as `query_one` returns.
pub async fn lock_invoice(pool: &Pool, invoice_id: Uuid) -> Result<Invoice> {
    let client = pool.get().await?;
    let row = client
        .query_one("SELECT id, customer_id, amount_cents, status FROM invoices WHERE id = $1 FOR UPDATE", &[&invoice_id]) //~ for-update-outside-transaction
        .await?;
    Ok(Invoice::from_row(&row))
}

// fire: `FOR SHARE` through `query_opt` on a pooled client.
pub async fn subscription_for_renewal(pool: &Pool, customer_id: Uuid) -> Result<Option<Subscription>> {
    let client = pool.get().await.context("checking out a client")?;
    let row = client
        .query_opt(
            "SELECT id, plan_id, renews_at FROM subscriptions WHERE customer_id = $1 AND cancelled_at IS NULL FOR SHARE", //~ for-update-outside-transaction
            &[&customer_id],
        )
        .await?;
    Ok(row.as_ref().map(Subscription::from_row))
}

// fire: the statement comes from a `const`; the `query` call on the pooled client is reported.
pub async fn lock_invoice_batch(pool: &Pool, batch_id: i64) -> Result<Vec<Invoice>> {
    let client = pool.get().await?;
    let rows = client.query(LOCK_BATCH_INVOICES, &[&batch_id]).await?; //~ for-update-outside-transaction
    Ok(rows.iter().map(Invoice::from_row).collect())
}

// fire: a client made with `tokio_postgres::connect` has no transaction open.
pub async fn lock_tenant(cfg: &DbConfig, tenant_id: Uuid) -> Result<String> {
    let (client, connection) = tokio_postgres::connect(&cfg.url, NoTls).await?;
    tokio::spawn(async move {
        if let Err(e) = connection.await {
            tracing::error!(error = %e, "postgres connection closed");
        }
    });
    let row = client
        .query_one("SELECT slug FROM tenants WHERE id = $1 FOR KEY SHARE", &[&tenant_id]) //~ for-update-outside-transaction
        .await?;
    Ok(row.get("slug"))
}

// quiet: the lock is taken in `client.transaction()` and held until commit.
pub async fn void_invoice(pool: &Pool, invoice_id: Uuid) -> Result<()> {
    let mut client = pool.get().await?;
    let tx = client.transaction().await?;
    let row = tx
        .query_one("SELECT id, customer_id, amount_cents, status FROM invoices WHERE id = $1 FOR UPDATE", &[&invoice_id])
        .await?;
    let status: &str = row.get("status");
    if status == "paid" {
        bail!("invoice {invoice_id} is already paid");
    }
    tx.execute("UPDATE invoices SET voided_at = now() WHERE id = $1", &[&invoice_id])
        .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: `build_transaction()` with SERIALIZABLE isolation.
pub async fn close_batch(pool: &Pool, batch_id: i64) -> Result<u64> {
    let mut client = pool.get().await?;
    let tx = client
        .build_transaction()
        .isolation_level(IsolationLevel::Serializable)
        .start()
        .await?;
    let rows = tx.query(LOCK_BATCH_INVOICES, &[&batch_id]).await?;
    let total: i64 = rows.iter().map(|r| r.get::<_, i64>("amount_cents")).sum();
    tx.execute(
        "UPDATE invoice_batches SET closed_at = now(), total_cents = $1 WHERE id = $2",
        &[&total, &batch_id],
    )
    .await?;
    tx.commit().await?;
    Ok(rows.len() as u64)
}

// quiet: a raw `BEGIN` on the same client keeps the lock until `COMMIT`.
pub async fn mark_subscription_renewing(pool: &Pool, subscription_id: Uuid) -> Result<()> {
    let client = pool.get().await?;
    client.batch_execute("BEGIN").await?;
    let row = client
        .query_one("SELECT id, plan_id FROM subscriptions WHERE id = $1 FOR UPDATE", &[&subscription_id])
        .await?;
    let plan_id: Uuid = row.get("plan_id");
    client
        .execute(
            "UPDATE subscriptions SET renewing_since = now(), renewing_plan_id = $1 WHERE id = $2",
            &[&plan_id, &subscription_id],
        )
        .await?;
    client.batch_execute("COMMIT").await?;
    Ok(())
}

// quiet: a `&Client` parameter may be the caller's transaction.
pub async fn lock_invoice_with(client: &Client, invoice_id: Uuid) -> Result<Invoice> {
    let row = client
        .query_one("SELECT id, customer_id, amount_cents, status FROM invoices WHERE id = $1 FOR UPDATE", &[&invoice_id])
        .await?;
    Ok(Invoice::from_row(&row))
}

// quiet: a `&Transaction<'_>` parameter is a transaction.
pub async fn lock_subscription_in(tx: &Transaction<'_>, subscription_id: Uuid) -> Result<Subscription> {
    let row = tx
        .query_one("SELECT id, plan_id, renews_at FROM subscriptions WHERE id = $1 FOR NO KEY UPDATE", &[&subscription_id])
        .await?;
    Ok(Subscription::from_row(&row))
}

// quiet: the CTE's lock and the UPDATE are one statement.
pub async fn claim_dunning_batch(pool: &Pool, worker: &str) -> Result<Vec<Uuid>> {
    let client = pool.get().await?;
    let rows = client
        .query(
            "WITH due AS (SELECT id FROM invoices WHERE status = 'overdue' AND dunning_worker IS NULL ORDER BY due_at LIMIT 50 FOR UPDATE SKIP LOCKED) \
             UPDATE invoices SET dunning_worker = $1 FROM due WHERE invoices.id = due.id RETURNING invoices.id",
            &[&worker],
        )
        .await?;
    Ok(rows.iter().map(|r| r.get(0)).collect())
}

// quiet: no locking clause.
pub async fn open_invoices(pool: &Pool, customer_id: Uuid) -> Result<Vec<Invoice>> {
    let client = pool.get().await?;
    let rows = client
        .query("SELECT id, customer_id, amount_cents, status FROM invoices WHERE customer_id = $1 AND status = 'open'", &[&customer_id])
        .await?;
    Ok(rows.iter().map(Invoice::from_row).collect())
}
