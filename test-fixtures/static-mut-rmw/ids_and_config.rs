//! Id generators, high-water marks and lazy globals kept in `static mut`:
//! the read and the write are separate steps.

use crate::config::{load_settings, Settings};

pub struct ServerStats {
    pub requests: u64,
    pub errors: u64,
}

static mut NEXT_ORDER_ID: u64 = 1;
static mut MAX_PAYLOAD_SEEN: usize = 0;
static mut SETTINGS: Option<Settings> = None;
static mut ACTIVE_UPLOADS: u32 = 0;
static mut STATS: ServerStats = ServerStats { requests: 0, errors: 0 };

const UPLOAD_LIMIT: u32 = 8;

// fire: read into a local, write back `id + 1`; two callers can get the same id
pub fn next_order_id() -> u64 {
    unsafe {
        let id = NEXT_ORDER_ID;
        NEXT_ORDER_ID = id + 1; //~ static-mut-rmw
        id
    }
}

// fire: high-water mark `X = X.max(v)`
pub fn observe_payload(len: usize) {
    unsafe {
        MAX_PAYLOAD_SEEN = MAX_PAYLOAD_SEEN.max(len); //~ static-mut-rmw
    }
}

// fire: lazy init check-then-act; two threads can both load and assign the settings
pub fn settings() -> &'static Settings {
    unsafe {
        if SETTINGS.is_none() {
            SETTINGS = Some(load_settings()); //~ static-mut-rmw
        }
        SETTINGS.as_ref().unwrap()
    }
}

// fire: bounded increment; the `<` check and the assignment are separate (one finding)
pub fn try_start_upload() -> bool {
    unsafe {
        if ACTIVE_UPLOADS < UPLOAD_LIMIT {
            ACTIVE_UPLOADS = ACTIVE_UPLOADS + 1; //~ static-mut-rmw
            return true;
        }
    }
    false
}

// fire: compound assignment on a field of a `static mut` struct
pub fn record_error() {
    unsafe {
        STATS.errors += 1; //~ static-mut-rmw
    }
}
