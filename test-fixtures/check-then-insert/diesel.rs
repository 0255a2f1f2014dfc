//! Sign-up and seat booking on diesel (PostgreSQL).

use diesel::dsl::{count_star, exists};
use diesel::prelude::*;

diesel::table! {
    members (id) {
        id -> Int4,
        email -> Text,
        club_id -> Int4,
    }
}

diesel::table! {
    seats (id) {
        id -> Int4,
        show_id -> Int4,
        holder -> Text,
    }
}

#[derive(Insertable)]
#[diesel(table_name = members)]
pub struct NewMember<'a> {
    pub email: &'a str,
    pub club_id: i32,
}

pub fn join(conn: &mut PgConnection, pool: &DbPool, email: &str, club_id: i32) -> QueryResult<()> {
    let mut conn = pool.get().expect("pool");
    let taken: bool = diesel::select(exists(members::table.filter(members::email.eq(email))))
        .get_result(&mut conn)?;
    if taken {
        return Ok(());
    }
    diesel::insert_into(members::table) //~ check-then-insert
        .values(&NewMember { email, club_id })
        .execute(&mut conn)?;
    Ok(())
}

pub fn book(pool: &DbPool, show_id: i32, holder: &str, capacity: i64) -> QueryResult<bool> {
    let mut conn = pool.get().expect("pool");
    let booked: i64 = seats::table
        .filter(seats::show_id.eq(show_id))
        .select(count_star())
        .first(&mut conn)?;
    if booked >= capacity {
        return Ok(false);
    }
    diesel::insert_into(seats::table) //~ check-then-insert
        .values((seats::show_id.eq(show_id), seats::holder.eq(holder)))
        .execute(&mut conn)?;
    Ok(true)
}

pub fn join_if_absent(pool: &DbPool, email: &str, club_id: i32) -> QueryResult<()> {
    let mut conn = pool.get().expect("pool");
    let existing = members::table
        .filter(members::email.eq(email))
        .first::<(i32, String, i32)>(&mut conn)
        .optional()?;
    if existing.is_none() {
        diesel::insert_into(members::table) //~ check-then-insert
            .values((members::email.eq(email), members::club_id.eq(club_id)))
            .execute(&mut conn)?;
    }
    Ok(())
}

// Quiet: the database rejects the duplicate.
pub fn join_on_conflict(pool: &DbPool, email: &str, club_id: i32) -> QueryResult<usize> {
    let mut conn = pool.get().expect("pool");
    let taken: bool = diesel::select(exists(members::table.filter(members::email.eq(email))))
        .get_result(&mut conn)?;
    if taken {
        return Ok(0);
    }
    diesel::insert_into(members::table)
        .values(&NewMember { email, club_id })
        .on_conflict(members::email)
        .do_nothing()
        .execute(&mut conn)
}

// Quiet: SERIALIZABLE makes the check and the insert one step.
pub fn book_serializable(pool: &DbPool, show_id: i32, holder: &str) -> QueryResult<()> {
    let mut conn = pool.get().expect("pool");
    conn.build_transaction().serializable().run(|conn| {
        let booked: i64 = seats::table.filter(seats::show_id.eq(show_id)).count().get_result(conn)?;
        if booked < 100 {
            diesel::insert_into(seats::table)
                .values((seats::show_id.eq(show_id), seats::holder.eq(holder)))
                .execute(conn)?;
        }
        Ok(())
    })
}

// Quiet: the insert does not depend on the check.
pub fn log_and_insert(pool: &DbPool, show_id: i32, holder: &str) -> QueryResult<i64> {
    let mut conn = pool.get().expect("pool");
    let booked: i64 = seats::table.filter(seats::show_id.eq(show_id)).count().get_result(&mut conn)?;
    diesel::insert_into(seats::table)
        .values((seats::show_id.eq(show_id), seats::holder.eq(holder)))
        .on_conflict_do_nothing()
        .execute(&mut conn)?;
    Ok(booked)
}
