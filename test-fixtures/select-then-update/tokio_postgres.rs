//! Booking and inventory repository on tokio-postgres, with connections from a
//! deadpool-postgres pool.

use deadpool_postgres::Pool;
use tokio_postgres::IsolationLevel;
use uuid::Uuid;

use crate::error::{BookingError, Result};

pub struct BookingRepo {
    pool: Pool,
}

impl BookingRepo {
    // fire: table alias in the SELECT (`accounts a`); the debit is computed in Rust from
    // a balance that a concurrent debit may already have changed.
    pub async fn debit_wallet(&self, wallet_id: Uuid, amount: i64) -> Result<i64> {
        let client = self.pool.get().await?;
        let row = client
            .query_one("SELECT a.balance FROM accounts a WHERE a.id = $1", &[&wallet_id])
            .await?;
        let balance: i64 = row.get(0);
        if balance < amount {
            return Err(BookingError::InsufficientFunds);
        }
        let remaining = balance - amount;
        client
            .execute("UPDATE accounts SET balance = $1 WHERE id = $2", &[&remaining, &wallet_id]) //~ select-then-update
            .await?;
        Ok(remaining)
    }

    // fire: a default (READ COMMITTED) transaction does not stop two requests from both
    // seeing the seat free and both reserving it; the last writer wins.
    pub async fn reserve_seat(&self, seat_id: i64, user_id: Uuid) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let Some(seat) = tx
            .query_opt("SELECT is_reserved FROM seats WHERE id = $1", &[&seat_id])
            .await?
        else {
            return Err(BookingError::NotFound);
        };
        if seat.get::<_, bool>("is_reserved") {
            return Err(BookingError::AlreadyTaken);
        }
        tx.execute(
            "UPDATE seats SET is_reserved = true, reserved_by = $1 WHERE id = $2", //~ select-then-update
            &[&user_id, &seat_id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // fire: FOR SHARE is not a write lock: two pickers both read the same quantity under
    // the shared lock and both try to write a value computed from it, and one of them is
    // aborted as a deadlock; FOR UPDATE would make the second one wait instead.
    pub async fn pick_stock(&self, sku: &str, qty: i32) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one("SELECT quantity FROM inventory WHERE sku = $1 FOR SHARE", &[&sku])
            .await?;
        let quantity: i32 = row.get("quantity");
        if quantity < qty {
            return Err(BookingError::OutOfStock);
        }
        tx.execute(
            "UPDATE inventory SET quantity = $1 WHERE sku = $2", //~ select-then-update
            &[&(quantity - qty), &sku],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: SERIALIZABLE transaction; if two reservations race, one commit fails with a
    // serialization error and is retried by the caller.
    pub async fn reserve_seat_serializable(&self, seat_id: i64, user_id: Uuid) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::Serializable)
            .start()
            .await?;
        let seat = tx
            .query_one("SELECT is_reserved FROM seats WHERE id = $1", &[&seat_id])
            .await?;
        if seat.get::<_, bool>("is_reserved") {
            return Err(BookingError::AlreadyTaken);
        }
        tx.execute(
            "UPDATE seats SET is_reserved = true, reserved_by = $1 WHERE id = $2",
            &[&user_id, &seat_id],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: REPEATABLE READ on PostgreSQL: an UPDATE of a row changed since the snapshot
    // fails with "could not serialize access due to concurrent update".
    pub async fn debit_wallet_repeatable(&self, wallet_id: Uuid, amount: i64) -> Result<i64> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(IsolationLevel::RepeatableRead)
            .start()
            .await?;
        let row = tx
            .query_one("SELECT balance FROM accounts WHERE id = $1", &[&wallet_id])
            .await?;
        let balance: i64 = row.get(0);
        let remaining = balance - amount;
        tx.execute("UPDATE accounts SET balance = $1 WHERE id = $2", &[&remaining, &wallet_id])
            .await?;
        tx.commit().await?;
        Ok(remaining)
    }

    // quiet: SELECT ... FOR UPDATE inside the transaction locks the stock row until
    // commit.
    pub async fn pick_stock_locked(&self, sku: &str, qty: i32) -> Result<()> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        let row = tx
            .query_one("SELECT quantity FROM inventory WHERE sku = $1 FOR UPDATE", &[&sku])
            .await?;
        let quantity: i32 = row.get("quantity");
        if quantity < qty {
            return Err(BookingError::OutOfStock);
        }
        tx.execute(
            "UPDATE inventory SET quantity = $1 WHERE sku = $2",
            &[&(quantity - qty), &sku],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: `LOCK TABLE` in the transaction blocks other writers of `inventory` before
    // the quantity is read.
    pub async fn restock(&self, sku: &str, delivered: i32) -> Result<i32> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        tx.batch_execute("LOCK TABLE inventory IN SHARE ROW EXCLUSIVE MODE")
            .await?;
        let row = tx
            .query_one("SELECT quantity FROM inventory WHERE sku = $1", &[&sku])
            .await?;
        let quantity: i32 = row.get(0);
        let updated = quantity + delivered;
        tx.execute("UPDATE inventory SET quantity = $1 WHERE sku = $2", &[&updated, &sku])
            .await?;
        tx.commit().await?;
        Ok(updated)
    }

    // quiet: the seat's state is read from `seats`, but the UPDATE goes to `events`, a
    // different table, and does not use what was read.
    pub async fn close_sales_if_full(&self, event_id: i64) -> Result<()> {
        let client = self.pool.get().await?;
        let row = client
            .query_one(
                "SELECT count(*) FROM seats WHERE event_id = $1 AND NOT is_reserved",
                &[&event_id],
            )
            .await?;
        let free: i64 = row.get(0);
        if free == 0 {
            client
                .execute("UPDATE events SET sales_open = false WHERE id = $1", &[&event_id])
                .await?;
        }
        Ok(())
    }
}
