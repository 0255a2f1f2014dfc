//! Facts about a whole file that function bodies need: its statics, the
//! field types of its structs, the crates it imports, and its edition.
//!
//! There is no type checker; these declarations are what lets the analysis
//! tell a `DashMap` from a `HashMap` or a `static mut` from a local.

use super::effects::SqlApi;
use crate::sql::{Dialect, SqlSrc};
use quote::ToTokens;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use syn::visit::Visit;

/// The Rust edition of the crate a file belongs to. It changes drop order
/// (`if let` scrutinee temporaries, block tail temporaries).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum Edition {
    E2015,
    E2018,
    #[default]
    E2021,
    E2024,
}

impl Edition {
    pub fn parse(s: &str) -> Option<Edition> {
        match s {
            "2015" => Some(Edition::E2015),
            "2018" => Some(Edition::E2018),
            "2021" => Some(Edition::E2021),
            "2024" => Some(Edition::E2024),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub struct StaticInfo {
    pub mutable: bool,
    /// The declared type, as text with spaces removed (`AtomicUsize`).
    pub ty: String,
    pub ty_range: std::ops::Range<usize>,
    pub init_range: std::ops::Range<usize>,
    pub item_range: std::ops::Range<usize>,
}

#[derive(Debug, Default)]
pub struct FileCtx {
    pub edition: Edition,
    pub statics: HashMap<String, StaticInfo>,
    /// struct name → field name → type text (spaces removed).
    pub fields: HashMap<String, HashMap<String, String>>,
    /// Types with an `impl Sync` / `unsafe impl Sync` in this file.
    pub sync_impls: HashSet<String>,
    /// First path segments of every `use` and of paths naming crates we
    /// care about (`dashmap`, `scc`, `moka`, `sqlx`, `redis`…).
    pub crates: HashSet<String>,
    /// The crate's root directory (where `query_file!` paths start).
    pub root: Option<std::path::PathBuf>,
    /// The SQL dialect the file's database crates and types point to, when
    /// they point to exactly one.
    pub sql_dialect: Option<Dialect>,
    /// The database client crate the file uses, when it uses one.
    pub sql_api: Option<SqlApi>,
    /// `const`/`static` string items holding SQL, by name.
    pub sql_consts: HashMap<String, Arc<SqlSrc>>,
    /// Database families seen while collecting (PostgreSQL, MySQL, SQLite).
    families: [bool; 3],
    apis: Vec<SqlApi>,
    const_literals: Vec<(String, syn::LitStr)>,
}

/// Type and crate names that say which database a file talks to.
const POSTGRES_MARKS: &[&str] = &[
    "PgPool",
    "PgConnection",
    "Postgres",
    "PgPoolOptions",
    "PgRow",
    "PgExecutor",
    "tokio_postgres",
    "postgres",
    "deadpool_postgres",
    "bb8_postgres",
    "r2d2_postgres",
];
const MYSQL_MARKS: &[&str] = &[
    "MySqlPool",
    "MySql",
    "MySqlConnection",
    "MySqlRow",
    "MySqlPoolOptions",
    "mysql_async",
    "mysql",
];
const SQLITE_MARKS: &[&str] = &[
    "SqlitePool",
    "Sqlite",
    "SqliteConnection",
    "SqliteRow",
    "SqlitePoolOptions",
    "rusqlite",
    "r2d2_sqlite",
    "SqliteExecutor",
];

/// Type text without spaces, for substring tests.
pub fn type_text(ty: &syn::Type) -> String {
    ty.to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

impl FileCtx {
    pub fn new(file: &syn::File, edition: Edition, root: Option<std::path::PathBuf>) -> FileCtx {
        let mut ctx = FileCtx {
            edition,
            root,
            ..FileCtx::default()
        };
        let mut collector = Collector { ctx: &mut ctx };
        collector.visit_file(file);
        let families = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];
        let seen: Vec<Dialect> = families
            .iter()
            .zip(ctx.families)
            .filter_map(|(d, s)| s.then_some(*d))
            .collect();
        if seen.len() == 1 {
            ctx.sql_dialect = Some(seen[0]);
        }
        ctx.apis.dedup();
        if ctx.apis.len() == 1 {
            ctx.sql_api = Some(ctx.apis[0]);
        }
        for (name, lit) in std::mem::take(&mut ctx.const_literals) {
            if let Some(src) = crate::sql::from_literal(&lit, ctx.sql_dialect) {
                ctx.sql_consts.insert(name, Arc::new(src));
            }
        }
        ctx
    }

    /// Notes a crate or type name that points to a database.
    fn mark(&mut self, name: &str) {
        for (i, marks) in [POSTGRES_MARKS, MYSQL_MARKS, SQLITE_MARKS]
            .iter()
            .enumerate()
        {
            if marks.contains(&name) {
                self.families[i] = true;
            }
        }
        let api = match name {
            "sqlx" => SqlApi::Sqlx,
            "tokio_postgres" | "postgres" | "deadpool_postgres" | "bb8_postgres"
            | "r2d2_postgres" => SqlApi::Postgres,
            "rusqlite" | "r2d2_sqlite" => SqlApi::Rusqlite,
            "mysql_async" | "mysql" => SqlApi::MySql,
            _ => return,
        };
        if !self.apis.contains(&api) {
            self.apis.push(api);
            self.apis.sort_by_key(|a| *a as u8);
        }
    }

    /// Whether a type names a map whose every method locks internally.
    pub fn is_concurrent_map(&self, ty: &str) -> bool {
        if ty.contains("DashMap") || ty.contains("DashSet") {
            return true;
        }
        if ty.contains("scc::") || ty.contains("moka::") || ty.contains("papaya::") {
            return true;
        }
        let bare = |name: &str| {
            ty.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|part| part == name)
        };
        (self.crates.contains("scc")
            && (bare("HashMap") || bare("HashSet") || bare("HashIndex") || bare("HashCache")))
            || (self.crates.contains("moka") && (bare("Cache") || bare("SegmentedCache")))
    }

    /// Whether a struct declared in this file cannot be shared between
    /// threads: it holds a `Cell`, `RefCell`, `Rc` or raw pointer and the file
    /// does not `impl Sync` for it. `&self` on such a type is not shared.
    pub fn is_not_sync(&self, owner: &str) -> bool {
        if self.sync_impls.contains(owner) {
            return false;
        }
        self.fields.get(owner).is_some_and(|fields| {
            fields.values().any(|ty| {
                ty.starts_with("Cell<")
                    || ty.starts_with("RefCell<")
                    || ty.starts_with("Rc<")
                    || ty.starts_with("*mut")
                    || ty.starts_with("*const")
                    || ty.contains("PhantomData<*")
                    || ty.contains("PhantomData<Rc<")
                    || ty.contains("PhantomData<Cell<")
            })
        })
    }

    /// The type of `field` in struct `owner`, if declared in this file.
    pub fn field_type(&self, owner: &str, field: &str) -> Option<&str> {
        self.fields
            .get(owner)
            .and_then(|f| f.get(field))
            .map(String::as_str)
    }
}

/// The last identifier of a type that names a struct, seen through `Arc`,
/// `Rc`, `Box`, references and the like (`Arc<Inner>` → `Inner`).
pub fn inner_type_name(ty: &str) -> Option<&str> {
    let mut t = ty.trim_start_matches('&').trim_start_matches("mut");
    for wrapper in ["Arc<", "Rc<", "Box<", "std::sync::Arc<", "Pin<"] {
        if let Some(rest) = t.strip_prefix(wrapper) {
            t = rest.trim_start_matches('&').trim_start_matches("mut");
        }
    }
    let end = t
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
        .unwrap_or(t.len());
    let path = &t[..end];
    let last = path.rsplit("::").next().unwrap_or(path);
    (!last.is_empty()).then_some(last)
}

struct Collector<'a> {
    ctx: &'a mut FileCtx,
}

fn range_of(tokens: &impl ToTokens) -> std::ops::Range<usize> {
    crate::lower::range_of(tokens)
}

fn mark_idents(ctx: &mut FileCtx, ts: proc_macro2::TokenStream) {
    for tt in ts {
        match tt {
            proc_macro2::TokenTree::Ident(i) => ctx.mark(&i.to_string()),
            proc_macro2::TokenTree::Group(g) => mark_idents(ctx, g.stream()),
            _ => {}
        }
    }
}

impl<'ast> Visit<'ast> for Collector<'_> {
    fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
        self.ctx.statics.insert(
            item.ident.to_string(),
            StaticInfo {
                mutable: matches!(item.mutability, syn::StaticMutability::Mut(_)),
                ty: type_text(&item.ty),
                ty_range: range_of(&item.ty),
                init_range: range_of(&item.expr),
                item_range: range_of(item),
            },
        );
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(l),
            ..
        }) = &*item.expr
        {
            self.ctx
                .const_literals
                .push((item.ident.to_string(), l.clone()));
        }
        syn::visit::visit_item_static(self, item);
    }

    fn visit_item_struct(&mut self, item: &'ast syn::ItemStruct) {
        let fields = self.ctx.fields.entry(item.ident.to_string()).or_default();
        for (i, field) in item.fields.iter().enumerate() {
            let name = field
                .ident
                .as_ref()
                .map(|id| id.to_string())
                .unwrap_or_else(|| i.to_string());
            fields.insert(name, type_text(&field.ty));
        }
        syn::visit::visit_item_struct(self, item);
    }

    fn visit_item_impl(&mut self, item: &'ast syn::ItemImpl) {
        let is_sync = item
            .trait_
            .as_ref()
            .and_then(|(_, path, _)| path.segments.last())
            .is_some_and(|s| s.ident == "Sync");
        if is_sync {
            if let syn::Type::Path(p) = &*item.self_ty {
                if let Some(last) = p.path.segments.last() {
                    self.ctx.sync_impls.insert(last.ident.to_string());
                }
            }
        }
        syn::visit::visit_item_impl(self, item);
    }

    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        mark_idents(self.ctx, item.tree.to_token_stream());
        let mut tree = &item.tree;
        loop {
            match tree {
                syn::UseTree::Path(p) => {
                    let name = p.ident.to_string();
                    if name != "crate" && name != "self" && name != "super" {
                        self.ctx.crates.insert(name);
                        break;
                    }
                    tree = &p.tree;
                }
                syn::UseTree::Name(n) => {
                    self.ctx.crates.insert(n.ident.to_string());
                    break;
                }
                syn::UseTree::Rename(r) => {
                    self.ctx.crates.insert(r.ident.to_string());
                    break;
                }
                syn::UseTree::Group(g) => {
                    for t in &g.items {
                        if let syn::UseTree::Path(p) = t {
                            self.ctx.crates.insert(p.ident.to_string());
                        }
                    }
                    break;
                }
                syn::UseTree::Glob(_) => break,
            }
        }
    }

    // Only items and types matter here: expressions are the lowering's
    // walk, so this pass descends into them only to reach nested items.
    fn visit_expr(&mut self, e: &'ast syn::Expr) {
        match e {
            syn::Expr::Block(b) => self.visit_block(&b.block),
            syn::Expr::Unsafe(b) => self.visit_block(&b.block),
            syn::Expr::Async(b) => self.visit_block(&b.block),
            syn::Expr::Const(b) => self.visit_block(&b.block),
            syn::Expr::Closure(c) => self.visit_expr(&c.body),
            syn::Expr::If(i) => {
                self.visit_block(&i.then_branch);
                if let Some((_, e)) = &i.else_branch {
                    self.visit_expr(e);
                }
            }
            syn::Expr::Loop(l) => self.visit_block(&l.body),
            syn::Expr::While(w) => self.visit_block(&w.body),
            syn::Expr::ForLoop(f) => self.visit_block(&f.body),
            syn::Expr::Match(m) => {
                for arm in &m.arms {
                    self.visit_expr(&arm.body);
                }
            }
            _ => {}
        }
    }

    fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
        if let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(l),
            ..
        }) = &*item.expr
        {
            self.ctx
                .const_literals
                .push((item.ident.to_string(), l.clone()));
        }
        syn::visit::visit_item_const(self, item);
    }

    fn visit_path(&mut self, path: &'ast syn::Path) {
        for seg in &path.segments {
            self.ctx.mark(&seg.ident.to_string());
        }
        if path.segments.len() > 1 {
            if let Some(first) = path.segments.first() {
                let name = first.ident.to_string();
                if matches!(name.as_str(), "dashmap" | "scc" | "moka" | "papaya") {
                    self.ctx.crates.insert(name);
                }
            }
        }
        syn::visit::visit_path(self, path);
    }
}
