//! Rewrites for statements built with an ORM, spelled in the user's ORM
//! (diesel or sea-orm) from their own chain, table, column and variable
//! names — not in SQL they do not write.

use super::select_then_update::split_arith;
use super::sql_support::executor_text;
use crate::lower::effects::{FnFacts, SqlExec};
use crate::source::SourceFile;
use crate::sql::orm::{Orm, OrmInfo};
use crate::sql::parse::Write;

/// The written value with a `let` binding it names inlined
/// (`new_balance` → `acct.balance - amount`).
fn value_source(f: &FnFacts, file: &SourceFile, value: &str) -> String {
    let name = value.trim_start_matches('&');
    f.value_lets
        .iter()
        .rev()
        .find(|v| v.name == name)
        .map(|v| super::text(file, &v.init))
        .unwrap_or_else(|| name.to_string())
}

/// A value without the conversions around it (`(p.sold + n).into()`).
fn plain(v: &str) -> &str {
    let mut v = v.trim();
    loop {
        let before = v;
        v = v.trim_end_matches(".into()").trim_end_matches(".clone()");
        if let Some(inner) = v.strip_prefix('(').and_then(|x| x.strip_suffix(')')) {
            if balanced(inner) {
                v = inner.trim();
            }
        }
        if v == before {
            return v;
        }
    }
}

fn balanced(s: &str) -> bool {
    let mut depth = 0i32;
    for c in s.chars() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// sea-orm's `Expr::col(C).sub(n)` / `.add(n)`.
fn sea_arith(v: &str) -> Option<(&str, char, &str)> {
    for (m, op) in [(".sub(", '-'), (".add(", '+')] {
        if let Some(at) = v.rfind(m) {
            let delta = v[at + m.len()..].strip_suffix(')')?;
            return Some((&v[..at], op, delta));
        }
    }
    None
}

/// The column a Rust place or column path ends in (`acct.balance`,
/// `accounts::balance`, `Expr::col(Column::Balance)`).
fn names_column(text: &str, col: &str) -> bool {
    let t = text.trim_end_matches("()");
    let last = t
        .rsplit(['.', ':', '(', ' '])
        .find(|s| !s.is_empty())
        .unwrap_or(t);
    let last = last.trim_end_matches(')');
    last.eq_ignore_ascii_case(col) || crate::krate::schema::snake_case(last) == col
}

/// A chain as the user wrote it, without comments, one call per line as
/// they broke it, re-indented under the first line.
fn tidy(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n    ")
}

/// The source text of a range as written, line breaks and comments kept.
fn raw<'a>(file: &'a SourceFile, r: &std::ops::Range<usize>) -> &'a str {
    file.text.get(r.clone()).unwrap_or("")
}

/// The executor as the rewrite should pass it.
fn conn(file: &SourceFile, e: &SqlExec, orm: Orm) -> String {
    // sea-orm takes the connection by reference, as the user passed it.
    if orm == Orm::SeaOrm {
        if let Some(r) = &e.executor_range {
            return super::text(file, r);
        }
    }
    executor_text(file, e).unwrap_or_else(|| match orm {
        Orm::Diesel => "conn".into(),
        Orm::SeaOrm => "db".into(),
    })
}

fn sea_op(op: char) -> &'static str {
    if op == '-' {
        "sub"
    } else {
        "add"
    }
}

/// The one-statement update: a self-relative assignment filtered by the
/// check, with the affected-row count looked at.
pub fn single_update(
    f: &FnFacts,
    file: &SourceFile,
    u: &SqlExec,
    cols: &[&Write],
) -> Option<(String, Vec<String>)> {
    let info = u.src.orm.as_ref()?;
    let key = info.key.clone().unwrap_or_else(|| "id".into());
    let mut sets = Vec::new();
    let mut guards = Vec::new();
    let mut notes = Vec::new();
    for w in cols {
        let col = &w.column;
        let c = info.column(col);
        let value = info
            .sets
            .iter()
            .find(|s| &s.column == col)
            .map(|s| value_source(f, file, &s.value))
            .unwrap_or_default();
        let value = plain(&value);
        match split_arith(value)
            .filter(|(l, _, _)| names_column(l, col))
            .or_else(|| sea_arith(value).filter(|(l, _, _)| names_column(l, col)))
        {
            Some((_, op, delta)) => {
                match info.orm {
                    Orm::Diesel => sets.push(format!("{c}.eq({c} {op} {delta})")),
                    Orm::SeaOrm => {
                        sets.push(format!("{c}, Expr::col({c}).{}({delta})", sea_op(op)))
                    }
                }
                if op == '-' {
                    guards.push(match info.orm {
                        Orm::Diesel => format!("{c}.ge({delta})"),
                        Orm::SeaOrm => format!("{c}.gte({delta})"),
                    });
                }
            }
            None => {
                let old = key
                    .rsplit_once('.')
                    .map(|(base, _)| format!("{base}.{col}"))
                    .unwrap_or_else(|| format!("old_{col}"));
                match info.orm {
                    Orm::Diesel => sets.push(format!("{c}.eq({value})")),
                    Orm::SeaOrm => sets.push(format!("{c}, Expr::value({value})")),
                }
                guards.push(format!("{c}.eq({old})"));
                notes.push(format!(
                    "the filter on the `{col}` you read (`{old}`) makes the update change nothing if another call changed it first"
                ));
            }
        }
    }
    let conn = conn(file, u, info.orm);
    let text = match info.orm {
        Orm::Diesel => {
            let table = &info.table_text;
            let mut target = format!("{table}::table.find({key})");
            for g in &guards {
                target.push_str(&format!(".filter({g})"));
            }
            let set = if sets.len() == 1 {
                sets[0].clone()
            } else {
                format!("({})", sets.join(", "))
            };
            format!(
                "let updated = diesel::update({target})\n    .set({set})\n    .execute({conn})?;\nif updated == 0 {{\n    // the check failed or the row changed: report it or retry\n}}"
            )
        }
        Orm::SeaOrm => {
            let entity = info.entity();
            let id = info.column("id");
            let mut chain = format!("let res = {entity}::update_many()");
            for s in &sets {
                chain.push_str(&format!("\n    .col_expr({s})"));
            }
            chain.push_str(&format!("\n    .filter({id}.eq({key}))"));
            for g in &guards {
                chain.push_str(&format!("\n    .filter({g})"));
            }
            format!(
                "{chain}\n    .exec({conn})\n    .await?;\nif res.rows_affected == 0 {{\n    // the check failed or the row changed: report it or retry\n}}"
            )
        }
    };
    notes.push(
        "zero affected rows means the check failed or the row changed: report it or retry".into(),
    );
    Some((text, notes))
}

/// The user's read with a row lock, inside a transaction.
pub fn locked_read(
    file: &SourceFile,
    s: &SqlExec,
    action: &str,
    in_tx: bool,
) -> Option<(String, String)> {
    let info = s.src.orm.as_ref()?;
    let call = tidy(raw(file, &s.call));
    let tx = match info.orm {
        Orm::Diesel => "conn",
        Orm::SeaOrm => "&txn",
    };
    let lock = match info.orm {
        Orm::Diesel => ".for_update()",
        Orm::SeaOrm => ".lock_exclusive()",
    };
    let mut read = with_lock(&call, &s.method, lock, s, file, tx);
    // An async run (`.one(db).await`, diesel-async) is awaited again.
    if file.text[s.call.end.min(file.text.len())..]
        .trim_start()
        .starts_with(".await")
    {
        read.push_str(".await");
    }
    let conn = conn(file, s, info.orm);
    if in_tx {
        // Already in a transaction: the read only needs the lock.
        let read = with_lock(&call, &s.method, lock, s, file, "");
        let read = if file.text[s.call.end.min(file.text.len())..]
            .trim_start()
            .starts_with(".await")
        {
            format!("{read}.await")
        } else {
            read
        };
        return Some((
            "lock the row when reading it, so the transaction holds it until the write".into(),
            format!("let row = {read}?;"),
        ));
    }
    let text = match info.orm {
        Orm::Diesel => format!(
            "{conn}.transaction(|conn| {{\n    let row = {read}?;\n    // {action}, on `conn`\n    Ok(())\n}})?;"
        ),
        Orm::SeaOrm => format!(
            "let txn = {conn}.begin().await?;\nlet row = {read}?;\n// {action}, on `&txn`\ntxn.commit().await?;"
        ),
    };
    let how = match info.orm {
        Orm::Diesel => {
            "read with `.for_update()` inside `transaction`, and write on the same connection"
        }
        Orm::SeaOrm => "read with `.lock_exclusive()` inside a transaction, and write on it",
    };
    Some((how.to_string(), text))
}

/// The chain text with the lock before its run method and the executor
/// replaced by the transaction's.
fn with_lock(
    call: &str,
    method: &str,
    lock: &str,
    s: &SqlExec,
    file: &SourceFile,
    tx: &str,
) -> String {
    let needle = format!(".{method}");
    let Some(at) = call.rfind(&needle) else {
        return call.to_string();
    };
    let (head, tail) = call.split_at(at);
    let head = head.trim_end();
    let mut tail = tail.to_string();
    if let (Some(r), false) = (&s.executor_range, tx.is_empty()) {
        let exec = super::text(file, r);
        tail = tail.replacen(&exec, tx, 1);
    }
    if head.contains(lock) {
        format!("{head}{tail}")
    } else {
        format!("{head}{lock}{tail}")
    }
}

/// The user's insert with conflict handling on the checked columns.
pub fn conflict_insert(file: &SourceFile, i: &SqlExec, keys: &[String]) -> Option<String> {
    let info: &OrmInfo = i.src.orm.as_ref()?;
    let call = tidy(raw(file, &i.call));
    match info.orm {
        Orm::Diesel => {
            let target = match keys {
                [] => String::new(),
                [k] => info.column(k),
                ks => format!(
                    "({})",
                    ks.iter()
                        .map(|k| info.column(k))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            let needle = format!(".{}", i.method);
            let at = call.rfind(&needle)?;
            let (head, tail) = call.split_at(at);
            let clause = if target.is_empty() {
                ".on_conflict_do_nothing()".to_string()
            } else {
                format!(".on_conflict({target})\n    .do_nothing()")
            };
            Some(format!(
                "let inserted = {}\n    {clause}\n    {}?;\n// 0 rows: the row already existed",
                head.trim_end(),
                tail.trim_start().trim_end_matches(['?', ';'])
            ))
        }
        Orm::SeaOrm => {
            let cols = if keys.is_empty() {
                info.column("<unique column>")
            } else {
                keys.iter()
                    .map(|k| info.column(k))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let conflict = if keys.len() > 1 {
                format!("OnConflict::columns([{cols}])")
            } else {
                format!("OnConflict::column({cols})")
            };
            let am = call
                .rfind(".insert(")
                .map(|at| call[..at].trim().to_string())
                .filter(|r| !r.contains("::insert"))
                .unwrap_or_else(|| "active_model".into());
            let conn = conn(file, i, info.orm);
            Some(format!(
                "let res = {}::insert({am})\n    .on_conflict({conflict}.do_nothing().to_owned())\n    .exec_without_returning({conn})\n    .await?;\n// 0 rows: the row already existed",
                info.entity()
            ))
        }
    }
}
