//! A check function (`ensure_capacity(..)?`) counts rows; the caller inserts.

use sqlx::PgPool;

#[derive(Debug)]
pub enum JoinError {
    Full,
    Db(sqlx::Error),
}

pub async fn ensure_capacity(pool: &PgPool, team: i64) -> Result<(), JoinError> {
    let n: i64 = sqlx::query_scalar!("SELECT COUNT(*) FROM members WHERE team_id = $1", team)
        .fetch_one(pool)
        .await
        .map_err(JoinError::Db)?
        .unwrap_or(0);
    if n >= 25 {
        return Err(JoinError::Full);
    }
    Ok(())
}

pub async fn team_size(pool: &PgPool, team: i64) -> Result<i64, JoinError> {
    sqlx::query_scalar!("SELECT COUNT(*) FROM members WHERE team_id = $1", team)
        .fetch_one(pool)
        .await
        .map(|n| n.unwrap_or(0))
        .map_err(JoinError::Db)
}

pub async fn join(pool: &PgPool, team: i64, user: i64) -> Result<(), JoinError> {
    ensure_capacity(pool, team).await?;
    sqlx::query!("INSERT INTO members (team_id, user_id) VALUES ($1, $2)", team, user) //~ check-then-insert
        .execute(pool)
        .await
        .map_err(JoinError::Db)?;
    Ok(())
}

// Quiet: the count is only reported, the insert does not depend on it.
pub async fn join_and_report(pool: &PgPool, team: i64, user: i64) -> Result<i64, JoinError> {
    let before = team_size(pool, team).await?;
    sqlx::query!(
        "INSERT INTO members (team_id, user_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        team,
        user
    )
    .execute(pool)
    .await
    .map_err(JoinError::Db)?;
    Ok(before)
}
