//! What the SQL rules share: which statements are protected by a
//! transaction or an explicit lock, and rewrites spelled in the statement's
//! own dialect and client crate.

use crate::lower::effects::{Executor, FnFacts, SqlApi, SqlExec};
use crate::source::SourceFile;
use crate::sql::{Dialect, Isolation, Kind};
use std::ops::Range;

/// Whether `a` and `b` run in one transaction whose isolation level makes
/// a read-then-write safe: SERIALIZABLE, REPEATABLE READ on PostgreSQL
/// (it aborts the second writer), or a SQLite `BEGIN IMMEDIATE`.
pub fn serialised_together(f: &FnFacts, a: &SqlExec, b: &SqlExec) -> bool {
    serialised(f, a, b, false)
}

/// For an INSERT after a check: only SERIALIZABLE (predicate locks) or a
/// SQLite write lock keeps a second caller from inserting the same row;
/// REPEATABLE READ does not see, or stop, a concurrent insert.
pub fn serialised_for_insert(f: &FnFacts, a: &SqlExec, b: &SqlExec) -> bool {
    serialised(f, a, b, true)
}

fn serialised(f: &FnFacts, a: &SqlExec, b: &SqlExec, insert: bool) -> bool {
    let (Executor::Tx(x), Executor::Tx(y)) = (a.executor, b.executor) else {
        return false;
    };
    if x != y {
        return false;
    }
    let tx = &f.txs[x];
    tx.immediate
        || match tx.isolation {
            Some(Isolation::Serializable) => true,
            Some(Isolation::RepeatableRead) => !insert && b.dialect() == Dialect::Postgres,
            _ => false,
        }
}

/// Whether the function took an explicit lock (`pg_advisory_xact_lock`,
/// `GET_LOCK`, `LOCK TABLE`) before `at`, which serialises it with every
/// other caller taking the same lock.
pub fn explicitly_locked_before(f: &FnFacts, at: &SqlExec) -> bool {
    let t = f.op(at.op).time;
    f.sql
        .iter()
        .any(|x| x.stmt().advisory && f.op(x.op).time < t)
}

/// The executor expression without `&`, `&mut *`, `.as_mut()`.
pub fn executor_text(file: &SourceFile, e: &SqlExec) -> Option<String> {
    let r = e.executor_range.clone()?;
    let t = super::text(file, &r);
    let t = super::unref(&t).trim_end_matches(".as_mut()").to_string();
    (!t.is_empty()).then_some(t)
}

/// How to open a transaction in the statement's client crate, with `conn`
/// the pool or connection the function uses.
pub fn begin_snippet(e: &SqlExec, conn: &str, immediate: bool) -> (String, String, String) {
    let sqlite = e.dialect() == Dialect::Sqlite;
    match e.api.unwrap_or(SqlApi::Sqlx) {
        SqlApi::Sqlx if sqlite && immediate => (
            format!("let mut tx = {conn}.begin_with(\"BEGIN IMMEDIATE\").await?;"),
            "&mut *tx".into(),
            "tx.commit().await?;".into(),
        ),
        SqlApi::Sqlx => (
            format!("let mut tx = {conn}.begin().await?;"),
            "&mut *tx".into(),
            "tx.commit().await?;".into(),
        ),
        SqlApi::Postgres => (
            format!("let tx = {conn}.transaction().await?;"),
            "tx".into(),
            "tx.commit().await?;".into(),
        ),
        SqlApi::Rusqlite => (
            format!(
                "let tx = {conn}.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;"
            ),
            "tx".into(),
            "tx.commit()?;".into(),
        ),
        SqlApi::MySql => (
            format!("let mut tx = {conn}.start_transaction(TxOpts::default()).await?;"),
            "tx".into(),
            "tx.commit().await?;".into(),
        ),
        SqlApi::Diesel => (
            format!("{conn}.transaction(|conn| {{"),
            "conn".into(),
            "    Ok(())\n})?;".into(),
        ),
        SqlApi::SeaOrm => (
            format!("let txn = {conn}.begin().await?;"),
            "&txn".into(),
            "txn.commit().await?;".into(),
        ),
    }
}

/// The statement's text, whitespace folded.
pub fn stmt_text(e: &SqlExec) -> String {
    let s = e.stmt();
    shown(
        &e.src.text.text[s.range.clone()]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" "),
    )
}

/// SQL as the user writes it: `format!` placeholders back as `{}`.
pub fn shown(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find("__fmt") {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 5..];
        let digits = tail.len() - tail.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        out.push_str("{}");
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}

/// The file range just after the statement's last character, inside its
/// literal, when the literal is in this function and maps there verbatim.
pub fn end_in_file(e: &SqlExec) -> Option<usize> {
    if !e.local {
        return None;
    }
    e.src.text.file_offset(e.stmt().range.end)
}

/// A placeholder the rewrite adds, in the statement's own style, and the
/// number of placeholders it already has.
pub fn next_placeholder(text: &str, dialect: Dialect) -> String {
    let mut max = 0u32;
    let b = text.as_bytes();
    let mut numbered = false;
    let mut i = 0;
    while i < b.len() {
        if (b[i] == b'$' || b[i] == b'?') && b.get(i + 1).is_some_and(u8::is_ascii_digit) {
            let mut j = i + 1;
            while j < b.len() && b[j].is_ascii_digit() {
                j += 1;
            }
            if let Ok(n) = text[i + 1..j].parse::<u32>() {
                max = max.max(n);
                numbered = true;
            }
            i = j;
            continue;
        }
        i += 1;
    }
    match dialect {
        Dialect::Postgres => format!("${}", max + 1),
        Dialect::Sqlite if numbered => format!("?{}", max + 1),
        _ => "?".to_string(),
    }
}

/// The Rust expression bound to placeholder `ph` of a statement (`$2`,
/// `?1`), or for a bare `?`, the one at position `bare_index`.
pub fn param_for(e: &SqlExec, ph: &str, bare_index: usize) -> Option<Range<usize>> {
    let digits = ph.trim_start_matches(['$', '?']);
    let index = if digits.is_empty() {
        bare_index
    } else {
        digits.parse::<usize>().ok()?.checked_sub(1)?
    };
    e.params.get(index).cloned()
}

/// Whether a statement runs a kind of write on a table.
pub fn writes_table(e: &SqlExec, kind: Kind) -> Option<&str> {
    let s = e.stmt();
    (s.kind == kind).then_some(()).and(s.target.as_deref())
}

/// 1-based line of a byte offset, for notes.
pub fn line_of(file: &SourceFile, offset: usize) -> usize {
    file.position(offset).line
}
