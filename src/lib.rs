//! rmw-lint: finds read-modify-write and check-then-act race hazards in Rust
//! source.
//!
//! The pipeline (see ARCHITECTURE.md): [`discover`] the files, read and
//! parse each once ([`pipeline`]), lower every function body to
//! effects ([`lower`]), run the [`rules`], and hand the sorted
//! [`diagnostic::Diagnostic`]s to a [`report`] format. Files are analysed in
//! parallel; output does not depend on the number of threads.

pub mod baseline;
pub mod budget;
pub mod cli;
pub mod config;
pub mod depth;
pub mod diagnostic;
pub mod discover;
pub mod edition;
pub mod fix;
pub mod hierarchy;
pub mod krate;
pub mod lower;
pub mod lsp;
pub mod per_file;
pub mod pipeline;
pub mod progress;
pub mod query_file;
pub mod report;
pub mod rule_docs;
pub mod rules;
pub mod source;
pub mod sql;
pub mod suppress;
pub mod suppress_add;
pub mod workspace;

use diagnostic::{Diagnostic, Severity};
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

/// The most threads `--jobs` accepts at all; more is a usage error.
pub const JOBS_LIMIT: usize = 1024;

/// The most worker threads used: four per core. Each reserves a large
/// stack ([`WORKER_STACK`]), so thousands of them could exhaust the
/// address space or the memory of the machine.
pub fn max_jobs() -> usize {
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    (cores * 4).min(JOBS_LIMIT)
}

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
        opts.jobs.min(max_jobs())
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .stack_size(WORKER_STACK)
        .build()
        .map_err(|e| UsageError::Threads(jobs, e.to_string()))?;
    let editions = edition::EditionCache::default();
    // Files grouped by crate (package), and within a crate by the
    // configuration nearest to them ([`hierarchy`]); files no manifest
    // covers form one crate together.
    let mut crates: std::collections::BTreeMap<(Option<PathBuf>, usize), CrateGroup> =
        std::collections::BTreeMap::new();
    let mut unconfigured = Vec::new();
    let named = inputs
        .iter()
        .map(|i| (i.display.clone(), pipeline::JobText::Path(i.path.clone())));
    let stdin = opts
        .stdin
        .iter()
        .map(|(name, bytes)| (name.clone(), pipeline::JobText::Bytes(bytes.clone())));
    for (display, text) in named.chain(stdin) {
        let path = match &text {
            pipeline::JobText::Path(p) => p.clone(),
            pipeline::JobText::Bytes(_) => PathBuf::from(&display),
        };
        let nested = match settings.for_file(&path) {
            Ok(n) => n,
            Err(e) => {
                unconfigured.push(FileResult::error(FileError::new(display, e)));
                continue;
            }
        };
        let krate = editions.for_file(&path);
        let key = (
            krate.root.clone(),
            nested.as_ref().map_or(0, |n| Arc::as_ptr(n) as usize),
        );
        let group = crates.entry(key).or_insert_with(|| CrateGroup {
            settings: nested,
            jobs: Vec::new(),
        });
        group.jobs.push(pipeline::FileJob {
            display,
            text,
            krate,
        });
    }
    // A crate only partly named on the command line (pre-commit passes the
    // changed files) is read in full for what its other files declare.
    let walked: Vec<PathBuf> = opts
        .paths
        .iter()
        .filter(|p| p.is_dir())
        .filter_map(|p| std::fs::canonicalize(p).ok())
        .collect();
    if let Some(p) = &opts.progress {
        p.start(crates.values().map(|g| g.jobs.len()).sum());
    }
    let mut results: Vec<FileResult> = pool.install(|| {
        crates
            .par_iter()
            .flat_map_iter(|((root, _), group)| {
                let jobs = &group.jobs;
                if let Some(p) = &opts.progress {
                    p.crate_started(jobs.first().map(|j| j.krate.name()).unwrap_or_default());
                }
                let context = match root {
                    Some(r) if !walked.iter().any(|w| r.starts_with(w)) => {
                        context_jobs(r, jobs, &editions, opts)
                    }
                    _ => Vec::new(),
                };
                let settings = group.settings.as_deref().unwrap_or(settings);
                let results = pipeline::analyze_crate(jobs, &context, settings);
                if let Some(p) = &opts.progress {
                    p.files_done(results.len());
                }
                results
            })
            .collect()
    });
    results.extend(unconfigured);
    if let Some(p) = &opts.progress {
        p.finish();
    }
    let mut outcome = Outcome {
        files: results.len(),
        ..Outcome::default()
    };
    for r in results {
        let keep_source = !r.diagnostics.is_empty()
            || r.error.as_ref().is_some_and(|e| e.span.is_some())
            || !r.notes.is_empty();
        if let (true, Some(src)) = (keep_source, &r.source) {
            outcome.sources.insert(src.path.clone(), src.clone());
        }
        errors.extend(r.error);
        errors.extend(r.notes);
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

/// The files of the crate at `root` that are not among `jobs`.
fn context_jobs(
    root: &std::path::Path,
    jobs: &[pipeline::FileJob],
    editions: &edition::EditionCache,
    opts: &Options,
) -> Vec<pipeline::FileJob> {
    let named: HashSet<PathBuf> = jobs
        .iter()
        .filter_map(|j| match &j.text {
            pipeline::JobText::Path(p) => std::fs::canonicalize(p).ok(),
            pipeline::JobText::Bytes(_) => None,
        })
        .collect();
    let (all, _) = discover::discover(&[root.to_path_buf()], opts.config.as_deref());
    all.into_iter()
        .filter(|i| {
            std::fs::canonicalize(&i.path).is_ok_and(|c| !named.contains(&c))
                && editions.for_file(&i.path).root.as_deref() == Some(root)
        })
        .map(|i| pipeline::FileJob {
            krate: editions.for_file(&i.path),
            display: i.display,
            text: pipeline::JobText::Path(i.path),
        })
        .collect()
}

/// The files of one crate under one configuration.
struct CrateGroup {
    /// `None`: the run's settings.
    settings: Option<Arc<Settings>>,
    jobs: Vec<pipeline::FileJob>,
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
    /// Inputs the file names that were refused (`query_file!` outside the
    /// crate): reported as errors beside the file's diagnostics.
    pub notes: Vec<FileError>,
    pub source: Option<Arc<SourceFile>>,
}

impl FileResult {
    pub(crate) fn error(e: FileError) -> FileResult {
        FileResult {
            error: Some(e),
            ..FileResult::default()
        }
    }
}

/// Decodes and analyses one file's bytes on its own (its crate's other
/// files unread), as `--fix` does to check a fixed file.
pub fn analyze_bytes(
    name: &str,
    bytes: Vec<u8>,
    krate: &edition::CrateInfo,
    settings: &Settings,
) -> FileResult {
    let mut p = pipeline::phase1(name, bytes, krate, settings, false);
    let index = krate::CrateIndex::build([&p.schema]);
    if let Some((_, l)) = &mut p.lowered {
        for f in &mut l.functions {
            index.resolve(f);
        }
    }
    let fns = {
        let functions = p
            .lowered
            .as_ref()
            .map(|(_, l)| l.functions.as_slice())
            .unwrap_or(&[]);
        krate::summary::FnIndex::build(&[(p.result.source.as_deref(), functions)])
    };
    pipeline::phase2(p, 0, &fns, settings)
}

/// The text handed to the parser: a byte order mark and a `#!` line are
/// blanked out with spaces, so that every byte offset still matches the
/// original file.
pub(crate) fn parser_text(text: &str) -> std::borrow::Cow<'_, str> {
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

/// Findings placed in their file, with severities (the configuration's,
/// else the rule's) and fingerprints.
pub(crate) fn to_diagnostics(
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
