//! Hazards inside test code are skipped unless `--include-tests` is given.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use dashmap::DashMap;

// quiet: `#[test]` function, skipped by default.
#[test]
fn concurrent_open_keeps_first_session() {
    let sessions = Arc::new(Mutex::new(HashMap::new()));
    let s2 = Arc::clone(&sessions);
    let t = std::thread::spawn(move || {
        if !s2.lock().unwrap().contains_key("abc") {
            s2.lock().unwrap().insert("abc".to_string(), 1);
        }
    });
    t.join().unwrap();
    assert_eq!(sessions.lock().unwrap().len(), 1);
}

// quiet: `#[tokio::test]` function, skipped by default.
#[tokio::test]
async fn registry_rejects_duplicates() {
    let services = Arc::new(tokio::sync::RwLock::new(HashMap::new()));
    if !services.read().await.contains_key("billing") {
        services.write().await.insert("billing", 8080);
    }
    assert!(services.read().await.contains_key("billing"));
}

#[cfg(test)]
mod tests {
    use super::*;

    // quiet: helper inside a `#[cfg(test)]` module, skipped by default.
    fn seed(map: &DashMap<u32, String>, id: u32) {
        if !map.contains_key(&id) {
            map.insert(id, format!("user-{id}"));
        }
    }

    // quiet: test inside a `#[cfg(test)]` module, skipped by default.
    #[test]
    fn counter_roundtrip() {
        let counter = Arc::new(Mutex::new(0u32));
        let c = counter.clone();
        std::thread::spawn(move || {
            let n = *c.lock().unwrap();
            *c.lock().unwrap() = n + 1;
        })
        .join()
        .unwrap();
        let map = DashMap::new();
        seed(&map, 7);
        assert_eq!(*counter.lock().unwrap(), 1);
    }
}
