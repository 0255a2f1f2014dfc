//! `redis-unsafe-lock`: a lock taken with `SET key val NX` that never
//! expires (a crash holds it forever), or that is released with a plain
//! `DEL` — also after a GET and a comparison in Rust — which can delete a
//! lock another holder took after this one expired.
//!
//! A `SET … NX` counts as a lock when the function later deletes the key,
//! or the key or the function speaks of a lock. A DEL counts as a release
//! when the function took the lock, compared the key's token first, or is
//! itself a release (`unlock`, `release_lock`, a lock guard's `drop`).

use super::redis_support::*;
use crate::diagnostic::{Applicability, Finding, Suggestion};
use crate::lower::effects::{FnFacts, RedisCmd, RedisKind};
use crate::source::SourceFile;

const RULE: &str = "redis-unsafe-lock";

fn is_lock_set(c: &RedisCmd) -> bool {
    c.kind == RedisKind::Write && c.nx && !c.name.starts_with('H')
}

/// Whether the key, as written or as the template a binding holds
/// (`let key = format!("lock:{id}")`), speaks of a lock.
fn key_says_lock(f: &FnFacts, file: &SourceFile, c: &RedisCmd) -> bool {
    says_lock(&key_text(file, c)) || says_lock(&f.target(f.op(c.op).target).key)
}

pub fn check(f: &FnFacts, file: &SourceFile, out: &mut Vec<Finding>) {
    let same_key = |a: &RedisCmd, b: &RedisCmd| f.op(a.op).target == f.op(b.op).target;
    let before = |a: &RedisCmd, b: &RedisCmd| f.op(a.op).time < f.op(b.op).time;
    for l in f.redis.iter().filter(|c| is_lock_set(c)) {
        if l.expiry {
            continue;
        }
        let del = f
            .redis
            .iter()
            .find(|d| d.kind == RedisKind::Delete && same_key(l, d) && before(l, d));
        let lockish = del.is_some() || key_says_lock(f, file, l) || says_lock(&f.name);
        if !lockish {
            continue;
        }
        let expire = f
            .redis
            .iter()
            .find(|x| x.kind == RedisKind::Expire && same_key(l, x) && before(l, x));
        out.push(no_expiry(f, file, l, del, expire));
    }
    for d in f.redis.iter().filter(|d| d.kind == RedisKind::Delete) {
        if d.in_multi && d.watched {
            // WATCH, GET, compare, MULTI, DEL, EXEC: the DEL fails when the
            // key changed after the comparison.
            continue;
        }
        let lock = f
            .redis
            .iter()
            .rev()
            .find(|l| is_lock_set(l) && same_key(l, d) && before(l, d));
        let compared = f.redis.iter().rev().find(|g| {
            g.kind == RedisKind::Read && same_key(g, d) && before(g, d) && f.controls(g.op, d.op)
        });
        let release = match lock {
            // A lock that never expires cannot pass to another holder: the
            // hazard is the missing expiry, reported at the SET.
            Some(l) => {
                l.expiry
                    || f.redis.iter().any(|x| {
                        x.kind == RedisKind::Expire
                            && same_key(l, x)
                            && before(l, x)
                            && before(x, d)
                    })
            }
            None => {
                (compared.is_some() && (key_says_lock(f, file, d) || says_lock(&f.name)))
                    || (says_release(&f.name) && (key_says_lock(f, file, d) || says_lock(&f.name)))
            }
        };
        if release {
            out.push(plain_del(f, file, d, lock, compared));
        }
    }
}

fn no_expiry(
    f: &FnFacts,
    file: &SourceFile,
    l: &RedisCmd,
    del: Option<&RedisCmd>,
    expire: Option<&RedisCmd>,
) -> Finding {
    let key = key_name(file, l);
    let mut labels = Vec::new();
    if let Some(x) = expire {
        labels.push((
            x.call.clone(),
            "expiry set here, in a separate command".into(),
        ));
    }
    if let Some(d) = del {
        labels.push((d.call.clone(), "released here".into()));
    }
    let mut notes = vec![format!(
        "if the holder crashes, is killed or hangs before it releases the lock, `{key}` stays set and no one can take the lock again"
    )];
    if expire.is_some() {
        notes.push(
            "the EXPIRE is a second command: a crash between the two leaves the lock without an expiry"
                .into(),
        );
    }
    let (token, known) = token_text(file, Some(l));
    let mut snippet = String::new();
    if !known {
        snippet
            .push_str("let token = uuid::Uuid::new_v4().to_string(); // unique to this holder\n");
    }
    let ttl = expire
        .and_then(|x| x.ttl.as_ref())
        .map(|(unit, r)| (*unit, super::text(file, r)));
    snippet.push_str(&acquire_snippet(file, l, &token, ttl));
    snippet.push_str("\n// … the critical section …\n");
    snippet.push_str(&release_snippet(file, l, &token));
    Finding {
        rule: RULE,
        message: format!("lock `{key}` is taken with {} but never expires", lock_word(l)),
        primary: l.call.clone(),
        labels,
        notes,
        suggestions: vec![Suggestion {
            message: "take the lock with a token unique to this holder and an expiry in the same command (SET key token NX PX ms), and release it with a compare-and-delete script".into(),
            applicability: Applicability::Manual,
            replacement_text: Some(snippet),
            edits: Vec::new(),
        }],
        function: f.name.clone(),
        target_key: f.target(f.op(l.op).target).key.clone(),
        severity: None,
    }
}

fn lock_word(l: &RedisCmd) -> &'static str {
    if l.name == "SETNX" {
        "SETNX"
    } else {
        "SET … NX"
    }
}

fn plain_del(
    f: &FnFacts,
    file: &SourceFile,
    d: &RedisCmd,
    lock: Option<&RedisCmd>,
    compared: Option<&RedisCmd>,
) -> Finding {
    let key = key_name(file, d);
    let mut labels = Vec::new();
    if let Some(l) = lock {
        labels.push((l.call.clone(), "lock taken here".into()));
    }
    if let Some(g) = compared {
        labels.push((g.call.clone(), "token read here".into()));
    }
    let (message, note) = match compared {
        Some(_) => (
            format!("lock `{key}` is released by GET, compare, then DEL: two separate steps"),
            format!(
                "the lock can expire and be taken by another client between the GET and the DEL; the DEL then deletes that client's lock on `{key}`"
            ),
        ),
        None => (
            format!("lock `{key}` is released with a plain {}", d.name),
            format!(
                "if the lock expired while this holder was still working, another client may hold `{key}` now, and this {} releases that client's lock",
                d.name
            ),
        ),
    };
    let (token, known) = token_text(file, lock);
    let mut snippet = String::new();
    if !known {
        snippet.push_str("// `token`: the value this holder wrote with SET key token NX PX ms\n");
    }
    snippet.push_str(&release_snippet(file, d, &token));
    Finding {
        rule: RULE,
        message,
        primary: d.call.clone(),
        labels,
        notes: vec![note],
        suggestions: vec![Suggestion {
            message: "release with a compare-and-delete script, which deletes the key only while it still holds this holder's token".into(),
            applicability: Applicability::Manual,
            replacement_text: Some(snippet),
            edits: Vec::new(),
        }],
        function: f.name.clone(),
        target_key: f.target(f.op(d.op).target).key.clone(),
        severity: None,
    }
}
