//! The Redis part of the walk: which receivers are Redis connections, which
//! method calls and `redis::cmd(..)` chains are commands, and whether a
//! command is queued in a MULTI or runs after a WATCH of its key.
//!
//! A receiver is a Redis connection only when the file names a Redis crate
//! and the receiver's declared type, its origin (`client.get_connection()`,
//! `pool.get()` on a Redis pool) or its name says so: `HashMap::get` is never
//! a Redis GET. Commands are also told apart by arity (`get(key)` vs a pool's
//! `get()`), and the `redis` and `fred` method tables differ.

use super::keys::{compact, strip_key};
use super::redis_state::*;
use super::state::{Ext, Val, Walker};
use super::vocab::PASS_THROUGH;
use crate::lower::context::{RedisCrate, RedisHandle};
use crate::lower::effects::*;
use crate::lower::place::Place;
use crate::lower::range_of;
use std::ops::Range;
use syn::Expr;

/// How a command reaches the server: the connection as written, and the
/// method that sends a built command.
struct Via {
    conn: Option<Range<usize>>,
    conn_ref: bool,
    runner: Option<String>,
    tail: Option<Range<usize>>,
}

use RedisKind::*;

/// The `redis` crate's `Commands` / `AsyncCommands` (and `Pipeline`) methods.
fn redis_rs_method(name: &str, n: usize) -> Option<Layout> {
    Some(match (name, n) {
        ("get", 1) => lay("GET", Read, None, None),
        ("hget", 2) => lay("HGET", Read, Some(1), None),
        ("exists", 1) => lay("EXISTS", Read, None, None),
        ("hexists", 2) => lay("HEXISTS", Read, Some(1), None),
        ("set", 2) => lay("SET", Write, None, Some(1)),
        ("set_ex", 3) => lay("SETEX", Write, None, Some(1)).expiring(2, "EX"),
        ("pset_ex", 3) => lay("PSETEX", Write, None, Some(1)).expiring(2, "PX"),
        ("set_nx", 2) => lay("SETNX", Write, None, Some(1)).nx(),
        ("set_options", 3) => lay("SET", Write, None, Some(1)),
        ("getset", 2) => lay("GETSET", Write, None, Some(1)),
        ("hset", 3) => lay("HSET", Write, Some(1), Some(2)),
        ("hset_nx", 3) => lay("HSETNX", Write, Some(1), Some(2)).nx(),
        ("hset_multiple", 2) => lay("HMSET", Write, None, Some(1)),
        ("del", 1) => lay("DEL", Delete, None, None),
        ("unlink", 1) => lay("UNLINK", Delete, None, None),
        ("incr", 2) => lay("INCRBY", Incr, None, Some(1)),
        ("decr", 2) => lay("DECRBY", Incr, None, Some(1)),
        ("hincr", 3) => lay("HINCRBY", Incr, Some(1), Some(2)),
        ("expire", 2) => lay("EXPIRE", Expire, None, None).expiring(1, "EX"),
        ("pexpire", 2) => lay("PEXPIRE", Expire, None, None).expiring(1, "PX"),
        ("expire_at", 2) => lay("EXPIREAT", Expire, None, None),
        ("pexpire_at", 2) => lay("PEXPIREAT", Expire, None, None),
        _ => return None,
    })
}

/// fred's client, pool and transaction methods.
fn fred_method(name: &str, n: usize) -> Option<Layout> {
    Some(match (name, n) {
        ("get", 1) => lay("GET", Read, None, None),
        ("hget", 2) => lay("HGET", Read, Some(1), None),
        ("exists", 1) => lay("EXISTS", Read, None, None),
        ("hexists", 2) => lay("HEXISTS", Read, Some(1), None),
        // set(key, value, expire, options, get)
        ("set", 5) => lay("SET", Write, None, Some(1)),
        ("setnx", 2) => lay("SETNX", Write, None, Some(1)).nx(),
        ("getset", 2) => lay("GETSET", Write, None, Some(1)),
        // hset(key, values): the field is read from a `(field, value)` pair.
        ("hset", 2) => lay("HSET", Write, None, Some(1)),
        ("hsetnx", 3) => lay("HSETNX", Write, Some(1), Some(2)).nx(),
        ("hmset", 2) => lay("HMSET", Write, None, Some(1)),
        ("del", 1) => lay("DEL", Delete, None, None),
        ("unlink", 1) => lay("UNLINK", Delete, None, None),
        ("incr", 1) => lay("INCR", Incr, None, None),
        ("incr_by", 2) => lay("INCRBY", Incr, None, Some(1)),
        ("decr", 1) => lay("DECR", Incr, None, None),
        ("decr_by", 2) => lay("DECRBY", Incr, None, Some(1)),
        ("hincrby", 3) => lay("HINCRBY", Incr, Some(1), Some(2)),
        ("expire", 2 | 3) => lay("EXPIRE", Expire, None, None).expiring(1, "EX"),
        ("pexpire", 2 | 3) => lay("PEXPIRE", Expire, None, None).expiring(1, "PX"),
        // eval(script, keys, args)
        ("eval", 3) | ("evalsha", 3) => lay("EVAL", Script, None, None).key_at(1),
        ("watch", 1) => lay("WATCH", Watch, None, None),
        _ => return None,
    })
}

/// A command by its Redis name, as `redis::cmd("…").arg(..)` sends it.
fn command_layout(name: &str) -> Option<Layout> {
    Some(match name {
        "GET" => lay("GET", Read, None, None),
        "HGET" => lay("HGET", Read, Some(1), None),
        "EXISTS" => lay("EXISTS", Read, None, None),
        "HEXISTS" => lay("HEXISTS", Read, Some(1), None),
        "SET" => lay("SET", Write, None, Some(1)),
        "SETEX" => lay("SETEX", Write, None, Some(2)).expiring(1, "EX"),
        "PSETEX" => lay("PSETEX", Write, None, Some(2)).expiring(1, "PX"),
        "SETNX" => lay("SETNX", Write, None, Some(1)).nx(),
        "GETSET" => lay("GETSET", Write, None, Some(1)),
        "HSET" => lay("HSET", Write, Some(1), Some(2)),
        "HSETNX" => lay("HSETNX", Write, Some(1), Some(2)).nx(),
        "HMSET" => lay("HMSET", Write, Some(1), Some(2)),
        "DEL" => lay("DEL", Delete, None, None),
        "UNLINK" => lay("UNLINK", Delete, None, None),
        "INCR" => lay("INCR", Incr, None, None),
        "DECR" => lay("DECR", Incr, None, None),
        "INCRBY" => lay("INCRBY", Incr, None, Some(1)),
        "DECRBY" => lay("DECRBY", Incr, None, Some(1)),
        "HINCRBY" => lay("HINCRBY", Incr, Some(1), Some(2)),
        "EXPIRE" => lay("EXPIRE", Expire, None, None).expiring(1, "EX"),
        "PEXPIRE" => lay("PEXPIRE", Expire, None, None).expiring(1, "PX"),
        "EXPIREAT" => lay("EXPIREAT", Expire, None, None),
        "PEXPIREAT" => lay("PEXPIREAT", Expire, None, None),
        // EVAL script numkeys key…
        "EVAL" | "EVALSHA" => lay("EVAL", Script, None, None).key_at(2),
        "WATCH" => lay("WATCH", Watch, None, None),
        _ => return None,
    })
}

/// Methods that hand out a connection, on any receiver of a Redis file.
const CONN_METHODS: &[&str] = &[
    "get_connection",
    "get_connection_with_timeout",
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_multiplexed_async_std_connection",
    "get_multiplexed_connection",
    "get_connection_manager",
    "get_tokio_connection_manager",
];

/// Methods on a pool that hand out one of its connections.
const POOL_GET: &[&str] = &[
    "get",
    "get_owned",
    "dedicated_connection",
    "next",
    "acquire",
];

/// Methods that keep a read's value recognisable (`count.unwrap_or(0) + 1`).
const READ_PASS: &[&str] = &[
    "unwrap",
    "expect",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "parse",
];

/// Methods that send a built `cmd` or pipeline.
const RUNNERS: &[&str] = &[
    "query",
    "query_async",
    "exec",
    "exec_async",
    "iter",
    "iter_async",
    "invoke",
    "invoke_async",
];

/// Whether a binding or field name, with no declared type, says it is a
/// Redis connection: `redis`, `redis_conn`, `shared_redis_client` — not
/// `redis_key` or `redis_url`.
fn names_a_connection(name: &str) -> bool {
    const CONNECTION_WORDS: &[&str] = &[
        "redis",
        "conn",
        "connection",
        "con",
        "client",
        "cli",
        "pool",
        "mgr",
        "manager",
        "multiplexed",
        "shared",
        "async",
        "cluster",
        "primary",
        "replica",
        "main",
        "db",
    ];
    let lower = name.to_ascii_lowercase();
    let words: Vec<&str> = lower.split('_').filter(|w| !w.is_empty()).collect();
    words.contains(&"redis") && words.iter().all(|w| CONNECTION_WORDS.contains(w))
}

fn string_word(e: &Expr) -> Option<String> {
    match strip_key(e) {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value().to_ascii_uppercase()),
        _ => None,
    }
}

/// The one element of `[k]`, `&[&k]`, or the expression itself (`vec![k]`
/// is unwrapped by the key identity).
fn single_element(e: &Expr) -> &Expr {
    match strip_key(e) {
        Expr::Array(a) if a.elems.len() == 1 => single_element(&a.elems[0]),
        other => other,
    }
}

/// The field and value of a fred `hset(key, (field, value))` or
/// `[(field, value)]`.
fn pair_field(e: &Expr) -> Option<(&Expr, &Expr)> {
    match strip_key(e) {
        Expr::Tuple(t) if t.elems.len() == 2 => Some((&t.elems[0], &t.elems[1])),
        Expr::Array(a) if a.elems.len() == 1 => pair_field(&a.elems[0]),
        _ => None,
    }
}

impl Walker<'_> {
    fn in_async(&self) -> bool {
        self.fn_async || self.async_depth > 0
    }

    /// Whether a shape is computed from a Redis read.
    pub(super) fn is_redis_shape(&self, s: &ValueShape) -> bool {
        let load = match s {
            ValueShape::Binary { load, .. } | ValueShape::Method { load, .. } => *load,
        };
        self.is_redis_op(load)
    }

    fn is_redis_op(&self, op: OpId) -> bool {
        self.facts
            .ops
            .get(op)
            .is_some_and(|o| matches!(o.kind, OpKind::Redis(_)))
    }

    /// Whether `e` (whose value is `v`) is a Redis connection or pool.
    fn redis_handle(&mut self, e: &Expr, v: &Val) -> Option<RedisHandle> {
        if let Some(Ext::Redis(h)) = v.ext {
            return Some(h);
        }
        self.ctx.redis?;
        let inner = strip_key(e);
        if !matches!(inner, Expr::Path(_) | Expr::Field(_)) {
            return None;
        }
        let place = self.place(inner)?;
        if let Some(ty) = place.ty.clone() {
            // A declared type decides: a `HashMap` named `redis_cache` is
            // still a `HashMap`.
            return self.ctx.redis_handle(&ty, &self.generics);
        }
        let last = place.display.rsplit('.').next().unwrap_or("");
        names_a_connection(last).then_some(RedisHandle::Conn)
    }

    fn fred(&self) -> bool {
        self.ctx.redis == Some(RedisCrate::Fred)
    }

    fn arg(&self, e: &Expr, v: &Val) -> Arg {
        let inner = strip_key(e);
        let mut text = compact(inner);
        // Options held in a binding: read what it was made from.
        if let Expr::Path(p) = inner {
            if let Some(at) = p.path.get_ident().and_then(|i| self.lookup(&i.to_string())) {
                if let Some(t) = &self.scopes[at.0].bindings[at.1].init_text {
                    text = t.clone();
                }
            }
        }
        Arg {
            range: range_of(e),
            key: self.expr_key(e),
            word: string_word(e),
            deps: v.deps.clone(),
            text,
            shape: v.shape.clone(),
        }
    }

    fn new_builder(&mut self, kind: BuilderKind, start: usize, first: Option<Pending>) -> usize {
        self.redis.builders.push(Builder {
            kind,
            cmds: first.into_iter().collect(),
            start,
        });
        self.redis.builders.len() - 1
    }

    /// Before a call's arguments are walked: `redis::transaction(con, keys,
    /// |con, pipe| …)` runs its closure with the keys watched and the pipe
    /// in MULTI. Returns whether it was one (the caller ends it).
    pub(super) fn redis_transaction_call(&mut self, segs: &[String], nargs: usize) -> bool {
        let is_tx = segs.last().is_some_and(|s| s == "transaction")
            && nargs == 3
            && (segs.first().is_some_and(|s| s == "redis")
                || (segs.len() == 1
                    && self.ctx.imports.get("transaction").map(String::as_str)
                        == Some("redis::transaction")));
        if !is_tx {
            return false;
        }
        self.redis.tx_depth += 1;
        let pipe = self.new_builder(BuilderKind::Pipe { atomic: true }, 0, None);
        self.closure_inputs = Some(vec![
            Val {
                ext: Some(Ext::Redis(RedisHandle::Conn)),
                ..Val::default()
            },
            Val {
                ext: Some(Ext::RedisBuilder(pipe)),
                ..Val::default()
            },
        ]);
        true
    }

    /// Function calls: `redis::cmd("SET")`, `redis::pipe()`,
    /// `Script::new(..)`, and constructors of Redis handles.
    pub(super) fn redis_call(
        &mut self,
        c: &syn::ExprCall,
        segs: &[String],
        args: &[Val],
    ) -> Option<Val> {
        let last = segs.last()?.as_str();
        let from_redis = |w: &Walker, name: &str| {
            segs.first().is_some_and(|s| s == "redis")
                || (segs.len() == 1
                    && w.ctx.imports.get(name).map(String::as_str)
                        == Some(&format!("redis::{name}")))
        };
        let start = range_of(c).start;
        match last {
            "cmd" if c.args.len() == 1 && from_redis(self, "cmd") => {
                let name = string_word(&c.args[0])?;
                let pending = Pending {
                    name,
                    args: Vec::new(),
                    form: RedisForm::Cmd,
                    range: None,
                    layout: None,
                    turbofish: None,
                };
                let id = self.new_builder(BuilderKind::Cmd, start, Some(pending));
                return Some(Val {
                    ext: Some(Ext::RedisBuilder(id)),
                    ..Val::default()
                });
            }
            "pipe" if c.args.is_empty() && from_redis(self, "pipe") => {
                let id = self.new_builder(BuilderKind::Pipe { atomic: false }, start, None);
                return Some(Val {
                    ext: Some(Ext::RedisBuilder(id)),
                    ..Val::default()
                });
            }
            "new" if segs.len() >= 2 && segs[segs.len() - 2] == "Script" => {
                let ty = segs[..segs.len() - 1].join("::");
                let full = self.ctx.resolve(&ty);
                if full.starts_with("redis::") {
                    let id = self.new_builder(BuilderKind::Script, start, None);
                    return Some(Val {
                        ext: Some(Ext::RedisBuilder(id)),
                        ..Val::default()
                    });
                }
            }
            _ => {}
        }
        // `redis::Client::open(..)`, `ConnectionManager::new(client)`,
        // `RedisPool::new(..)`: the type says what the value is.
        if segs.len() >= 2 && self.ctx.redis.is_some() {
            let ty = segs[..segs.len() - 1].join("::");
            if let Some(h) = self.ctx.redis_handle(&ty, &self.generics) {
                let deps = super::state::call_deps(&Val::default(), args);
                return Some(Val {
                    deps,
                    ext: Some(Ext::Redis(h)),
                    ..Val::default()
                });
            }
        }
        None
    }

    /// Method calls: commands on a connection, pool or fred transaction,
    /// builder steps, and the runners that send a built command.
    pub(super) fn redis_method(
        &mut self,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        if let Some(Ext::RedisBuilder(id)) = recv.ext {
            return self.builder_method(id, mc, e, recv, args);
        }
        self.ctx.redis?;
        let name = mc.method.to_string();
        let name = name.as_str();
        let deps = super::state::call_deps(recv, args);
        // `let n: i64 = con.get(&k)?.unwrap_or(0)`: still the value read.
        if let Some(op) = recv.direct_load.filter(|&op| self.is_redis_op(op)) {
            if READ_PASS.contains(&name) {
                return Some(Val {
                    deps,
                    direct_load: Some(op),
                    ..Val::default()
                });
            }
        }
        if CONN_METHODS.contains(&name) {
            return Some(Val {
                deps,
                ext: Some(Ext::Redis(RedisHandle::Conn)),
                ..Val::default()
            });
        }
        if name == "create_pool" {
            return Some(Val {
                deps,
                ext: Some(Ext::Redis(RedisHandle::Pool)),
                ..Val::default()
            });
        }
        let fred = self.fred();
        let layout = if fred {
            fred_method(name, mc.args.len())
        } else {
            redis_rs_method(name, mc.args.len())
        };
        if recv.ext == Some(Ext::FredTrx) {
            let layout = layout?;
            return Some(self.method_command(layout, mc, e, args, deps, true));
        }
        let wanted = layout.is_some()
            || PASS_THROUGH.contains(&name)
            || (POOL_GET.contains(&name) && mc.args.is_empty())
            || (fred && name == "multi" && mc.args.is_empty());
        if !wanted {
            return None;
        }
        let handle = self.redis_handle(&mc.receiver, recv)?;
        if PASS_THROUGH.contains(&name) {
            return Some(Val {
                deps,
                ext: Some(Ext::Redis(handle)),
                ..Val::default()
            });
        }
        if mc.args.is_empty() && POOL_GET.contains(&name) {
            return (handle == RedisHandle::Pool).then(|| Val {
                deps,
                ext: Some(Ext::Redis(RedisHandle::Conn)),
                ..Val::default()
            });
        }
        if name == "multi" {
            return Some(Val {
                deps,
                ext: Some(Ext::FredTrx),
                ..Val::default()
            });
        }
        let layout = layout?;
        Some(self.method_command(layout, mc, e, args, deps, false))
    }

    /// A command sent by a method on a connection (or queued on a fred
    /// transaction).
    fn method_command(
        &mut self,
        layout: Layout,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        args: &[Val],
        deps: Deps,
        queued: bool,
    ) -> Val {
        let fred = self.fred();
        let form = if fred {
            RedisForm::Fred
        } else {
            RedisForm::Commands
        };
        let mut parsed: Vec<Arg> = mc
            .args
            .iter()
            .zip(args)
            .map(|(a, v)| self.arg(a, v))
            .collect();
        let mut layout = layout;
        if layout.kind == Watch || layout.kind == Script {
            // A list of keys: its only element.
            if let Some(k) = mc.args.get(layout.key) {
                let one = single_element(k);
                let v = args.get(layout.key).cloned().unwrap_or_default();
                parsed[layout.key] = self.arg(one, &v);
            }
        }
        if fred && layout.cmd == "SET" {
            // set(key, value, expire, options, get)
            layout.expiry = parsed.get(2).is_some_and(|a| a.text != "None");
            if layout.expiry {
                layout.ttl = Some((2, ""));
            }
            layout.nx = parsed.get(3).is_some_and(|a| a.text.contains("NX"));
        }
        if !fred && layout.cmd == "SET" && parsed.len() == 3 {
            // set_options(key, value, SetOptions::default()…)
            let opts = &parsed[2].text;
            let known = opts.contains("SetOptions");
            layout.nx = opts.contains("NX");
            layout.expiry = !known || opts.contains("with_expiration") || opts.contains("EX");
        }
        let mut field = layout
            .field
            .and_then(|i| parsed.get(i))
            .map(|a| (a.key.clone(), a.range.clone()));
        if fred && layout.cmd == "HSET" {
            // hset(key, (field, value))
            if let Some((fe, ve)) = mc.args.get(1).and_then(pair_field) {
                field = Some((self.expr_key(fe), range_of(strip_key(fe))));
                let v = args.get(1).cloned().unwrap_or_default();
                parsed.push(self.arg(ve, &v));
                layout.value = Some(parsed.len() - 1);
            }
        }
        let pending = Pending {
            name: layout.cmd.to_string(),
            args: std::mem::take(&mut parsed),
            form,
            range: None,
            layout: Some(layout),
            turbofish: mc.turbofish.as_ref().map(range_of),
        };
        let conn_ref = match strip_key(&mc.receiver) {
            Expr::Path(p) => p
                .path
                .get_ident()
                .and_then(|i| self.lookup(&i.to_string()))
                .and_then(|at| self.scopes[at.0].bindings[at.1].ty.as_deref())
                .is_some_and(|t| t.starts_with("&mut")),
            _ => false,
        };
        let via = Via {
            conn: Some(range_of(&mc.receiver)),
            conn_ref,
            runner: None,
            tail: None,
        };
        let op = self.send(&pending, field, range_of(e), &via, queued);
        self.command_value(op, layout.kind, deps)
    }

    fn command_value(&self, op: Option<OpId>, kind: RedisKind, deps: Deps) -> Val {
        match op {
            Some(op) if kind == Read => Val {
                deps: vec![op],
                direct_load: Some(op),
                ..Val::default()
            },
            Some(op) => Val {
                deps: union(&deps, &vec![op]),
                ..Val::default()
            },
            None => Val::deps(deps),
        }
    }

    /// A step on a `cmd`, pipeline or script builder.
    fn builder_method(
        &mut self,
        id: usize,
        mc: &syn::ExprMethodCall,
        e: &Expr,
        recv: &Val,
        args: &[Val],
    ) -> Option<Val> {
        let name = mc.method.to_string();
        let name = name.as_str();
        let kind = self.redis.builders.get(id)?.kind;
        let deps = super::state::call_deps(recv, args);
        let same = |id: usize, deps: Deps| Val {
            deps,
            ext: Some(Ext::RedisBuilder(id)),
            ..Val::default()
        };
        if RUNNERS.contains(&name) {
            let via = Via {
                conn: mc.args.first().map(range_of),
                conn_ref: true,
                runner: Some(name.to_string()),
                tail: Some(mc.method.span().byte_range().start..range_of(e).end),
            };
            return Some(self.send_builder(id, range_of(e), &via, deps));
        }
        match (kind, name) {
            (_, "clone" | "to_owned" | "ignore") => Some(same(id, deps)),
            (BuilderKind::Script, "key" | "arg" | "prepare_invoke") => {
                // Each invocation is its own copy of the script, keys first.
                let mut b = self.redis.builders[id].clone();
                if b.cmds.is_empty() {
                    b.cmds.push(Pending {
                        name: "EVAL".into(),
                        args: Vec::new(),
                        form: RedisForm::Cmd,
                        range: None,
                        layout: Some(lay("EVAL", Script, None, None)),
                        turbofish: None,
                    });
                }
                if let (Some(a), Some(v), Some(p)) =
                    (mc.args.first(), args.first(), b.cmds.last_mut())
                {
                    let mut arg = self.arg(a, v);
                    if name == "key" {
                        let at = p
                            .args
                            .iter()
                            .take_while(|x| x.word.as_deref() == Some("\u{0}KEY"))
                            .count();
                        arg.word = Some("\u{0}KEY".into());
                        p.args.insert(at, arg);
                    } else {
                        p.args.push(arg);
                    }
                }
                self.redis.builders.push(b);
                Some(same(self.redis.builders.len() - 1, deps))
            }
            (BuilderKind::Pipe { .. }, "atomic") => {
                self.redis.builders[id].kind = BuilderKind::Pipe { atomic: true };
                Some(same(id, deps))
            }
            (BuilderKind::Pipe { .. }, "cmd") => {
                let cmd = string_word(mc.args.first()?)?;
                self.redis.builders[id].cmds.push(Pending {
                    name: cmd,
                    args: Vec::new(),
                    form: RedisForm::Pipe,
                    range: Some(mc.method.span().byte_range().start..range_of(e).end),
                    layout: None,
                    turbofish: None,
                });
                Some(same(id, deps))
            }
            (_, "arg") => {
                let (a, v) = (mc.args.first()?, args.first()?);
                let arg = self.arg(a, v);
                let end = range_of(e).end;
                let p = self.redis.builders[id].cmds.last_mut()?;
                p.args.push(arg);
                if let Some(r) = &mut p.range {
                    r.end = end;
                }
                Some(same(id, deps))
            }
            (BuilderKind::Pipe { .. }, _) => {
                // Every `Pipeline` method adds a command and hands the
                // pipeline back; commands this analysis has no use for
                // (`zadd`, `srem`…) leave it as it was.
                let Some(layout) = redis_rs_method(name, mc.args.len()) else {
                    return Some(same(id, deps));
                };
                let parsed: Vec<Arg> = mc
                    .args
                    .iter()
                    .zip(args)
                    .map(|(a, v)| self.arg(a, v))
                    .collect();
                self.redis.builders[id].cmds.push(Pending {
                    name: layout.cmd.to_string(),
                    args: parsed,
                    form: RedisForm::Pipe,
                    range: Some(mc.method.span().byte_range().start..range_of(e).end),
                    layout: Some(layout),
                    turbofish: mc.turbofish.as_ref().map(range_of),
                });
                Some(same(id, deps))
            }
            _ => None,
        }
    }

    /// Sends every command of a builder.
    fn send_builder(&mut self, id: usize, whole: Range<usize>, via: &Via, deps: Deps) -> Val {
        let Some(b) = self.redis.builders.get(id).cloned() else {
            return Val::deps(deps);
        };
        let atomic = matches!(b.kind, BuilderKind::Pipe { atomic: true });
        let mut ops = Vec::new();
        let mut single_read = None;
        for p in &b.cmds {
            let layout = p.layout.or_else(|| command_layout(&p.name));
            match p.name.as_str() {
                "MULTI" => {
                    self.redis.multi = true;
                    continue;
                }
                "EXEC" | "DISCARD" => {
                    self.redis.multi = false;
                    self.redis.watched.clear();
                    continue;
                }
                // UNWATCH is typically sent on a path that gives up; the
                // walk does not follow paths, so the WATCH is kept.
                "UNWATCH" => continue,
                _ => {}
            }
            let Some(layout) = layout else { continue };
            let range = match (b.kind, &p.range) {
                (BuilderKind::Pipe { .. }, Some(r)) => r.clone(),
                _ => b.start.min(whole.start)..whole.end,
            };
            let mut layout = layout;
            if p.form != RedisForm::Pipe || p.layout.is_none() {
                // Words after the value: `SET k v NX PX 30000`.
                let words: Vec<&str> = p.args.iter().filter_map(|a| a.word.as_deref()).collect();
                if layout.cmd == "SET" {
                    layout.nx |= words.contains(&"NX");
                    for (i, a) in p.args.iter().enumerate() {
                        let unit = match a.word.as_deref() {
                            Some("EX") => "EX",
                            Some("PX") => "PX",
                            Some("EXAT" | "PXAT" | "KEEPTTL") => "",
                            _ => continue,
                        };
                        layout.expiry = true;
                        if !unit.is_empty() && i + 1 < p.args.len() {
                            layout.ttl = Some((i + 1, unit));
                        }
                    }
                }
            }
            let field = layout
                .field
                .and_then(|i| p.args.get(i))
                .map(|a| (a.key.clone(), a.range.clone()));
            let pending = Pending {
                layout: Some(layout),
                ..p.clone()
            };
            if let Some(op) = self.send(&pending, field, range, via, atomic) {
                ops.push(op);
                if layout.kind == Read && b.cmds.len() == 1 {
                    single_read = Some(op);
                }
            }
        }
        if let BuilderKind::Pipe { .. } = b.kind {
            self.redis.builders[id].cmds.clear();
        }
        ops.sort_unstable();
        Val {
            deps: union(&deps, &ops),
            direct_load: single_read,
            ..Val::default()
        }
    }

    /// Records one command as an op on its key; its value depends on every
    /// argument but the key.
    fn send(
        &mut self,
        p: &Pending,
        field: Option<(String, Range<usize>)>,
        call: Range<usize>,
        via: &Via,
        queued: bool,
    ) -> Option<OpId> {
        let layout = p.layout?;
        let key = p.args.get(layout.key)?;
        let place = Place::external(format!("redis:{}", key.key), "");
        let mut value_deps = Vec::new();
        for (i, a) in p.args.iter().enumerate() {
            if i != layout.key {
                value_deps = union(&value_deps, &a.deps);
            }
        }
        let op = self.push_op(
            OpKind::Redis(self.facts.redis.len()),
            &place,
            call.clone(),
            value_deps,
            true,
            None,
            None,
            None,
        );
        let target = self.facts.ops[op].target;
        if layout.kind == Watch {
            self.redis.watched.push(target);
        }
        let value = layout.value.and_then(|i| p.args.get(i));
        // `con.set(&k, count + 1)`: how the value is computed.
        self.facts.ops[op].shape = value
            .and_then(|v| v.shape.clone())
            .filter(|s| self.is_redis_shape(s));
        let t = self.tick();
        self.facts.external_calls.push((t, call.clone()));
        let in_multi = queued || self.redis.multi || self.redis.tx_depth > 0;
        self.facts.redis.push(RedisCmd {
            op,
            name: p.name.clone(),
            kind: layout.kind,
            form: p.form,
            key: key.range.clone(),
            field,
            value: value.map(|v| v.range.clone()),
            nx: layout.nx,
            expiry: layout.expiry,
            ttl: layout
                .ttl
                .and_then(|(i, unit)| p.args.get(i).map(|a| (unit, a.range.clone()))),
            in_multi,
            watched: self.redis.tx_depth > 0 || self.redis.watched.contains(&target),
            call,
            conn: via.conn.clone(),
            conn_ref: via.conn_ref,
            turbofish: p.turbofish.clone(),
            runner: via.runner.clone(),
            tail: via.tail.clone().filter(|_| p.form == RedisForm::Cmd),
            is_async: self.in_async(),
        });
        Some(op)
    }
}

#[cfg(test)]
mod tests {
    use super::names_a_connection;

    #[test]
    fn connection_names() {
        for yes in [
            "redis",
            "redis_conn",
            "shared_redis_client",
            "REDIS_POOL",
            "redis_cluster_conn",
        ] {
            assert!(names_a_connection(yes), "{yes}");
        }
        for no in [
            "redis_key",
            "redis_url",
            "redisKey",
            "credits",
            "my_redis_config",
            "conn",
        ] {
            assert!(!names_a_connection(no), "{no}");
        }
    }
}
