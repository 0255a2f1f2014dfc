//! Note-taking app storage on SQLite through rusqlite. Notes sync between devices,
//! and each edit carries the `revision` it was based on.

use rusqlite::{named_params, params, Connection};

use crate::notes::{NoteEdit, SyncError};

// fire: `conn.execute(..)?;` throws away the changed-row count.
pub fn save_note(conn: &Connection, edit: &NoteEdit) -> Result<(), SyncError> {
    conn.execute(
        "UPDATE notes SET body = ?1, revision = revision + 1 WHERE id = ?2 AND revision = ?3", //~ unchecked-optimistic-update
        params![edit.body, edit.note_id, edit.revision],
    )?;
    Ok(())
}

// fire: named parameters, `version` compared, result dropped.
pub fn move_note(conn: &Connection, note_id: i64, folder_id: i64, version: i64) -> Result<(), SyncError> {
    conn.execute(
        "UPDATE notes SET folder_id = :folder, version = version + 1 WHERE id = :id AND version = :version", //~ unchecked-optimistic-update
        named_params! { ":folder": folder_id, ":id": note_id, ":version": version },
    )?;
    Ok(())
}

// fire: in a transaction; a zero count is committed as if the sync had applied.
pub fn apply_remote_edits(conn: &mut Connection, edits: &[NoteEdit]) -> Result<(), SyncError> {
    let tx = conn.transaction()?;
    for edit in edits {
        tx.execute(
            "UPDATE notes SET body = ?1, row_version = row_version + 1 WHERE id = ?2 AND row_version = ?3", //~ unchecked-optimistic-update
            params![edit.body, edit.note_id, edit.revision],
        )?;
    }
    tx.commit()?;
    Ok(())
}

// quiet: `changed == 0` is reported as a sync conflict.
pub fn save_note_checked(conn: &Connection, edit: &NoteEdit) -> Result<(), SyncError> {
    let changed = conn.execute(
        "UPDATE notes SET body = ?1, revision = revision + 1 WHERE id = ?2 AND revision = ?3",
        params![edit.body, edit.note_id, edit.revision],
    )?;
    if changed == 0 {
        return Err(SyncError::Conflict(edit.note_id));
    }
    Ok(())
}

// quiet: the comparison is returned to the caller.
pub fn pin_note(conn: &Connection, note_id: i64, revision: i64) -> Result<bool, SyncError> {
    Ok(conn.execute(
        "UPDATE notes SET pinned = 1, revision = revision + 1 WHERE id = ?1 AND revision = ?2",
        params![note_id, revision],
    )? == 1)
}

// quiet: `revision` is only incremented; the WHERE matches on the id alone.
pub fn mark_read(conn: &Connection, note_id: i64) -> Result<(), SyncError> {
    conn.execute(
        "UPDATE notes SET read_at = datetime('now'), revision = revision + 1 WHERE id = ?1",
        params![note_id],
    )?;
    Ok(())
}
