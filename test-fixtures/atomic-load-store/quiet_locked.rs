//! Double-checked initialisation: the re-check load and the store both happen
//! while a Mutex guard is held, so only one thread can run the init.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use crate::db::{run_migrations, warm_cache};

static INIT_LOCK: Mutex<()> = Mutex::new(());
static SCHEMA_READY: AtomicBool = AtomicBool::new(false);
static CACHE_WARM: AtomicBool = AtomicBool::new(false);

pub struct Plugin {
    load_lock: Mutex<()>,
    loaded: AtomicBool,
}

// quiet: check and set both under INIT_LOCK's guard
pub fn ensure_schema() {
    let _g = INIT_LOCK.lock().unwrap();
    if !SCHEMA_READY.load(Ordering::Acquire) {
        run_migrations();
        SCHEMA_READY.store(true, Ordering::Release);
    }
}

// quiet: classic double-checked pattern; the fast-path load only skips the lock,
// the decision to init is re-checked under the guard
pub fn ensure_cache_warm() {
    if CACHE_WARM.load(Ordering::Acquire) {
        return;
    }
    let _guard = INIT_LOCK.lock().unwrap();
    if !CACHE_WARM.load(Ordering::Acquire) {
        warm_cache();
        CACHE_WARM.store(true, Ordering::Release);
    }
}

impl Plugin {
    // quiet: `&self` field, but re-check and store happen under the struct's own lock
    pub fn ensure_loaded(&self) {
        let _g = self.load_lock.lock().unwrap();
        if !self.loaded.load(Ordering::Acquire) {
            crate::db::load_plugin();
            self.loaded.store(true, Ordering::Release);
        }
    }
}
