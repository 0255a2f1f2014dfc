//! A repository returns the affected-row count of a version-checked UPDATE:
//! the duty to check it passes to the caller.

use sqlx::PgPool;

pub struct Docs {
    pool: PgPool,
}

impl Docs {
    pub async fn save_if_unchanged(&self, id: i64, body: &str, seen: i32) -> sqlx::Result<u64> {
        let done = sqlx::query!(
            "UPDATE docs SET body = $1, version = version + 1 WHERE id = $2 AND version = $3",
            body,
            id,
            seen
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }
}

pub async fn edit(docs: &Docs, id: i64, body: &str, seen: i32) -> sqlx::Result<()> {
    docs.save_if_unchanged(id, body, seen).await?; //~ unchecked-optimistic-update
    Ok(())
}

// Quiet: the count is looked at.
pub async fn edit_checked(docs: &Docs, id: i64, body: &str, seen: i32) -> sqlx::Result<bool> {
    let n = docs.save_if_unchanged(id, body, seen).await?;
    Ok(n == 1)
}
