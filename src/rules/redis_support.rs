//! What the Redis rules share: the user's key, connection and value text,
//! and commands spelled the way the function already sends them (a
//! `Commands` method, a `redis::cmd` chain, a pipeline step, or fred).

use super::text;
use crate::lower::effects::{RedisCmd, RedisForm};
use crate::source::SourceFile;

/// The compare-and-delete release: deletes the key only while it still
/// holds this holder's token.
pub const RELEASE_SCRIPT: &str = r#"if redis.call("GET", KEYS[1]) == ARGV[1] then return redis.call("DEL", KEYS[1]) else return 0 end"#;

/// The key as written (`&key`, `format!("stock:{id}")`).
pub fn key_text(file: &SourceFile, c: &RedisCmd) -> String {
    text(file, &c.key)
}

/// The key for messages: without `&`.
pub fn key_name(file: &SourceFile, c: &RedisCmd) -> String {
    key_text(file, c).trim_start_matches('&').to_string()
}

/// What a command touches, for messages: `` `key` `` or, for a hash
/// field, `` `key` field `f` ``.
pub fn subject(file: &SourceFile, c: &RedisCmd) -> String {
    match &c.field {
        Some((_, r)) if c.name.starts_with('H') => {
            format!("`{}` field `{}`", key_name(file, c), text(file, r))
        }
        _ => format!("`{}`", key_name(file, c)),
    }
}

/// The connection as the user names it, without `&mut`.
pub fn conn_text(file: &SourceFile, c: &RedisCmd) -> String {
    let t = c.conn.as_ref().map(|r| text(file, r)).unwrap_or_default();
    let t = super::unref(&t);
    if t.is_empty() {
        "con".to_string()
    } else {
        t.to_string()
    }
}

/// The connection as `query_async(..)` takes it: as the user passes it to
/// their own `query`, or `&mut` the receiver of a method.
pub fn conn_arg(file: &SourceFile, c: &RedisCmd) -> String {
    let written = c.conn.as_ref().map(|r| text(file, r)).unwrap_or_default();
    if c.conn_ref && !written.is_empty() {
        written
    } else {
        format!("&mut {}", conn_text(file, c))
    }
}

/// `.await?` in async code, `?` otherwise.
pub fn try_suffix(c: &RedisCmd) -> &'static str {
    if c.is_async {
        ".await?"
    } else {
        "?"
    }
}

/// How a `cmd` chain is sent in this code: the user's own runner, or
/// `query_async` / `query`.
pub fn runner(c: &RedisCmd) -> String {
    c.runner.clone().unwrap_or_else(|| {
        if c.is_async {
            "query_async".into()
        } else {
            "query".into()
        }
    })
}

/// `redis::cmd("NAME").arg(a).arg(b).query_async(&mut con)`.
pub fn cmd_chain(file: &SourceFile, c: &RedisCmd, name: &str, args: &[String]) -> String {
    let mut s = format!("redis::cmd(\"{name}\")");
    for a in args {
        s.push_str(&format!(".arg({a})"));
    }
    s.push_str(&format!(".{}({})", runner(c), conn_arg(file, c)));
    s
}

/// The same `cmd` chain sent the way the user sent `c`'s
/// (`query_async::<()>(con)`), for edits that replace the whole chain.
pub fn cmd_chain_in_place(file: &SourceFile, c: &RedisCmd, name: &str, args: &[String]) -> String {
    match &c.tail {
        Some(tail) => {
            let mut s = format!("redis::cmd(\"{name}\")");
            for a in args {
                s.push_str(&format!(".arg({a})"));
            }
            format!("{s}.{}", file.slice(tail.clone()))
        }
        None => cmd_chain(file, c, name, args),
    }
}

/// A command in the form the function sends `c`: `method` and `args` for
/// a `Commands` method or pipeline step, `fred_method` for fred, `name`
/// for a `redis::cmd` chain. `turbofish` keeps the user's type arguments
/// when the new method has the same generics.
#[allow(clippy::too_many_arguments)]
pub fn spelled(
    file: &SourceFile,
    c: &RedisCmd,
    name: &str,
    method: &str,
    fred_method: &str,
    args: &[String],
    turbofish: bool,
) -> String {
    let fish = match (&c.turbofish, turbofish) {
        (Some(r), true) => file.slice(r.clone()).to_string(),
        _ => String::new(),
    };
    match c.form {
        RedisForm::Cmd => cmd_chain_in_place(file, c, name, args),
        RedisForm::Pipe => format!("{method}{fish}({})", args.join(", ")),
        RedisForm::Commands => {
            format!("{}.{method}{fish}({})", conn_text(file, c), args.join(", "))
        }
        RedisForm::Fred => format!("{}.{fred_method}({})", conn_text(file, c), args.join(", ")),
    }
}

/// The lock's token: the value the SET NX wrote when it is a variable
/// (`&token`), else `&token` for the snippet to introduce.
pub fn token_text(file: &SourceFile, lock: Option<&RedisCmd>) -> (String, bool) {
    let written = lock
        .and_then(|l| l.value.as_ref())
        .map(|r| text(file, r))
        .filter(|t| {
            let bare = t.trim_start_matches('&');
            !bare.is_empty()
                && bare
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '.')
                && !bare.chars().all(|c| c.is_ascii_digit())
                && bare != "true"
                && bare != "false"
        });
    match written {
        Some(t) => (t, true),
        None => ("&token".to_string(), false),
    }
}

/// Taking a lock with a token and an expiry in one command; `ttl` is an
/// expiry the code already gives (its unit and value), else 30 s.
pub fn acquire_snippet(
    file: &SourceFile,
    c: &RedisCmd,
    token: &str,
    ttl: Option<(&'static str, String)>,
) -> String {
    let key = key_text(file, c);
    let conn = conn_text(file, c);
    let q = try_suffix(c);
    let (unit, n) = ttl
        .filter(|(u, _)| !u.is_empty())
        .unwrap_or(("PX", "30_000".into()));
    match c.form {
        RedisForm::Fred => format!(
            "let acquired: Option<String> = {conn}.set({key}, {token}, Some(Expiration::{unit}({n})), Some(SetOptions::NX), false){q}; // Some(\"OK\"): taken"
        ),
        _ => format!(
            "let acquired: Option<String> = redis::cmd(\"SET\").arg({key}).arg({token}).arg(\"NX\").arg(\"{unit}\").arg({n}).{}({}){q}; // Some(\"OK\"): taken",
            runner(c),
            conn_arg(file, c)
        ),
    }
}

/// Releasing a lock only while it still holds this holder's token.
pub fn release_snippet(file: &SourceFile, c: &RedisCmd, token: &str) -> String {
    let key = key_text(file, c);
    let conn = conn_text(file, c);
    let q = try_suffix(c);
    match c.form {
        RedisForm::Fred => format!(
            "const RELEASE: &str = r#\"{RELEASE_SCRIPT}\"#;\nlet released: i64 = {conn}.eval(RELEASE, vec![{key}], vec![{token}]){q};"
        ),
        _ => {
            let invoke = if c.is_async { "invoke_async" } else { "invoke" };
            format!(
                "let released: i32 = redis::Script::new(\n    r#\"{RELEASE_SCRIPT}\"#,\n)\n.key({key})\n.arg({token})\n.{invoke}({}){q}; // 0: the lock was no longer ours",
                conn_arg(file, c)
            )
        }
    }
}

/// Whether a name speaks of a lock: one of its words (split at `_`, `:`,
/// `-`, `.` and case changes) is a lock, a mutex, a lease, a leader or a
/// semaphore (`lock:jobs`, `job_lock`, `RedisLock`, `unlock` — not `release`).
pub fn says_lock(s: &str) -> bool {
    let mut words = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for ch in s.chars() {
        if !ch.is_alphanumeric() {
            words.push(std::mem::take(&mut cur));
            prev_lower = false;
            continue;
        }
        if ch.is_uppercase() && prev_lower {
            words.push(std::mem::take(&mut cur));
        }
        prev_lower = ch.is_lowercase();
        cur.extend(ch.to_lowercase());
    }
    words.push(cur);
    words.iter().any(|w| {
        w.contains("lock")
            || w.contains("mutex")
            || w.contains("semaphore")
            || w.starts_with("lease")
            || w.starts_with("leader")
    })
}

/// Whether a function's own name says it releases something.
pub fn says_release(function: &str) -> bool {
    let last = function
        .rsplit("::")
        .next()
        .unwrap_or(function)
        .to_ascii_lowercase();
    last.contains("unlock") || last.contains("release") || last == "drop"
}
