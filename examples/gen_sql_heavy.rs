//! Writes a large SQL-heavy Rust file to standard output, for the SQL
//! benchmark in README.md: `cargo run --release --example gen_sql_heavy >
//! /tmp/sql_heavy.rs && time target/release/rmw-lint /tmp/sql_heavy.rs`.
//!
//! Each function reads a row and writes it back through sqlx, tokio-postgres
//! or rusqlite, half of them safely; the size (default 1 MB) is the first
//! argument, in bytes.

use std::fmt::Write;

fn main() {
    let target: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1_000_000);
    let mut out = String::from("use sqlx::PgPool;\n\n");
    let mut i = 0;
    while out.len() < target {
        let table = format!("accounts_{}", i % 50);
        let _ = match i % 4 {
            0 => write!(
                out,
                "pub async fn withdraw_{i}(pool: &PgPool, id: i64, amount: i64) -> anyhow::Result<()> {{\n    let row = sqlx::query!(\"SELECT balance, owner FROM {table} WHERE id = $1\", id)\n        .fetch_one(pool)\n        .await?;\n    let new_balance = row.balance - amount;\n    sqlx::query!(\"UPDATE {table} SET balance = $1 WHERE id = $2\", new_balance, id)\n        .execute(pool)\n        .await?;\n    Ok(())\n}}\n\n"
            ),
            1 => write!(
                out,
                "pub async fn reserve_{i}(pool: &PgPool, id: i64) -> anyhow::Result<bool> {{\n    let mut tx = pool.begin().await?;\n    let stock: i32 = sqlx::query_scalar(\"SELECT stock FROM {table} WHERE id = $1 FOR UPDATE\")\n        .bind(id)\n        .fetch_one(&mut *tx)\n        .await?;\n    if stock > 0 {{\n        sqlx::query(\"UPDATE {table} SET stock = stock - 1 WHERE id = $1\")\n            .bind(id)\n            .execute(&mut *tx)\n            .await?;\n    }}\n    tx.commit().await?;\n    Ok(stock > 0)\n}}\n\n"
            ),
            2 => write!(
                out,
                "pub async fn register_{i}(client: &tokio_postgres::Client, email: &str) -> Result<(), tokio_postgres::Error> {{\n    let found = client\n        .query_opt(\"SELECT id FROM {table} WHERE email = $1\", &[&email])\n        .await?;\n    if found.is_none() {{\n        client\n            .execute(\"INSERT INTO {table} (email) VALUES ($1)\", &[&email])\n            .await?;\n    }}\n    Ok(())\n}}\n\n"
            ),
            _ => write!(
                out,
                "pub fn rename_{i}(conn: &rusqlite::Connection, id: i64, name: &str, version: i64) -> rusqlite::Result<usize> {{\n    let n = conn.execute(\n        \"UPDATE {table} SET name = ?1, version = version + 1 WHERE id = ?2 AND version = ?3\",\n        rusqlite::params![name, id, version],\n    )?;\n    Ok(n)\n}}\n\n"
            ),
        };
        i += 1;
    }
    print!("{out}");
}
