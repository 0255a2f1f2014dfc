//! ORM chains rmw-lint does not read as statements: they are ignored, with no
//! finding and no error.

use diesel::prelude::*;
use sea_orm::{EntityTrait, ModelTrait, QueryFilter, QuerySelect};

diesel::table! {
    notes (id) {
        id -> Int4,
        body -> Text,
        hits -> Int4,
    }
}

pub fn dynamic(conn: &mut PgConnection, filters: Vec<Box<dyn BoxableExpression<notes::table, Pg, SqlType = Bool>>>) -> QueryResult<()> {
    let mut q = notes::table.into_boxed();
    for f in filters {
        q = q.filter(f);
    }
    let rows: Vec<(i32, String, i32)> = q.load(conn)?;
    for row in rows {
        diesel::sql_query("UPDATE notes SET hits = hits + 1 WHERE id = $1")
            .bind::<diesel::sql_types::Integer, _>(row.0)
            .execute(conn)?;
    }
    Ok(())
}

pub fn macros(conn: &mut PgConnection) -> QueryResult<i64> {
    let n = some_macro!(notes::table.count()).get_result::<i64>(conn)?;
    let weird = notes::table.filter(notes::body.eq(format!("{}", n))).select(notes::hits).unknown_method().first::<i32>(conn);
    Ok(n + weird.unwrap_or(0) as i64)
}

pub async fn related(db: &DatabaseConnection, id: i32) -> Result<(), DbErr> {
    let cake = Cake::find_by_id(id).one(db).await?;
    if let Some(cake) = cake {
        let fruits = cake.find_related(Fruit).all(db).await?;
        let _ = Cake::find().find_also_related(Fruit).into_model::<CakeAndFruit, FruitModel>().all(db).await?;
        let _ = fruits.len();
    }
    let _ = Entity::find().select_only().column_as(Expr::cust("1"), "one").into_tuple::<i32>().all(db).await?;
    Ok(())
}
