#!/usr/bin/env bash
# Exercises .pre-commit-hooks.yaml for real: installs the `pre-commit` tool
# from PyPI into a throw-away virtual environment, runs `pre-commit try-repo`
# against this repository on a scratch git repository holding a hazardous
# file, and checks that the hook fails with the finding and passes once the
# file is fixed. Slow (pre-commit builds rmw-lint with `cargo install`), so
# it runs from .ci/run rather than `cargo test`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
export PRE_COMMIT_HOME="$work/cache"
precommit="$work/venv/bin/pre-commit"

mkdir "$work/project"
cd "$work/project"
git init -q .
git config user.email ci@example.invalid
git config user.name ci
cat > hits.rs <<'RS'
use std::sync::atomic::{AtomicUsize, Ordering};

static HITS: AtomicUsize = AtomicUsize::new(0);

pub fn hit() {
    let seen = HITS.load(Ordering::Relaxed);
    HITS.store(seen + 1, Ordering::Relaxed);
}
RS
cat > clean.rs <<'RS'
pub fn add(a: u32, b: u32) -> u32 {
    a + b
}
RS
# Not Rust: `types: [rust]` keeps it away from the hook.
printf 'HITS.store(HITS.load(o) + 1, o)\n' > notes.txt
git add hits.rs clean.rs notes.txt

if "$precommit" try-repo "$repo" rmw-lint --all-files > "$work/fail.txt" 2>&1; then
    cat "$work/fail.txt"
    echo "pre-commit-test: the hook passed on a hazardous file" >&2
    exit 1
fi
grep -q "error\[atomic-load-store\]" "$work/fail.txt" || { cat "$work/fail.txt"; echo "pre-commit-test: no finding in the hook's output" >&2; exit 1; }
grep -q "hits.rs:7:5" "$work/fail.txt" || { cat "$work/fail.txt"; echo "pre-commit-test: the finding does not name hits.rs:7:5" >&2; exit 1; }
grep -q "(2 files checked)" "$work/fail.txt" || { cat "$work/fail.txt"; echo "pre-commit-test: expected both Rust files in one call, and not notes.txt" >&2; exit 1; }

cat > hits.rs <<'RS'
use std::sync::atomic::{AtomicUsize, Ordering};

static HITS: AtomicUsize = AtomicUsize::new(0);

pub fn hit() {
    HITS.fetch_add(1, Ordering::Relaxed);
}
RS
git add hits.rs
if ! "$precommit" try-repo "$repo" rmw-lint --all-files > "$work/pass.txt" 2>&1; then
    cat "$work/pass.txt"
    echo "pre-commit-test: the hook failed on fixed code" >&2
    exit 1
fi
# The README's .pre-commit-config.yaml is valid and names this hook.
python3 - "$repo/README.md" > "$work/readme-config.yaml" <<'PY'
import sys
text = open(sys.argv[1], encoding="utf-8").read()
rest = text[text.index("<!-- setup:pre-commit -->"):]
block = rest[rest.index("```"):]
block = block[block.index("\n") + 1:]
print(block[:block.index("\n```")])
PY
"$precommit" validate-config "$work/readme-config.yaml"
grep -q "id: rmw-lint" "$work/readme-config.yaml"
grep -q "^- id: rmw-lint$" "$repo/.pre-commit-hooks.yaml"
echo "pre-commit-test: ok (fails on the hazard, passes once fixed; the README's config is valid)"
