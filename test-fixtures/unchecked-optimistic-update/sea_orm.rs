//! Versioned settings with sea-orm.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter};

pub mod setting {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "settings")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub value: String,
        pub version: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn store(db: &DatabaseConnection, id: i32, value: String, seen: i32) -> Result<(), DbErr> {
    setting::Entity::update_many() //~ unchecked-optimistic-update
        .col_expr(setting::Column::Value, Expr::value(value))
        .col_expr(setting::Column::Version, Expr::value(seen + 1))
        .filter(setting::Column::Id.eq(id))
        .filter(setting::Column::Version.eq(seen))
        .exec(db)
        .await?;
    Ok(())
}

// Quiet: rows_affected is checked.
pub async fn store_checked(db: &DatabaseConnection, id: i32, value: String, seen: i32) -> Result<bool, DbErr> {
    let res = setting::Entity::update_many()
        .col_expr(setting::Column::Value, Expr::value(value))
        .filter(setting::Column::Id.eq(id))
        .filter(setting::Column::Version.eq(seen))
        .exec(db)
        .await?;
    Ok(res.rows_affected == 1)
}
