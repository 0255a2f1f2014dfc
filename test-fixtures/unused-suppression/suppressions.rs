//! Suppression comments: ones that suppress a finding, and ones that suppress
//! nothing (stale, misspelt, misplaced, or malformed).

use std::sync::atomic::{AtomicUsize, Ordering};

static HITS: AtomicUsize = AtomicUsize::new(0);
static MISSES: AtomicUsize = AtomicUsize::new(0);
static mut TOTAL: u64 = 0;

// quiet: a trailing allow suppresses the finding on its line.
pub fn hit() {
    HITS.store(HITS.load(Ordering::Relaxed) + 1, Ordering::Relaxed); // rmw-lint: allow(atomic-load-store) -- one writer thread
}

// quiet: an allow alone on the line above suppresses the finding below it.
pub fn miss() {
    // rmw-lint: allow(atomic-load-store) -- single-threaded start-up
    MISSES.store(MISSES.load(Ordering::Relaxed) + 1, Ordering::Relaxed);
}

// quiet: both rules of the list suppress a finding on the same line.
pub fn both() {
    // rmw-lint: allow(atomic-load-store, static-mut-rmw)
    unsafe { TOTAL += 1; } HITS.store(HITS.load(Ordering::Relaxed) + 2, Ordering::Relaxed);
}

// fire: stale: the code below was fixed, the allow stayed.
pub fn fixed_long_ago() {
    // rmw-lint: allow(atomic-load-store) -- single writer //~ unused-suppression
    HITS.fetch_add(1, Ordering::Relaxed);
}

// fire: a trailing allow on a line with no finding.
pub fn trailing() {
    HITS.fetch_add(1, Ordering::Relaxed); // rmw-lint: allow(atomic-load-store) //~ unused-suppression
}

// fire: a misspelt rule id suppresses nothing, and the finding is still reported.
pub fn typo() {
    // rmw-lint: allow(atomic-load-stor) //~ unused-suppression
    MISSES.store(MISSES.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
}

// fire: not directly above the finding (a blank line in between).
pub fn too_far() {
    // rmw-lint: allow(atomic-load-store) //~ unused-suppression

    HITS.store(HITS.load(Ordering::Relaxed) + 1, Ordering::Relaxed); //~ atomic-load-store
}

// fire: the allow names another rule than the finding's.
pub fn wrong_rule() {
    // rmw-lint: allow(lock-check-then-act) //~ unused-suppression
    HITS.store(HITS.load(Ordering::Relaxed) + 3, Ordering::Relaxed); //~ atomic-load-store
}

// fire: only one rule of the list is used; the other is reported.
pub fn half_used() {
    // rmw-lint: allow(atomic-load-store, static-mut-rmw) //~ unused-suppression
    MISSES.store(MISSES.load(Ordering::Relaxed) + 2, Ordering::Relaxed);
}

// fire: not a directive: the parentheses are missing.
pub fn malformed() {
    // rmw-lint: allow atomic-load-store //~ unused-suppression
    HITS.fetch_add(4, Ordering::Relaxed);
}

// fire: a directive in a function with no hazard at all.
pub fn nothing_here(x: u32) -> u32 {
    x + 1 // rmw-lint: allow(static-flag-lock) //~ unused-suppression
}

// fire: a file-wide allow for a rule with no finding in this file.
// rmw-lint: allow-file(lock-check-then-act) //~ unused-suppression

// fire: a file-wide allow with an unknown rule id.
// rmw-lint: allow-file(all) //~ unused-suppression

// quiet: a doc comment is documentation, not a directive: it is neither
// judged nor removed by --fix.
/// rmw-lint: allow(fs-check-then-use)
pub fn documented() {}

// quiet: a directive inside a string literal is not a comment.
pub fn message() -> &'static str {
    "write // rmw-lint: allow(atomic-load-store) above the line"
}

// quiet: inside test code, which is not analysed, an allow is not judged.
#[cfg(test)]
mod tests {
    // rmw-lint: allow(atomic-load-store)
    fn helper() {}
}

// quiet: a file-wide allow that suppresses the rule's findings in this file.
// rmw-lint: allow-file(static-mut-rmw)
pub fn add(n: u64) {
    unsafe {
        TOTAL += n;
    }
}

// quiet: plain comments that mention rmw-lint are not directives.
// rmw-lint checks this file in CI.
pub fn plain() {}

// quiet: an allow with a reason that has parentheses in it.
pub fn with_reason() {
    // rmw-lint: allow(atomic-load-store) -- see (issue 12)
    HITS.store(HITS.load(Ordering::Relaxed) + 5, Ordering::Relaxed);
}

// quiet: spaces inside the list are fine.
pub fn spaced() {
    HITS.store(HITS.load(Ordering::Relaxed) + 6, Ordering::Relaxed); // rmw-lint: allow( atomic-load-store )
}

// quiet: a directive for the note rule itself is used when it silences a note.
// rmw-lint: allow(unused-suppression)
// rmw-lint: allow(static-flag-lock) -- kept on purpose
pub fn kept() {}
