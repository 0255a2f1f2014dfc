//! A quota service whose repository reads and writes in separate methods:
//! the race is in the handler that calls both.

use sqlx::PgPool;

pub struct Quota {
    pub used: i64,
    pub cap: i64,
}

pub struct QuotaRepo {
    pool: PgPool,
}

impl QuotaRepo {
    pub async fn load(&self, team: i64) -> sqlx::Result<Quota> {
        sqlx::query_as!(Quota, "SELECT used, cap FROM quotas WHERE team_id = $1", team)
            .fetch_one(&self.pool)
            .await
    }

    pub async fn store_used(&self, team: i64, used: i64) -> sqlx::Result<()> {
        sqlx::query!("UPDATE quotas SET used = $1 WHERE team_id = $2", used, team)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn add_used(&self, team: i64, n: i64) -> sqlx::Result<()> {
        sqlx::query!("UPDATE quotas SET used = used + $1 WHERE team_id = $2 AND used + $1 <= cap", n, team)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn rename(&self, team: i64, label: &str) -> sqlx::Result<()> {
        sqlx::query!("UPDATE quotas SET label = $1 WHERE team_id = $2", label, team)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

pub async fn consume(repo: &QuotaRepo, team: i64, n: i64) -> sqlx::Result<bool> {
    let q = repo.load(team).await?;
    if q.used + n > q.cap {
        return Ok(false);
    }
    repo.store_used(team, q.used + n).await?; //~ select-then-update
    Ok(true)
}

// Quiet: the write is one guarded statement in the callee.
pub async fn consume_atomic(repo: &QuotaRepo, team: i64, n: i64) -> sqlx::Result<()> {
    repo.add_used(team, n).await
}

// Quiet: the value written does not come from the read.
pub async fn relabel(repo: &QuotaRepo, team: i64, label: &str) -> sqlx::Result<()> {
    let q = repo.load(team).await?;
    tracing::info!(used = q.used, "relabel");
    repo.rename(team, label).await
}
