//! Device registry and course enrolment on the synchronous `postgres` crate; the
//! request handlers run on a thread pool and share an r2d2 pool.

use postgres::{IsolationLevel, NoTls};
use r2d2::Pool;
use r2d2_postgres::PostgresConnectionManager;

use crate::registry::{RegistryError, Result};

pub struct Registry {
    pool: Pool<PostgresConnectionManager<NoTls>>,
}

impl Registry {
    // fire: `if let Some(row) = existing { return .. }` then insert; a device that
    // retries its first check-in registers twice.
    pub fn register_device(&self, serial: &str, model: &str) -> Result<i64> {
        let mut client = self.pool.get()?;
        let existing = client.query_opt("SELECT id FROM devices WHERE serial = $1", &[&serial])?;
        if let Some(row) = existing {
            return Ok(row.get(0));
        }
        let row = client.query_one(
            "INSERT INTO devices (serial, model) VALUES ($1, $2) RETURNING id", //~ check-then-insert
            &[&serial, &model],
        )?;
        Ok(row.get(0))
    }

    // fire: a default-isolation transaction does not make the EXISTS check and the
    // insert atomic.
    pub fn reserve_hostname(&self, hostname: &str, device_id: i64) -> Result<()> {
        let mut client = self.pool.get()?;
        let mut tx = client.transaction()?;
        let taken: bool = tx
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM hostnames WHERE name = $1)",
                &[&hostname],
            )?
            .get(0);
        if taken {
            return Err(RegistryError::HostnameTaken);
        }
        tx.execute(
            "INSERT INTO hostnames (name, device_id) VALUES ($1, $2)", //~ check-then-insert
            &[&hostname, &device_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    // fire: REPEATABLE READ does not protect an existence check: each transaction's
    // snapshot misses the other's new row, and both inserts commit.
    pub fn enroll(&self, course_id: i64, student_id: i64, capacity: i64) -> Result<()> {
        let mut client = self.pool.get()?;
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .start()?;
        let enrolled: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM enrolments WHERE course_id = $1",
                &[&course_id],
            )?
            .get(0);
        if enrolled >= capacity {
            return Err(RegistryError::CourseFull);
        }
        tx.execute(
            "INSERT INTO enrolments (course_id, student_id) VALUES ($1, $2)", //~ check-then-insert
            &[&course_id, &student_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: SERIALIZABLE transaction; the second of two racing enrolments fails to
    // commit.
    pub fn enroll_serializable(&self, course_id: i64, student_id: i64, capacity: i64) -> Result<()> {
        let mut client = self.pool.get()?;
        let mut tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()?;
        let enrolled: i64 = tx
            .query_one(
                "SELECT COUNT(*) FROM enrolments WHERE course_id = $1",
                &[&course_id],
            )?
            .get(0);
        if enrolled >= capacity {
            return Err(RegistryError::CourseFull);
        }
        tx.execute(
            "INSERT INTO enrolments (course_id, student_id) VALUES ($1, $2)",
            &[&course_id, &student_id],
        )?;
        tx.commit()?;
        Ok(())
    }

    // quiet: `ON CONFLICT ON CONSTRAINT devices_serial_key DO NOTHING`; the unique
    // constraint settles a race.
    pub fn register_device_idempotent(&self, serial: &str, model: &str) -> Result<()> {
        let mut client = self.pool.get()?;
        let existing = client.query_opt("SELECT id FROM devices WHERE serial = $1", &[&serial])?;
        if existing.is_none() {
            client.execute(
                "INSERT INTO devices (serial, model) VALUES ($1, $2) ON CONFLICT ON CONSTRAINT devices_serial_key DO NOTHING",
                &[&serial, &model],
            )?;
        }
        Ok(())
    }

    // quiet: the heartbeat row is inserted unconditionally; the count read afterwards is
    // only returned.
    pub fn heartbeat(&self, device_id: i64) -> Result<i64> {
        let mut client = self.pool.get()?;
        client.execute(
            "INSERT INTO heartbeats (device_id, seen_at) VALUES ($1, now())",
            &[&device_id],
        )?;
        let row = client.query_one(
            "SELECT COUNT(*) FROM heartbeats WHERE device_id = $1",
            &[&device_id],
        )?;
        Ok(row.get(0))
    }
}
