//! Nightly ledger maintenance with the synchronous `postgres` crate.

use anyhow::{ensure, Result};
use postgres::{Client, NoTls, Transaction};

use crate::config::BatchConfig;

const LOCK_PERIOD: &str = "SELECT id, opened_on, closed_on FROM ledger_periods WHERE id = $1 FOR NO KEY UPDATE";

// fire: a fresh `Client::connect` is autocommit; the period row is unlocked again
// before the caller looks at it.
pub fn lock_open_period(cfg: &BatchConfig, period_id: i64) -> Result<bool> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    let row = client.query_one("SELECT id, closed_on FROM ledger_periods WHERE id = $1 FOR UPDATE", &[&period_id])?; //~ for-update-outside-transaction
    let closed_on: Option<chrono::NaiveDate> = row.get("closed_on");
    Ok(closed_on.is_none())
}

// fire: the SQL is a `const`; the call that runs it outside a transaction is reported.
pub fn period_bounds(cfg: &BatchConfig, period_id: i64) -> Result<(chrono::NaiveDate, Option<chrono::NaiveDate>)> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    let row = client.query_one(LOCK_PERIOD, &[&period_id])?; //~ for-update-outside-transaction
    Ok((row.get("opened_on"), row.get("closed_on")))
}

// fire: the raw transaction was committed before the `FOR SHARE` read, so the read
// runs in autocommit mode again.
pub fn post_accruals(cfg: &BatchConfig, period_id: i64) -> Result<i64> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    client.batch_execute("BEGIN")?;
    client.execute(
        "UPDATE accruals SET posted_at = now() WHERE period_id = $1 AND posted_at IS NULL",
        &[&period_id],
    )?;
    client.batch_execute("COMMIT")?;
    let rows = client.query(
        "SELECT id, amount_cents FROM ledger_entries WHERE period_id = $1 FOR SHARE", //~ for-update-outside-transaction
        &[&period_id],
    )?;
    Ok(rows.iter().map(|r| r.get::<_, i64>("amount_cents")).sum())
}

// quiet: `client.transaction()` holds the lock until `commit`.
pub fn close_period(cfg: &BatchConfig, period_id: i64) -> Result<()> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    let mut tx = client.transaction()?;
    let row = tx.query_one("SELECT id, opened_on FROM ledger_periods WHERE id = $1 FOR UPDATE", &[&period_id])?;
    let opened_on: chrono::NaiveDate = row.get("opened_on");
    tx.execute(
        "UPDATE ledger_periods SET closed_on = $1 WHERE id = $2",
        &[&opened_on.succ_opt().unwrap_or(opened_on), &period_id],
    )?;
    tx.commit()?;
    Ok(())
}

// quiet: raw `BEGIN` ... `COMMIT` around the lock on the same client.
pub fn reopen_period(cfg: &BatchConfig, period_id: i64) -> Result<()> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    client.batch_execute("BEGIN")?;
    let rows = client.query(LOCK_PERIOD, &[&period_id])?;
    ensure!(rows.len() == 1, "no ledger period {period_id}");
    client.execute(
        "UPDATE ledger_periods SET reopened_at = now() WHERE id = $1",
        &[&period_id],
    )?;
    client.batch_execute("COMMIT")?;
    Ok(())
}

// quiet: a `&mut Client` parameter; the caller may have begun a transaction on it.
pub fn lock_period_with(client: &mut Client, period_id: i64) -> Result<i64> {
    let row = client.query_one("SELECT id FROM ledger_periods WHERE id = $1 FOR UPDATE", &[&period_id])?;
    Ok(row.get(0))
}

// quiet: the function is handed a transaction.
pub fn lock_entries_in(tx: &mut Transaction<'_>, period_id: i64) -> Result<usize> {
    let rows = tx.query(
        "SELECT id, amount_cents FROM ledger_entries WHERE period_id = $1 ORDER BY id FOR UPDATE",
        &[&period_id],
    )?;
    Ok(rows.len())
}

// quiet: one UPDATE with a `SKIP LOCKED` subquery claims the export row atomically.
pub fn claim_export(cfg: &BatchConfig, worker: &str) -> Result<Option<i64>> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    let row = client.query_opt(
        "UPDATE exports SET claimed_by = $1 WHERE id = (SELECT id FROM exports WHERE claimed_by IS NULL ORDER BY id FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id",
        &[&worker],
    )?;
    Ok(row.map(|r| r.get(0)))
}
