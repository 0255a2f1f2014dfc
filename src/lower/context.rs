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
    /// The file's module name (`post` for `entity/post.rs`): what a bare
    /// `Entity` names inside a sea-orm entity file.
    pub module: String,
    /// The ORMs the file's package depends on.
    pub orms: crate::edition::Orms,
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
    /// Every name a `use` brings into scope → the path it names
    /// (`File` → `std::fs::File`, `fs` → `tokio::fs`).
    pub imports: HashMap<String, String>,
    /// Paths of glob imports (`fred::prelude`).
    pub globs: Vec<String>,
    /// The Redis client crate the file names, if any.
    pub redis: Option<RedisCrate>,
    /// Inputs the file names that were refused (a `query_file!` outside the
    /// crate), with the range naming them: reported as the file's errors.
    pub refused: std::sync::Mutex<Vec<(std::ops::Range<usize>, String)>>,
    /// What analysing the file may still cost (time, macro re-parsing).
    pub budget: crate::budget::Budget,
    /// Database families seen while collecting (PostgreSQL, MySQL, SQLite).
    families: [bool; 3],
    apis: Vec<SqlApi>,
}

/// The Redis client a file uses, which decides how rewrites are spelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisCrate {
    /// The `redis` crate, directly or through deadpool-redis / bb8-redis.
    Redis,
    Fred,
}

/// What a declared type says a Redis value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedisHandle {
    /// Something commands are sent on: a connection, a client, a
    /// `Commands` / `AsyncCommands` implementor, a fred client.
    Conn,
    /// A pool: `get()` hands out a connection (fred pools also take
    /// commands themselves).
    Pool,
}

/// Crates whose paths name Redis clients.
const REDIS_CRATES: &[&str] = &[
    "redis",
    "fred",
    "deadpool_redis",
    "bb8_redis",
    "r2d2_redis",
    "mobc_redis",
];

/// Type names (last path segment) of things Redis commands are sent on.
const REDIS_CONN_TYPES: &[&str] = &[
    "Connection",
    "MultiplexedConnection",
    "ConnectionManager",
    "ClusterConnection",
    "AsyncConnection",
    "Client",
    "ClusterClient",
    "RedisClient",
    "Commands",
    "AsyncCommands",
    "TypedCommands",
    "AsyncTypedCommands",
    "ConnectionLike",
    "PooledConnection",
    "Object",
    "SubscriberClient",
    "RedisConnection",
];

/// Wrappers that hand out what they hold (`Arc<Mutex<Conn>>` is a connection).
const TYPE_WRAPPERS: &[&str] = &[
    "Arc", "Rc", "Box", "Mutex", "RwLock", "Pin", "Option", "RefCell", "Cell",
];

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
    /// The facts of one file; `dialect` is the configuration's SQL dialect,
    /// which wins over what the file's crates suggest.
    pub fn new(
        file: &syn::File,
        edition: Edition,
        root: Option<std::path::PathBuf>,
        dialect: Option<Dialect>,
    ) -> FileCtx {
        let mut ctx = FileCtx {
            edition,
            root,
            ..FileCtx::default()
        };
        let mut collector = Collector {
            ctx: &mut ctx,
            const_literals: Vec::new(),
        };
        collector.visit_file(file);
        let const_literals = collector.const_literals;
        let families = [Dialect::Postgres, Dialect::MySql, Dialect::Sqlite];
        let seen: Vec<Dialect> = families
            .iter()
            .zip(ctx.families)
            .filter_map(|(d, s)| s.then_some(*d))
            .collect();
        if seen.len() == 1 {
            ctx.sql_dialect = Some(seen[0]);
        }
        if dialect.is_some() {
            ctx.sql_dialect = dialect;
        }
        ctx.apis.dedup();
        if ctx.apis.len() == 1 {
            ctx.sql_api = Some(ctx.apis[0]);
        }
        for (name, lit) in const_literals {
            if let Some(src) = crate::sql::from_literal(&lit, ctx.sql_dialect) {
                ctx.sql_consts.insert(name, Arc::new(src));
            }
        }
        ctx
    }

    /// The full path a path written in this file names: its first segment
    /// resolved through the file's `use` items.
    pub fn resolve(&self, path: &str) -> String {
        let (head, rest) = match path.find("::") {
            Some(i) => (&path[..i], &path[i..]),
            None => (path, ""),
        };
        match self.imports.get(head) {
            Some(full) => format!("{full}{rest}"),
            None => path.to_string(),
        }
    }

    /// Whether a path names something from a Redis client crate.
    fn is_redis_path(&self, path: &str) -> bool {
        let full = self.resolve(path);
        let first = full.split("::").next().unwrap_or("");
        if REDIS_CRATES.contains(&first) {
            return true;
        }
        // A name brought in by a glob import of a Redis crate.
        !path.contains("::")
            && !self.imports.contains_key(path)
            && self
                .globs
                .iter()
                .any(|g| REDIS_CRATES.contains(&g.split("::").next().unwrap_or("")))
    }

    /// What a declared type (text without spaces) says about Redis:
    /// `&mut redis::aio::MultiplexedConnection`, `Arc<Mutex<ConnectionManager>>`,
    /// `deadpool_redis::Pool`, `bb8::Pool<RedisConnectionManager>`,
    /// `impl AsyncCommands`. `generics` maps a type parameter to its bounds.
    pub fn redis_handle(
        &self,
        ty: &str,
        generics: &HashMap<String, String>,
    ) -> Option<RedisHandle> {
        self.redis?;
        let tokens = type_paths(ty);
        let mut i = 0;
        while tokens
            .get(i)
            .is_some_and(|t| TYPE_WRAPPERS.contains(&t.rsplit("::").next().unwrap_or(t)))
        {
            i += 1;
        }
        let head = tokens.get(i)?;
        if let Some(bounds) = generics.get(head.as_str()) {
            if bounds != ty {
                return self.redis_handle(bounds, &HashMap::new());
            }
        }
        let last = head.rsplit("::").next().unwrap_or(head);
        let names_redis = |t: &str| {
            let last = t.rsplit("::").next().unwrap_or(t);
            (self.is_redis_path(t) || last.contains("Redis"))
                && (REDIS_CONN_TYPES.contains(&last)
                    || last.contains("Pool")
                    || last.contains("Manager")
                    || (last.contains("Redis")
                        && (last.contains("Conn") || last.contains("Client"))))
        };
        let kind = |last: &str| {
            if last.contains("Pool") {
                RedisHandle::Pool
            } else {
                RedisHandle::Conn
            }
        };
        // `RedisConnectionManager` is bb8's manager, not a connection.
        if names_redis(head) && (REDIS_CONN_TYPES.contains(&last) || !last.ends_with("Manager")) {
            return Some(kind(last));
        }
        // `bb8::Pool<RedisConnectionManager>`, `PooledConnection<'_, RedisConnectionManager>`,
        // `impl ConnectionLike + Send` (every bound is a token).
        if tokens[i + 1..].iter().any(|t| names_redis(t)) {
            if last.contains("Pool") {
                return Some(RedisHandle::Pool);
            }
            if REDIS_CONN_TYPES.contains(&last) {
                return Some(RedisHandle::Conn);
            }
        }
        None
    }

    /// Notes a crate or type name that points to a database.
    fn mark(&mut self, name: &str) {
        if REDIS_CRATES.contains(&name) {
            self.redis = match (self.redis, name) {
                (_, "fred") | (Some(RedisCrate::Fred), _) => Some(RedisCrate::Fred),
                _ => Some(RedisCrate::Redis),
            };
        }
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

/// The paths a type text mentions, in order: `Arc<Mutex<redis::Client>>` →
/// `Arc`, `Mutex`, `redis::Client`. `impl`, `dyn` and `mut` glued to a
/// path by the space-free text are split off.
pub fn type_paths(ty: &str) -> Vec<String> {
    let mut out = Vec::new();
    for raw in ty.split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')) {
        let mut t = raw.trim_matches(':');
        loop {
            let before = t;
            for kw in ["impl", "dyn", "mut"] {
                if let Some(rest) = t.strip_prefix(kw) {
                    let starts_path = rest.starts_with(|c: char| c.is_ascii_uppercase())
                        || REDIS_CRATES.iter().any(|k| rest.starts_with(k))
                        || rest.starts_with("std")
                        || rest.starts_with("tokio");
                    if starts_path {
                        t = rest;
                    }
                }
            }
            if t == before {
                break;
            }
        }
        if !t.is_empty() && !matches!(t, "impl" | "dyn" | "mut" | "const") && !t.starts_with('\'') {
            out.push(t.to_string());
        }
    }
    out
}

/// The struct a parameter type wraps: `State<AppState>`, `web::Data<App>`,
/// `Extension<Arc<Ctx>>`, `&Ctx` → its name.
pub fn owner_type(ty: &str) -> Option<String> {
    let mut t = ty.trim_start_matches('&').trim_start_matches("mut");
    loop {
        let lt = t.find('<');
        let Some(lt) = lt else { break };
        let head = &t[..lt];
        let last = head.rsplit("::").next().unwrap_or(head);
        if matches!(last, "State" | "Extension" | "Data" | "Arc" | "Rc" | "Box") {
            t = t[lt + 1..].trim_end_matches('>').trim_start_matches('&');
        } else {
            break;
        }
    }
    inner_type_name(t).map(str::to_string)
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

/// Records what each name of a `use` tree refers to.
fn collect_imports(ctx: &mut FileCtx, tree: &syn::UseTree, prefix: String) {
    let join = |name: &str| {
        if prefix.is_empty() {
            name.to_string()
        } else {
            format!("{prefix}::{name}")
        }
    };
    match tree {
        syn::UseTree::Path(p) => {
            let seg = p.ident.to_string();
            let next = if matches!(seg.as_str(), "crate" | "self" | "super") && prefix.is_empty() {
                seg
            } else {
                join(&seg)
            };
            collect_imports(ctx, &p.tree, next);
        }
        syn::UseTree::Name(n) => {
            let name = n.ident.to_string();
            if name == "self" {
                if let Some(last) = prefix.rsplit("::").next() {
                    ctx.imports.insert(last.to_string(), prefix.clone());
                }
            } else {
                ctx.imports.insert(name.clone(), join(&name));
            }
        }
        syn::UseTree::Rename(r) => {
            let name = r.ident.to_string();
            let full = if name == "self" {
                prefix.clone()
            } else {
                join(&name)
            };
            ctx.imports.insert(r.rename.to_string(), full);
        }
        syn::UseTree::Glob(_) => ctx.globs.push(prefix),
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_imports(ctx, t, prefix.clone());
            }
        }
    }
}

struct Collector<'a> {
    ctx: &'a mut FileCtx,
    /// String `const`s and `static`s, read as SQL once the dialect is known
    /// (kept out of `FileCtx`, which outlives the syntax tree).
    const_literals: Vec<(String, syn::LitStr)>,
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
            self.const_literals
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
        collect_imports(self.ctx, &item.tree, String::new());
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
            self.const_literals
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
