//! `redis-get-then-set`: a key is read (GET, HGET, EXISTS), and then
//! written (SET, HSET) with a value computed from the read, or only when a
//! check on it passed, in a separate command. Another client can write the
//! key in between: its update is lost, or both clients act on "absent".

use super::redis_support::*;
use super::text;
use crate::diagnostic::{Applicability, Edit, Finding, Suggestion};
use crate::lower::effects::{FnFacts, RedisCmd, RedisForm, RedisKind, ValueShape};
use crate::source::SourceFile;

const RULE: &str = "redis-get-then-set";

fn is_hash(c: &RedisCmd) -> bool {
    c.name.starts_with('H')
}

/// Whether a read and a write are about the same value: a string key's
/// GET with a SET, a hash field's HGET with an HSET of that field. EXISTS
/// checks the key whatever it holds.
fn same_value(g: &RedisCmd, s: &RedisCmd) -> bool {
    if g.name == "EXISTS" {
        return true;
    }
    if is_hash(g) != is_hash(s) {
        return false;
    }
    match (&g.field, &s.field) {
        (Some((a, _)), Some((b, _))) => a == b,
        _ => true,
    }
}

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    // One finding per read: further writes it decides (the other branch of
    // an `if`) become labels of the first.
    let mut by_read: std::collections::HashMap<usize, usize> = Default::default();
    for s in &f.redis {
        if s.kind != RedisKind::Write || s.nx || (s.in_multi && s.watched) {
            continue;
        }
        let so = f.op(s.op);
        let found = f.redis.iter().rev().find(|g| {
            let go = f.op(g.op);
            g.kind == RedisKind::Read
                && !g.in_multi
                && go.target == so.target
                && go.time < so.time
                && same_value(g, s)
                && (f.feeds(g.op, s.op) || f.controls(g.op, s.op))
        });
        let Some(g) = found else { continue };
        match by_read.get(&g.op) {
            Some(&i) => out[i]
                .labels
                .push((s.call.clone(), format!("also written here with {}", s.name))),
            None => {
                by_read.insert(g.op, out.len());
                out.push(finding(f, file, g, s));
            }
        }
    }
}

fn finding(f: &FnFacts, file: &SourceFile, g: &RedisCmd, s: &RedisCmd) -> Finding {
    let key = key_name(file, s);
    let what = subject(file, s);
    let data = f.feeds(g.op, s.op);
    let mut labels = vec![(
        g.call.clone(),
        if data {
            format!("{what} read here")
        } else {
            format!("{what} checked here")
        },
    )];
    let cond = f
        .op(s.op)
        .guards
        .iter()
        .map(|&c| &f.conds[c])
        .find(|c| c.deps.contains(&g.op));
    if let Some(c) = cond.filter(|c| !data && !super::contains(&c.range, &g.call)) {
        labels.push((c.range.clone(), format!("the {} depends on this", s.name)));
    }
    // What the check compares, read from its text, picks the rewrite.
    let cond_text = cond.map(|c| text(file, &c.range)).unwrap_or_default();
    let compares = cond_text.contains("==") || cond_text.contains("!=");
    let mut notes = vec![if data {
        format!(
            "another client can write {what} between the {} and the {}: its update is then lost",
            g.name, s.name
        )
    } else {
        format!("two clients can both pass the check before either writes, and both write {what}")
    }];
    if s.in_multi && !s.watched {
        notes.push(format!(
            "MULTI makes the queued commands atomic, but `{key}` was read before it: without WATCH the {} still overwrites a change made in between",
            s.name
        ));
    }
    let mut suggestions = Vec::new();
    if let Some(sug) = increment(f, file, g, s) {
        if f.controls(g.op, s.op) {
            notes.push(format!(
                "decide on the value {} returns, not on the one read before it",
                increment_name(f, s)
            ));
        }
        if s.expiry {
            notes.push(format!(
                "INCRBY keeps `{key}`'s current expiry; give a new key its expiry with `EXPIRE … NX`"
            ));
        }
        suggestions.push(sug);
    } else if !data && compares && !is_hash(s) && g.name != "EXISTS" {
        suggestions.push(set_get(file, s));
        suggestions.push(watch_multi(file, g, s));
    } else if !data {
        suggestions.extend(set_nx(file, s));
        suggestions.push(watch_multi(file, g, s));
    } else {
        suggestions.push(watch_multi(file, g, s));
        suggestions.push(script(file, s));
    }
    Finding {
        rule: RULE,
        message: if data {
            format!(
                "{what} is read with {}, then written back with {} in a separate step",
                g.name, s.name
            )
        } else {
            format!(
                "{what} is checked with {}, then written with {} in a separate step",
                g.name, s.name
            )
        },
        primary: s.call.clone(),
        labels,
        notes,
        suggestions,
        function: f.name.clone(),
        target_key: f.target(f.op(s.op).target).key.clone(),
        severity: None,
    }
}

/// The increment command for a write of `v + n` / `v - n`.
fn increment_name(f: &FnFacts, s: &RedisCmd) -> &'static str {
    let minus = matches!(&f.op(s.op).shape, Some(ValueShape::Binary { op: "-", .. }));
    if is_hash(s) {
        "HINCRBY"
    } else if minus {
        "DECRBY"
    } else {
        "INCRBY"
    }
}

/// `v + n` / `v - n` written back: INCRBY / DECRBY / HINCRBY.
fn increment(f: &FnFacts, file: &SourceFile, g: &RedisCmd, s: &RedisCmd) -> Option<Suggestion> {
    let Some(ValueShape::Binary {
        op, load, other, ..
    }) = &f.op(s.op).shape
    else {
        return None;
    };
    if *load != g.op || !matches!(*op, "+" | "-") {
        return None;
    }
    let key = key_text(file, s);
    let n = text(file, other);
    let minus = *op == "-";
    let new = if is_hash(s) {
        let field = s.field.as_ref().map(|(_, r)| text(file, r))?;
        let delta = if minus { format!("-({n})") } else { n.clone() };
        spelled(
            file,
            s,
            "HINCRBY",
            "hincr",
            "hincrby",
            &[key, field, delta],
            true,
        )
    } else if s.form == RedisForm::Fred {
        let m = if minus { "decr_by" } else { "incr_by" };
        format!("{}.{m}::<i64, _>({key}, {n})", conn_text(file, s))
    } else {
        let (name, m) = if minus {
            ("DECRBY", "decr")
        } else {
            ("INCRBY", "incr")
        };
        spelled(file, s, name, m, m, &[key, n], true)
    };
    let edits = if s.expiry {
        Vec::new()
    } else {
        vec![Edit {
            range: s.call.clone(),
            replacement: new.clone(),
        }]
    };
    Some(Suggestion {
        message: format!(
            "let Redis do the arithmetic: {} changes the current value in one step and returns the new one",
            increment_name(f, s)
        ),
        applicability: if edits.is_empty() {
            Applicability::Manual
        } else {
            Applicability::MaybeIncorrect
        },
        replacement_text: Some(new),
        edits,
    })
}

/// A write that runs only when the key was absent: SET … NX / HSETNX.
fn set_nx(file: &SourceFile, s: &RedisCmd) -> Option<Suggestion> {
    let key = key_text(file, s);
    let value = s.value.as_ref().map(|r| text(file, r))?;
    let q = try_suffix(s);
    let new = if is_hash(s) {
        let field = s.field.as_ref().map(|(_, r)| text(file, r))?;
        let call = spelled(
            file,
            s,
            "HSETNX",
            "hset_nx",
            "hsetnx",
            &[key, field, value],
            false,
        );
        format!("let created: bool = {call}{q};")
    } else {
        match s.form {
            RedisForm::Fred => {
                let ttl = s
                    .ttl
                    .as_ref()
                    .map(|(_, r)| text(file, r))
                    .unwrap_or_else(|| "None".into());
                format!(
                    "let created: Option<String> = {}.set({key}, {value}, {ttl}, Some(SetOptions::NX), false){q}; // Some(\"OK\"): it was absent",
                    conn_text(file, s)
                )
            }
            _ if s.expiry || matches!(s.form, RedisForm::Cmd | RedisForm::Pipe) => {
                let mut args = vec![key, value, "\"NX\"".to_string()];
                if let Some((unit, r)) = &s.ttl {
                    args.push(format!("\"{unit}\""));
                    args.push(text(file, r));
                }
                format!(
                    "let created: Option<String> = {}{q}; // Some(\"OK\"): it was absent",
                    cmd_chain(file, s, "SET", &args)
                )
            }
            _ => format!(
                "let created: bool = {}{q};",
                spelled(file, s, "SETNX", "set_nx", "setnx", &[key, value], false)
            ),
        }
    };
    Some(Suggestion {
        message: format!(
            "if the check is whether `{}` exists, let {} decide: it writes only when the {} is absent, and tells you which caller won",
            key_name(file, s),
            if is_hash(s) { "HSETNX" } else { "SET … NX" },
            if is_hash(s) { "field" } else { "key" },
        ),
        applicability: Applicability::Manual,
        replacement_text: Some(new),
        edits: Vec::new(),
    })
}

/// SET … GET: the old value comes back from the write itself.
fn set_get(file: &SourceFile, s: &RedisCmd) -> Suggestion {
    let key = key_text(file, s);
    let value = s
        .value
        .as_ref()
        .map(|r| text(file, r))
        .unwrap_or_else(|| "value".into());
    let q = try_suffix(s);
    let new = match s.form {
        RedisForm::Fred => format!(
            "let old: Option<String> = {}.set({key}, {value}, {}, None, true){q};",
            conn_text(file, s),
            s.ttl
                .as_ref()
                .map(|(_, r)| text(file, r))
                .unwrap_or_else(|| "None".into())
        ),
        _ => {
            let mut args = vec![key, value];
            if let Some((unit, r)) = s.ttl.as_ref().filter(|(u, _)| !u.is_empty()) {
                args.push(format!("\"{unit}\""));
                args.push(text(file, r));
            }
            args.push("\"GET\"".into());
            format!(
                "let old: Option<String> = {}{q};",
                cmd_chain(file, s, "SET", &args)
            )
        }
    };
    Suggestion {
        message: "if the decision needs the old value, take it from the write: SET … GET returns the value it replaced, in the same step".into(),
        applicability: Applicability::Manual,
        replacement_text: Some(new),
        edits: Vec::new(),
    }
}

/// WATCH the key before reading it and send the write in MULTI/EXEC, which
/// fails when the key changed in between; retry then.
fn watch_multi(file: &SourceFile, g: &RedisCmd, s: &RedisCmd) -> Suggestion {
    let key = key_text(file, s);
    let conn = conn_text(file, s);
    let value = s
        .value
        .as_ref()
        .map(|r| text(file, r))
        .unwrap_or_else(|| "value".into());
    let write = if is_hash(s) {
        let field = s
            .field
            .as_ref()
            .map(|(_, r)| text(file, r))
            .unwrap_or_else(|| "field".into());
        format!("hset({key}, {field}, {value})")
    } else {
        format!("set({key}, {value})")
    };
    let read = text(file, &g.call);
    let arg = conn_arg(file, s);
    let new = match (s.form, s.is_async) {
        (RedisForm::Fred, _) => format!(
            "loop {{\n    {conn}.watch({key}).await?;\n    // read with `{read}` and compute the new value, as before\n    let trx = {conn}.multi();\n    trx.{}.await?;\n    if trx.exec::<Option<()>>(true).await?.is_some() {{\n        break; // EXEC ran: nobody changed `{}` since the WATCH\n    }}\n}}",
            if is_hash(s) {
                format!("hset::<(), _, _>({key}, ({}, {value}))", s.field.as_ref().map(|(_, r)| text(file, r)).unwrap_or_else(|| "field".into()))
            } else {
                format!("set::<(), _, _>({key}, {value}, None, None, false)")
            },
            key_name(file, s)
        ),
        (_, false) => format!(
            "redis::transaction({arg}, &[{key}], |con, pipe| {{\n    // read with `con` and compute the new value, as before\n    pipe.{write}.ignore().query(con)\n}})?;"
        ),
        (_, true) => format!(
            "loop {{\n    redis::cmd(\"WATCH\").arg({key}).query_async::<()>({arg}).await?;\n    // read with `{read}` and compute the new value, as before\n    let done: Option<()> = redis::pipe().atomic().{write}.ignore().query_async({arg}).await?;\n    if done.is_some() {{\n        break; // EXEC ran: nobody changed `{}` since the WATCH\n    }}\n}}",
            key_name(file, s)
        ),
    };
    Suggestion {
        message: format!(
            "WATCH `{}` before reading it and send the write in MULTI/EXEC: EXEC fails when the key changed in between, and the loop retries",
            key_name(file, s)
        ),
        applicability: Applicability::Manual,
        replacement_text: Some(new),
        edits: Vec::new(),
    }
}

/// A Lua script runs the read and the write on the server, atomically.
fn script(file: &SourceFile, s: &RedisCmd) -> Suggestion {
    let key = key_text(file, s);
    let conn = conn_text(file, s);
    let q = try_suffix(s);
    let (read, write) = if is_hash(s) {
        (
            "redis.call(\"HGET\", KEYS[1], ARGV[1])",
            "redis.call(\"HSET\", KEYS[1], ARGV[1], new)",
        )
    } else {
        (
            "redis.call(\"GET\", KEYS[1])",
            "redis.call(\"SET\", KEYS[1], new)",
        )
    };
    let field_arg = if is_hash(s) {
        s.field
            .as_ref()
            .map(|(_, r)| format!("\n    .arg({})", text(file, r)))
            .unwrap_or_default()
    } else {
        String::new()
    };
    let new = match s.form {
        RedisForm::Fred => format!(
            "const UPDATE: &str = r#\"\n    local current = {read}\n    local new = current -- compute it here, as the Rust code does\n    return {write}\n\"#;\n{conn}.eval::<(), _, _, _>(UPDATE, vec![{key}], vec![{}]){q};",
            s.field.as_ref().filter(|_| is_hash(s)).map(|(_, r)| text(file, r)).unwrap_or_default()
        ),
        _ => format!(
            "redis::Script::new(r#\"\n    local current = {read}\n    local new = current -- compute it here, as the Rust code does\n    return {write}\n\"#)\n    .key({key}){field_arg}\n    .{}::<()>({}){q};",
            if s.is_async { "invoke_async" } else { "invoke" },
            conn_arg(file, s)
        ),
    };
    Suggestion {
        message: "or move the computation into a Lua script: Redis runs the read and the write with no other command in between".into(),
        applicability: Applicability::Manual,
        replacement_text: Some(new),
        edits: Vec::new(),
    }
}
