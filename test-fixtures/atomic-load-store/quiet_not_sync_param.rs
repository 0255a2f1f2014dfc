//! Parameters of a type that cannot be shared between threads: a `&Local`
//! holding a `Cell` cannot be reached by two threads at once. Next to it, a
//! plain shared parameter still races.
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

pub struct Local {
    hits: AtomicUsize,
    last: Cell<usize>,
}

pub struct Shared {
    hits: AtomicUsize,
}

// quiet: `Local` is !Sync, so `&Local` stays on this thread.
pub fn bump_local(l: &Local) {
    let h = l.hits.load(Ordering::Relaxed);
    l.hits.store(h * 2 + 1, Ordering::Relaxed);
    l.last.set(h);
}

// fires: `&Shared` can be used from several threads at once.
pub fn bump_shared(s: &Shared) {
    let h = s.hits.load(Ordering::Relaxed);
    s.hits.store(h * 2 + 1, Ordering::Relaxed); //~ atomic-load-store
}
