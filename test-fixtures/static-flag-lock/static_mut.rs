//! Hand-made locks on `static mut bool` (legacy code ported from C).
//! Each is reported once, as `static-flag-lock`, and not also as `static-mut-rmw`.

use std::thread;
use std::time::Duration;

use crate::search::{rebuild_search_index, write_checkpoint, Catalog};

static mut BUSY: bool = false;
static mut LOCKED: bool = false;
static mut IN_PROGRESS: bool = false;
static mut VERBOSE: bool = false;

// fire: check `BUSY`, then set it with a plain write; two threads can both read
// `false` before either writes `true`.
pub fn reindex(catalog: &Catalog) {
    unsafe {
        if BUSY {
            return;
        }
        BUSY = true; //~ static-flag-lock
        rebuild_search_index(catalog);
        BUSY = false;
    }
}

// fire: spin until `LOCKED` reads false, then set it; the read and the write are not
// one atomic step, so two waiters can enter together.
pub fn checkpoint(catalog: &Catalog) {
    unsafe {
        while LOCKED {}
        LOCKED = true; //~ static-flag-lock
        write_checkpoint(catalog);
        LOCKED = false;
    }
}

// fire: negated check with the critical section inside the `if`.
pub fn compact_in_background(catalog: &'static Catalog) {
    thread::spawn(move || loop {
        thread::sleep(Duration::from_secs(60));
        unsafe {
            if !IN_PROGRESS {
                IN_PROGRESS = true; //~ static-flag-lock
                catalog.compact();
                IN_PROGRESS = false;
            }
        }
    });
}

// quiet: an unconditional configuration write, not a check-then-set.
pub fn set_verbose(on: bool) {
    unsafe {
        VERBOSE = on;
    }
}

// quiet: the flag is only read.
pub fn debug(msg: &str) {
    if unsafe { VERBOSE } {
        eprintln!("[debug] {msg}");
    }
}
