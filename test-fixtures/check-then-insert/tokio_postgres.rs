//! Room booking and mailing lists on tokio-postgres, with connections from a
//! deadpool-postgres pool.

use chrono::NaiveDate;
use deadpool_postgres::Pool;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use crate::error::{BookingError, Result};

pub struct Bookings {
    pool: Pool,
}

impl Bookings {
    // fire: `query_opt` existence check, then insert when nothing was found; a double
    // submit subscribes the address twice.
    pub async fn subscribe(&self, list_id: i64, email: &str) -> Result<bool> {
        let client = self.pool.get().await?;
        let row = client
            .query_opt(
                "SELECT 1 FROM subscriptions WHERE list_id = $1 AND email = $2",
                &[&list_id, &email],
            )
            .await?;
        if row.is_none() {
            client
                .execute(
                    "INSERT INTO subscriptions (list_id, email) VALUES ($1, $2)", //~ check-then-insert
                    &[&list_id, &email],
                )
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    // fire: `SELECT EXISTS(...)` then insert; two guests booking the same room and day
    // both see it free.
    pub async fn book_room(&self, room_id: i64, day: NaiveDate, guest: Uuid) -> Result<()> {
        let client = self.pool.get().await?;
        let taken: bool = client
            .query_one(
                "SELECT EXISTS(SELECT 1 FROM bookings WHERE room_id = $1 AND day = $2)",
                &[&room_id, &day],
            )
            .await?
            .get(0);
        if taken {
            return Err(BookingError::AlreadyTaken);
        }
        client
            .execute(
                "INSERT INTO bookings (room_id, day, guest_id) VALUES ($1, $2, $3)", //~ check-then-insert
                &[&room_id, &day, &guest],
            )
            .await?;
        Ok(())
    }

    // fire: the plan limit is counted inside a default-isolation transaction; the count
    // cannot see another transaction's new project, so both insert.
    pub async fn create_project(&self, owner_id: Uuid, name: &str, plan_limit: i64) -> Result<i64> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one("SELECT COUNT(*) FROM projects WHERE owner_id = $1", &[&owner_id])
            .await?;
        let count: i64 = row.get(0);
        if count >= plan_limit {
            return Err(BookingError::PlanLimit);
        }
        let row = tx
            .query_one(
                "INSERT INTO projects (owner_id, name) VALUES ($1, $2) RETURNING id", //~ check-then-insert
                &[&owner_id, &name],
            )
            .await?;
        tx.commit().await?;
        Ok(row.get(0))
    }

    // quiet: SERIALIZABLE transaction; of two racing bookings one fails to commit with a
    // serialization error.
    pub async fn book_room_serializable(&self, room_id: i64, day: NaiveDate, guest: Uuid) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .await?;
        let existing = tx
            .query_opt(
                "SELECT id FROM bookings WHERE room_id = $1 AND day = $2",
                &[&room_id, &day],
            )
            .await?;
        if existing.is_some() {
            return Err(BookingError::AlreadyTaken);
        }
        tx.execute(
            "INSERT INTO bookings (room_id, day, guest_id) VALUES ($1, $2, $3)",
            &[&room_id, &day, &guest],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: `ON CONFLICT (list_id, email) DO NOTHING RETURNING id` decides in the
    // database; the earlier check only avoids a round trip.
    pub async fn subscribe_once(&self, list_id: i64, email: &str) -> Result<Option<i64>> {
        let client = self.pool.get().await?;
        let existing = client
            .query_opt(
                "SELECT id FROM subscriptions WHERE list_id = $1 AND email = $2",
                &[&list_id, &email],
            )
            .await?;
        if existing.is_some() {
            return Ok(None);
        }
        let inserted = client
            .query_opt(
                "INSERT INTO subscriptions (list_id, email) VALUES ($1, $2) ON CONFLICT (list_id, email) DO NOTHING RETURNING id",
                &[&list_id, &email],
            )
            .await?;
        Ok(inserted.map(|row| row.get(0)))
    }

    // quiet: an advisory lock on the owner is taken first in the transaction, so plan
    // limits for one owner are checked one request at a time.
    pub async fn create_project_locked(&self, owner_id: Uuid, name: &str, plan_limit: i64) -> Result<i64> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.execute(
            "SELECT pg_advisory_xact_lock(hashtext($1))",
            &[&owner_id.to_string()],
        )
        .await?;
        let count: i64 = tx
            .query_one("SELECT COUNT(*) FROM projects WHERE owner_id = $1", &[&owner_id])
            .await?
            .get(0);
        if count >= plan_limit {
            return Err(BookingError::PlanLimit);
        }
        let row = tx
            .query_one(
                "INSERT INTO projects (owner_id, name) VALUES ($1, $2) RETURNING id",
                &[&owner_id, &name],
            )
            .await?;
        tx.commit().await?;
        Ok(row.get(0))
    }

    // quiet: the check reads `rooms`, the insert writes `room_holds`, a different table.
    pub async fn hold_room(&self, room_id: i64, guest: Uuid) -> Result<()> {
        let client = self.pool.get().await?;
        let room = client
            .query_opt("SELECT id FROM rooms WHERE id = $1 AND active", &[&room_id])
            .await?;
        if room.is_none() {
            return Err(BookingError::NotFound);
        }
        client
            .execute(
                "INSERT INTO room_holds (room_id, guest_id, expires_at) VALUES ($1, $2, now() + interval '10 minutes')",
                &[&room_id, &guest],
            )
            .await?;
        Ok(())
    }
}
