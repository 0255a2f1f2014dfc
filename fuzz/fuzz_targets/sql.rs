//! Any text as embedded SQL, in every dialect: no panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmw_lint::sql::{parse, Dialect};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = parse::looks_like_sql(text);
    let _ = parse::placeholder_dialect(text);
    for hint in [None, Some(Dialect::Postgres), Some(Dialect::MySql), Some(Dialect::Sqlite)] {
        let _ = parse::analyze(text, hint, true);
        let _ = parse::analyze(text, hint, false);
    }
});
