//! Document editing with optimistic concurrency on sqlx + PostgreSQL. The client
//! sends back the version it edited; the UPDATE only matches while that version is
//! current, so a zero row count is the only sign that someone else saved first.

use anyhow::Context;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use sqlx::postgres::{PgPool, PgQueryResult};
use uuid::Uuid;

use crate::api::{EditDocument, EditProfile, PutBlob, SaveSettings};
use crate::error::AppError;

const SAVE_SETTINGS: &str =
    "UPDATE tenant_settings SET settings = $1, updated_at = now() WHERE tenant_id = $2 AND updated_at = $3";

pub struct CartRepo {
    pool: PgPool,
}

impl CartRepo {
    // fire: the result is bound to `_res` and never looked at.
    pub async fn rename(&self, cart_id: Uuid, name: &str, revision: i32) -> Result<(), sqlx::Error> {
        let _res = sqlx::query("UPDATE carts SET name = $1, revision = revision + 1 WHERE id = $2 AND revision = $3") //~ unchecked-optimistic-update
            .bind(name)
            .bind(cart_id)
            .bind(revision)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    // fire: inside a transaction the stale version still matches zero rows silently;
    // the transaction does not make the check.
    pub async fn replace_items(&self, cart_id: Uuid, items: serde_json::Value, row_version: i64) -> Result<(), sqlx::Error> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE carts SET items = $1, row_version = row_version + 1 WHERE id = $2 AND row_version = $3") //~ unchecked-optimistic-update
            .bind(&items)
            .bind(cart_id)
            .bind(row_version)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM cart_price_cache WHERE cart_id = $1")
            .bind(cart_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // quiet: the row count is compared before returning.
    pub async fn set_coupon(&self, cart_id: Uuid, coupon: &str, revision: i32) -> Result<(), AppError> {
        let r = sqlx::query("UPDATE carts SET coupon = $1, revision = revision + 1 WHERE id = $2 AND revision = $3")
            .bind(coupon)
            .bind(cart_id)
            .bind(revision)
            .execute(&self.pool)
            .await?;
        if r.rows_affected() == 0 {
            return Err(AppError::Conflict("cart was changed by another request"));
        }
        Ok(())
    }
}

// fire: `.execute(&pool).await?;` as a statement; a stale `version` updates nothing
// and the handler still answers 204.
pub async fn edit_document(
    State(pool): State<PgPool>,
    Path(doc_id): Path<Uuid>,
    Json(edit): Json<EditDocument>,
) -> Result<StatusCode, AppError> {
    sqlx::query("UPDATE documents SET body = $1, version = version + 1 WHERE id = $2 AND version = $3") //~ unchecked-optimistic-update
        .bind(&edit.body)
        .bind(doc_id)
        .bind(edit.version)
        .execute(&pool)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// fire: `let _ =` drops both the error and the row count.
pub async fn edit_profile(pool: &PgPool, user_id: Uuid, edit: &EditProfile) {
    let _ = sqlx::query!(
        "UPDATE profiles SET display_name = $1, bio = $2, lock_version = lock_version + 1 WHERE user_id = $3 AND lock_version = $4", //~ unchecked-optimistic-update
        edit.display_name,
        edit.bio,
        user_id,
        edit.lock_version
    )
    .execute(pool)
    .await;
}

// fire: the SQL is a `const`; the ignored `execute` call is reported.
pub async fn save_settings(pool: &PgPool, tenant_id: Uuid, body: &SaveSettings) -> Result<(), sqlx::Error> {
    sqlx::query(SAVE_SETTINGS) //~ unchecked-optimistic-update
        .bind(&body.settings)
        .bind(tenant_id)
        .bind(body.updated_at)
        .execute(pool)
        .await?;
    Ok(())
}

// fire: compare-and-set on the `etag`, result discarded.
pub async fn put_blob(pool: &PgPool, key: &str, put: &PutBlob, new_etag: &str) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE blobs SET content = $1, etag = $2 WHERE key = $3 AND etag = $4", //~ unchecked-optimistic-update
        put.content,
        new_etag,
        key,
        put.if_match
    )
    .execute(pool)
    .await?;
    Ok(())
}

// fire: read-modify-write guarded by the version read just before, but the guard's
// outcome is ignored, so a lost race looks like success.
pub async fn append_paragraph(pool: &PgPool, doc_id: Uuid, paragraph: &str) -> Result<(), sqlx::Error> {
    let (body, version): (String, i64) = sqlx::query_as("SELECT body, version FROM documents WHERE id = $1")
        .bind(doc_id)
        .fetch_one(pool)
        .await?;
    let body = format!("{body}\n\n{paragraph}");
    sqlx::query("UPDATE documents SET body = $1, version = version + 1 WHERE id = $2 AND version = $3") //~ unchecked-optimistic-update
        .bind(body)
        .bind(doc_id)
        .bind(version)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: the affected-row count decides the answer.
pub async fn try_edit_document(pool: &PgPool, doc_id: Uuid, edit: &EditDocument) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE documents SET body = $1, version = version + 1 WHERE id = $2 AND version = $3")
        .bind(&edit.body)
        .bind(doc_id)
        .bind(edit.version)
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

// quiet: the query result is the tail expression; the caller checks it.
pub async fn touch_profile(pool: &PgPool, user_id: Uuid, lock_version: i32) -> Result<PgQueryResult, sqlx::Error> {
    sqlx::query("UPDATE profiles SET last_seen_at = now(), lock_version = lock_version + 1 WHERE user_id = $1 AND lock_version = $2")
        .bind(user_id)
        .bind(lock_version)
        .execute(pool)
        .await
}

// quiet: `anyhow::ensure!` on the row count.
pub async fn publish_document(pool: &PgPool, doc_id: Uuid, version: i64) -> anyhow::Result<()> {
    let res = sqlx::query!(
        "UPDATE documents SET published_at = now(), version = version + 1 WHERE id = $1 AND version = $2",
        doc_id,
        version
    )
    .execute(pool)
    .await
    .context("publishing document")?;
    anyhow::ensure!(res.rows_affected() == 1, "document {doc_id} changed since version {version}");
    Ok(())
}

// quiet: `RETURNING` with `fetch_optional`; `None` is turned into a conflict.
pub async fn rename_blob(pool: &PgPool, key: &str, new_key: &str, etag: &str) -> Result<Uuid, AppError> {
    let row = sqlx::query_scalar!(
        "UPDATE blobs SET key = $1 WHERE key = $2 AND etag = $3 RETURNING id",
        new_key,
        key,
        etag
    )
    .fetch_optional(pool)
    .await?;
    match row {
        Some(id) => Ok(id),
        None => Err(AppError::PreconditionFailed),
    }
}

// quiet: the version is only bumped in SET; the WHERE does not compare it.
pub async fn bump_view_count(pool: &PgPool, doc_id: Uuid) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE documents SET views = views + 1, version = version + 1 WHERE id = $1")
        .bind(doc_id)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: `updated_at < $2` is a staleness filter, not an equality check on a version.
pub async fn expire_idle_session(pool: &PgPool, session_id: Uuid, cutoff: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE sessions SET expired = true, updated_at = now() WHERE id = $1 AND updated_at < $2")
        .bind(session_id)
        .bind(cutoff)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: the extra predicate is on `status`, which is not a version column.
pub async fn cancel_order(pool: &PgPool, order_id: i64, expected_status: &str) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE orders SET status = 'cancelled', cancelled_at = now() WHERE id = $1 AND status = $2")
        .bind(order_id)
        .bind(expected_status)
        .execute(pool)
        .await?;
    Ok(())
}

// quiet: `RETURNING version` consumed with `ok_or`; no row means a conflict.
pub async fn retitle_document(pool: &PgPool, doc_id: Uuid, title: &str, version: i64) -> Result<i64, AppError> {
    let new_version: i64 = sqlx::query_scalar("UPDATE documents SET title = $1, version = version + 1 WHERE id = $2 AND version = $3 RETURNING version")
        .bind(title)
        .bind(doc_id)
        .bind(version)
        .fetch_optional(pool)
        .await?
        .ok_or(AppError::Conflict("document was edited by someone else"))?;
    Ok(new_version)
}
