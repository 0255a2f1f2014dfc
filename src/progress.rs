//! The progress bar of long runs (`indicatif`, on standard error): files
//! done out of the total, and the crate being read. It appears only when a
//! run has lasted [`DELAY`], so quick runs (a pre-commit hook, one file)
//! print nothing extra, and never when standard error is not a terminal or
//! `CI` is set: logs must not fill with redraws.

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a run goes before the bar is drawn.
pub const DELAY: Duration = Duration::from_secs(1);

/// Whether a run in this environment shows progress: an interactive
/// terminal on standard error, outside CI, without `--quiet`.
pub fn wanted(stderr_is_terminal: bool, ci: Option<&std::ffi::OsStr>, quiet: bool) -> bool {
    let in_ci = ci.is_some_and(|v| !v.is_empty() && v != "0" && v != "false");
    stderr_is_terminal && !in_ci && !quiet
}

/// Shared by the worker threads; cheap to clone.
#[derive(Clone)]
pub struct Progress {
    bar: ProgressBar,
    started: Instant,
    delay: Duration,
    shown: Arc<AtomicBool>,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress")
            .field("position", &self.bar.position())
            .finish()
    }
}

impl Progress {
    /// A bar drawn on standard error once the run has lasted `delay`.
    pub fn stderr(delay: Duration) -> Progress {
        Progress::with_target(delay, ProgressDrawTarget::stderr())
    }

    fn with_target(delay: Duration, target: ProgressDrawTarget) -> Progress {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::hidden());
        let style = ProgressStyle::with_template("{bar:30} {pos}/{len} files  {wide_msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        let progress = Progress {
            bar,
            started: Instant::now(),
            delay,
            shown: Arc::new(AtomicBool::new(false)),
        };
        if delay.is_zero() {
            progress.show(target);
        }
        progress
    }

    fn show(&self, target: ProgressDrawTarget) {
        if !self.shown.swap(true, Ordering::Relaxed) {
            self.bar.set_draw_target(target);
        }
    }

    /// The number of files the run will analyse.
    pub fn start(&self, total: usize) {
        self.bar.set_length(total as u64);
    }

    /// A crate is being read (crates are analysed whole, see
    /// `pipeline`).
    pub fn crate_started(&self, krate: String) {
        self.tick();
        self.bar.set_message(krate);
    }

    /// `n` more files analysed.
    pub fn files_done(&self, n: usize) {
        self.tick();
        self.bar.inc(n as u64);
    }

    fn tick(&self) {
        if !self.shown.load(Ordering::Relaxed) && self.started.elapsed() >= self.delay {
            self.show(ProgressDrawTarget::stderr());
        }
    }

    /// Removes the bar before the report is printed.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }

    /// Files done so far.
    pub fn done(&self) -> u64 {
        self.bar.position()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsStr;

    #[test]
    fn only_an_interactive_terminal_outside_ci_gets_a_bar() {
        assert!(wanted(true, None, false));
        assert!(!wanted(false, None, false), "a pipe or a file");
        assert!(!wanted(true, Some(OsStr::new("true")), false), "CI=true");
        assert!(!wanted(true, None, true), "--quiet");
        assert!(wanted(true, Some(OsStr::new("")), false), "CI set empty");
        assert!(wanted(true, Some(OsStr::new("0")), false), "CI=0");
    }

    #[test]
    fn counts_files_and_stays_hidden_before_the_delay() {
        let p = Progress::with_target(Duration::from_secs(3600), ProgressDrawTarget::hidden());
        p.start(3);
        p.crate_started("app".into());
        p.files_done(2);
        assert_eq!(p.done(), 2);
        assert!(!p.shown.load(Ordering::Relaxed));
        p.finish();
    }
}
