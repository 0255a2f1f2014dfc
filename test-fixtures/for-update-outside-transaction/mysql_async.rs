//! Warehouse stock and pick lists on MySQL through mysql_async. Pooled connections
//! run with autocommit on, so a locking read outside `START TRANSACTION` releases its
//! locks when the statement ends.

use mysql_async::prelude::*;
use mysql_async::{Conn, Pool, TxOpts};

use crate::error::WmsError;

// fire: `FOR UPDATE` on a connection fresh from `pool.get_conn()`.
pub async fn lock_stock_row(pool: &Pool, sku: &str) -> Result<Option<(u64, i64)>, WmsError> {
    let mut conn = pool.get_conn().await?;
    let row: Option<(u64, i64)> = conn
        .exec_first("SELECT id, quantity FROM stock WHERE sku = ? FOR UPDATE", (sku,)) //~ for-update-outside-transaction
        .await?;
    Ok(row)
}

// fire: `LOCK IN SHARE MODE` in autocommit mode protects nothing after it returns.
pub async fn bin_capacity(pool: &Pool, bin_id: u64) -> Result<u32, WmsError> {
    let mut conn = pool.get_conn().await?;
    let capacity: Option<u32> = conn
        .exec_first("SELECT capacity FROM bins WHERE id = ? LOCK IN SHARE MODE", (bin_id,)) //~ for-update-outside-transaction
        .await?;
    capacity.ok_or(WmsError::UnknownBin(bin_id))
}

// fire: `FOR SHARE` over a whole pick list, still on the autocommit connection.
pub async fn pick_list_lines(pool: &Pool, pick_list_id: u64) -> Result<Vec<(u64, String, u32)>, WmsError> {
    let mut conn = pool.get_conn().await?;
    let lines: Vec<(u64, String, u32)> = conn
        .exec(
            "SELECT id, sku, quantity FROM pick_list_lines WHERE pick_list_id = ? ORDER BY id FOR SHARE", //~ for-update-outside-transaction
            (pick_list_id,),
        )
        .await?;
    Ok(lines)
}

// quiet: the lock is taken in `start_transaction` and kept until `commit`.
pub async fn allocate_stock(pool: &Pool, sku: &str, qty: i64) -> Result<(), WmsError> {
    let mut conn = pool.get_conn().await?;
    let mut tx = conn.start_transaction(TxOpts::default()).await?;
    let row: Option<(u64, i64)> = tx
        .exec_first("SELECT id, quantity FROM stock WHERE sku = ? FOR UPDATE", (sku,))
        .await?;
    let Some((stock_id, quantity)) = row else {
        return Err(WmsError::UnknownSku(sku.to_owned()));
    };
    if quantity < qty {
        return Err(WmsError::Short { sku: sku.to_owned(), missing: qty - quantity });
    }
    tx.exec_drop(
        "UPDATE stock SET quantity = quantity - ? WHERE id = ?",
        (qty, stock_id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: raw `START TRANSACTION` on the same connection, closed by `COMMIT`.
pub async fn assign_bin(pool: &Pool, bin_id: u64, pallet_id: u64) -> Result<(), WmsError> {
    let mut conn = pool.get_conn().await?;
    conn.query_drop("START TRANSACTION").await?;
    let capacity: Option<u32> = conn
        .exec_first("SELECT capacity FROM bins WHERE id = ? FOR UPDATE", (bin_id,))
        .await?;
    if capacity.unwrap_or(0) == 0 {
        conn.query_drop("ROLLBACK").await?;
        return Err(WmsError::UnknownBin(bin_id));
    }
    conn.exec_drop(
        "UPDATE pallets SET bin_id = ? WHERE id = ?",
        (bin_id, pallet_id),
    )
    .await?;
    conn.query_drop("COMMIT").await?;
    Ok(())
}

// quiet: a `&mut Conn` parameter; the caller may have started a transaction on it.
pub async fn lock_stock_on(conn: &mut Conn, sku: &str) -> Result<Option<(u64, i64)>, WmsError> {
    let row = conn
        .exec_first("SELECT id, quantity FROM stock WHERE sku = ? FOR UPDATE", (sku,))
        .await?;
    Ok(row)
}

// quiet: a plain read, no locking clause.
pub async fn stock_on_hand(pool: &Pool, sku: &str) -> Result<i64, WmsError> {
    let mut conn = pool.get_conn().await?;
    let quantity: Option<i64> = conn
        .exec_first("SELECT quantity FROM stock WHERE sku = ?", (sku,))
        .await?;
    Ok(quantity.unwrap_or(0))
}
