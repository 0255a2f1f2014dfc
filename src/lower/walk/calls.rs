//! Calls that may reach the crate's own functions (SPEC §7). The lowering
//! cannot know yet what a callee does: it records the call as an op, with
//! its arguments' dependencies and executors, and the crate-level phase
//! replaces that op with the callee's summary. A `?` on the call's result
//! is recorded as an early exit that the callee may turn into a check.

use super::state::{Val, Walker};
use super::vocab::strip_ref;
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use syn::Expr;

/// Method names of std and common crates that never name a crate function
/// worth summarising.
const NEVER: &[&str] = &[
    "unwrap",
    "expect",
    "clone",
    "to_string",
    "to_owned",
    "into",
    "iter",
    "iter_mut",
    "into_iter",
    "map",
    "map_err",
    "and_then",
    "ok_or",
    "ok_or_else",
    "ok",
    "err",
    "len",
    "is_empty",
    "push",
    "pop",
    "collect",
    "as_ref",
    "as_mut",
    "as_str",
    "await",
    "unwrap_or",
    "unwrap_or_else",
    "unwrap_or_default",
    "filter",
    "find",
    "get",
    "insert",
    "remove",
    "contains",
    "contains_key",
    "entry",
    "or_insert",
    "or_default",
    "extend",
    "join",
    "format",
    "fmt",
    "eq",
    "ne",
    "cmp",
    "partial_cmp",
    "hash",
    "borrow",
    "borrow_mut",
    "deref",
    "deref_mut",
    "lock",
    "read",
    "write",
    "send",
    "recv",
    "spawn",
    "first",
    "last",
    "next",
    "parse",
    "bind",
    "fetch_one",
    "fetch_all",
    "fetch_optional",
    "execute",
    "context",
    "with_context",
    "is_some",
    "is_none",
    "is_ok",
    "is_err",
    "then",
    "then_some",
    "sum",
    "count",
    "min",
    "max",
    "trim",
    "split",
    "chars",
    "bytes",
    "to_vec",
    "as_slice",
    "take",
    "replace",
    "set",
    "is_some_and",
    "is_none_or",
    "inspect",
    "flatten",
    "zip",
    "rev",
    "enumerate",
    "skip",
    "chain",
    "any",
    "all",
    "position",
    "retain",
    "sort",
    "sort_by",
    "dedup",
    "drain",
    "keys",
    "values",
    "starts_with",
    "ends_with",
    "to_lowercase",
    "to_uppercase",
    "as_bytes",
    "build",
    "finish",
    "new",
    "default",
    "from",
    "try_into",
    "try_from",
    "boxed",
    "pin",
    "poll",
    "wait",
    "notify_one",
    "notify_all",
    "load",
    "store",
];

impl Walker<'_> {
    /// Whether this crate's calls are worth recording: its package uses a
    /// database, so callees may have statements to summarise.
    fn records_calls(&self) -> bool {
        self.ctx.orms.sql || self.ctx.sql_api.is_some()
    }

    /// A free or associated function call nobody else claimed.
    pub(super) fn crate_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        if !self.records_calls() || segs.is_empty() {
            return None;
        }
        let last = segs.last()?.as_str();
        if NEVER.contains(&last) || last.starts_with(|ch: char| ch.is_ascii_uppercase()) {
            // `Some(..)`, `Ok(..)`, tuple structs and variants.
            return None;
        }
        let mut path = segs.to_vec();
        if path.len() == 1 {
            if let Some(full) = self.ctx.imports.get(&path[0]) {
                path = full.split("::").map(str::to_string).collect();
            }
        }
        let call_args: Vec<CallArg> = c
            .args
            .iter()
            .zip(args)
            .map(|(a, v)| self.call_arg(a, v))
            .collect();
        Some(self.push_call(Callee::Path(path), false, call_args, range_of(c), args))
    }

    /// A method call nobody else claimed.
    pub(super) fn crate_method(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        if !self.records_calls() {
            return None;
        }
        let name = mc.method.to_string();
        if recv.guard.is_some() || recv.ext.is_some() || name == "clone" {
            return None;
        }
        let recv_kind = match strip_ref(&mc.receiver) {
            Expr::Path(p) if p.path.is_ident("self") => Recv::SelfValue,
            Expr::Path(p) if p.path.segments.len() == 1 => {
                let n = p.path.segments[0].ident.to_string();
                match self
                    .lookup(&n)
                    .and_then(|at| self.binding_mut(at).ty.clone())
                {
                    Some(ty) => Recv::Typed(type_name(&ty)?),
                    None => Recv::Unknown,
                }
            }
            Expr::Field(f) => match &*f.base {
                Expr::Path(p) if p.path.is_ident("self") => {
                    let field = match &f.member {
                        syn::Member::Named(n) => n.to_string(),
                        syn::Member::Unnamed(i) => i.index.to_string(),
                    };
                    let owner = self.self_ty.clone().unwrap_or_default();
                    match self.ctx.field_type(&owner, &field) {
                        Some(ty) => Recv::Typed(type_name(ty)?),
                        None => Recv::Unknown,
                    }
                }
                _ => Recv::Unknown,
            },
            _ => Recv::Unknown,
        };
        // A common method name on a receiver of unknown type is far more
        // often a std or dependency call than the crate's own.
        if recv_kind == Recv::Unknown && NEVER.contains(&name.as_str()) {
            return None;
        }
        let mut call_args = vec![CallArg {
            deps: recv.deps.clone(),
            exec: recv.exec,
            range: range_of(&mc.receiver),
        }];
        for (a, v) in mc.args.iter().zip(args) {
            call_args.push(self.call_arg(a, v));
        }
        let mut all = vec![recv.clone()];
        all.extend(args.iter().cloned());
        Some(self.push_call(
            Callee::Method {
                name,
                recv: recv_kind,
            },
            true,
            call_args,
            range_of(e),
            &all,
        ))
    }

    fn call_arg(&mut self, a: &Expr, v: &Val) -> CallArg {
        let exec = match strip_ref(a) {
            Expr::Path(_) | Expr::Field(_) | Expr::MethodCall(_) => {
                let (x, _, _) = self.classify(a, v);
                (x != Executor::Unknown).then_some(x)
            }
            _ => v.exec,
        };
        CallArg {
            deps: v.deps.clone(),
            exec,
            range: range_of(a),
        }
    }

    fn push_call(
        &mut self,
        callee: Callee,
        method: bool,
        args: Vec<CallArg>,
        range: std::ops::Range<usize>,
        vals: &[Val],
    ) -> Val {
        let place = Place::external("call:".into(), "call");
        let id = self.facts.calls.len();
        let deps = super::state::call_deps(&Val::default(), vals);
        let op = self.push_op(
            OpKind::Call(id),
            &place,
            range.clone(),
            deps.clone(),
            true,
            None,
            None,
            None,
        );
        self.facts.calls.push(CallSite {
            op,
            callee,
            args,
            method,
            range,
            check_cond: None,
            discarded: None,
        });
        Val {
            deps: union(&deps, &vec![op]),
            call_site: Some(id),
            ..Val::default()
        }
    }

    /// `call(..)?`: the rest of the block runs only when the call did not
    /// return early — a check, if the callee checks.
    pub(super) fn call_checked(&mut self, v: &Val, e: &Expr) {
        let Some(ci) = v.call_site else { return };
        let op = self.facts.calls[ci].op;
        let r = range_of(e);
        let cond = self.push_cond(r.clone(), vec![op], r.end);
        self.add_post_guard(cond);
        self.facts.calls[ci].check_cond = Some(cond);
    }
}

/// The type a declared type text names, through references and the common
/// wrappers (`&Arc<Repo>` → `Repo`); `None` for a std or generic type the
/// crate cannot define.
fn type_name(ty: &str) -> Option<String> {
    let mut t = ty.trim_start_matches('&').trim_start_matches("mut").trim();
    for w in ["Arc<", "Rc<", "Box<", "Option<"] {
        if let Some(inner) = t.strip_prefix(w) {
            t = inner.trim_end_matches('>');
        }
    }
    let base = t.split('<').next().unwrap_or(t);
    let last = base.rsplit("::").next().unwrap_or(base).to_string();
    if last.is_empty() || !last.starts_with(|c: char| c.is_ascii_uppercase()) {
        return None;
    }
    Some(last)
}
