//! Flag locks around database writes and file writes: besides the race itself, a
//! process-local flag does not coordinate several instances of the service.

use std::sync::atomic::{AtomicBool, Ordering};
use std::path::PathBuf;

use sqlx::PgPool;

use crate::store::Snapshot;

static SENDING_INVOICES: AtomicBool = AtomicBool::new(false);

pub struct SnapshotWriter {
    path: PathBuf,
    export_dir: PathBuf,
    writing: AtomicBool,
    exporting: AtomicBool,
}

// fire: checked-then-set flag guarding a database update; two requests in this process
// can both pass, and other replicas never see the flag at all.
pub async fn send_queued_invoices(pool: &PgPool) -> Result<u64, sqlx::Error> {
    if SENDING_INVOICES.load(Ordering::Acquire) {
        return Ok(0);
    }
    SENDING_INVOICES.store(true, Ordering::Release); //~ static-flag-lock
    let result = sqlx::query("UPDATE invoices SET status = 'sent' WHERE status = 'queued'")
        .execute(pool)
        .await;
    SENDING_INVOICES.store(false, Ordering::Release);
    Ok(result?.rows_affected())
}

impl SnapshotWriter {
    // fire: flag lock around `std::fs::write`; two savers can interleave their writes.
    pub fn save(&self, snapshot: &Snapshot) -> std::io::Result<()> {
        if self.writing.load(Ordering::Acquire) {
            return Ok(());
        }
        self.writing.store(true, Ordering::Release); //~ static-flag-lock
        let result = std::fs::write(&self.path, snapshot.to_bytes());
        self.writing.store(false, Ordering::Release);
        result
    }

    // fire: negated check around an async file write.
    pub async fn export(&self, snapshot: &Snapshot) -> std::io::Result<()> {
        if !self.exporting.load(Ordering::SeqCst) {
            self.exporting.store(true, Ordering::SeqCst); //~ static-flag-lock
            let target = self.export_dir.join("latest.json");
            let result = tokio::fs::write(target, snapshot.to_json()).await;
            self.exporting.store(false, Ordering::SeqCst);
            return result;
        }
        Ok(())
    }
}
