//! Sign-up and tagging on sea-orm.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IsolationLevel,
    PaginatorTrait, QueryFilter, Set, TransactionTrait,
};

pub mod account {
    use sea_orm::entity::prelude::*;

    #[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
    #[sea_orm(table_name = "accounts")]
    pub struct Model {
        #[sea_orm(primary_key)]
        pub id: i32,
        pub email: String,
        pub team_id: i32,
    }

    #[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
    pub enum Relation {}

    impl ActiveModelBehavior for ActiveModel {}
}

pub async fn sign_up(db: &DatabaseConnection, email: String, team_id: i32) -> Result<(), DbErr> {
    let existing = account::Entity::find()
        .filter(account::Column::Email.eq(email.clone()))
        .one(db)
        .await?;
    if existing.is_some() {
        return Err(DbErr::Custom("email taken".into()));
    }
    let am = account::ActiveModel {
        email: Set(email),
        team_id: Set(team_id),
        ..Default::default()
    };
    am.insert(db).await?; //~ check-then-insert
    Ok(())
}

pub async fn add_to_team(db: &DatabaseConnection, email: String, team_id: i32) -> Result<(), DbErr> {
    let members = account::Entity::find()
        .filter(account::Column::TeamId.eq(team_id))
        .count(db)
        .await?;
    if members >= 10 {
        return Err(DbErr::Custom("team full".into()));
    }
    let am = account::ActiveModel {
        email: Set(email),
        team_id: Set(team_id),
        ..Default::default()
    };
    account::Entity::insert(am).exec(db).await?; //~ check-then-insert
    Ok(())
}

// Quiet: the database rejects the duplicate.
pub async fn sign_up_on_conflict(db: &DatabaseConnection, email: String) -> Result<(), DbErr> {
    let existing = account::Entity::find()
        .filter(account::Column::Email.eq(email.clone()))
        .one(db)
        .await?;
    if existing.is_none() {
        let am = account::ActiveModel {
            email: Set(email),
            team_id: Set(0),
            ..Default::default()
        };
        account::Entity::insert(am)
            .on_conflict(OnConflict::column(account::Column::Email).do_nothing().to_owned())
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

// Quiet: SERIALIZABLE.
pub async fn add_serializable(db: &DatabaseConnection, email: String, team_id: i32) -> Result<(), DbErr> {
    let txn = db
        .begin_with_config(Some(IsolationLevel::Serializable), None)
        .await?;
    let members = account::Entity::find()
        .filter(account::Column::TeamId.eq(team_id))
        .count(&txn)
        .await?;
    if members < 10 {
        let am = account::ActiveModel {
            email: Set(email),
            team_id: Set(team_id),
            ..Default::default()
        };
        am.insert(&txn).await?;
    }
    txn.commit().await
}
