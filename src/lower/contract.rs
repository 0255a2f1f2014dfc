//! Caller contracts written in a function's documentation.
//!
//! An `unsafe fn` whose `# Safety` section makes the caller hold a lock, or
//! be the only thread, runs serialised by that contract: its loads and
//! stores cannot race another call of it, whatever the receiver type says.

/// The text of the `///` / `#[doc = "…"]` comments on an item.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    let mut out = String::new();
    for a in attrs {
        if !a.path().is_ident("doc") {
            continue;
        }
        if let syn::Meta::NameValue(nv) = &a.meta {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(s),
                ..
            }) = &nv.value
            {
                out.push_str(&s.value());
                out.push('\n');
            }
        }
    }
    out
}

/// The safety section of a doc comment: from a `# Safety` heading (or a
/// `SAFETY:` line) to the next heading.
fn safety_section(doc: &str) -> Option<String> {
    let lower = doc.to_lowercase();
    let mut lines = lower.lines().map(str::trim);
    let first = lines.find(|l| l.starts_with("# safety") || l.starts_with("safety:"))?;
    let mut out = first.to_string();
    for l in lines.take_while(|l| !l.starts_with('#')) {
        out.push('\n');
        out.push_str(l);
    }
    Some(out)
}

/// Whether a safety contract requires the caller to serialise calls: a
/// lock or mutex held, or no other thread running.
fn requires_exclusion(section: &str) -> bool {
    let words = section.replace(['\n', '*', '`'], " ");
    let lock = (words.contains("lock") || words.contains("mutex"))
        && ["held", "hold", "holds", "owned", "acquired", "locked"]
            .iter()
            .any(|w| words.contains(w));
    let alone = [
        "no other thread",
        "only thread",
        "only one thread",
        "single thread",
        "single-threaded",
        "not be called concurrently",
        "never called concurrently",
        "exclusive access",
    ]
    .iter()
    .any(|p| words.contains(p));
    lock || alone
}

/// Whether `sig` is an `unsafe fn` whose documentation makes the caller
/// hold a lock or be the only thread.
pub fn serialised_by_caller(attrs: &[syn::Attribute], sig: &syn::Signature) -> bool {
    sig.unsafety.is_some()
        && safety_section(&doc_text(attrs)).is_some_and(|s| requires_exclusion(&s))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(src: &str) -> bool {
        let f: syn::ItemFn = syn::parse_str(src).expect("test function parses");
        serialised_by_caller(&f.attrs, &f.sig)
    }

    #[test]
    fn lock_or_single_thread_contracts_serialise() {
        assert!(check(
            "/// Bumps.\n///\n/// # Safety\n///\n/// Only call while the mutex is held by this thread.\nunsafe fn f() {}"
        ));
        assert!(check(
            "/// SAFETY: the driver lock must be held.\nunsafe fn f() {}"
        ));
        assert!(check(
            "/// # Safety\n/// There must be no other threads running.\nunsafe fn f() {}"
        ));
    }

    #[test]
    fn other_contracts_and_safe_fns_do_not() {
        assert!(!check(
            "/// # Safety\n/// `ptr` must be valid for reads.\nunsafe fn f() {}"
        ));
        assert!(!check("/// The lock must be held.\nfn f() {}"));
        assert!(!check(
            "/// Takes the lock.\n/// # Safety\n/// `p` must be aligned.\n/// # Panics\n/// no other thread\nunsafe fn f() {}"
        ));
    }
}
