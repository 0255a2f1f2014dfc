//! Accounts, seats, carts and the job queue on sqlx + PostgreSQL. A row lock taken
//! by `SELECT ... FOR UPDATE` lasts until the end of the transaction it runs in; run
//! on the pool, that transaction is the statement itself.

use axum::extract::{Path, State};
use axum::Json;
use sqlx::postgres::{PgConnection, PgPool};
use sqlx::{PgExecutor, Postgres, Row, Transaction};
use uuid::Uuid;

use crate::error::AppError;
use crate::model::{Account, Cart, Job, Order, Payment, Seat, StockRow};

const LOCK_WALLET: &str = "SELECT id, balance FROM wallets WHERE user_id = $1 FOR UPDATE";

#[derive(Clone)]
pub struct AppState {
    db: PgPool,
    max_cart_items: usize,
}

pub struct InventoryRepo {
    pool: PgPool,
}

impl InventoryRepo {
    pub fn new(pool: PgPool) -> Self {
        Self { pool }
    }

    // fire: `&self.pool` runs the statement in its own autocommit transaction; the
    // `FOR NO KEY UPDATE` lock is gone before the caller sees the row.
    pub async fn lock_stock(&self, sku: &str) -> Result<StockRow, sqlx::Error> {
        sqlx::query_as!(
            StockRow,
            "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1 FOR NO KEY UPDATE", //~ for-update-outside-transaction
            sku
        )
        .fetch_one(&self.pool)
        .await
    }

    // quiet: the same lock taken on a transaction begun from the pool.
    pub async fn reserve(&self, sku: &str, qty: i32) -> Result<(), AppError> {
        let mut tx = self.pool.begin().await?;
        let stock = sqlx::query_as!(
            StockRow,
            "SELECT sku, on_hand, reserved FROM stock WHERE sku = $1 FOR NO KEY UPDATE",
            sku
        )
        .fetch_one(&mut *tx)
        .await?;
        if stock.on_hand - stock.reserved < qty {
            return Err(AppError::OutOfStock(sku.to_owned()));
        }
        sqlx::query!(
            "UPDATE stock SET reserved = reserved + $1 WHERE sku = $2",
            qty,
            sku
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: plain read on the pool, no locking clause.
    pub async fn stock_level(&self, sku: &str) -> Result<i32, sqlx::Error> {
        sqlx::query_scalar!("SELECT on_hand - reserved FROM stock WHERE sku = $1", sku)
            .fetch_one(&self.pool)
            .await
            .map(|n| n.unwrap_or(0))
    }
}

// fire: a `&PgPool` parameter; the lock is released when the SELECT returns, so the
// helper's name promises something the database does not do.
pub async fn lock_account(pool: &PgPool, id: Uuid) -> Result<Account, sqlx::Error> {
    sqlx::query_as::<_, Account>(
        "SELECT id, owner_id, balance FROM accounts WHERE id = $1 FOR UPDATE", //~ for-update-outside-transaction
    )
    .bind(id)
    .fetch_one(pool)
    .await
}

// fire: `State(pool)` in an axum handler; the seat is locked and unlocked by the
// SELECT alone, so two requests both see it available.
pub async fn hold_seat(
    State(pool): State<PgPool>,
    Path((event_id, seat_no)): Path<(Uuid, i32)>,
    user_id: Uuid,
) -> Result<Json<Seat>, AppError> {
    let seat = sqlx::query!(
        "SELECT id, status FROM seats WHERE event_id = $1 AND seat_no = $2 FOR UPDATE", //~ for-update-outside-transaction
        event_id,
        seat_no
    )
    .fetch_one(&pool)
    .await?;
    if seat.status != "available" {
        return Err(AppError::Conflict("seat is not available"));
    }
    let held = sqlx::query_as!(
        Seat,
        "UPDATE seats SET held_by = $1, held_at = now() WHERE id = $2 AND status = 'available' RETURNING id, event_id, seat_no, status, held_by",
        user_id,
        seat.id
    )
    .fetch_one(&pool)
    .await?;
    Ok(Json(held))
}

// fire: `&state.db` is a pool field.
pub async fn lock_cart(
    State(state): State<AppState>,
    Path(cart_id): Path<Uuid>,
) -> Result<Json<Cart>, AppError> {
    let cart = sqlx::query_as!(
        Cart,
        "SELECT id, user_id, item_count, checked_out FROM carts WHERE id = $1 FOR UPDATE", //~ for-update-outside-transaction
        cart_id
    )
    .fetch_one(&state.db)
    .await?;
    if cart.item_count as usize > state.max_cart_items {
        return Err(AppError::CartTooLarge);
    }
    Ok(Json(cart))
}

// fire: a connection acquired from the pool is in autocommit mode; without a BEGIN
// on it the lock ends with the statement.
pub async fn lock_order(pool: &PgPool, order_id: i64) -> Result<Option<Order>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let order = sqlx::query_as::<_, Order>("SELECT id, customer_id, status, total_cents FROM orders WHERE id = $1 FOR UPDATE") //~ for-update-outside-transaction
        .bind(order_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(order)
}

// fire: `FOR SHARE` on the pool; the credit limit can change as soon as it is read.
pub async fn credit_limit_for_checkout(pool: &PgPool, customer_id: Uuid) -> Result<i64, sqlx::Error> {
    let limit: i64 = sqlx::query_scalar("SELECT credit_limit FROM customers WHERE id = $1 FOR SHARE") //~ for-update-outside-transaction
        .bind(customer_id)
        .fetch_one(pool)
        .await?;
    Ok(limit)
}

// fire: job-queue poll with `SKIP LOCKED` on the pool; the row is unlocked before the
// status update, so two workers can claim the same job.
pub async fn poll_next_job(pool: &PgPool) -> Result<Option<Job>, sqlx::Error> {
    let job = sqlx::query_as::<_, Job>(
        "SELECT id, kind, payload FROM jobs WHERE status = 'queued' ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", //~ for-update-outside-transaction
    )
    .fetch_optional(pool)
    .await?;
    if let Some(job) = &job {
        sqlx::query("UPDATE jobs SET status = 'running', started_at = now() WHERE id = $1")
            .bind(job.id)
            .execute(pool)
            .await?;
    }
    Ok(job)
}

// fire: the SQL comes from a `const`; the call that runs it on the pool is reported.
pub async fn wallet_balance_locked(pool: &PgPool, user_id: Uuid) -> Result<i64, sqlx::Error> {
    let (_id, balance): (Uuid, i64) = sqlx::query_as(LOCK_WALLET) //~ for-update-outside-transaction
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    Ok(balance)
}

// fire: the SQL is bound to a local first; the lock is taken on the pool before the
// transaction that does the refund is begun.
pub async fn refund_payment(pool: &PgPool, payment_id: Uuid) -> Result<(), AppError> {
    let sql = r#"
        SELECT p.id, p.order_id, p.amount_cents, p.refunded
        FROM payments p
        WHERE p.id = $1
        FOR UPDATE OF p
    "#;
    let payment = sqlx::query_as::<_, Payment>(sql) //~ for-update-outside-transaction
        .bind(payment_id)
        .fetch_one(pool)
        .await?;
    if payment.refunded {
        return Err(AppError::Conflict("payment already refunded"));
    }
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE payments SET refunded = true, refunded_at = now() WHERE id = $1 AND refunded = false")
        .bind(payment.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("INSERT INTO refunds (payment_id, amount_cents) VALUES ($1, $2)")
        .bind(payment.id)
        .bind(payment.amount_cents)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: transfer on `&mut *tx`; both rows stay locked until commit.
pub async fn transfer(pool: &PgPool, from: Uuid, to: Uuid, amount: i64) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let balance: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE")
        .bind(from)
        .fetch_one(&mut *tx)
        .await?;
    if balance < amount {
        return Err(AppError::InsufficientFunds);
    }
    sqlx::query("UPDATE accounts SET balance = balance - $1 WHERE id = $2")
        .bind(amount)
        .bind(from)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
        .bind(amount)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: `&mut tx` (sqlx 0.6 style) is the transaction as executor.
pub async fn lock_wallet_for_payout(pool: &PgPool, user_id: Uuid) -> Result<i64, AppError> {
    let mut tx = pool.begin().await?;
    let (_id, balance): (Uuid, i64) = sqlx::query_as(LOCK_WALLET)
        .bind(user_id)
        .fetch_one(&mut tx)
        .await?;
    sqlx::query("UPDATE wallets SET payout_requested_at = now() WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(balance)
}

// quiet: `tx.as_mut()` is the transaction's connection.
pub async fn archive_cart(pool: &PgPool, cart_id: Uuid) -> Result<(), AppError> {
    let mut tx = pool.begin().await?;
    let row = sqlx::query("SELECT id, user_id FROM carts WHERE id = $1 FOR UPDATE")
        .bind(cart_id)
        .fetch_one(tx.as_mut())
        .await?;
    let user_id: Uuid = row.try_get("user_id")?;
    sqlx::query("UPDATE carts SET archived_at = now() WHERE id = $1")
        .bind(cart_id)
        .execute(tx.as_mut())
        .await?;
    sqlx::query("UPDATE users SET active_cart_id = NULL WHERE id = $1")
        .bind(user_id)
        .execute(tx.as_mut())
        .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: `begin_with` opens a SERIALIZABLE transaction; the lock is held to commit.
pub async fn settle_order(pool: &PgPool, order_id: i64) -> Result<(), AppError> {
    let mut tx = pool.begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE").await?;
    let order = sqlx::query_as!(
        Order,
        "SELECT id, customer_id, status, total_cents FROM orders WHERE id = $1 FOR UPDATE",
        order_id
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query!(
        "UPDATE customers SET lifetime_cents = lifetime_cents + $1 WHERE id = $2",
        order.total_cents,
        order.customer_id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

// quiet: raw `BEGIN` on the acquired connection; the lock lives until `COMMIT`.
pub async fn ship_order(pool: &PgPool, order_id: i64, carrier: &str) -> Result<(), AppError> {
    let mut conn = pool.acquire().await?;
    sqlx::query("BEGIN").execute(&mut *conn).await?;
    let order = sqlx::query_as::<_, Order>("SELECT id, customer_id, status, total_cents FROM orders WHERE id = $1 FOR UPDATE")
        .bind(order_id)
        .fetch_one(&mut *conn)
        .await?;
    if order.status != "paid" {
        sqlx::query("ROLLBACK").execute(&mut *conn).await?;
        return Err(AppError::Conflict("order is not paid"));
    }
    sqlx::query("UPDATE orders SET carrier = $1, shipped_at = now() WHERE id = $2")
        .bind(carrier)
        .bind(order_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("COMMIT").execute(&mut *conn).await?;
    Ok(())
}

// quiet: a `&mut PgConnection` parameter may already be inside the caller's transaction.
pub async fn lock_account_on(conn: &mut PgConnection, id: Uuid) -> Result<Account, sqlx::Error> {
    sqlx::query_as::<_, Account>("SELECT id, owner_id, balance FROM accounts WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(conn)
        .await
}

// quiet: a generic executor parameter; the caller decides whether it is a transaction.
pub async fn lock_customer(ex: impl PgExecutor<'_>, customer_id: Uuid) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT credit_limit FROM customers WHERE id = $1 FOR SHARE")
        .bind(customer_id)
        .fetch_one(ex)
        .await
}

// quiet: the function receives the transaction itself.
pub async fn debit_in(tx: &mut Transaction<'_, Postgres>, wallet_user: Uuid, amount: i64) -> Result<(), AppError> {
    let (_id, balance): (Uuid, i64) = sqlx::query_as(LOCK_WALLET)
        .bind(wallet_user)
        .fetch_one(&mut **tx)
        .await?;
    if balance < amount {
        return Err(AppError::InsufficientFunds);
    }
    sqlx::query("UPDATE wallets SET balance = balance - $1 WHERE user_id = $2")
        .bind(amount)
        .bind(wallet_user)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

// quiet: lock and write in one statement; the subquery's lock is held by the UPDATE.
pub async fn claim_job(pool: &PgPool) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE jobs SET status = 'running' WHERE id = (SELECT id FROM jobs WHERE status = 'queued' FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id",
    )
    .fetch_optional(pool)
    .await
}

// quiet: `WITH .. FOR UPDATE SKIP LOCKED` feeding a DELETE in the same statement.
pub async fn pop_outbox_message(pool: &PgPool) -> Result<Option<(i64, serde_json::Value)>, sqlx::Error> {
    sqlx::query_as(
        r#"
        WITH next AS (
            SELECT id FROM outbox
            WHERE published = false
            ORDER BY id
            LIMIT 1
            FOR UPDATE SKIP LOCKED
        )
        DELETE FROM outbox USING next
        WHERE outbox.id = next.id
        RETURNING outbox.id, outbox.payload
        "#,
    )
    .fetch_optional(pool)
    .await
}

// quiet: a plain SELECT on the pool takes no row lock.
pub async fn account_summary(pool: &PgPool, id: Uuid) -> Result<Account, sqlx::Error> {
    sqlx::query_as::<_, Account>("SELECT id, owner_id, balance FROM accounts WHERE id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
}
