//! Wiki page storage on tokio-postgres via a deadpool pool, with `revision` /
//! `version` / `etag` columns used for optimistic locking.

use anyhow::{bail, ensure, Result};
use deadpool_postgres::Pool;
use tokio_postgres::Client;
use uuid::Uuid;

use crate::wiki::{PageEdit, PageError};

pub struct PageStore {
    pool: Pool,
}

impl PageStore {
    // fire: `client.execute(..).await?;` returns the row count and it is dropped.
    pub async fn save(&self, page_id: Uuid, edit: &PageEdit) -> Result<()> {
        let client = self.pool.get().await?;
        client
            .execute(
                "UPDATE pages SET body = $1, revision = revision + 1 WHERE id = $2 AND revision = $3", //~ unchecked-optimistic-update
                &[&edit.body, &page_id, &edit.revision],
            )
            .await?;
        Ok(())
    }

    // fire: inside a transaction, but the stale-revision case is still not detected.
    pub async fn move_page(&self, page_id: Uuid, new_parent: Uuid, revision: i32) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "UPDATE pages SET parent_id = $1, revision = revision + 1 WHERE id = $2 AND revision = $3", //~ unchecked-optimistic-update
            &[&new_parent, &page_id, &revision],
        )
        .await?;
        tx.execute("DELETE FROM page_breadcrumbs WHERE page_id = $1", &[&page_id])
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: `n == 0` is turned into a conflict error.
    pub async fn rename(&self, page_id: Uuid, title: &str, revision: i32) -> Result<(), PageError> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE pages SET title = $1, revision = revision + 1 WHERE id = $2 AND revision = $3",
                &[&title, &page_id, &revision],
            )
            .await?;
        if n == 0 {
            return Err(PageError::Conflict { page_id, revision });
        }
        Ok(())
    }

    // quiet: `ensure!` on the row count.
    pub async fn lock_page(&self, page_id: Uuid, revision: i32) -> Result<()> {
        let client = self.pool.get().await?;
        let n = client
            .execute(
                "UPDATE pages SET locked = true, revision = revision + 1 WHERE id = $1 AND revision = $2",
                &[&page_id, &revision],
            )
            .await?;
        ensure!(n == 1, "page {page_id} is no longer at revision {revision}");
        Ok(())
    }
}

// fire: `let _ =` on a compare-and-set by `etag`.
pub async fn update_attachment(client: &Client, attachment_id: Uuid, data: &[u8], etag: &str, new_etag: &str) {
    let _ = client
        .execute(
            "UPDATE attachments SET data = $1, etag = $2 WHERE id = $3 AND etag = $4", //~ unchecked-optimistic-update
            &[&data, &new_etag, &attachment_id, &etag],
        )
        .await;
}

// quiet: `RETURNING version` through `query_opt`, matched.
pub async fn restore_page(client: &Client, page_id: Uuid, version: i64) -> Result<i64> {
    let row = client
        .query_opt(
            "UPDATE page_snapshots SET restored_at = now(), version = version + 1 WHERE page_id = $1 AND version = $2 RETURNING version",
            &[&page_id, &version],
        )
        .await?;
    match row {
        Some(row) => Ok(row.get(0)),
        None => bail!("snapshot of page {page_id} moved past version {version}"),
    }
}

// quiet: the comparison is the function's result.
pub async fn archive_page(client: &Client, page_id: Uuid, revision: i32) -> Result<bool> {
    Ok(client
        .execute(
            "UPDATE pages SET archived_at = now(), revision = revision + 1 WHERE id = $1 AND revision = $2",
            &[&page_id, &revision],
        )
        .await?
        == 1)
}
