//! Ticket tracker on MySQL through mysql_async. `exec_drop` returns `()`; the
//! matched-row count is only available afterwards through `affected_rows()`.

use mysql_async::prelude::*;
use mysql_async::{Conn, Pool, TxOpts};

use crate::tickets::{TicketError, TicketPatch};

// fire: `exec_drop` with a `version` guard and no `affected_rows()` check.
pub async fn update_ticket(pool: &Pool, ticket_id: u64, patch: &TicketPatch) -> Result<(), TicketError> {
    let mut conn = pool.get_conn().await?;
    conn.exec_drop(
        "UPDATE tickets SET title = ?, body = ?, version = version + 1 WHERE id = ? AND version = ?", //~ unchecked-optimistic-update
        (&patch.title, &patch.body, ticket_id, patch.version),
    )
    .await?;
    Ok(())
}

// fire: guarded on `updated_at` equality inside a transaction, outcome never checked.
pub async fn assign_ticket(pool: &Pool, ticket_id: u64, assignee: u64, seen_updated_at: chrono::NaiveDateTime) -> Result<(), TicketError> {
    let mut conn = pool.get_conn().await?;
    let mut tx = conn.start_transaction(TxOpts::default()).await?;
    tx.exec_drop(
        "UPDATE tickets SET assignee_id = ?, updated_at = NOW(6) WHERE id = ? AND updated_at = ?", //~ unchecked-optimistic-update
        (assignee, ticket_id, seen_updated_at),
    )
    .await?;
    tx.exec_drop(
        "DELETE FROM ticket_watch_cache WHERE ticket_id = ?",
        (ticket_id,),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

// fire: `let _ =` on an `etag` compare-and-set.
pub async fn replace_attachment(conn: &mut Conn, attachment_id: u64, blob: Vec<u8>, if_match: &str, new_etag: &str) {
    let _ = conn
        .exec_drop(
            "UPDATE ticket_attachments SET content = ?, etag = ? WHERE id = ? AND etag = ?", //~ unchecked-optimistic-update
            (blob, new_etag, attachment_id, if_match),
        )
        .await;
}

// quiet: `affected_rows()` is checked right after `exec_drop`.
pub async fn close_ticket(pool: &Pool, ticket_id: u64, version: u32) -> Result<(), TicketError> {
    let mut conn = pool.get_conn().await?;
    conn.exec_drop(
        "UPDATE tickets SET state = 'closed', version = version + 1 WHERE id = ? AND version = ?",
        (ticket_id, version),
    )
    .await?;
    if conn.affected_rows() == 0 {
        return Err(TicketError::Conflict { ticket_id, version });
    }
    Ok(())
}

// quiet: `affected_rows()` on the transaction before committing.
pub async fn relabel_ticket(pool: &Pool, ticket_id: u64, label: &str, revision: u32) -> Result<(), TicketError> {
    let mut conn = pool.get_conn().await?;
    let mut tx = conn.start_transaction(TxOpts::default()).await?;
    tx.exec_drop(
        "UPDATE tickets SET label = ?, revision = revision + 1 WHERE id = ? AND revision = ?",
        (label, ticket_id, revision),
    )
    .await?;
    if tx.affected_rows() != 1 {
        tx.rollback().await?;
        return Err(TicketError::Conflict { ticket_id, version: revision });
    }
    tx.commit().await?;
    Ok(())
}

// quiet: `version` is bumped but not compared.
pub async fn add_watcher(pool: &Pool, ticket_id: u64) -> Result<(), TicketError> {
    let mut conn = pool.get_conn().await?;
    conn.exec_drop(
        "UPDATE tickets SET watcher_count = watcher_count + 1, version = version + 1 WHERE id = ?",
        (ticket_id,),
    )
    .await?;
    Ok(())
}
