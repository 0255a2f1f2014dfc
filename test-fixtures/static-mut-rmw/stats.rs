//! `crate::stats`: hit/miss counters addressed through module paths.

static mut HITS: u64 = 0;
static mut MISSES: u64 = 0;
static mut EVICTIONS: u64 = 0;

// fire: the static is named through its full `crate::stats::` path
pub fn record_hit() {
    unsafe {
        crate::stats::HITS += 1; //~ static-mut-rmw
    }
}

// fire: the static is named through `self::`
pub fn record_miss() {
    unsafe {
        self::MISSES += 1; //~ static-mut-rmw
    }
}

// fire: `self::` path on both sides of a plain assignment
pub fn record_evictions(n: u64) {
    unsafe {
        self::EVICTIONS = self::EVICTIONS + n; //~ static-mut-rmw
    }
}

// quiet: read-only snapshot through paths
pub fn hit_ratio() -> f64 {
    let (h, m) = unsafe { (crate::stats::HITS, self::MISSES) };
    h as f64 / (h + m).max(1) as f64
}
