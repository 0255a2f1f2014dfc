//! Control flow: conditions (with let chains), `if`, `match` and `while`,
//! and the early exits that make a condition guard the rest of a block.
use super::state::*;
use super::vocab::*;
use crate::lower::context::Edition;
use crate::lower::effects::*;
use crate::lower::range_of;
use syn::Expr;

impl Walker<'_> {
    /// Evaluates a condition, binding the patterns of its `let`s as it goes
    /// (in the scope the caller opened for the branch), so that a later
    /// operand of a let chain sees them: `if let Some(j) = raw && let Ok(x) =
    /// parse(&j)`. Returns the condition's value and whether it has a `let`.
    pub(super) fn condition(&mut self, e: &Expr) -> (Val, bool) {
        match e {
            Expr::Let(l) => {
                let v = self.expr(&l.expr);
                self.bind_pattern(&l.pat, &v, None, None);
                (v, true)
            }
            Expr::Binary(b) if matches!(b.op, syn::BinOp::And(_)) => {
                let (l, ll) = self.condition(&b.left);
                let (r, rl) = self.condition(&b.right);
                (
                    Val {
                        deps: union(&l.deps, &r.deps),
                        ..Val::default()
                    },
                    ll || rl,
                )
            }
            Expr::Paren(p) => self.condition(&p.expr),
            other => (self.expr(other), false),
        }
    }

    pub(super) fn expr_if(&mut self, i: &syn::ExprIf) -> Val {
        self.push_frame();
        // The scope of the condition's pattern bindings: the then-branch.
        self.push_scope();
        let (cond_val, is_let) = self.condition(&i.cond);
        if !is_let {
            if let (Some(acq), true) = (cond_val.guard, cond_val.guard_owned) {
                // `if raw.try_lock() { … }`: a lock whose API returns `bool`
                // stays held until `unlock()`, not until the statement ends.
                self.hold_raw_lock(acq);
            }
        }
        let cond = self.push_cond(range_of(&i.cond), cond_val.deps.clone(), if_end(i));
        if !is_let {
            // An `if` condition's temporaries die before the block runs.
            self.kill_frame_temps();
        }
        self.cond_stack.push(cond);
        let then = self.block(&i.then_branch);
        self.pop_scope();
        if is_let && self.ctx.edition >= Edition::E2024 {
            self.kill_frame_temps();
        }
        let els = i.else_branch.as_ref().map(|(_, e)| self.expr(e));
        self.cond_stack.pop();
        self.pop_frame();
        let else_div = els.as_ref().is_some_and(|v| v.diverges);
        if then.diverges != else_div {
            self.add_post_guard(cond);
        }
        // An `if` without `else` has type `()`: its value depends on nothing.
        let deps = match &els {
            Some(v) => union(&union(&cond_val.deps, &then.deps), &v.deps),
            None => Vec::new(),
        };
        Val {
            deps,
            diverges: then.diverges && else_div,
            ..Val::default()
        }
    }

    pub(super) fn expr_match(&mut self, m: &syn::ExprMatch) -> Val {
        self.push_frame();
        let scrut = self.expr(&m.expr);
        let cond = self.push_cond(
            range_of(&m.expr),
            scrut.deps.clone(),
            m.brace_token.span.close().byte_range().end,
        );
        self.cond_stack.push(cond);
        let mut deps = scrut.deps.clone();
        let mut any_div = false;
        let mut all_div = !m.arms.is_empty();
        for arm in &m.arms {
            self.push_scope();
            self.bind_pattern(&arm.pat, &Val::deps(scrut.deps.clone()), None, None);
            let mut pushed = false;
            if let Some((_, g)) = &arm.guard {
                let gv = self.expr(g);
                let gc = self.push_cond(
                    range_of(g),
                    gv.deps,
                    m.brace_token.span.close().byte_range().end,
                );
                self.cond_stack.push(gc);
                pushed = true;
            }
            let v = self.expr(&arm.body);
            if pushed {
                self.cond_stack.pop();
            }
            self.pop_scope();
            deps = union(&deps, &v.deps);
            any_div |= v.diverges;
            all_div &= v.diverges;
        }
        self.cond_stack.pop();
        // The scrutinee's temporaries live through every arm.
        self.pop_frame();
        if any_div && !all_div {
            self.add_post_guard(cond);
        }
        Val {
            deps,
            diverges: all_div,
            ..Val::default()
        }
    }

    pub(super) fn expr_while(&mut self, w: &syn::ExprWhile) -> Val {
        self.push_frame();
        self.push_scope();
        let (cond_val, is_let) = self.condition(&w.cond);
        let cond = self.push_cond(
            range_of(&w.cond),
            cond_val.deps.clone(),
            w.body.brace_token.span.close().byte_range().end,
        );
        if !is_let {
            self.kill_frame_temps();
        }
        self.cond_stack.push(cond);
        self.block(&w.body);
        self.pop_scope();
        self.cond_stack.pop();
        self.pop_frame();
        // A spin-wait (`while FLAG.load(o) { spin_loop() }`) guards what
        // follows it: the code after runs once the condition went false.
        if !is_let && is_spin_body(&w.body) {
            self.add_post_guard(cond);
        }
        Val::default()
    }
}
