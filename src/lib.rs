//! rmw-lint: finds read-modify-write and check-then-act race hazards in Rust
//! source.
//!
//! The pipeline (see ARCHITECTURE.md): [`discover`] the files, read and
//! parse each once ([`analyze_source`]), lower every function body to
//! effects ([`lower`]), run the [`rules`], and hand the sorted
//! [`diagnostic::Diagnostic`]s to a [`report`] format. Files are analysed in
//! parallel; output does not depend on the number of threads.

pub mod baseline;
pub mod cli;
pub mod config;
pub mod diagnostic;
pub mod discover;
pub mod edition;
pub mod fix;
pub mod hierarchy;
pub mod lower;
pub mod lsp;
pub mod per_file;
pub mod progress;
pub mod report;
pub mod rule_docs;
pub mod rules;
pub mod source;
pub mod sql;
pub mod suppress;
pub mod suppress_add;
pub mod workspace;

use diagnostic::{Diagnostic, Severity};
use lower::context::FileCtx;
use rayon::prelude::*;
use serde::Serialize;
use source::{SourceFile, Span};
use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

/// Stack for worker threads: syntax trees of deeply nested input are walked
/// recursively (by syn and by the lowering), so threads get far more stack
/// than they normally need. Only the pages touched are ever committed.
pub const WORKER_STACK: usize = 1 << 30;

/// A file that could not be analysed, and why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FileError {
    pub file: String,
    pub message: String,
    pub span: Option<Span>,
}

impl FileError {
    pub fn new(file: String, message: String) -> FileError {
        FileError {
            file,
            message,
            span: None,
        }
    }
}

/// What to lint and how.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub paths: Vec<PathBuf>,
    /// Standard input's text and the name to report it under.
    pub stdin: Option<(String, Vec<u8>)>,
    pub include_tests: bool,
    /// Worker threads; 0 = one per core.
    pub jobs: usize,
    /// Rule ids to run (all of them when empty), then those to leave out.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    /// The configuration in effect (`rmw-lint.toml`, `Cargo.toml` metadata).
    pub config: Option<Arc<config::Config>>,
    /// `config` was named with `--config`: it applies to every file,
    /// instead of each file's nearest configuration ([`hierarchy`]).
    pub config_explicit: bool,
    /// Findings to leave out because a baseline records them.
    pub baseline: Option<Arc<baseline::Baseline>>,
    /// Where to report files done (the terminal's progress bar).
    pub progress: Option<progress::Progress>,
}

/// What the analysis of each file needs to know about the run.
#[derive(Debug, Default, Clone)]
pub struct Settings {
    pub enabled: HashSet<&'static str>,
    /// Severities set by the configuration's `[rules]`.
    pub severities: HashMap<&'static str, Severity>,
    pub include_tests: bool,
    /// The configuration's `dialect`, when not `auto`.
    pub dialect: Option<sql::Dialect>,
    pub baseline: Option<Arc<baseline::Baseline>>,
    /// The configuration's `per-file-ignores`.
    pub per_file_ignores: per_file::PerFileIgnores,
    /// Other configurations below the run's, for the files they cover.
    pub hierarchy: Option<Arc<hierarchy::Hierarchy>>,
}

impl Settings {
    pub fn new(opts: &Options) -> Result<Settings, UsageError> {
        let levels = opts.config.as_ref().map(|c| &c.rules);
        let mut enabled = enabled_rules(&opts.select, &opts.ignore)?;
        // `off` in the configuration, unless the command line selects the
        // rule by name.
        if let Some(levels) = levels {
            enabled
                .retain(|id| levels.get(*id) != Some(&None) || opts.select.iter().any(|s| s == id));
        }
        let severities = levels
            .map(|l| {
                l.iter()
                    .filter_map(|(id, sev)| Some((rules::rule(id)?.id, (*sev)?)))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Settings {
            enabled,
            severities,
            include_tests: opts.include_tests,
            dialect: opts.config.as_ref().and_then(|c| c.dialect),
            baseline: opts.baseline.clone(),
            per_file_ignores: opts
                .config
                .as_ref()
                .map(|c| c.per_file_ignores.clone())
                .unwrap_or_default(),
            hierarchy: (!opts.config_explicit).then(|| Arc::new(hierarchy::Hierarchy::new(opts))),
        })
    }

    /// The settings of another configuration when `file` is under one
    /// ([`hierarchy`]); `None` when these apply.
    pub fn for_file(&self, file: &std::path::Path) -> Result<Option<Arc<Settings>>, String> {
        match &self.hierarchy {
            Some(h) => h.for_file(file),
            None => Ok(None),
        }
    }

    /// The rules that run on `file`: the enabled ones less its
    /// `per-file-ignores`.
    pub fn enabled_for(&self, file: &str) -> std::borrow::Cow<'_, HashSet<&'static str>> {
        let ignored = self.per_file_ignores.rules_for(file);
        if ignored.is_empty() {
            return std::borrow::Cow::Borrowed(&self.enabled);
        }
        std::borrow::Cow::Owned(
            self.enabled
                .iter()
                .copied()
                .filter(|r| !ignored.contains(r))
                .collect(),
        )
    }

    /// Diagnostics that the baseline does not record.
    pub fn filter_baselined(&self, diagnostics: Vec<Diagnostic>) -> Vec<Diagnostic> {
        match &self.baseline {
            Some(b) => diagnostics.into_iter().filter(|d| !b.contains(d)).collect(),
            None => diagnostics,
        }
    }
}

/// The result of a run.
#[derive(Debug, Default)]
pub struct Outcome {
    pub files: usize,
    pub diagnostics: Vec<Diagnostic>,
    pub errors: Vec<FileError>,
    /// The text of every file with a diagnostic or an error, for rendering.
    pub sources: HashMap<String, Arc<SourceFile>>,
    /// Diagnostics left out because the baseline records them.
    pub baselined: usize,
    /// Suggestions applied by `--fix`.
    pub fixed: usize,
}

/// A problem with the options themselves (exit status 2).
#[derive(Debug, thiserror::Error)]
pub enum UsageError {
    #[error("unknown rule `{0}` in --{1}; valid rules: {2}")]
    UnknownRule(String, &'static str, String),
    #[error("cannot start {0} worker threads: {1}")]
    Threads(usize, String),
}

/// The set of rules a run enables.
pub fn enabled_rules(
    select: &[String],
    ignore: &[String],
) -> Result<HashSet<&'static str>, UsageError> {
    let all = || {
        rules::RULES
            .iter()
            .map(|r| r.id)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let check = |ids: &[String], flag: &'static str| -> Result<(), UsageError> {
        for id in ids {
            if rules::rule(id).is_none() {
                return Err(UsageError::UnknownRule(id.clone(), flag, all()));
            }
        }
        Ok(())
    };
    check(select, "select")?;
    check(ignore, "ignore")?;
    Ok(rules::RULES
        .iter()
        .map(|r| r.id)
        .filter(|id| select.is_empty() || select.iter().any(|s| s == id))
        .filter(|id| !ignore.iter().any(|s| s == id))
        .collect())
}

/// Runs the whole pipeline.
pub fn lint(opts: &Options) -> Result<Outcome, UsageError> {
    let settings = Settings::new(opts)?;
    lint_with(opts, &settings)
}

/// Runs the whole pipeline with settings already made from `opts`.
pub fn lint_with(opts: &Options, settings: &Settings) -> Result<Outcome, UsageError> {
    let (inputs, mut errors) = discover::discover(&opts.paths, opts.config.as_deref());
    let jobs = if opts.jobs == 0 {
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    } else {
        opts.jobs
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| UsageError::Threads(jobs, e.to_string()))?;
    let editions = edition::EditionCache::default();
    let stdin_job = opts.stdin.as_ref().map(|(name, bytes)| {
        let krate = editions.for_file(std::path::Path::new(name));
        (name.clone(), bytes.clone(), krate)
    });
    if let Some(p) = &opts.progress {
        p.start(inputs.len());
    }
    let results: Vec<FileResult> = pool.install(|| {
        let mut results: Vec<FileResult> = inputs
            .par_iter()
            .map(|input| {
                let bytes = match std::fs::read(&input.path) {
                    Ok(b) => b,
                    Err(e) => {
                        return FileResult::error(FileError::new(
                            input.display.clone(),
                            format!(
                                "cannot read this file: {e}; check that it exists and is readable"
                            ),
                        ))
                    }
                };
                let krate = editions.for_file(&input.path);
                let nested = match settings.for_file(&input.path) {
                    Ok(n) => n,
                    Err(e) => return FileResult::error(FileError::new(input.display.clone(), e)),
                };
                let settings = nested.as_deref().unwrap_or(settings);
                let result = analyze_bytes(&input.display, bytes, &krate, settings);
                if let Some(p) = &opts.progress {
                    p.file_done(&krate.name());
                }
                result
            })
            .collect();
        if let Some((name, bytes, krate)) = stdin_job {
            let nested = settings.for_file(std::path::Path::new(&name));
            results.push(match nested {
                Ok(n) => analyze_bytes(&name, bytes, &krate, n.as_deref().unwrap_or(settings)),
                Err(e) => FileResult::error(FileError::new(name.clone(), e)),
            });
        }
        results
    });
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let mut outcome = Outcome {
        files: results.len(),
        ..Outcome::default()
    };
    for r in results {
        let keep_source =
            !r.diagnostics.is_empty() || r.error.as_ref().is_some_and(|e| e.span.is_some());
        if let (true, Some(src)) = (keep_source, &r.source) {
            outcome.sources.insert(src.path.clone(), src.clone());
        }
        errors.extend(r.error);
        let before = r.diagnostics.len();
        let kept = settings.filter_baselined(r.diagnostics);
        outcome.baselined += before - kept.len();
        outcome.diagnostics.extend(kept);
    }
    sort_diagnostics(&mut outcome.diagnostics);
    errors.sort_by(|a, b| a.file.cmp(&b.file).then(a.span.cmp(&b.span)));
    outcome.errors = errors;
    Ok(outcome)
}

/// Diagnostics in output order: file, line, column, rule.
pub fn sort_diagnostics(d: &mut [Diagnostic]) {
    d.sort_by(|a, b| {
        (
            a.file.as_str(),
            a.span.start.line,
            a.span.start.column,
            a.rule,
            &a.message,
        )
            .cmp(&(
                b.file.as_str(),
                b.span.start.line,
                b.span.start.column,
                b.rule,
                &b.message,
            ))
    });
}

/// One file's diagnostics, or the reason it could not be analysed.
#[derive(Debug, Default)]
pub struct FileResult {
    pub diagnostics: Vec<Diagnostic>,
    pub error: Option<FileError>,
    pub source: Option<Arc<SourceFile>>,
}

impl FileResult {
    fn error(e: FileError) -> FileResult {
        FileResult {
            error: Some(e),
            ..FileResult::default()
        }
    }
}

/// Decodes and analyses one file's bytes.
pub fn analyze_bytes(
    name: &str,
    bytes: Vec<u8>,
    krate: &edition::CrateInfo,
    settings: &Settings,
) -> FileResult {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let src = SourceFile::new(name.to_string(), prefix);
            let pos = src.position(at);
            return FileResult::error(FileError {
                file: name.to_string(),
                message: format!(
                    "not valid UTF-8 (invalid byte at line {}, column {}); rmw-lint reads UTF-8 source files only",
                    pos.line, pos.column
                ),
                span: Some(Span { start: pos, end: pos }),
            });
        }
    };
    let source = Arc::new(SourceFile::new(name.to_string(), text));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        analyze_source(&source, krate, settings)
    }));
    // Spans of this file are no longer needed; free proc-macro2's map of them.
    proc_macro2::extra::invalidate_current_thread_spans();
    match result {
        Ok(Ok(diagnostics)) => FileResult {
            diagnostics,
            error: None,
            source: Some(source),
        },
        Ok(Err(error)) => FileResult {
            diagnostics: Vec::new(),
            error: Some(error),
            source: Some(source),
        },
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            FileResult::error(FileError::new(
                name.to_string(),
                format!("internal error while analysing this file ({what}); please report it with the file attached"),
            ))
        }
    }
}

/// The text handed to the parser: a byte order mark and a `#!` line are
/// blanked out with spaces, so that every byte offset still matches the
/// original file.
fn parser_text(text: &str) -> std::borrow::Cow<'_, str> {
    let bom = text.starts_with('\u{feff}');
    let body = if bom { &text[3..] } else { text };
    let shebang = body.starts_with("#!") && !body[2..].trim_start().starts_with('[');
    if !bom && !shebang {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    if bom {
        out.push_str("   ");
    }
    if shebang {
        let end = body.find('\n').unwrap_or(body.len());
        out.extend(std::iter::repeat_n(' ', end));
        out.push_str(&body[end..]);
    } else {
        out.push_str(body);
    }
    std::borrow::Cow::Owned(out)
}

/// Whether a file belongs to a crate's integration tests or benchmarks
/// (`tests/`, `benches/`), which cargo builds only for `cargo test` /
/// `cargo bench`: test code, skipped unless `--include-tests`.
pub fn is_test_target(path: &str) -> bool {
    path.split('/')
        .rev()
        .skip(1)
        .any(|c| c == "tests" || c == "benches")
}

/// Parses and analyses one decoded file.
pub fn analyze_source(
    source: &SourceFile,
    krate: &edition::CrateInfo,
    settings: &Settings,
) -> Result<Vec<Diagnostic>, FileError> {
    let include_tests = settings.include_tests;
    let enabled = &*settings.enabled_for(&source.path);
    let text = parser_text(&source.text);
    let syntax = syn::parse_file(&text).map_err(|e| {
        let r = e.span().byte_range();
        FileError {
            file: source.path.clone(),
            message: format!("could not parse this file: {e}; fix the syntax error (rmw-lint reads the file as Rust source)"),
            span: Some(source.span(r)),
        }
    })?;
    let ctx = FileCtx::new(&syntax, krate.edition, krate.root.clone(), settings.dialect);
    if !include_tests && is_test_target(&source.path) {
        return Ok(Vec::new());
    }
    let lowered = lower::items::lower_file(&syntax, &ctx, include_tests);
    let mut findings = Vec::new();
    for f in &lowered.functions {
        findings.extend(rules::check_function(f, source, &ctx, enabled));
    }
    let diagnostics = to_diagnostics(findings, source, settings);
    // Suppression comments, and notes for those that suppress nothing.
    let applied = suppress::apply(source, diagnostics, enabled, &lowered.skipped);
    let mut diagnostics = applied.kept;
    diagnostics.extend(to_diagnostics(applied.unused, source, settings));
    sort_diagnostics(&mut diagnostics);
    Ok(diagnostics)
}

/// Findings placed in their file, with severities (the configuration's,
/// else the rule's) and fingerprints.
fn to_diagnostics(
    mut findings: Vec<diagnostic::Finding>,
    source: &SourceFile,
    settings: &Settings,
) -> Vec<Diagnostic> {
    findings.sort_by_key(|f| (f.primary.start, f.rule));
    let mut seen: HashMap<String, usize> = HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let key = diagnostic::fingerprint_key(&f, source);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            let severity = settings
                .severities
                .get(f.rule)
                .copied()
                .or(f.severity)
                .or_else(|| rules::rule(f.rule).map(|r| r.severity))
                .unwrap_or(Severity::Warning);
            Diagnostic::from_finding(f, severity, source, *n - 1)
        })
        .collect()
}
