//! Wallet, shop and loyalty services on sqlx + PostgreSQL. Outside an explicit
//! transaction every statement runs on whichever pooled connection is free.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPool;
use sqlx::{FromRow, Row};
use uuid::Uuid;

use crate::docs::Edit;
use crate::error::{AppError, Result};
use crate::ledger::{LedgerClient, LedgerCommand};

const SET_POINTS: &str = "UPDATE loyalty_members SET points = $1 WHERE member_id = $2";

#[derive(Debug, FromRow)]
pub struct Account {
    pub id: Uuid,
    pub balance: i64,
    pub overdraft_limit: i64,
}

#[derive(Debug, FromRow)]
pub struct Cart {
    pub id: Uuid,
    pub item_count: i32,
    pub total_cents: i64,
}

#[derive(Debug, Clone, FromRow, serde::Serialize)]
pub struct Coupon {
    pub code: String,
    pub remaining_uses: i32,
    pub expires_at: DateTime<Utc>,
}

pub struct WalletService {
    pool: PgPool,
    ledger: LedgerClient,
}

impl WalletService {
    // fire: lost update: the new balance is computed in Rust from a balance read on one
    // pooled connection and written back on another; two concurrent withdrawals both
    // read 100 and both write `100 - amount`.
    pub async fn withdraw(&self, account_id: Uuid, amount: i64) -> Result<i64> {
        let account = sqlx::query_as::<_, Account>(
            "SELECT id, balance, overdraft_limit FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        if account.balance + account.overdraft_limit < amount {
            return Err(AppError::InsufficientFunds);
        }
        let new_balance = account.balance - amount;
        sqlx::query("UPDATE accounts SET balance = $1 WHERE id = $2") //~ select-then-update
            .bind(new_balance)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        Ok(new_balance)
    }

    // fire: the SELECT and the UPDATE share a transaction, but at the default READ
    // COMMITTED level a concurrent payout still reads the same balance; one debit is lost.
    pub async fn request_payout(&self, account_id: Uuid, amount: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let acct = sqlx::query!("SELECT balance FROM accounts WHERE id = $1", account_id)
            .fetch_one(&mut *tx)
            .await?;
        if acct.balance < amount {
            return Err(AppError::InsufficientFunds);
        }
        sqlx::query!(
            "UPDATE accounts SET balance = $1 WHERE id = $2", //~ select-then-update
            acct.balance - amount,
            account_id
        )
        .execute(&mut *tx)
        .await?;
        sqlx::query!(
            "INSERT INTO payouts (account_id, amount) VALUES ($1, $2)",
            account_id,
            amount
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: the check is repeated in the UPDATE's WHERE (`balance >= $1`) and the row
    // count tells whether it still held when the row was written.
    pub async fn withdraw_guarded(&self, account_id: Uuid, amount: i64) -> Result<()> {
        let balance: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await?;
        if balance < amount {
            return Err(AppError::InsufficientFunds);
        }
        let done = sqlx::query(
            "UPDATE accounts SET balance = balance - $1 WHERE id = $2 AND balance >= $1",
        )
        .bind(amount)
        .bind(account_id)
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::InsufficientFunds);
        }
        Ok(())
    }

    // quiet: SELECT ... FOR UPDATE inside the transaction holds the row lock until
    // commit, so a second withdrawal waits and then reads the new balance.
    pub async fn withdraw_locked(&self, account_id: Uuid, amount: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        let balance: i64 =
            sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1 FOR UPDATE")
                .bind(account_id)
                .fetch_one(tx.as_mut())
                .await?;
        if balance < amount {
            return Err(AppError::InsufficientFunds);
        }
        sqlx::query("UPDATE accounts SET balance = $1 WHERE id = $2")
            .bind(balance - amount)
            .bind(account_id)
            .execute(tx.as_mut())
            .await?;
        tx.commit().await?;
        Ok(balance - amount)
    }

    // quiet: SERIALIZABLE transaction; a concurrent read-modify-write of the same row
    // makes one of the two commits fail with a serialization error instead.
    pub async fn apply_interest(&self, account_id: Uuid, rate_bp: i64) -> Result<()> {
        let mut tx = self
            .pool
            .begin_with("BEGIN ISOLATION LEVEL SERIALIZABLE")
            .await?;
        let acct = sqlx::query!("SELECT balance FROM accounts WHERE id = $1", account_id)
            .fetch_one(&mut *tx)
            .await?;
        let interest = acct.balance * rate_bp / 10_000;
        sqlx::query!(
            "UPDATE accounts SET balance = $1 WHERE id = $2",
            acct.balance + interest,
            account_id
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: a transaction-scoped advisory lock on the account id is taken before the
    // read, so concurrent adjustments of the same account run one after the other.
    pub async fn adjust_balance(&self, account_id: i64, delta: i64) -> Result<i64> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        let balance: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut *tx)
            .await?;
        let new_balance = balance + delta;
        if new_balance < 0 {
            return Err(AppError::InsufficientFunds);
        }
        sqlx::query("UPDATE accounts SET balance = $1 WHERE id = $2")
            .bind(new_balance)
            .bind(account_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(new_balance)
    }

    // quiet: "update the balance" is an error context, not SQL; the write goes through
    // the ledger service, which serialises commands per account.
    pub async fn request_top_up(&self, account_id: Uuid, amount: i64) -> anyhow::Result<()> {
        use anyhow::Context;
        let account = sqlx::query_as::<_, Account>(
            "SELECT id, balance, overdraft_limit FROM accounts WHERE id = $1",
        )
        .bind(account_id)
        .fetch_one(&self.pool)
        .await?;
        let new_balance = account.balance + amount;
        self.ledger
            .send(LedgerCommand::SetBalance { account_id, new_balance })
            .await
            .context("update the balance")?;
        Ok(())
    }

    // quiet: the SELECT comes after the UPDATE (it only reports the result), and the
    // UPDATE is a single atomic increment.
    pub async fn deposit(&self, account_id: Uuid, amount: i64) -> Result<i64> {
        sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
            .bind(amount)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        let balance: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await?;
        Ok(balance)
    }

    // quiet: the balance read first only goes into the audit row; the UPDATE runs
    // unconditionally and adds `amount` in SQL, it does not use what was read.
    pub async fn credit_refund(&self, account_id: Uuid, amount: i64, reason: &str) -> Result<()> {
        let before: i64 = sqlx::query_scalar("SELECT balance FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&self.pool)
            .await?;
        sqlx::query("UPDATE accounts SET balance = balance + $1 WHERE id = $2")
            .bind(amount)
            .bind(account_id)
            .execute(&self.pool)
            .await?;
        sqlx::query(
            "INSERT INTO balance_audit (account_id, balance_before, delta, reason) VALUES ($1, $2, $3, $4)",
        )
        .bind(account_id)
        .bind(before)
        .bind(amount)
        .bind(reason)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}

// fire: schema-qualified table on both sides; the fee is subtracted from a balance that
// may already be stale when it is written back.
pub async fn charge_monthly_fee(pool: &PgPool, account_id: Uuid, fee: i64) -> Result<()> {
    let row = sqlx::query("SELECT balance FROM public.accounts WHERE id = $1")
        .bind(account_id)
        .fetch_one(pool)
        .await?;
    let balance: i64 = row.try_get("balance")?;
    sqlx::query("UPDATE public.accounts SET balance = $1 WHERE id = $2") //~ select-then-update
        .bind(balance - fee)
        .bind(account_id)
        .execute(pool)
        .await?;
    Ok(())
}

pub struct ShopService {
    pool: PgPool,
}

impl ShopService {
    // fire: stale check: two buyers of the last unit both see `stock > 0` and both
    // decrement; stock ends at -1.
    pub async fn reserve_item(&self, product_id: i64) -> Result<bool> {
        let stock: i32 = sqlx::query_scalar("SELECT stock FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_one(&self.pool)
            .await?;
        if stock > 0 {
            sqlx::query("UPDATE products SET stock = stock - 1 WHERE id = $1") //~ select-then-update
                .bind(product_id)
                .execute(&self.pool)
                .await?;
            return Ok(true);
        }
        Ok(false)
    }

    // fire: `SELECT *` reads every column; the new count and total are computed in Rust,
    // so of two concurrent "add to cart" calls one item is lost.
    pub async fn add_to_cart(&self, cart_id: Uuid, price_cents: i64) -> Result<Cart> {
        let Some(cart) = sqlx::query_as!(Cart, "SELECT * FROM carts WHERE id = $1", cart_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Err(AppError::NotFound);
        };
        let item_count = cart.item_count + 1;
        let total_cents = cart.total_cents + price_cents;
        sqlx::query("UPDATE carts SET item_count = $1, total_cents = $2 WHERE id = $3") //~ select-then-update
            .bind(item_count)
            .bind(total_cents)
            .bind(cart_id)
            .execute(&self.pool)
            .await?;
        Ok(Cart { id: cart_id, item_count, total_cents })
    }

    // fire: stale check through `match`: two webhook deliveries for one payment both see
    // `pending` and both mark the order paid.
    pub async fn mark_paid(&self, order_id: i64, payment_ref: &str) -> Result<()> {
        let order = sqlx::query!("SELECT status, total_cents FROM orders WHERE id = $1", order_id)
            .fetch_optional(&self.pool)
            .await?;
        match order {
            Some(o) if o.status == "pending" => {
                sqlx::query!(
                    "UPDATE orders SET status = 'paid', payment_ref = $1 WHERE id = $2", //~ select-then-update
                    payment_ref,
                    order_id
                )
                .execute(&self.pool)
                .await?;
                Ok(())
            }
            Some(_) => Err(AppError::Conflict("order is not pending".into())),
            None => Err(AppError::NotFound),
        }
    }

    // quiet: the status the code checked is also required by the UPDATE's WHERE, and a
    // zero row count is reported.
    pub async fn mark_shipped(&self, order_id: i64, tracking: &str) -> Result<()> {
        let order = sqlx::query!("SELECT status FROM orders WHERE id = $1", order_id)
            .fetch_one(&self.pool)
            .await?;
        if order.status != "paid" {
            return Err(AppError::Conflict("order is not paid".into()));
        }
        let done = sqlx::query!(
            "UPDATE orders SET status = 'shipped', tracking_number = $1 WHERE id = $2 AND status = 'paid'",
            tracking,
            order_id
        )
        .execute(&self.pool)
        .await?;
        if done.rows_affected() != 1 {
            return Err(AppError::Conflict("order changed concurrently".into()));
        }
        Ok(())
    }

    // quiet: the UPDATE writes `delivered_at`, a column the SELECT did not read.
    pub async fn confirm_delivery(&self, order_id: i64) -> Result<()> {
        let status: String = sqlx::query_scalar("SELECT status FROM orders WHERE id = $1")
            .bind(order_id)
            .fetch_one(&self.pool)
            .await?;
        if status == "shipped" {
            sqlx::query("UPDATE orders SET delivered_at = now() WHERE id = $1")
                .bind(order_id)
                .execute(&self.pool)
                .await?;
        }
        Ok(())
    }

    // quiet: the price is read from `products` but written to `order_lines`, a different
    // table.
    pub async fn reprice_line(&self, line_id: i64, product_id: i64) -> Result<()> {
        let price: i64 = sqlx::query_scalar("SELECT price_cents FROM products WHERE id = $1")
            .bind(product_id)
            .fetch_one(&self.pool)
            .await?;
        sqlx::query("UPDATE order_lines SET unit_price_cents = $1 WHERE id = $2")
            .bind(price)
            .bind(line_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

pub struct LoyaltyService {
    pool: PgPool,
}

impl LoyaltyService {
    // fire: the points total is read, increased in Rust and written back through a
    // `const` statement; points from a concurrent purchase are overwritten.
    pub async fn award_points(&self, member_id: i64, earned: i32) -> Result<i32> {
        let member = sqlx::query!(
            "SELECT points FROM loyalty_members WHERE member_id = $1",
            member_id
        )
        .fetch_one(&self.pool)
        .await?;
        let total = member.points + earned;
        sqlx::query(SET_POINTS) //~ select-then-update
            .bind(total)
            .bind(member_id)
            .execute(&self.pool)
            .await?;
        Ok(total)
    }

    // quiet: optimistic concurrency: the UPDATE matches only while `version` is the one
    // that was read, and a zero row count is reported as a conflict.
    pub async fn save_document(&self, doc_id: i64, edit: &Edit) -> Result<i32> {
        let doc = sqlx::query!("SELECT body, version FROM documents WHERE id = $1", doc_id)
            .fetch_one(&self.pool)
            .await?;
        let body = edit.apply(&doc.body);
        let done = sqlx::query!(
            "UPDATE documents SET body = $1, version = version + 1 WHERE id = $2 AND version = $3",
            body,
            doc_id,
            doc.version
        )
        .execute(&self.pool)
        .await?;
        if done.rows_affected() == 0 {
            return Err(AppError::Conflict("document changed, reload and retry".into()));
        }
        Ok(doc.version + 1)
    }
}

// fire: raw multi-line SELECT; two redemptions of a single-use coupon both see one use
// left and both write `remaining_uses = 0`.
pub async fn claim_coupon(
    State(pool): State<PgPool>,
    Path(code): Path<String>,
) -> Result<Json<Coupon>> {
    let coupon = sqlx::query_as::<_, Coupon>(
        r#"
        SELECT code, remaining_uses, expires_at
        FROM coupons
        WHERE code = $1
        "#,
    )
    .bind(&code)
    .fetch_one(&pool)
    .await?;
    if coupon.remaining_uses == 0 || coupon.expires_at < Utc::now() {
        return Err(AppError::Conflict("coupon is no longer valid".into()));
    }
    let remaining = coupon.remaining_uses - 1;
    sqlx::query("UPDATE coupons SET remaining_uses = $1 WHERE code = $2") //~ select-then-update
        .bind(remaining)
        .bind(&code)
        .execute(&pool)
        .await?;
    Ok(Json(Coupon { remaining_uses: remaining, ..coupon }))
}
