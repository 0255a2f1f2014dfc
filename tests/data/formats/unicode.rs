// Input for tests/formats.rs: a hazard after non-ASCII text and a tab on
// its line, so columns (Unicode scalar values) and byte offsets differ.
use std::sync::atomic::{AtomicUsize, Ordering};

static ZÄHLER: AtomicUsize = AtomicUsize::new(0);

/// Zählt Besuche — « un compteur » 🦀.
pub fn besuch() -> usize {
	let _grüße = "é"; ZÄHLER.store(ZÄHLER.load(Ordering::SeqCst) + 1, Ordering::SeqCst);
	ZÄHLER.load(Ordering::Relaxed)
}
