//! `static mut` that is only written or only read, and non-mut statics and
//! consts: no read-modify-write of a `static mut`.

use std::sync::Mutex;

static mut LAST_ERROR_CODE: i32 = 0;
static mut REQUESTS_SEEN: u64 = 0;
static mut LOG_LEVEL: u8 = 2;
static DEFAULT_TIMEOUT_MS: u64 = 5_000;
static TOTAL_BILLED: Mutex<u64> = Mutex::new(0);

const MAX_RETRIES: u32 = 5;

// quiet: plain write that does not read the old value
pub fn clear_last_error() {
    unsafe {
        LAST_ERROR_CODE = 0;
    }
}

// quiet: read only
pub fn requests_seen() -> u64 {
    let x = unsafe { REQUESTS_SEEN };
    x
}

// quiet: write of a value computed from a parameter, not from the static itself
pub fn set_log_level(verbose: bool) {
    let level = if verbose { 4 } else { 2 };
    unsafe { LOG_LEVEL = level };
}

// quiet: a non-`mut` static is read and combined into a local
pub fn timeout_with_slack(slack_ms: u64) -> u64 {
    let mut t = DEFAULT_TIMEOUT_MS;
    t += slack_ms;
    t
}

// quiet: a `const` copied into a local budget that is then decremented
pub fn retry_budget(failures: u32) -> u32 {
    let mut budget = MAX_RETRIES;
    budget -= failures.min(MAX_RETRIES);
    budget
}

// quiet: a non-mut static Mutex, updated through one guard
pub fn bill(amount: u64) {
    *TOTAL_BILLED.lock().unwrap() += amount;
}
