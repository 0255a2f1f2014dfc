//! Locals that look like the global counters declared in this file. The
//! statics live in `legacy_metrics` and are not imported into the functions
//! below (a `let` binding may not shadow a static that is in scope), so every
//! `COUNTER` / `NEXT_ID` / `TOTAL_BYTES` outside that module is a local.

pub mod legacy_metrics {
    pub static mut COUNTER: u64 = 0;
    pub static mut NEXT_ID: u32 = 1;
    pub static mut TOTAL_BYTES: usize = 0;

    // quiet: reads the statics only (diagnostics endpoint)
    pub fn debug_dump() -> String {
        unsafe { format!("counter={} next_id={} bytes={}", COUNTER, NEXT_ID, TOTAL_BYTES) }
    }
}

// quiet: a local counter named like the static, counted in a loop
pub fn count_errors(lines: &[&str]) -> u64 {
    let mut counter = 0;
    for line in lines {
        if line.contains("ERROR") {
            counter += 1;
        }
    }
    counter
}

// quiet: a local with exactly the static's name
#[allow(non_snake_case)]
pub fn count_warnings(lines: &[&str]) -> u64 {
    let mut COUNTER = 0;
    for line in lines {
        if line.contains("WARN") {
            COUNTER += 1;
        }
    }
    COUNTER
}

// quiet: a local id sequence seeded from the static, which is only read
#[allow(non_snake_case)]
pub fn preview_ids(n: u32) -> Vec<u32> {
    let mut NEXT_ID = unsafe { legacy_metrics::NEXT_ID };
    let mut out = Vec::new();
    for _ in 0..n {
        out.push(NEXT_ID);
        NEXT_ID = NEXT_ID + 1;
    }
    out
}

// quiet: a function parameter with the static's name
#[allow(non_snake_case)]
pub fn add_chunk(mut TOTAL_BYTES: usize, chunk: &[u8]) -> usize {
    TOTAL_BYTES += chunk.len();
    TOTAL_BYTES
}

// quiet: a field of a local struct, not the static
pub fn summarize(sizes: &[usize]) -> usize {
    struct Acc {
        total_bytes: usize,
    }
    let mut acc = Acc { total_bytes: 0 };
    for s in sizes {
        acc.total_bytes += *s;
    }
    acc.total_bytes
}
