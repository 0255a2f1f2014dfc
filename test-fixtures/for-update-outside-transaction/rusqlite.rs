//! Local task store on SQLite through rusqlite. SQLite has no row locks and no
//! `FOR UPDATE`; writers are serialised by the database lock instead.

use std::path::Path;

use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};

use crate::tasks::{Task, TaskError};

// quiet: plain SELECT on a connection opened in the function; nothing to lock.
pub fn load_task(db_path: &Path, task_id: i64) -> Result<Option<Task>, TaskError> {
    let conn = Connection::open(db_path)?;
    let task = conn
        .query_row(
            "SELECT id, title, state FROM tasks WHERE id = ?1",
            params![task_id],
            |r| Ok(Task { id: r.get(0)?, title: r.get(1)?, state: r.get(2)? }),
        )
        .optional()?;
    Ok(task)
}

// quiet: SQLite's way to lock before reading is an IMMEDIATE transaction.
pub fn start_task(conn: &mut Connection, task_id: i64) -> Result<(), TaskError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let state: String = tx.query_row(
        "SELECT state FROM tasks WHERE id = ?1",
        params![task_id],
        |r| r.get(0),
    )?;
    if state != "todo" {
        return Err(TaskError::NotStartable(task_id));
    }
    tx.execute(
        "UPDATE tasks SET state = 'doing', started_at = datetime('now') WHERE id = ?1 AND state = 'todo'",
        params![task_id],
    )?;
    tx.commit()?;
    Ok(())
}

// quiet: claim in one statement with a subquery; no locking clause at all.
pub fn claim_next_task(conn: &Connection, worker: &str) -> Result<Option<i64>, TaskError> {
    let id = conn
        .query_row(
            "UPDATE tasks SET state = 'doing', worker = ?1 WHERE id = (SELECT id FROM tasks WHERE state = 'todo' ORDER BY id LIMIT 1) RETURNING id",
            params![worker],
            |r| r.get(0),
        )
        .optional()?;
    Ok(id)
}
