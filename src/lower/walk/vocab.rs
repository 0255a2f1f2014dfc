//! The names the walk recognises (lock, guard, map and atomic methods) and
//! small questions about syntax that need no walker state.

use crate::lower::effects::{CallParts, Literal};
use crate::lower::range_of;
use syn::{Expr, Stmt};

pub(super) const LOCK_METHODS: &[&str] = &[
    "lock",
    "read",
    "write",
    "try_lock",
    "try_read",
    "try_write",
    "lock_owned",
    "read_owned",
    "write_owned",
    "blocking_lock",
    "blocking_read",
    "blocking_write",
    "upgradable_read",
    "lock_arc",
    "read_arc",
    "write_arc",
];

/// Methods that hand back the guard they were called on (poison handling,
/// `Option`/`Result` unwrapping, explicit derefs).
pub(super) const GUARD_TRANSPARENT: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or_else",
    "unwrap_or_default",
    "ok",
    "as_mut",
    "as_ref",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "into_inner",
];

/// Methods that mutate the collection or value behind a guard.
pub(super) const MUTATING: &[&str] = &[
    "insert",
    "remove",
    "push",
    "push_back",
    "push_front",
    "push_str",
    "pop",
    "pop_back",
    "pop_front",
    "clear",
    "extend",
    "retain",
    "truncate",
    "drain",
    "append",
    "swap_remove",
    "take",
    "replace",
    "get_mut",
    "sort",
    "sort_by",
    "sort_by_key",
    "sort_unstable",
    "dedup",
    "resize",
    "set",
    "remove_entry",
    "split_off",
    "iter_mut",
    "values_mut",
    "insert_str",
    "add_assign",
];

/// Methods whose result borrows from the guard (so the guard stays alive
/// with it).
pub(super) const BORROWING: &[&str] = &[
    "get", "get_mut", "iter", "values", "keys", "first", "last", "as_slice", "as_str",
];

pub(super) const MAP_CHECKS: &[&str] = &[
    "contains_key",
    "contains",
    "get",
    "get_mut",
    "len",
    "is_empty",
    "iter",
    "read",
    "get_async",
    "contains_async",
    "read_async",
];

pub(super) const MAP_WRITES: &[&str] = &[
    "insert",
    "remove",
    "remove_if",
    "remove_if_mut",
    "clear",
    "retain",
    "alter",
    "alter_all",
    "insert_async",
    "remove_async",
    "upsert",
    "upsert_async",
    "invalidate",
    "invalidate_all",
    "put",
];

/// Methods that hand back what they were called on, as far as SQL values
/// and Redis handles go: error plumbing, conversions, reborrows, clones.
pub(crate) const PASS_THROUGH: &[&str] = &[
    "unwrap",
    "expect",
    "map_err",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "inspect_err",
    "ok",
    "to_string",
    "to_owned",
    "into",
    "as_str",
    "as_ref",
    "as_mut",
    "deref",
    "deref_mut",
    "borrow",
    "borrow_mut",
    "clone",
];

/// Calls that reach a database, Redis or the filesystem.
pub(super) const EXTERNAL_METHODS: &[&str] = &[
    "execute",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "query_one",
    "query_opt",
    "query_row",
    "batch_execute",
    "execute_batch",
    "exec_drop",
    "exec_first",
    "query_drop",
    "query_first",
    "query_async",
    "query_as",
];

pub(super) const ORDERINGS: &[&str] = &["Relaxed", "Release", "Acquire", "AcqRel", "SeqCst"];

pub(super) fn is_ordering(e: &Expr) -> bool {
    match e {
        Expr::Path(p) => p.path.segments.last().is_some_and(|s| {
            let id = s.ident.to_string();
            ORDERINGS.contains(&id.as_str()) || id.to_ascii_lowercase().contains("ord")
        }),
        Expr::Paren(p) => is_ordering(&p.expr),
        _ => false,
    }
}

pub(super) fn literal_of(e: &Expr) -> Option<Literal> {
    match e {
        Expr::Lit(l) => match &l.lit {
            syn::Lit::Bool(b) => Some(Literal::Bool(b.value)),
            syn::Lit::Int(i) => i.base10_parse::<u128>().ok().map(Literal::Int),
            _ => None,
        },
        Expr::Paren(p) => literal_of(&p.expr),
        Expr::Cast(c) => literal_of(&c.expr),
        _ => None,
    }
}

pub(super) fn path_last(e: &Expr) -> Option<String> {
    match e {
        Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

/// An expression without `&`, parentheses and invisible groups.
pub(super) fn strip_ref(e: &Expr) -> &Expr {
    match e {
        Expr::Reference(r) => strip_ref(&r.expr),
        Expr::Paren(p) => strip_ref(&p.expr),
        Expr::Group(g) => strip_ref(&g.expr),
        _ => e,
    }
}

/// A path's segment names (`users::table` → `["users", "table"]`).
pub(super) fn segments(path: &syn::Path) -> Vec<String> {
    path.segments.iter().map(|s| s.ident.to_string()).collect()
}

pub(super) fn path_segments(e: &Expr) -> Vec<String> {
    match e {
        Expr::Path(p) => p
            .path
            .segments
            .iter()
            .map(|s| s.ident.to_string())
            .collect(),
        _ => Vec::new(),
    }
}

/// `panic!`, `unreachable!`… never return.
pub(super) fn is_diverging_macro(m: &syn::Macro) -> bool {
    m.path.segments.last().is_some_and(|s| {
        matches!(
            s.ident.to_string().as_str(),
            "panic" | "unreachable" | "todo" | "unimplemented" | "bail"
        )
    })
}

/// `thread::spawn`, `tokio::spawn`, `spawn_blocking`, `scope.spawn`…: the
/// closure starts running now, under the conditions around the call.
pub(super) fn is_spawn_like(name: &str) -> bool {
    name.starts_with("spawn") || name.ends_with("_spawn") || name == "block_on" || name == "scope"
}

/// Where an `if … else if … else …` chain ends.
pub(super) fn if_end(i: &syn::ExprIf) -> usize {
    match &i.else_branch {
        None => i.then_branch.brace_token.span.close().byte_range().end,
        Some((_, e)) => match &**e {
            Expr::If(x) => if_end(x),
            Expr::Block(b) => b.block.brace_token.span.close().byte_range().end,
            other => range_of(other).end,
        },
    }
}

pub(super) fn else_block_end(e: &Expr) -> usize {
    match e {
        Expr::Block(b) => b.block.brace_token.span.close().byte_range().end,
        other => range_of(other).end,
    }
}

/// `+=`, `-=`… (syn 2 writes them as binary expressions).
pub(super) fn compound_assign_op(op: &syn::BinOp) -> Option<&'static str> {
    use syn::BinOp::*;
    Some(match op {
        AddAssign(_) => "+=",
        SubAssign(_) => "-=",
        MulAssign(_) => "*=",
        DivAssign(_) => "/=",
        RemAssign(_) => "%=",
        BitXorAssign(_) => "^=",
        BitAndAssign(_) => "&=",
        BitOrAssign(_) => "|=",
        ShlAssign(_) => "<<=",
        ShrAssign(_) => ">>=",
        _ => return None,
    })
}

pub(super) fn call_parts(mc: &syn::ExprMethodCall) -> CallParts {
    CallParts {
        receiver: range_of(&mc.receiver),
        method: range_of(&mc.method),
        args: mc.args.iter().map(range_of).collect(),
    }
}

/// A loop body that only waits: empty, or calls such as `spin_loop()`,
/// `yield_now()`, `sleep(..)`.
pub(super) fn is_spin_body(body: &syn::Block) -> bool {
    body.stmts.len() <= 1
        && body.stmts.iter().all(|s| match s {
            Stmt::Expr(Expr::Call(_), _) | Stmt::Expr(Expr::Await(_), _) | Stmt::Macro(_) => true,
            Stmt::Expr(Expr::MethodCall(mc), _) => {
                !MUTATING.contains(&mc.method.to_string().as_str())
            }
            _ => false,
        })
}

/// The type a constructor call names: `DashMap::new()` → `DashMap`,
/// `Arc::new(DashMap::new())` → `Arc<DashMap>`.
pub(super) fn constructor_type(init: &Expr) -> Option<String> {
    match init {
        Expr::Call(c) => {
            let segs = path_segments(&c.func);
            if segs.len() >= 2
                && matches!(
                    segs[segs.len() - 1].as_str(),
                    "new" | "default" | "with_capacity"
                )
            {
                // The whole path (`scc::HashMap`), so the crate is known
                // even without a `use`.
                let ty = segs[..segs.len() - 1].join("::");
                let wrapper = segs[segs.len() - 2].as_str();
                if matches!(wrapper, "Arc" | "Rc" | "Box") {
                    let inner = c
                        .args
                        .first()
                        .and_then(constructor_type)
                        .unwrap_or_default();
                    return Some(format!("{wrapper}<{inner}>"));
                }
                return Some(ty);
            }
            None
        }
        Expr::Paren(p) => constructor_type(&p.expr),
        _ => None,
    }
}
