//! What the Redis part of the walk keeps while it reads a function: the
//! builders (`redis::cmd`, `redis::pipe()`, `redis::Script`) being filled,
//! MULTI and WATCH state, and the command layouts its tables are made of.

use crate::lower::effects::*;
use std::ops::Range;

/// Per-function Redis state.
#[derive(Debug, Default)]
pub(crate) struct RedisState {
    pub(super) builders: Vec<Builder>,
    /// A raw `MULTI` is open: commands are queued until `EXEC`.
    pub(super) multi: bool,
    /// Keys WATCHed and not yet released by `EXEC` / `UNWATCH`.
    pub(super) watched: Vec<TargetId>,
    /// Inside `redis::transaction`'s closure (WATCH on its keys + MULTI).
    pub(super) tx_depth: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BuilderKind {
    /// `redis::cmd("…")`.
    Cmd,
    /// `redis::pipe()`; `atomic()` wraps it in MULTI/EXEC.
    Pipe { atomic: bool },
    /// `redis::Script::new(..)` with its keys and arguments.
    Script,
}

#[derive(Debug, Clone)]
pub(super) struct Builder {
    pub(super) kind: BuilderKind,
    pub(super) cmds: Vec<Pending>,
    /// Where the chain starts, for the primary span of a `cmd` chain.
    pub(super) start: usize,
}

/// A command being built, before it is sent.
#[derive(Debug, Clone)]
pub(super) struct Pending {
    pub(super) name: String,
    pub(super) args: Vec<Arg>,
    pub(super) form: RedisForm,
    /// The command's own text in a pipeline (`set(&k, v)`).
    pub(super) range: Option<Range<usize>>,
    pub(super) layout: Option<Layout>,
    pub(super) turbofish: Option<Range<usize>>,
}

#[derive(Debug, Clone)]
pub(super) struct Arg {
    pub(super) range: Range<usize>,
    pub(super) key: String,
    /// A string literal argument, upper-cased (`"NX"`, `"PX"`).
    pub(super) word: Option<String>,
    pub(super) deps: Deps,
    /// The text of the argument, resolved through a binding that holds
    /// options (`SetOptions`, `Expiration`).
    pub(super) text: String,
    /// How the argument is computed from a Redis read.
    pub(super) shape: Option<ValueShape>,
}

/// Where a command's key, field and value are among its arguments.
#[derive(Debug, Clone, Copy)]
pub(super) struct Layout {
    pub(super) cmd: &'static str,
    pub(super) kind: RedisKind,
    pub(super) key: usize,
    pub(super) field: Option<usize>,
    pub(super) value: Option<usize>,
    pub(super) nx: bool,
    pub(super) expiry: bool,
    /// Where the expiry is, and its unit.
    pub(super) ttl: Option<(usize, &'static str)>,
}

pub(super) const fn lay(
    cmd: &'static str,
    kind: RedisKind,
    field: Option<usize>,
    value: Option<usize>,
) -> Layout {
    Layout {
        cmd,
        kind,
        key: 0,
        field,
        value,
        nx: false,
        expiry: false,
        ttl: None,
    }
}

impl Layout {
    pub(super) const fn nx(mut self) -> Layout {
        self.nx = true;
        self
    }
    pub(super) const fn expiring(mut self, at: usize, unit: &'static str) -> Layout {
        self.expiry = true;
        self.ttl = Some((at, unit));
        self
    }
    pub(super) const fn key_at(mut self, i: usize) -> Layout {
        self.key = i;
        self
    }
}
