//! A wallet and inventory service on diesel (r2d2 pool, PostgreSQL). The
//! schema is declared here, as `schema.rs` would.

use diesel::prelude::*;
use diesel::r2d2::{ConnectionManager, Pool};

pub type DbPool = Pool<ConnectionManager<PgConnection>>;

diesel::table! {
    wallets (id) {
        id -> Int8,
        balance -> Int8,
        last_seen -> Timestamp,
    }
}

diesel::table! {
    items (id) {
        id -> Int8,
        stock -> Int4,
        reserved -> Int4,
    }
}

#[derive(Queryable, Identifiable, AsChangeset, Debug)]
#[diesel(table_name = wallets)]
pub struct Wallet {
    pub id: i64,
    pub balance: i64,
    pub last_seen: chrono::NaiveDateTime,
}

#[derive(Queryable, Identifiable, AsChangeset, Debug)]
#[diesel(table_name = items)]
pub struct Item {
    pub id: i64,
    pub stock: i32,
    pub reserved: i32,
}

#[derive(Debug)]
pub enum ShopError {
    Db(diesel::result::Error),
    Pool(diesel::r2d2::PoolError),
    OutOfStock,
    Insufficient,
}

pub fn withdraw(pool: &DbPool, wallet_id: i64, amount: i64) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let wallet: Wallet = wallets::table.find(wallet_id).first(&mut conn).map_err(ShopError::Db)?;
    if wallet.balance < amount {
        return Err(ShopError::Insufficient);
    }
    let new_balance = wallet.balance - amount;
    diesel::update(wallets::table.find(wallet_id)) //~ select-then-update
        .set(wallets::balance.eq(new_balance))
        .execute(&mut conn)
        .map_err(ShopError::Db)?;
    Ok(())
}

pub fn reserve(pool: &DbPool, item_id: i64) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let item = items::table
        .find(item_id)
        .select((items::id, items::stock, items::reserved))
        .first::<Item>(&mut conn)
        .map_err(ShopError::Db)?;
    if item.stock > 0 {
        diesel::update(items::table.find(item_id)) //~ select-then-update
            .set(items::stock.eq(items::stock - 1))
            .execute(&mut conn)
            .map_err(ShopError::Db)?;
        Ok(())
    } else {
        Err(ShopError::OutOfStock)
    }
}

pub fn deposit_model(pool: &DbPool, wallet_id: i64, amount: i64) -> Result<Wallet, ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let mut wallet = wallets::table
        .find(wallet_id)
        .first::<Wallet>(&mut conn)
        .map_err(ShopError::Db)?;
    wallet.balance += amount;
    wallet.save_changes::<Wallet>(&mut conn).map_err(ShopError::Db) //~ select-then-update
}

pub fn restock_in_default_tx(pool: &DbPool, item_id: i64, n: i32) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let item: Item = items::table.find(item_id).first(conn)?;
        diesel::update(items::table.find(item_id)) //~ select-then-update
            .set(items::stock.eq(item.stock + n))
            .execute(conn)?;
        Ok(())
    })
    .map_err(ShopError::Db)
}

// Quiet: the check and the write are one guarded statement.
pub fn withdraw_guarded(pool: &DbPool, wallet_id: i64, amount: i64) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let updated = diesel::update(wallets::table.find(wallet_id).filter(wallets::balance.ge(amount)))
        .set(wallets::balance.eq(wallets::balance - amount))
        .execute(&mut conn)
        .map_err(ShopError::Db)?;
    if updated == 0 {
        return Err(ShopError::Insufficient);
    }
    Ok(())
}

// Quiet: the read is locked inside the transaction that writes.
pub fn withdraw_locked(pool: &DbPool, wallet_id: i64, amount: i64) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    conn.transaction::<_, diesel::result::Error, _>(|conn| {
        let wallet: Wallet = wallets::table.find(wallet_id).for_update().first(conn)?;
        diesel::update(wallets::table.find(wallet_id))
            .set(wallets::balance.eq(wallet.balance - amount))
            .execute(conn)?;
        Ok(())
    })
    .map_err(ShopError::Db)
}

// Quiet: SERIALIZABLE aborts the second writer.
pub fn restock_serializable(pool: &DbPool, item_id: i64, n: i32) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    conn.build_transaction()
        .serializable()
        .run::<_, diesel::result::Error, _>(|conn| {
            let item: Item = items::table.find(item_id).first(conn)?;
            diesel::update(items::table.find(item_id))
                .set(items::stock.eq(item.stock + n))
                .execute(conn)?;
            Ok(())
        })
        .map_err(ShopError::Db)
}

// Quiet: the field saved does not come from the row.
pub fn touch(pool: &DbPool, wallet_id: i64, now: chrono::NaiveDateTime) -> Result<(), ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let mut wallet = wallets::table.find(wallet_id).first::<Wallet>(&mut conn).map_err(ShopError::Db)?;
    wallet.last_seen = now;
    wallet.save_changes::<Wallet>(&mut conn).map_err(ShopError::Db)?;
    Ok(())
}

// Quiet: a self-relative write that no read decides.
pub fn add_reserved(pool: &DbPool, item_id: i64) -> Result<Item, ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    let before: Item = items::table.find(item_id).first(&mut conn).map_err(ShopError::Db)?;
    log::info!("reserving one of {}", before.id);
    diesel::update(items::table.find(item_id))
        .set(items::reserved.eq(items::reserved + 1))
        .get_result(&mut conn)
        .map_err(ShopError::Db)
}

// Quiet: read-only.
pub fn balance(pool: &DbPool, wallet_id: i64) -> Result<i64, ShopError> {
    let mut conn = pool.get().map_err(ShopError::Pool)?;
    wallets::table
        .find(wallet_id)
        .select(wallets::balance)
        .first(&mut conn)
        .map_err(ShopError::Db)
}
