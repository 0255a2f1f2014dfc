//! rmw-lint: finds read-modify-write and check-then-act race hazards in Rust
//! source.
//!
//! The pipeline (see ARCHITECTURE.md): [`discover`] the files, read and
//! parse each once ([`pipeline`]), lower every function body to
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
pub mod krate;
pub mod lower;
pub mod pipeline;
pub mod recover;
pub mod report;
pub mod rules;
pub mod source;
pub mod sql;
pub mod suppress;

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
    /// Findings to leave out because a baseline records them.
    pub baseline: Option<Arc<baseline::Baseline>>,
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
        })
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
    // Files grouped by crate (package); files no manifest covers form one
    // crate together.
    let mut crates: std::collections::BTreeMap<Option<PathBuf>, Vec<pipeline::FileJob>> =
        std::collections::BTreeMap::new();
    for input in &inputs {
        let krate = editions.for_file(&input.path);
        crates
            .entry(krate.root.clone())
            .or_default()
            .push(pipeline::FileJob {
                display: input.display.clone(),
                text: pipeline::JobText::Path(input.path.clone()),
                krate,
            });
    }
    if let Some((name, bytes)) = &opts.stdin {
        let krate = editions.for_file(std::path::Path::new(name));
        crates
            .entry(krate.root.clone())
            .or_default()
            .push(pipeline::FileJob {
                display: name.clone(),
                text: pipeline::JobText::Bytes(bytes.clone()),
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
    let results: Vec<FileResult> = pool.install(|| {
        crates
            .par_iter()
            .flat_map_iter(|(root, jobs)| {
                let context = match root {
                    Some(r) if !walked.iter().any(|w| r.starts_with(w)) => {
                        context_jobs(r, jobs, &editions, opts)
                    }
                    _ => Vec::new(),
                };
                pipeline::analyze_crate(jobs, &context, settings)
            })
            .collect()
    });
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
    let p = pipeline::phase1(name, bytes, krate, settings, false);
    let index = krate::CrateIndex::build([&p.schema]);
    pipeline::phase2(p, &index, settings)
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
