//! Batch importer on the synchronous `postgres` crate; product rows carry a
//! `lock_version` that the upstream feed echoes back.

use anyhow::{bail, Result};
use postgres::{Client, NoTls};

use crate::feed::{FeedConfig, PriceChange};

// fire: `client.execute(..)?;` discards the row count of a compare-and-set.
pub fn apply_price_change(client: &mut Client, change: &PriceChange) -> Result<()> {
    client.execute(
        "UPDATE products SET price_cents = $1, lock_version = lock_version + 1 WHERE sku = $2 AND lock_version = $3", //~ unchecked-optimistic-update
        &[&change.price_cents, &change.sku, &change.lock_version],
    )?;
    Ok(())
}

// fire: `_updated` is never read; the commit goes ahead after a lost race.
pub fn import_descriptions(cfg: &FeedConfig, rows: &[(String, String, i32)]) -> Result<()> {
    let mut client = Client::connect(&cfg.database_url, NoTls)?;
    let mut tx = client.transaction()?;
    for (sku, description, row_version) in rows {
        let _updated = tx.execute(
            "UPDATE products SET description = $1, row_version = row_version + 1 WHERE sku = $2 AND row_version = $3", //~ unchecked-optimistic-update
            &[description, sku, row_version],
        )?;
    }
    tx.commit()?;
    Ok(())
}

// quiet: `n != 1` aborts the import.
pub fn apply_price_change_checked(client: &mut Client, change: &PriceChange) -> Result<()> {
    let n = client.execute(
        "UPDATE products SET price_cents = $1, lock_version = lock_version + 1 WHERE sku = $2 AND lock_version = $3",
        &[&change.price_cents, &change.sku, &change.lock_version],
    )?;
    if n != 1 {
        bail!("product {} changed since lock_version {}", change.sku, change.lock_version);
    }
    Ok(())
}

// quiet: the row count is matched on.
pub fn discontinue(client: &mut Client, sku: &str, lock_version: i32) -> Result<()> {
    match client.execute(
        "UPDATE products SET discontinued = true, lock_version = lock_version + 1 WHERE sku = $1 AND lock_version = $2",
        &[&sku, &lock_version],
    )? {
        0 => bail!("product {sku} was modified concurrently"),
        _ => Ok(()),
    }
}
