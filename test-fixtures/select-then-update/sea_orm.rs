//! An inventory service on sea-orm. The entity module is declared here, as
//! `entity/product.rs` would.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel,
    IsolationLevel, QueryFilter, Set, TransactionTrait,
};

pub mod product {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "products")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub stock: i32,
        pub sold: i32,
        pub title: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

use product::Entity as Product;

pub async fn sell_one(db: &DatabaseConnection, id: i32) -> Result<(), DbErr> {
    let p = Product::find_by_id(id)
        .one(db)
        .await?
        .ok_or(DbErr::RecordNotFound(format!("product {id}")))?;
    if p.stock > 0 {
        let mut am: product::ActiveModel = p.clone().into();
        am.stock = Set(p.stock - 1);
        am.update(db).await?; //~ select-then-update
    }
    Ok(())
}

pub async fn record_sale(db: &DatabaseConnection, id: i32, n: i32) -> Result<(), DbErr> {
    let Some(p) = Product::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let mut am = p.clone().into_active_model();
    am.set(product::Column::Sold, (p.sold + n).into());
    am.save(db).await?; //~ select-then-update
    Ok(())
}

pub async fn sell_many(db: &DatabaseConnection, id: i32, n: i32) -> Result<u64, DbErr> {
    let p = product::Entity::find_by_id(id).one(db).await?.unwrap();
    if p.stock < n {
        return Ok(0);
    }
    let res = product::Entity::update_many() //~ select-then-update
        .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).sub(n))
        .filter(product::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(res.rows_affected)
}

pub async fn restock_in_default_tx(db: &DatabaseConnection, id: i32, n: i32) -> Result<(), DbErr> {
    db.transaction::<_, (), DbErr>(|txn| {
        Box::pin(async move {
            let p = Product::find_by_id(id).one(txn).await?.unwrap();
            let mut am: product::ActiveModel = p.clone().into();
            am.stock = Set(p.stock + n);
            am.update(txn).await?; //~ select-then-update
            Ok(())
        })
    })
    .await
    .map_err(|e| DbErr::Custom(e.to_string()))
}

// Quiet: one guarded statement.
pub async fn sell_guarded(db: &DatabaseConnection, id: i32, n: i32) -> Result<bool, DbErr> {
    let res = Product::update_many()
        .col_expr(product::Column::Stock, Expr::col(product::Column::Stock).sub(n))
        .filter(product::Column::Id.eq(id))
        .filter(product::Column::Stock.gte(n))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}

// Quiet: locked inside the transaction that writes.
pub async fn sell_locked(db: &DatabaseConnection, id: i32) -> Result<(), DbErr> {
    let txn = db.begin().await?;
    let p = Product::find_by_id(id).lock_exclusive().one(&txn).await?.unwrap();
    let mut am: product::ActiveModel = p.clone().into();
    am.stock = Set(p.stock - 1);
    am.update(&txn).await?;
    txn.commit().await?;
    Ok(())
}

// Quiet: SERIALIZABLE.
pub async fn restock_serializable(db: &DatabaseConnection, id: i32, n: i32) -> Result<(), DbErr> {
    let txn = db
        .begin_with_config(Some(IsolationLevel::Serializable), None)
        .await?;
    let p = Product::find_by_id(id).one(&txn).await?.unwrap();
    let mut am: product::ActiveModel = p.clone().into();
    am.stock = Set(p.stock + n);
    am.update(&txn).await?;
    txn.commit().await
}

// Quiet: the field written does not come from the row.
pub async fn rename(db: &DatabaseConnection, id: i32, title: String) -> Result<(), DbErr> {
    let p = Product::find_by_id(id).one(db).await?.unwrap();
    let mut am = p.into_active_model();
    am.title = Set(title);
    am.update(db).await?;
    Ok(())
}

// Quiet: read-only.
pub async fn in_stock(db: &DatabaseConnection) -> Result<Vec<product::Model>, DbErr> {
    Product::find()
        .filter(product::Column::Stock.gt(0))
        .all(db)
        .await
}
