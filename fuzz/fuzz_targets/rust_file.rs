//! Any bytes as a Rust file: analysis must return diagnostics or a file
//! error, never panic, and every span must lie inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rmw_lint::{analyze_bytes, edition::CrateInfo, Options, Settings};

fuzz_target!(|data: &[u8]| {
    let settings = Settings::new(&Options::default()).expect("default settings");
    let result = analyze_bytes("fuzz.rs", data.to_vec(), &CrateInfo::default(), &settings);
    if let Some(e) = &result.error {
        assert!(!e.message.contains("internal error"), "{}", e.message);
    }
    for d in &result.diagnostics {
        assert!(d.span.start.offset <= d.span.end.offset);
        assert!(d.span.end.offset <= data.len());
    }
});
