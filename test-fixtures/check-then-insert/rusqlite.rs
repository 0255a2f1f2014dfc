//! Recipe app storage on SQLite through rusqlite and an r2d2 pool shared by the
//! request threads.

use r2d2::Pool;
use r2d2_sqlite::SqliteConnectionManager;
use rusqlite::{params, OptionalExtension, TransactionBehavior};

use crate::store::{StoreError, Result};

const MAX_TABLES_PER_SLOT: i64 = 12;

pub struct RecipeStore {
    pool: Pool<SqliteConnectionManager>,
}

impl RecipeStore {
    // fire: `query_row(..).optional()` lookup with an early return when found, then
    // insert; two imports that mention a new tag both create it.
    pub fn ensure_tag(&self, name: &str) -> Result<i64> {
        let conn = self.pool.get()?;
        let existing: Option<i64> = conn
            .query_row("SELECT id FROM tags WHERE name = ?1", params![name], |row| row.get(0))
            .optional()?;
        if let Some(id) = existing {
            return Ok(id);
        }
        conn.execute("INSERT INTO tags (name) VALUES (?1)", params![name])?; //~ check-then-insert
        Ok(conn.last_insert_rowid())
    }

    // fire: the check comes from a `let`-bound string; a double tap on the heart icon
    // stores the favourite twice.
    pub fn add_favorite(&self, user_id: i64, recipe_id: i64) -> Result<bool> {
        let conn = self.pool.get()?;
        let q = "SELECT 1 FROM favorites WHERE user_id = ?1 AND recipe_id = ?2";
        let found = conn
            .query_row(q, params![user_id, recipe_id], |_| Ok(()))
            .optional()?;
        if found.is_some() {
            return Ok(false);
        }
        conn.execute(
            "INSERT INTO favorites (user_id, recipe_id) VALUES (?1, ?2)", //~ check-then-insert
            params![user_id, recipe_id],
        )?;
        Ok(true)
    }

    // fire: `conn.transaction()` is DEFERRED, so the COUNT takes no write lock; two
    // bookings for the last table both pass the count, and one of them then fails with
    // SQLITE_BUSY at the insert instead of waiting.
    pub fn book_table(&self, slot_id: i64, party: &str) -> Result<()> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction()?;
        let booked: i64 = tx.query_row(
            "SELECT COUNT(*) FROM reservations WHERE slot_id = ?1",
            params![slot_id],
            |row| row.get(0),
        )?;
        if booked >= MAX_TABLES_PER_SLOT {
            return Err(StoreError::SlotFull);
        }
        tx.execute(
            "INSERT INTO reservations (slot_id, party) VALUES (?1, ?2)", //~ check-then-insert
            params![slot_id, party],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: `INSERT OR IGNORE` lets the unique index drop a racing duplicate.
    pub fn ensure_tag_idempotent(&self, name: &str) -> Result<()> {
        let conn = self.pool.get()?;
        let existing: Option<i64> = conn
            .query_row("SELECT id FROM tags WHERE name = ?1", params![name], |row| row.get(0))
            .optional()?;
        if existing.is_none() {
            conn.execute("INSERT OR IGNORE INTO tags (name) VALUES (?1)", params![name])?;
        }
        Ok(())
    }

    // quiet: `INSERT OR REPLACE` on the (user_id, recipe_id) key; a second writer replaces
    // the row instead of duplicating it.
    pub fn rate_recipe(&self, user_id: i64, recipe_id: i64, stars: u8) -> Result<()> {
        let conn = self.pool.get()?;
        let rated: Option<u8> = conn
            .query_row(
                "SELECT stars FROM ratings WHERE user_id = ?1 AND recipe_id = ?2",
                params![user_id, recipe_id],
                |row| row.get(0),
            )
            .optional()?;
        if rated != Some(stars) {
            conn.execute(
                "INSERT OR REPLACE INTO ratings (user_id, recipe_id, stars) VALUES (?1, ?2, ?3)",
                params![user_id, recipe_id, stars],
            )?;
        }
        Ok(())
    }

    // quiet: IMMEDIATE transaction; the write lock is held from BEGIN, so the count and
    // the insert cannot interleave with another booking.
    pub fn book_table_immediate(&self, slot_id: i64, party: &str) -> Result<()> {
        let mut conn = self.pool.get()?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let booked: i64 = tx.query_row(
            "SELECT COUNT(*) FROM reservations WHERE slot_id = ?1",
            params![slot_id],
            |row| row.get(0),
        )?;
        if booked >= MAX_TABLES_PER_SLOT {
            return Err(StoreError::SlotFull);
        }
        tx.execute(
            "INSERT INTO reservations (slot_id, party) VALUES (?1, ?2)",
            params![slot_id, party],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: raw `BEGIN IMMEDIATE` on the connection, committed after the insert.
    pub fn add_favorite_immediate(&self, user_id: i64, recipe_id: i64) -> Result<bool> {
        let conn = self.pool.get()?;
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let found = conn
            .query_row(
                "SELECT 1 FROM favorites WHERE user_id = ?1 AND recipe_id = ?2",
                params![user_id, recipe_id],
                |_| Ok(()),
            )
            .optional()?;
        let added = found.is_none();
        if added {
            conn.execute(
                "INSERT INTO favorites (user_id, recipe_id) VALUES (?1, ?2)",
                params![user_id, recipe_id],
            )?;
        }
        conn.execute_batch("COMMIT")?;
        Ok(added)
    }
}
