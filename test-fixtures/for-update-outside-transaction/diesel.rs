//! Job claiming on diesel: row locks only mean something inside a transaction.

use diesel::prelude::*;

diesel::table! {
    jobs (id) {
        id -> Int8,
        state -> Text,
        attempts -> Int4,
    }
}

#[derive(Queryable, Debug)]
pub struct Job {
    pub id: i64,
    pub state: String,
    pub attempts: i32,
}

pub fn peek_next(pool: &DbPool) -> QueryResult<Option<Job>> {
    let mut conn = pool.get().expect("pool");
    jobs::table //~ for-update-outside-transaction
        .filter(jobs::state.eq("queued"))
        .for_update()
        .skip_locked()
        .first::<Job>(&mut conn)
        .optional()
}

pub fn lock_one(pool: &DbPool, id: i64) -> QueryResult<Job> {
    let mut conn = pool.get().expect("pool");
    let job = jobs::table.find(id).for_no_key_update().first::<Job>(&mut conn)?; //~ for-update-outside-transaction
    Ok(job)
}

// Quiet: inside the transaction that also writes.
pub fn claim_next(pool: &DbPool) -> QueryResult<Option<i64>> {
    let mut conn = pool.get().expect("pool");
    conn.transaction(|conn| {
        let job = jobs::table
            .filter(jobs::state.eq("queued"))
            .for_update()
            .skip_locked()
            .first::<Job>(conn)
            .optional()?;
        if let Some(job) = &job {
            diesel::update(jobs::table.find(job.id))
                .set(jobs::state.eq("running"))
                .execute(conn)?;
        }
        Ok(job.map(|j| j.id))
    })
}

// Quiet: the caller's connection may be inside its transaction.
pub fn lock_on(conn: &mut PgConnection, id: i64) -> QueryResult<Job> {
    jobs::table.find(id).for_update().first(conn)
}

// Quiet: no lock asked for.
pub fn count_queued(pool: &DbPool) -> QueryResult<i64> {
    let mut conn = pool.get().expect("pool");
    jobs::table.filter(jobs::state.eq("queued")).count().get_result(&mut conn)
}
