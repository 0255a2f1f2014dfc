//! The safe replacements for `static mut` counters and lazy globals.

use std::cell::Cell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};

use crate::config::{load_settings, Settings};

static REQUESTS: AtomicU64 = AtomicU64::new(0);
static SETTINGS: OnceLock<Settings> = OnceLock::new();
static LEGACY_LOCK: Mutex<()> = Mutex::new(());
static mut LEGACY_HANDLES: u32 = 0;
static mut LEGACY_REGISTRY: Option<HashMap<String, u32>> = None;

thread_local! {
    static CALL_DEPTH: Cell<u32> = Cell::new(0);
}

// quiet: atomic static updated with fetch_add
pub fn on_request() -> u64 {
    REQUESTS.fetch_add(1, Ordering::Relaxed) + 1
}

// quiet: thread_local Cell is per thread, not shared
pub fn enter_call() -> u32 {
    CALL_DEPTH.with(|c| {
        c.set(c.get() + 1);
        c.get()
    })
}

// quiet: OnceLock::get_or_init runs the initialiser once
pub fn settings() -> &'static Settings {
    SETTINGS.get_or_init(load_settings)
}

// quiet: the static mut is only modified while LEGACY_LOCK's guard is held
pub fn open_legacy_handle() -> u32 {
    let _g = LEGACY_LOCK.lock().unwrap();
    unsafe {
        LEGACY_HANDLES += 1;
        LEGACY_HANDLES
    }
}

// quiet: lazy init of a static mut under the guard of a Mutex
pub fn register_legacy(name: &str, id: u32) {
    let _guard = LEGACY_LOCK.lock().unwrap();
    unsafe {
        if LEGACY_REGISTRY.is_none() {
            LEGACY_REGISTRY = Some(HashMap::new());
        }
        LEGACY_REGISTRY.as_mut().unwrap().insert(name.to_string(), id);
    }
}
