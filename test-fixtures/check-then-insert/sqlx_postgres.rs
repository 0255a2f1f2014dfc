//! Accounts, teams and tagging on sqlx + PostgreSQL. Uniqueness is checked in Rust
//! before inserting; outside a transaction each statement runs on its own pooled
//! connection.

use axum::extract::{Path, State};
use axum::Json;
use chrono::{DateTime, Utc};
use sqlx::postgres::PgPool;
use sqlx::FromRow;
use uuid::Uuid;

use crate::error::{AppError, Result};

const MAX_API_KEYS: i64 = 5;
const INSERT_WAITLIST: &str = "INSERT INTO waitlist (email, referrer) VALUES ($1, $2)";

#[derive(Debug, FromRow, serde::Serialize)]
pub struct Follow {
    pub follower_id: Uuid,
    pub followee_id: Uuid,
    pub created_at: DateTime<Utc>,
}

// fire: existence check, then insert: two sign-ups with the same e-mail both see no row
// and both insert (or the second dies on the unique index with a 500).
pub async fn register_user(pool: &PgPool, email: &str, password_hash: &str) -> Result<bool> {
    let existing = sqlx::query("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    if existing.is_none() {
        sqlx::query("INSERT INTO users (email, password_hash) VALUES ($1, $2)") //~ check-then-insert
            .bind(email)
            .bind(password_hash)
            .execute(pool)
            .await?;
        return Ok(true);
    }
    Ok(false)
}

// fire: quota check with COUNT(*): two concurrent requests at 4 keys both pass the
// limit and the user ends up with 6.
pub async fn create_api_key(pool: &PgPool, user_id: Uuid, key_hash: &str, label: &str) -> Result<()> {
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    if count >= MAX_API_KEYS {
        return Err(AppError::QuotaExceeded);
    }
    sqlx::query("INSERT INTO api_keys (user_id, key_hash, label) VALUES ($1, $2, $3)") //~ check-then-insert
        .bind(user_id)
        .bind(key_hash)
        .bind(label)
        .execute(pool)
        .await?;
    Ok(())
}

// fire: `SELECT EXISTS(SELECT 1 FROM users ...)`, then an insert that only runs when it
// was false.
pub async fn claim_username(pool: &PgPool, username: &str, email: &str) -> Result<Uuid> {
    let taken = sqlx::query_scalar!(
        r#"SELECT EXISTS(SELECT 1 FROM users WHERE username = $1) AS "exists!""#,
        username
    )
    .fetch_one(pool)
    .await?;
    if taken {
        return Err(AppError::Conflict("username is taken".into()));
    }
    let id = sqlx::query_scalar!(
        "INSERT INTO users (username, email) VALUES ($1, $2) RETURNING id", //~ check-then-insert
        username,
        email
    )
    .fetch_one(pool)
    .await?;
    Ok(id)
}

// fire: `if let Some(_) = existing { return .. }` then insert; a double-clicked follow
// button inserts the same edge twice.
pub async fn follow_user(
    State(pool): State<PgPool>,
    Path((follower_id, followee_id)): Path<(Uuid, Uuid)>,
) -> Result<Json<Follow>> {
    let existing = sqlx::query_as!(
        Follow,
        "SELECT follower_id, followee_id, created_at FROM follows WHERE follower_id = $1 AND followee_id = $2",
        follower_id,
        followee_id
    )
    .fetch_optional(&pool)
    .await?;
    if let Some(follow) = existing {
        return Ok(Json(follow));
    }
    let follow = sqlx::query_as!(
        Follow,
        "INSERT INTO follows (follower_id, followee_id) VALUES ($1, $2) RETURNING follower_id, followee_id, created_at", //~ check-then-insert
        follower_id,
        followee_id
    )
    .fetch_one(&pool)
    .await?;
    Ok(Json(follow))
}

// fire: get-or-create through `match`; two posts tagged with a new tag at the same time
// both create it.
pub async fn get_or_create_tag(pool: &PgPool, name: &str) -> Result<i64> {
    match sqlx::query!("SELECT id FROM tags WHERE name = $1", name)
        .fetch_optional(pool)
        .await?
    {
        Some(tag) => Ok(tag.id),
        None => {
            let tag = sqlx::query!(
                "INSERT INTO tags (name) VALUES ($1) RETURNING id", //~ check-then-insert
                name
            )
            .fetch_one(pool)
            .await?;
            Ok(tag.id)
        }
    }
}

// fire: inside a transaction at the default READ COMMITTED level the count does not see
// the other transaction's uncommitted redemption; both insert.
pub async fn redeem_coupon(pool: &PgPool, coupon_id: i64, user_id: Uuid) -> Result<()> {
    let mut tx = pool.begin().await?;
    let used: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM coupon_redemptions WHERE coupon_id = $1 AND user_id = $2",
    )
    .bind(coupon_id)
    .bind(user_id)
    .fetch_one(&mut *tx)
    .await?;
    if used > 0 {
        return Err(AppError::Conflict("coupon already redeemed".into()));
    }
    sqlx::query("INSERT INTO coupon_redemptions (coupon_id, user_id) VALUES ($1, $2)") //~ check-then-insert
        .bind(coupon_id)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

// fire: the INSERT comes from a `const`; the waitlist check and the insert are two
// separate statements.
pub async fn join_waitlist(pool: &PgPool, email: &str, referrer: Option<&str>) -> Result<()> {
    let already = sqlx::query("SELECT 1 FROM waitlist WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    if already.is_some() {
        return Ok(());
    }
    sqlx::query(INSERT_WAITLIST) //~ check-then-insert
        .bind(email)
        .bind(referrer)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: the check only picks a friendly message; the INSERT itself has
// `ON CONFLICT (email) DO NOTHING`, so a racing duplicate is dropped by the database.
pub async fn subscribe(pool: &PgPool, email: &str) -> Result<&'static str> {
    let existing = sqlx::query("SELECT id FROM subscribers WHERE email = $1")
        .bind(email)
        .fetch_optional(pool)
        .await?;
    if existing.is_some() {
        return Ok("already subscribed");
    }
    sqlx::query("INSERT INTO subscribers (email) VALUES ($1) ON CONFLICT (email) DO NOTHING")
        .bind(email)
        .execute(pool)
        .await?;
    Ok("subscribed")
}

// quiet: upsert with `ON CONFLICT (user_id) DO UPDATE`; a concurrent first save turns
// into an update instead of a duplicate.
pub async fn save_theme(pool: &PgPool, user_id: Uuid, theme: &str) -> Result<()> {
    let current = sqlx::query!("SELECT id FROM user_settings WHERE user_id = $1", user_id)
        .fetch_optional(pool)
        .await?;
    if current.is_none() {
        sqlx::query!(
            "INSERT INTO user_settings (user_id, theme) VALUES ($1, $2) ON CONFLICT (user_id) DO UPDATE SET theme = EXCLUDED.theme",
            user_id,
            theme
        )
        .execute(pool)
        .await?;
    }
    Ok(())
}

// quiet: one statement, `INSERT .. SELECT .. WHERE NOT EXISTS`; the check and the insert
// are not two round trips.
pub async fn invite_member(pool: &PgPool, team_id: i64, email: &str) -> Result<bool> {
    let done = sqlx::query(
        "INSERT INTO invitations (team_id, email) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM invitations WHERE team_id = $1 AND email = $2)",
    )
    .bind(team_id)
    .bind(email)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

// quiet: the check reads `posts`, the insert goes into `comments`, a different table.
pub async fn add_comment(pool: &PgPool, post_id: i64, author_id: Uuid, body: &str) -> Result<i64> {
    let Some(_post) = sqlx::query("SELECT id FROM posts WHERE id = $1 AND NOT locked")
        .bind(post_id)
        .fetch_optional(pool)
        .await?
    else {
        return Err(AppError::NotFound);
    };
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO comments (post_id, author_id, body) VALUES ($1, $2, $3) RETURNING id",
    )
    .bind(post_id)
    .bind(author_id)
    .bind(body)
    .fetch_one(pool)
    .await?;
    Ok(id)
}

// quiet: the count is only reported back; the login event is inserted whatever it was.
pub async fn record_login(pool: &PgPool, user_id: Uuid, ip: &str) -> Result<i64> {
    let previous: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM login_events WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(pool)
        .await?;
    sqlx::query("INSERT INTO login_events (user_id, ip) VALUES ($1, $2)")
        .bind(user_id)
        .bind(ip)
        .execute(pool)
        .await?;
    Ok(previous + 1)
}

pub struct Teams {
    pool: PgPool,
}

impl Teams {
    // fire: the membership test is inlined in the `if`; two accepts of the same invite
    // both add the member.
    pub async fn join_team(&self, team_id: i64, user_id: Uuid) -> Result<()> {
        if sqlx::query("SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(&self.pool)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict("already a member".into()));
        }
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)") //~ check-then-insert
            .bind(team_id)
            .bind(user_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // quiet: raw `BEGIN ISOLATION LEVEL SERIALIZABLE` on the acquired connection; two
    // racing joins cannot both commit.
    pub async fn join_team_serializable(&self, team_id: i64, user_id: Uuid) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        sqlx::query("BEGIN ISOLATION LEVEL SERIALIZABLE")
            .execute(&mut *conn)
            .await?;
        let member = sqlx::query("SELECT 1 FROM team_members WHERE team_id = $1 AND user_id = $2")
            .bind(team_id)
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
        let joined = if member.is_none() {
            sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
                .bind(team_id)
                .bind(user_id)
                .execute(&mut *conn)
                .await?;
            true
        } else {
            false
        };
        sqlx::query("COMMIT").execute(&mut *conn).await?;
        Ok(joined)
    }

    // quiet: a transaction-scoped advisory lock keyed on the team is taken before the
    // seat count, so joins of one team are serialised.
    pub async fn join_team_with_seat_limit(&self, team_id: i64, user_id: Uuid, seats: i64) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(team_id)
            .execute(&mut *tx)
            .await?;
        let used: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM team_members WHERE team_id = $1")
            .bind(team_id)
            .fetch_one(&mut *tx)
            .await?;
        if used >= seats {
            return Err(AppError::QuotaExceeded);
        }
        sqlx::query("INSERT INTO team_members (team_id, user_id) VALUES ($1, $2)")
            .bind(team_id)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
