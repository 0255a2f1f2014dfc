//! What one SQL string does, read with `sqlparser`.
//!
//! Parsing is lenient: a string that is not SQL gives `None` (no finding, no
//! error). Locking clauses `sqlparser` does not know (`FOR NO KEY UPDATE`,
//! `FOR KEY SHARE`, MySQL's `LOCK IN SHARE MODE`) are recorded from the
//! tokens and normalised before parsing. A statement that still does not
//! parse, when the string sits where a query is expected, yields what the
//! tokens show reliably: its kind, its table, its locking and conflict
//! clauses — and its WHERE is marked opaque so no rule guesses about it.

use super::Dialect;
use sqlparser::ast::{
    Assignment, AssignmentTarget, BinaryOperator, Expr, FromTable, ObjectName, Query, SelectItem,
    Set, SetExpr, Statement, TableFactor, TableObject, TransactionIsolationLevel, TransactionMode,
    TransactionModifier, Visit, Visitor,
};
use sqlparser::dialect::{
    Dialect as SqlDialect, GenericDialect, MySqlDialect, PostgreSqlDialect, SQLiteDialect,
};
use sqlparser::parser::Parser;
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};
use std::ops::{ControlFlow, Range};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Select,
    Insert,
    Update,
    Delete,
    /// `BEGIN`, `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END`.
    Commit,
    Rollback,
    /// `SET TRANSACTION ISOLATION LEVEL …`.
    SetIsolation,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isolation {
    ReadUncommitted,
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lock {
    Update,
    NoKeyUpdate,
    Share,
    KeyShare,
}

impl Lock {
    /// Whether the lock keeps other writers out until the transaction ends.
    pub fn excludes_writers(self) -> bool {
        matches!(self, Lock::Update | Lock::NoKeyUpdate)
    }

    pub fn text(self) -> &'static str {
        match self {
            Lock::Update => "FOR UPDATE",
            Lock::NoKeyUpdate => "FOR NO KEY UPDATE",
            Lock::Share => "FOR SHARE",
            Lock::KeyShare => "FOR KEY SHARE",
        }
    }
}

/// A column a SELECT reads; `table` when qualified (aliases resolved).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Col {
    pub table: Option<String>,
    pub name: String,
}

/// A column an UPDATE writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Write {
    pub column: String,
    /// The new value refers to the column itself (`stock = stock - 1`).
    pub self_relative: bool,
}

/// What one statement does. Names are lower-case, without schema.
#[derive(Debug, Clone)]
pub struct SqlStmt {
    pub kind: Kind,
    /// The statement's byte range in the string.
    pub range: Range<usize>,
    /// Every table the statement reads or writes.
    pub tables: Vec<String>,
    /// The table written by an INSERT, UPDATE or DELETE.
    pub target: Option<String>,
    /// The written table as the user spelled it (`public.accounts`).
    pub target_text: Option<String>,
    /// Columns in a SELECT's result.
    pub reads: Vec<Col>,
    /// `SELECT *` / `SELECT t.*`.
    pub star: bool,
    /// `COUNT(…)`, `MAX(…)`, `EXISTS(…)` in the result.
    pub aggregate: bool,
    pub writes: Vec<Write>,
    /// Columns compared anywhere in the WHERE (`=`, `<`, `>=`, `IN`, …).
    pub where_cols: Vec<String>,
    /// Columns compared with `=` in the WHERE.
    pub where_eq: Vec<String>,
    /// `col = <placeholder>` in the WHERE: the column, the placeholder as
    /// written, and its position among the statement's placeholders (for a
    /// bare `?`).
    pub where_params: Vec<(String, String, usize)>,
    /// The WHERE could not be read (the statement did not parse).
    pub where_opaque: bool,
    pub lock: Option<Lock>,
    /// `ON CONFLICT`, `ON DUPLICATE KEY UPDATE`, `INSERT IGNORE`,
    /// `INSERT OR …`, `REPLACE INTO`.
    pub conflict: bool,
    pub returning: bool,
    /// The statement also writes (a data-modifying CTE, an UPDATE whose
    /// WHERE locks rows in a subquery): locking and writing in one step.
    pub modifies: bool,
    pub isolation: Option<Isolation>,
    /// SQLite `BEGIN IMMEDIATE` / `BEGIN EXCLUSIVE`.
    pub immediate: bool,
    /// Takes an explicit lock (`pg_advisory_xact_lock`, `GET_LOCK`,
    /// `LOCK TABLE`).
    pub advisory: bool,
    pub insert_columns: Vec<String>,
    /// The parsed statement, for rewrites.
    pub ast: Option<Box<Statement>>,
}

impl SqlStmt {
    pub fn new(kind: Kind, range: Range<usize>) -> SqlStmt {
        SqlStmt {
            kind,
            range,
            tables: Vec::new(),
            target: None,
            target_text: None,
            reads: Vec::new(),
            star: false,
            aggregate: false,
            writes: Vec::new(),
            where_cols: Vec::new(),
            where_eq: Vec::new(),
            where_params: Vec::new(),
            where_opaque: false,
            lock: None,
            conflict: false,
            returning: false,
            modifies: false,
            isolation: None,
            immediate: false,
            advisory: false,
            insert_columns: Vec::new(),
            ast: None,
        }
    }

    /// Whether this SELECT returns column `col` of `table`.
    pub fn reads_column(&self, table: &str, col: &str) -> bool {
        self.reads
            .iter()
            .any(|c| c.name == col && c.table.as_deref().is_none_or(|t| t == table))
    }
}

#[derive(Debug, Clone)]
pub struct Parsed {
    pub stmts: Vec<SqlStmt>,
    pub dialect: Dialect,
    /// Read from tokens because the parser rejected it: only to be trusted
    /// where a query is expected.
    pub fallback: bool,
    /// The dialect came from the file's crates or the placeholders, not the
    /// default.
    pub dialect_known: bool,
}

/// A cheap test run before decoding or parsing: does the text start with a
/// word a statement can start with?
pub fn looks_like_sql(text: &str) -> bool {
    first_word(text).is_some_and(|w| LEADING.contains(&w.as_str()))
}

const LEADING: &[&str] = &[
    "select", "with", "update", "insert", "delete", "replace", "begin", "start", "commit",
    "rollback", "end", "set", "lock",
];

/// The first word, lower-cased, skipping whitespace, comments and `(`.
fn first_word(text: &str) -> Option<String> {
    let mut s = text;
    loop {
        s = s.trim_start_matches(|c: char| c.is_whitespace() || c == '(');
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |x| x.1);
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |x| x.1);
        } else {
            break;
        }
    }
    let end = s
        .find(|c: char| !c.is_ascii_alphabetic())
        .unwrap_or(s.len());
    (end > 0).then(|| s[..end].to_ascii_lowercase())
}

/// The dialect a statement's placeholders point to: `$1` PostgreSQL, `?1`
/// SQLite, a bare `?` MySQL.
pub fn placeholder_dialect(text: &str) -> Option<Dialect> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut found = None;
    while i < b.len() {
        match b[i] {
            q @ (b'\'' | b'"' | b'`') => {
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
            }
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => return Some(Dialect::Postgres),
            b'?' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => return Some(Dialect::Sqlite),
            b'?' if !matches!(b.get(i + 1), Some(b'|' | b'&')) => found = Some(Dialect::MySql),
            _ => {}
        }
        i += 1;
    }
    found
}

fn sql_dialect(d: Dialect) -> Box<dyn SqlDialect> {
    match d {
        Dialect::Postgres => Box::new(PostgreSqlDialect {}),
        Dialect::MySql => Box::new(MySqlDialect {}),
        Dialect::Sqlite => Box::new(SQLiteDialect {}),
    }
}

/// Reads `text` as SQL. `hint` is the dialect the file's crates point to;
/// `trusted` says the string is where a query is expected (the argument of
/// `query`, `execute`…), so a statement the parser rejects is still read
/// from its tokens.
pub fn analyze(text: &str, hint: Option<Dialect>, trusted: bool) -> Option<Parsed> {
    let first = first_word(text)?;
    if !LEADING.contains(&first.as_str()) {
        return None;
    }
    let known = hint.or_else(|| placeholder_dialect(text));
    let dialect = known.unwrap_or(Dialect::Postgres);
    let d = sql_dialect(dialect);
    let tokens = Tokenizer::new(&*d, text).tokenize_with_location().ok()?;
    let offsets = token_offsets(text, &tokens);
    let (tokens, offsets, locks) = normalise_locks(tokens, offsets);
    let ranges = statement_ranges(text, &tokens, &offsets);
    let plain: Vec<Token> = tokens.iter().map(|t| t.token.clone()).collect();
    let parsed = Parser::new(&*d)
        .with_tokens(plain.clone())
        .parse_statements()
        .or_else(|_| {
            Parser::new(&GenericDialect {})
                .with_tokens(plain)
                .parse_statements()
        });
    let is_fallback = parsed.is_err();
    let stmts = match parsed {
        Ok(stmts) if !stmts.is_empty() => {
            let whole = 0..text.trim_end().len();
            stmts
                .into_iter()
                .enumerate()
                .map(|(i, s)| {
                    let range = if ranges.len() == 1 {
                        ranges[0].clone()
                    } else {
                        ranges.get(i).cloned().unwrap_or(whole.clone())
                    };
                    let lock = locks.get(i).copied().flatten();
                    summarize(s, range, lock)
                })
                .collect()
        }
        _ if trusted => {
            let words = fallback_words(&tokens);
            let lock = locks.iter().flatten().next().copied();
            vec![fallback(
                &words,
                ranges.first().cloned().unwrap_or(0..0),
                lock,
            )?]
        }
        _ => return None,
    };
    Some(Parsed {
        stmts,
        dialect,
        fallback: is_fallback,
        dialect_known: known.is_some(),
    })
}

/// Byte offset of each token's start.
fn token_offsets(text: &str, tokens: &[TokenWithSpan]) -> Vec<usize> {
    let mut out = Vec::with_capacity(tokens.len());
    let (mut line, mut col, mut byte) = (1u64, 1u64, 0usize);
    let mut chars = text.char_indices().peekable();
    for t in tokens {
        let (tl, tc) = (t.span.start.line, t.span.start.column);
        while (line, col) < (tl, tc) {
            match chars.next() {
                Some((_, '\n')) => {
                    line += 1;
                    col = 1;
                }
                Some(_) => col += 1,
                None => break,
            }
            byte = chars.peek().map_or(text.len(), |&(b, _)| b);
        }
        out.push(byte);
    }
    out
}

fn word_is(t: &Token, kw: &str) -> bool {
    matches!(t, Token::Word(w) if w.quote_style.is_none() && w.value.eq_ignore_ascii_case(kw))
}

/// Records and normalises the locking clauses `sqlparser` does not parse,
/// per statement: `FOR NO KEY UPDATE` → `FOR UPDATE`, `FOR KEY SHARE` →
/// `FOR SHARE`, `LOCK IN SHARE MODE` → removed.
#[allow(clippy::type_complexity)]
fn normalise_locks(
    tokens: Vec<TokenWithSpan>,
    offsets: Vec<usize>,
) -> (Vec<TokenWithSpan>, Vec<usize>, Vec<Option<Lock>>) {
    let mut out = Vec::with_capacity(tokens.len());
    let mut outoff = Vec::with_capacity(tokens.len());
    let mut locks = vec![None];
    // Indices of the significant tokens, for looking ahead past whitespace.
    let sig: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let mut skip = std::collections::HashSet::new();
    for (k, &i) in sig.iter().enumerate() {
        let at = |n: usize| sig.get(k + n).map(|&j| &tokens[j].token);
        let t = &tokens[i].token;
        if matches!(t, Token::SemiColon) {
            locks.push(None);
            continue;
        }
        let cur = locks.last_mut().expect("one slot per statement");
        if word_is(t, "for") {
            if at(1).is_some_and(|t| word_is(t, "no"))
                && at(2).is_some_and(|t| word_is(t, "key"))
                && at(3).is_some_and(|t| word_is(t, "update"))
            {
                *cur = Some(Lock::NoKeyUpdate);
                skip.insert(sig[k + 1]);
                skip.insert(sig[k + 2]);
            } else if at(1).is_some_and(|t| word_is(t, "key"))
                && at(2).is_some_and(|t| word_is(t, "share"))
            {
                *cur = Some(Lock::KeyShare);
                skip.insert(sig[k + 1]);
            } else if at(1).is_some_and(|t| word_is(t, "update")) {
                cur.get_or_insert(Lock::Update);
            } else if at(1).is_some_and(|t| word_is(t, "share")) {
                cur.get_or_insert(Lock::Share);
            }
        } else if word_is(t, "lock")
            && at(1).is_some_and(|t| word_is(t, "in"))
            && at(2).is_some_and(|t| word_is(t, "share"))
            && at(3).is_some_and(|t| word_is(t, "mode"))
        {
            *cur = Some(Lock::Share);
            for n in 0..4 {
                skip.insert(sig[k + n]);
            }
        }
    }
    for (i, (t, o)) in tokens.into_iter().zip(offsets).enumerate() {
        if !skip.contains(&i) {
            out.push(t);
            outoff.push(o);
        }
    }
    (out, outoff, locks)
}

/// The byte range of each statement (split at top-level `;`), trimmed.
fn statement_ranges(text: &str, tokens: &[TokenWithSpan], offsets: &[usize]) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut depth = 0i32;
    let mut push = |from: usize, to: usize| {
        let s = &text[from..to];
        let lead = s.len() - s.trim_start().len();
        let end = from + s.trim_end().len();
        if from + lead < end {
            out.push(from + lead..end);
        }
    };
    for (t, &o) in tokens.iter().zip(offsets) {
        match t.token {
            Token::LParen => depth += 1,
            Token::RParen => depth -= 1,
            Token::SemiColon if depth == 0 => {
                push(start, o);
                start = o + 1;
            }
            _ => {}
        }
    }
    if start <= text.len() {
        push(start, text.len());
    }
    out
}

fn name_of(n: &ObjectName) -> String {
    n.0.last()
        .and_then(|p| p.as_ident())
        .map(|i| i.value.to_ascii_lowercase())
        .unwrap_or_default()
}

/// Tables, aliases, nested locks, data-modifying parts and explicit locks
/// anywhere in a statement.
#[derive(Default)]
struct Scan {
    tables: Vec<String>,
    aliases: Vec<(String, String)>,
    nested_lock: bool,
    any_lock: bool,
    nested_write: bool,
    advisory: bool,
    depth: u32,
}

impl Visitor for Scan {
    type Break = ();

    fn pre_visit_table_factor(&mut self, tf: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, alias, .. } = tf {
            let t = name_of(name);
            if let Some(a) = alias {
                self.aliases
                    .push((a.name.value.to_ascii_lowercase(), t.clone()));
            }
            if !self.tables.contains(&t) {
                self.tables.push(t);
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        self.depth += 1;
        if !q.locks.is_empty() {
            self.any_lock = true;
            self.nested_lock |= self.depth > 1;
        }
        if matches!(
            &*q.body,
            SetExpr::Insert(_) | SetExpr::Update(_) | SetExpr::Delete(_)
        ) {
            self.nested_write = true;
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, _q: &Query) -> ControlFlow<()> {
        self.depth = self.depth.saturating_sub(1);
        ControlFlow::Continue(())
    }

    fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = e {
            let n = name_of(&f.name);
            if n.contains("advisory") && n.contains("lock") || n == "get_lock" {
                self.advisory = true;
            }
        }
        ControlFlow::Continue(())
    }
}

impl Scan {
    fn resolve(&self, q: &str) -> String {
        let q = q.to_ascii_lowercase();
        self.aliases
            .iter()
            .find(|(a, _)| *a == q)
            .map(|(_, t)| t.clone())
            .unwrap_or(q)
    }
}

fn isolation_of(level: &TransactionIsolationLevel) -> Option<Isolation> {
    Some(match level {
        TransactionIsolationLevel::ReadUncommitted => Isolation::ReadUncommitted,
        TransactionIsolationLevel::ReadCommitted => Isolation::ReadCommitted,
        TransactionIsolationLevel::RepeatableRead => Isolation::RepeatableRead,
        TransactionIsolationLevel::Serializable => Isolation::Serializable,
        TransactionIsolationLevel::Snapshot => Isolation::RepeatableRead,
    })
}

fn modes_isolation(modes: &[TransactionMode]) -> Option<Isolation> {
    modes.iter().find_map(|m| match m {
        TransactionMode::IsolationLevel(l) => isolation_of(l),
        TransactionMode::AccessMode(_) => None,
    })
}

/// Column names an expression mentions, qualified ones resolved.
fn columns_in(e: &Expr, scan: &Scan, out: &mut Vec<Col>) {
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        match x {
            Expr::Identifier(i) => out.push(Col {
                table: None,
                name: i.value.to_ascii_lowercase(),
            }),
            Expr::CompoundIdentifier(parts) if parts.len() >= 2 => out.push(Col {
                table: Some(scan.resolve(&parts[parts.len() - 2].value)),
                name: parts[parts.len() - 1].value.to_ascii_lowercase(),
            }),
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

/// The column an operand names directly (`balance`, `a.balance`).
fn direct_column(e: &Expr) -> Option<String> {
    match e {
        Expr::Identifier(i) => Some(i.value.to_ascii_lowercase()),
        Expr::CompoundIdentifier(p) => p.last().map(|i| i.value.to_ascii_lowercase()),
        Expr::Nested(n) => direct_column(n),
        Expr::Cast { expr, .. } => direct_column(expr),
        _ => None,
    }
}

fn placeholder(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            sqlparser::ast::Value::Placeholder(p) => Some(p),
            _ => None,
        },
        Expr::Nested(n) => placeholder(n),
        _ => None,
    }
}

fn count_placeholders<V: Visit>(node: &V) -> usize {
    let mut n = 0;
    let _ = sqlparser::ast::visit_expressions(node, |x| {
        if matches!(x, Expr::Value(v) if matches!(v.value, sqlparser::ast::Value::Placeholder(_))) {
            n += 1;
        }
        ControlFlow::<()>::Continue(())
    });
    n
}

/// `col = <placeholder>` comparisons, with each placeholder's position
/// (`base` placeholders come before the WHERE).
fn where_params(e: &Expr, base: usize, out: &mut Vec<(String, String, usize)>) {
    let mut seen = base;
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Eq,
            right,
        } = x
        {
            if let (Some(c), Some(p)) = (direct_column(left), placeholder(right)) {
                out.push((c, p.to_string(), seen + count_placeholders(&**left)));
            } else if let (Some(p), Some(c)) = (placeholder(left), direct_column(right)) {
                out.push((c, p.to_string(), seen));
            }
        }
        if placeholder(x).is_some() && matches!(x, Expr::Value(_)) {
            seen += 1;
        }
        ControlFlow::<()>::Continue(())
    });
}

/// Columns compared in a WHERE, and those compared with `=`.
fn where_columns(e: &Expr, cols: &mut Vec<String>, eq: &mut Vec<String>) {
    let _ = sqlparser::ast::visit_expressions(e, |x| {
        let mut add = |c: Option<String>, is_eq: bool| {
            if let Some(c) = c {
                if is_eq && !eq.contains(&c) {
                    eq.push(c.clone());
                }
                if !cols.contains(&c) {
                    cols.push(c);
                }
            }
        };
        match x {
            Expr::BinaryOp { left, op, right } => {
                use BinaryOperator::*;
                if matches!(op, Eq | NotEq | Lt | LtEq | Gt | GtEq | Spaceship) {
                    let is_eq = matches!(op, Eq | Spaceship);
                    add(direct_column(left), is_eq);
                    add(direct_column(right), is_eq);
                }
            }
            Expr::Between { expr, .. }
            | Expr::InList { expr, .. }
            | Expr::InSubquery { expr, .. }
            | Expr::IsNull(expr)
            | Expr::IsNotNull(expr)
            | Expr::IsDistinctFrom(expr, _)
            | Expr::IsNotDistinctFrom(expr, _) => add(direct_column(expr), false),
            _ => {}
        }
        ControlFlow::<()>::Continue(())
    });
}

fn summarize(stmt: Statement, range: Range<usize>, token_lock: Option<Lock>) -> SqlStmt {
    let mut scan = Scan::default();
    let _ = stmt.visit(&mut scan);
    let mut out = match &stmt {
        Statement::Query(q) => summarize_query(q, &scan, range, token_lock),
        Statement::Insert(ins) => {
            let mut s = SqlStmt::new(Kind::Insert, range);
            if let TableObject::TableName(n) = &ins.table {
                s.target = Some(name_of(n));
                s.target_text = Some(n.to_string());
            }
            s.conflict = ins.on.is_some() || ins.ignore || ins.or.is_some() || ins.replace_into;
            s.returning = ins.returning.is_some();
            s.insert_columns = ins.columns.iter().map(name_of).collect();
            s
        }
        Statement::Update(u) => {
            let mut s = SqlStmt::new(Kind::Update, range);
            if let TableFactor::Table { name, .. } = &u.table.relation {
                s.target = Some(name_of(name));
                s.target_text = Some(name.to_string());
            }
            s.writes = writes_of(&u.assignments);
            if let Some(w) = &u.selection {
                where_columns(w, &mut s.where_cols, &mut s.where_eq);
                let base = u
                    .assignments
                    .iter()
                    .map(|a| count_placeholders(&a.value))
                    .sum();
                where_params(w, base, &mut s.where_params);
            }
            s.returning = u.returning.is_some();
            s.modifies = scan.any_lock;
            s
        }
        Statement::Delete(d) => {
            let mut s = SqlStmt::new(Kind::Delete, range);
            let tables = match &d.from {
                FromTable::WithFromKeyword(t) | FromTable::WithoutKeyword(t) => t,
            };
            if let Some(TableFactor::Table { name, .. }) = tables.first().map(|t| &t.relation) {
                s.target = Some(name_of(name));
                s.target_text = Some(name.to_string());
            }
            s.returning = d.returning.is_some();
            s.modifies = scan.any_lock;
            s
        }
        Statement::StartTransaction {
            modes, modifier, ..
        } => {
            let mut s = SqlStmt::new(Kind::Begin, range);
            s.isolation = modes_isolation(modes);
            s.immediate = matches!(
                modifier,
                Some(TransactionModifier::Immediate | TransactionModifier::Exclusive)
            );
            s
        }
        Statement::Commit { .. } => SqlStmt::new(Kind::Commit, range),
        Statement::Rollback {
            savepoint: None, ..
        } => SqlStmt::new(Kind::Rollback, range),
        Statement::Set(Set::SetTransaction { modes, .. }) => {
            let mut s = SqlStmt::new(Kind::SetIsolation, range);
            s.isolation = modes_isolation(modes);
            s
        }
        Statement::Lock(_) | Statement::LockTables { .. } => {
            let mut s = SqlStmt::new(Kind::Other, range);
            s.advisory = true;
            s
        }
        _ => SqlStmt::new(Kind::Other, range),
    };
    for t in &scan.tables {
        if !out.tables.contains(t) {
            out.tables.push(t.clone());
        }
    }
    out.advisory |= scan.advisory;
    out.ast = Some(Box::new(stmt));
    out
}

fn summarize_query(
    q: &Query,
    scan: &Scan,
    range: Range<usize>,
    token_lock: Option<Lock>,
) -> SqlStmt {
    // `WITH … UPDATE/DELETE/INSERT …`: the statement is the write.
    let inner = match &*q.body {
        SetExpr::Update(s) | SetExpr::Delete(s) | SetExpr::Insert(s) => Some(s),
        _ => None,
    };
    if let Some(inner) = inner {
        let mut s = summarize(inner.clone(), range, None);
        s.modifies |= scan.nested_lock;
        return s;
    }
    let mut s = SqlStmt::new(Kind::Select, range);
    if !q.locks.is_empty() || token_lock.is_some() {
        s.lock = token_lock.or_else(|| {
            q.locks.first().map(|l| match l.lock_type {
                sqlparser::ast::LockType::Update => Lock::Update,
                sqlparser::ast::LockType::Share => Lock::Share,
            })
        });
    } else if scan.nested_lock {
        s.lock = token_lock.or(Some(Lock::Update));
    }
    s.modifies = scan.nested_write;
    projection(&q.body, scan, &mut s);
    if let SetExpr::Select(sel) = &*q.body {
        if let Some(w) = &sel.selection {
            where_columns(w, &mut Vec::new(), &mut s.where_eq);
            let base = sel
                .projection
                .iter()
                .map(|p| match p {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        count_placeholders(e)
                    }
                    _ => 0,
                })
                .sum();
            where_params(w, base, &mut s.where_params);
        }
    }
    s
}

fn projection(body: &SetExpr, scan: &Scan, s: &mut SqlStmt) {
    match body {
        SetExpr::Select(sel) => {
            for item in &sel.projection {
                match item {
                    SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                        columns_in(e, scan, &mut s.reads);
                        let _ = sqlparser::ast::visit_expressions(e, |x| {
                            match x {
                                Expr::Function(f) => {
                                    let n = name_of(&f.name);
                                    if matches!(n.as_str(), "count" | "max" | "min" | "sum") {
                                        s.aggregate = true;
                                    }
                                }
                                Expr::Exists { .. } => s.aggregate = true,
                                _ => {}
                            }
                            ControlFlow::<()>::Continue(())
                        });
                    }
                    SelectItem::Wildcard(_) | SelectItem::QualifiedWildcard(..) => s.star = true,
                    _ => {}
                }
            }
        }
        SetExpr::Query(q) => projection(&q.body, scan, s),
        SetExpr::SetOperation { left, right, .. } => {
            projection(left, scan, s);
            projection(right, scan, s);
        }
        _ => {}
    }
}

fn writes_of(assignments: &[Assignment]) -> Vec<Write> {
    let mut out = Vec::new();
    for a in assignments {
        let names: Vec<String> = match &a.target {
            AssignmentTarget::ColumnName(n) => vec![name_of(n)],
            AssignmentTarget::Tuple(ns) => ns.iter().map(name_of).collect(),
        };
        for column in names {
            if column.starts_with("__fmt") {
                continue;
            }
            let mut mentioned = Vec::new();
            columns_in(&a.value, &Scan::default(), &mut mentioned);
            let self_relative = mentioned.iter().any(|c| c.name == column);
            out.push(Write {
                column,
                self_relative,
            });
        }
    }
    out
}

/// Significant tokens, lower-cased words kept as text.
fn fallback_words(tokens: &[TokenWithSpan]) -> Vec<String> {
    tokens
        .iter()
        .filter(|t| !matches!(t.token, Token::Whitespace(_)))
        .map(|t| match &t.token {
            Token::Word(w) => w.value.to_ascii_lowercase(),
            other => other.to_string(),
        })
        .collect()
}

/// What the tokens of a statement the parser rejected show reliably.
fn fallback(words: &[String], range: Range<usize>, lock: Option<Lock>) -> Option<SqlStmt> {
    let first = words.first()?.as_str();
    let after = |kw: &str| -> Option<String> {
        let i = words.iter().position(|w| w == kw)?;
        let mut j = i + 1;
        if words.get(j).is_some_and(|w| w == "only" || w == "ignore") {
            j += 1;
        }
        let mut name = words.get(j)?.clone();
        // `schema.table`
        while words.get(j + 1).is_some_and(|w| w == ".") {
            j += 2;
            name = words.get(j)?.clone();
        }
        name.chars()
            .all(|c| c.is_alphanumeric() || c == '_')
            .then_some(name)
    };
    let has = |kw: &str| words.iter().any(|w| w == kw);
    let mut s = match first {
        "select" | "with" => {
            let mut s = SqlStmt::new(Kind::Select, range);
            for (i, w) in words.iter().enumerate() {
                if w == "from" || w == "join" {
                    if let Some(t) = words
                        .get(i + 1)
                        .filter(|t| t.chars().all(|c| c.is_alphanumeric() || c == '_'))
                    {
                        if !s.tables.contains(t) {
                            s.tables.push(t.clone());
                        }
                    }
                }
            }
            s.lock = lock;
            s.modifies =
                first == "with" && (has("update") && has("set") || has("delete") || has("insert"));
            s
        }
        "update" => {
            let mut s = SqlStmt::new(Kind::Update, range);
            s.target = after("update");
            s.target_text = s.target.clone();
            s
        }
        "insert" | "replace" => {
            let mut s = SqlStmt::new(Kind::Insert, range);
            s.target = after("into");
            s.target_text = s.target.clone();
            s.conflict = first == "replace"
                || has("conflict")
                || has("duplicate")
                || has("ignore")
                || words.get(1).is_some_and(|w| w == "or");
            s
        }
        "delete" => {
            let mut s = SqlStmt::new(Kind::Delete, range);
            s.target = after("from");
            s.target_text = s.target.clone();
            s
        }
        "begin" | "start" => {
            let mut s = SqlStmt::new(Kind::Begin, range);
            s.immediate = has("immediate") || has("exclusive");
            s.isolation = if has("serializable") {
                Some(Isolation::Serializable)
            } else if has("repeatable") {
                Some(Isolation::RepeatableRead)
            } else {
                None
            };
            s
        }
        "commit" | "end" => SqlStmt::new(Kind::Commit, range),
        "rollback" => SqlStmt::new(Kind::Rollback, range),
        _ => return None,
    };
    if let Some(t) = s.target.clone() {
        s.tables.push(t);
    }
    s.where_opaque = true;
    Some(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(sql: &str) -> SqlStmt {
        let mut p = analyze(sql, None, false).expect("parses");
        p.stmts.remove(0)
    }

    #[test]
    fn select_columns_aliases_and_locks() {
        let s = one("SELECT a.balance, a.id FROM public.accounts a WHERE a.id = $1 FOR UPDATE");
        assert_eq!(s.kind, Kind::Select);
        assert_eq!(s.tables, vec!["accounts"]);
        assert!(s.reads_column("accounts", "balance"));
        assert_eq!(s.lock, Some(Lock::Update));
        let s = one("SELECT * FROM t WHERE id = $1 FOR NO KEY UPDATE SKIP LOCKED");
        assert!(s.star);
        assert_eq!(s.lock, Some(Lock::NoKeyUpdate));
        let s = one("SELECT stock FROM items WHERE id = ? LOCK IN SHARE MODE");
        assert_eq!(s.lock, Some(Lock::Share));
    }

    #[test]
    fn update_writes_and_guards() {
        let s = one("UPDATE accounts SET balance = balance - $1, note = $3 WHERE id = $2 AND balance >= $1 RETURNING balance");
        assert_eq!(s.target.as_deref(), Some("accounts"));
        assert_eq!(s.writes.len(), 2);
        assert!(s.writes[0].self_relative);
        assert!(!s.writes[1].self_relative);
        assert!(s.where_cols.contains(&"balance".to_string()));
        assert!(s.where_eq.contains(&"id".to_string()));
        assert!(s.returning);
    }

    #[test]
    fn where_placeholders_and_their_positions() {
        let s = one("UPDATE t SET a = ?, b = ? WHERE id = ? AND owner = ?");
        assert_eq!(s.where_params[0], ("id".to_string(), "?".to_string(), 2));
        assert_eq!(s.where_params[1], ("owner".to_string(), "?".to_string(), 3));
        let s = one("SELECT a FROM t WHERE id = $2");
        assert_eq!(s.where_params[0].1, "$2");
    }

    #[test]
    fn conflict_clauses() {
        assert!(one("INSERT INTO u (email) VALUES ($1) ON CONFLICT (email) DO NOTHING").conflict);
        assert!(
            analyze(
                "INSERT IGNORE INTO u (email) VALUES (?)",
                Some(Dialect::MySql),
                false
            )
            .unwrap()
            .stmts[0]
                .conflict
        );
        assert!(
            analyze(
                "INSERT OR IGNORE INTO u (email) VALUES (?1)",
                Some(Dialect::Sqlite),
                false
            )
            .unwrap()
            .stmts[0]
                .conflict
        );
        assert!(!one("INSERT INTO u (email) VALUES ($1)").conflict);
    }

    #[test]
    fn data_modifying_statements_lock_and_write_at_once() {
        let s = one("UPDATE jobs SET status = 'running' WHERE id = (SELECT id FROM jobs WHERE status = 'queued' FOR UPDATE SKIP LOCKED LIMIT 1) RETURNING id");
        assert_eq!(s.kind, Kind::Update);
        assert!(s.modifies);
        let s = one("WITH next AS (SELECT id FROM jobs FOR UPDATE SKIP LOCKED LIMIT 1) DELETE FROM jobs USING next WHERE jobs.id = next.id RETURNING jobs.id");
        assert_eq!(s.kind, Kind::Delete);
        assert!(s.modifies);
    }

    #[test]
    fn transactions() {
        let s = one("BEGIN ISOLATION LEVEL SERIALIZABLE");
        assert_eq!(
            (s.kind, s.isolation),
            (Kind::Begin, Some(Isolation::Serializable))
        );
        let p = analyze("BEGIN IMMEDIATE", Some(Dialect::Sqlite), true).unwrap();
        assert!(p.stmts[0].immediate);
        assert_eq!(one("COMMIT").kind, Kind::Commit);
        let s = one("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
        assert_eq!(s.isolation, Some(Isolation::RepeatableRead));
    }

    #[test]
    fn not_sql_is_none() {
        assert!(analyze("update the balance", None, false).is_none());
        assert!(analyze("hello", None, false).is_none());
    }

    #[test]
    fn several_statements_get_their_ranges() {
        let text = "BEGIN; UPDATE t SET a = 1 WHERE id = 2; COMMIT;";
        let p = analyze(text, None, true).unwrap();
        assert_eq!(p.stmts.len(), 3);
        assert_eq!(
            &text[p.stmts[1].range.clone()],
            "UPDATE t SET a = 1 WHERE id = 2"
        );
    }

    #[test]
    fn placeholders_pick_the_dialect() {
        assert_eq!(placeholder_dialect("a = $1"), Some(Dialect::Postgres));
        assert_eq!(placeholder_dialect("a = ?1"), Some(Dialect::Sqlite));
        assert_eq!(
            placeholder_dialect("a = ? AND b = '$1'"),
            Some(Dialect::MySql)
        );
    }
}
