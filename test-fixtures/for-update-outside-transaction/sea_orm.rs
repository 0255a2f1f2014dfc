//! Row locks with sea-orm.

use sea_orm::{
    ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait, QueryFilter,
    QuerySelect, TransactionTrait,
};

pub mod task {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "tasks")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i64,
        pub status: String,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn peek(db: &DatabaseConnection) -> Result<Option<task::Model>, DbErr> {
    task::Entity::find() //~ for-update-outside-transaction
        .filter(task::Column::Status.eq("queued"))
        .lock_exclusive()
        .one(db)
        .await
}

pub async fn hold(db: &DatabaseConnection, id: i64) -> Result<Option<task::Model>, DbErr> {
    task::Entity::find_by_id(id).lock(sea_orm::sea_query::LockType::Update).one(db).await //~ for-update-outside-transaction
}

// Quiet: inside a transaction.
pub async fn claim(db: &DatabaseConnection) -> Result<Option<task::Model>, DbErr> {
    let txn = db.begin().await?;
    let t = task::Entity::find()
        .filter(task::Column::Status.eq("queued"))
        .lock_exclusive()
        .one(&txn)
        .await?;
    txn.commit().await?;
    Ok(t)
}

// Quiet: the caller's transaction.
pub async fn lock_in(txn: &DatabaseTransaction, id: i64) -> Result<Option<task::Model>, DbErr> {
    task::Entity::find_by_id(id).lock_exclusive().one(txn).await
}
