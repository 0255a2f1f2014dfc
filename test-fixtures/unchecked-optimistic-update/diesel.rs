//! Documents with a version column on diesel.

use diesel::prelude::*;

diesel::table! {
    documents (id) {
        id -> Int8,
        body -> Text,
        version -> Int4,
    }
}

pub fn save_body(pool: &DbPool, id: i64, body: &str, seen_version: i32) -> QueryResult<()> {
    let mut conn = pool.get().expect("pool");
    diesel::update(documents::table.find(id).filter(documents::version.eq(seen_version))) //~ unchecked-optimistic-update
        .set((documents::body.eq(body), documents::version.eq(seen_version + 1)))
        .execute(&mut conn)?;
    Ok(())
}

// Quiet: the affected-row count is checked.
pub fn save_body_checked(pool: &DbPool, id: i64, body: &str, seen_version: i32) -> QueryResult<bool> {
    let mut conn = pool.get().expect("pool");
    let updated = diesel::update(documents::table.find(id).filter(documents::version.eq(seen_version)))
        .set((documents::body.eq(body), documents::version.eq(seen_version + 1)))
        .execute(&mut conn)?;
    Ok(updated == 1)
}

// Quiet: no version compared.
pub fn overwrite(pool: &DbPool, id: i64, body: &str) -> QueryResult<()> {
    let mut conn = pool.get().expect("pool");
    diesel::update(documents::table.find(id))
        .set(documents::body.eq(body))
        .execute(&mut conn)?;
    Ok(())
}
