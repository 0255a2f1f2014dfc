//! Function summaries (SPEC §7): what each function of the crate does to a
//! database, so that a call to it can be analysed as if the callee's
//! statements ran at the call.
//!
//! A summary lists the function's SQL and ORM statements with the executor
//! each runs on (its own pool or transaction, or which parameter), whether
//! the statement's row is what the function returns, and whether the
//! function returns early on a condition over it (a check function). A call
//! is resolved by path, by `self.f(..)` within an `impl`, by the declared
//! type of its receiver, or by a method name that exactly one function of
//! the crate has with that arity; an unresolved or ambiguous call has no
//! summary. Summaries are one level deep: a callee's own calls are not
//! followed.

use crate::lower::effects::*;
use crate::source::SourceFile;
use crate::sql::Kind;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// A function: its file and its index among the file's functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FnRef {
    pub file: usize,
    pub func: usize,
}

/// One statement of a summary.
#[derive(Debug, Clone)]
pub struct SumStmt {
    pub exec: SqlExec,
    /// For a statement on an executor parameter: its position.
    pub param: Option<usize>,
    /// The transaction it runs in inside the callee, if any.
    pub tx: Option<Tx>,
    /// Its row (or count) is what the function returns.
    pub returned: bool,
    /// The function returns early on a condition over its result.
    pub checked: bool,
    /// Where it is written, for notes: `file:line`.
    pub at: String,
}

#[derive(Debug, Clone, Default)]
pub struct Summary {
    pub name: String,
    pub stmts: Vec<SumStmt>,
}

impl Summary {
    pub fn is_check(&self) -> bool {
        self.stmts.iter().any(|s| s.checked)
    }
}

/// The crate's functions by the names calls use.
#[derive(Debug, Default)]
pub struct FnIndex {
    by_type: HashMap<(String, String), Vec<FnRef>>,
    free: HashMap<String, Vec<FnRef>>,
    methods: HashMap<String, Vec<(FnRef, usize)>>,
    types: HashSet<String>,
    pub summaries: HashMap<FnRef, Arc<Summary>>,
}

impl FnIndex {
    /// Indexes every function and summarises those that run statements.
    pub fn build(files: &[(Option<&SourceFile>, &[FnFacts])]) -> FnIndex {
        let mut ix = FnIndex::default();
        for (fi, (source, fns)) in files.iter().enumerate() {
            for (i, f) in fns.iter().enumerate() {
                let r = FnRef { file: fi, func: i };
                match &f.self_ty {
                    Some(t) => {
                        let t = t.rsplit("::").next().unwrap_or(t).to_string();
                        ix.types.insert(t.clone());
                        ix.by_type
                            .entry((t, f.short_name.clone()))
                            .or_default()
                            .push(r);
                        ix.methods
                            .entry(f.short_name.clone())
                            .or_default()
                            .push((r, f.arity));
                    }
                    None => ix.free.entry(f.short_name.clone()).or_default().push(r),
                }
                if let (Some(src), false) = (source, f.sql.is_empty()) {
                    if let Some(s) = summarise(f, src) {
                        ix.summaries.insert(r, Arc::new(s));
                    }
                }
            }
        }
        ix
    }

    /// The function a call names, if exactly one.
    pub fn resolve(&self, caller: &FnFacts, call: &CallSite) -> Option<FnRef> {
        let one = |v: Option<&Vec<FnRef>>| match v.map(Vec::as_slice) {
            Some([r]) => Some(*r),
            _ => None,
        };
        let arity = call.args.len() - usize::from(call.method);
        match &call.callee {
            Callee::Path(segs) => {
                let last = segs.last()?;
                if segs.len() >= 2 {
                    let ty = &segs[segs.len() - 2];
                    if ty.starts_with(|c: char| c.is_ascii_uppercase()) {
                        let ty = if ty == "Self" {
                            caller.self_ty.as_deref()?.rsplit("::").next()?.to_string()
                        } else {
                            ty.clone()
                        };
                        return one(self.by_type.get(&(ty, last.clone())));
                    }
                }
                one(self.free.get(last))
            }
            Callee::Method { name, recv } => match recv {
                Recv::SelfValue => {
                    let ty = caller.self_ty.as_deref()?.rsplit("::").next()?.to_string();
                    one(self.by_type.get(&(ty, name.clone())))
                }
                Recv::Typed(t) => {
                    if !self.types.contains(t) {
                        return None;
                    }
                    one(self.by_type.get(&(t.clone(), name.clone())))
                }
                Recv::Unknown => match self.methods.get(name).map(Vec::as_slice) {
                    Some([(r, a)]) if *a == arity => Some(*r),
                    _ => None,
                },
            },
        }
    }
}

fn summarise(f: &FnFacts, source: &SourceFile) -> Option<Summary> {
    let returned: HashSet<OpId> = f
        .returns
        .iter()
        .flat_map(|(_, d)| d.iter().copied())
        .collect();
    let mut stmts = Vec::new();
    for x in &f.sql {
        let kind = x.stmt().kind;
        if !matches!(
            kind,
            Kind::Select | Kind::Update | Kind::Insert | Kind::Delete
        ) {
            continue;
        }
        let param = match x.executor {
            Executor::Param => x.executor_range.as_ref().and_then(|r| {
                let text = source.text.get(r.clone())?;
                let name = crate::rules::unref(text)
                    .trim_end_matches(".as_mut()")
                    .to_string();
                f.params.iter().position(|p| *p == name)
            }),
            _ => None,
        };
        let checked = f
            .exit_conds
            .iter()
            .any(|&c| f.conds[c].deps.contains(&x.op));
        let line = source.position(x.range.start).line;
        stmts.push(SumStmt {
            exec: x.clone(),
            param,
            tx: f.tx_of(x).cloned(),
            returned: returned.contains(&x.op),
            checked,
            at: format!("{}:{line}", source.path),
        });
    }
    (!stmts.is_empty()).then(|| Summary {
        name: f.name.clone(),
        stmts,
    })
}

/// What a call was replaced with, for notes on findings at it.
#[derive(Debug, Clone)]
pub struct Spliced {
    pub call: std::ops::Range<usize>,
    pub note: String,
}

/// Replaces the calls of `f` that reach summarised functions with the
/// callees' statements, and keeps the early exit of a `?` on a call as a
/// decision only when the callee is a check function.
pub fn splice(f: &mut FnFacts, me: FnRef, ix: &FnIndex) -> Vec<Spliced> {
    let mut out = Vec::new();
    let calls = std::mem::take(&mut f.calls);
    for call in &calls {
        let summary = ix
            .resolve(f, call)
            .filter(|r| *r != me)
            .and_then(|r| ix.summaries.get(&r))
            .cloned();
        let is_check = summary.as_ref().is_some_and(|s| s.is_check());
        if let (Some(c), false) = (call.check_cond, is_check) {
            f.conds[c].deps.retain(|&d| d != call.op);
        }
        let Some(summary) = summary else { continue };
        let mut reused = false;
        for st in &summary.stmts {
            let id = f.sql.len();
            let base = f.ops[call.op].clone();
            let op = if (st.returned || st.checked) && !reused {
                reused = true;
                f.ops[call.op].kind = OpKind::Sql(id);
                call.op
            } else {
                let all: Deps = call.args.iter().fold(Vec::new(), |d, a| union(&d, &a.deps));
                f.ops.push(Op {
                    kind: OpKind::Sql(id),
                    deps: all,
                    ..base
                });
                f.ops.len() - 1
            };
            let executor = match (st.exec.executor, st.param, &st.tx) {
                (_, _, Some(tx)) => {
                    f.txs.push(Tx {
                        begin: f.ops[op].time,
                        end: f.ops[op].time,
                        ..tx.clone()
                    });
                    Executor::Tx(f.txs.len() - 1)
                }
                (Executor::Param, Some(p), _) => call
                    .args
                    .get(p + usize::from(call.method))
                    .and_then(|a| a.exec)
                    .unwrap_or(Executor::Param),
                (x, _, _) => x,
            };
            let exec_range = match (st.param, executor) {
                (Some(p), _) => call
                    .args
                    .get(p + usize::from(call.method))
                    .map(|a| a.range.clone()),
                _ => None,
            };
            // A returned result (an affected-row count) becomes the
            // caller's to check: thrown away at the call, it is unchecked.
            let dropped = if st.returned && op == call.op {
                call.discarded.clone()
            } else {
                None
            };
            f.sql.push(SqlExec {
                op,
                range: call.range.clone(),
                local: false,
                executor,
                executor_range: exec_range,
                call: call.range.clone(),
                params: Vec::new(),
                discarded: dropped.is_some(),
                bound_reads: None,
                discarded_expr: dropped,
                via: Some(summary.name.clone()),
                ..st.exec.clone()
            });
            out.push(Spliced {
                call: call.range.clone(),
                note: format!(
                    "`{}` runs `{}` ({})",
                    summary.name,
                    crate::rules::sql_support::stmt_text(&st.exec),
                    st.at
                ),
            });
        }
    }
    f.calls = calls;
    out
}
