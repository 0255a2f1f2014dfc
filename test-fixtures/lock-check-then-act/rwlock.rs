//! Template cache, config holder and route table behind `std::sync::RwLock`.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use crate::http::Handler;
use crate::render::{Config, Template};

pub struct Renderer {
    cache: RwLock<HashMap<String, Arc<Template>>>,
    config: RwLock<Config>,
    routes: RwLock<HashMap<String, Handler>>,
}

// fire: early return under a read guard, then an unconditional insert under a write
// guard taken later; two callers can both miss and both insert.
pub fn remember(cache: &RwLock<HashMap<String, String>>, key: String, value: String) {
    if cache.read().unwrap().contains_key(&key) {
        return;
    }
    cache.write().unwrap().insert(key, value); //~ lock-check-then-act
}

impl Renderer {
    // fire: the lookup under `read()` decides, and the write lock taken afterwards does
    // not re-check; both threads compile and the slower one overwrites the entry.
    pub fn template(&self, name: &str) -> Arc<Template> {
        let hit = self.cache.read().unwrap().get(name).cloned();
        if hit.is_none() {
            let compiled = Arc::new(Template::compile(name));
            self.cache.write().unwrap().insert(name.to_owned(), Arc::clone(&compiled)); //~ lock-check-then-act
            return compiled;
        }
        hit.unwrap()
    }

    // fire: a newer-version check under a read guard; an older config can be written
    // over a newer one that another reload installed in between.
    pub fn reload(&self, new: Config) {
        if self.config.read().unwrap().version < new.version {
            *self.config.write().unwrap() = new; //~ lock-check-then-act
        }
    }

    // fire: the read guard is bound with `let` but lives only to the end of its block.
    pub fn add_route(&self, path: String, handler: Handler) -> bool {
        {
            let routes = self.routes.read().unwrap();
            if routes.contains_key(&path) {
                return false;
            }
        }
        self.routes.write().unwrap().insert(path, handler); //~ lock-check-then-act
        true
    }

    // quiet: double-checked locking; the miss is re-checked under the write guard.
    pub fn template_checked(&self, name: &str) -> Arc<Template> {
        if let Some(t) = self.cache.read().unwrap().get(name) {
            return Arc::clone(t);
        }
        let mut cache = self.cache.write().unwrap();
        if let Some(t) = cache.get(name) {
            return Arc::clone(t);
        }
        let compiled = Arc::new(Template::compile(name));
        cache.insert(name.to_owned(), Arc::clone(&compiled));
        compiled
    }

    // quiet: `write()` from the start; check and insert under one guard.
    pub fn add_route_exclusive(&self, path: String, handler: Handler) -> bool {
        let mut routes = self.routes.write().unwrap();
        if routes.contains_key(&path) {
            return false;
        }
        routes.insert(path, handler);
        true
    }

    // quiet: read fast path, then the entry API under the write guard decides again.
    pub fn template_entry(&self, name: &str) -> Arc<Template> {
        if let Some(t) = self.cache.read().unwrap().get(name) {
            return Arc::clone(t);
        }
        let mut cache = self.cache.write().unwrap();
        let t = cache
            .entry(name.to_owned())
            .or_insert_with(|| Arc::new(Template::compile(name)));
        Arc::clone(t)
    }
}
