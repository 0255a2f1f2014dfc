//! The two-phase pipeline, crate by crate.
//!
//! Phase 1 reads, parses and lowers each file of a crate once, in parallel,
//! and reads what the file declares for the whole crate (its schema).
//! The crate-level phase ([`crate::krate`]) merges those facts into the
//! crate's index; phase 2 resolves what lowering left symbolic and runs the
//! rules on each file. Syntax trees never outlive phase 1: only the lowered
//! effects and the text wait for phase 2, and only for one crate at a time.

use crate::diagnostic::Diagnostic;
use crate::edition::CrateInfo;
use crate::krate::summary::{self, FnIndex, FnRef};
use crate::krate::{schema, CrateIndex};
use crate::lower::context::FileCtx;
use crate::lower::items::Lowered;
use crate::source::{SourceFile, Span};
use crate::{rules, suppress, FileError, FileResult, Settings};
use rayon::prelude::*;
use std::path::PathBuf;
use std::sync::Arc;

/// A file to analyse: where its text comes from and its crate.
pub struct FileJob {
    pub display: String,
    pub text: JobText,
    pub krate: CrateInfo,
}

pub enum JobText {
    Path(PathBuf),
    Bytes(Vec<u8>),
}

/// What phase 1 knows about one file.
pub struct Phase1 {
    /// The file's text, or why it could not be analysed.
    pub result: FileResult,
    pub lowered: Option<(FileCtx, Lowered)>,
    pub schema: schema::FileSchema,
}

impl Phase1 {
    fn error(e: FileError) -> Phase1 {
        Phase1 {
            result: FileResult::error(e),
            lowered: None,
            schema: schema::FileSchema::default(),
        }
    }
}

/// Analyses the files of one crate. `context` are the crate's other files,
/// read only for what they declare (their findings are not reported).
pub fn analyze_crate(
    jobs: &[FileJob],
    context: &[FileJob],
    settings: &Settings,
) -> Vec<FileResult> {
    let reported = jobs.len();
    let mut firsts: Vec<Phase1> = jobs
        .par_iter()
        .map(|j| phase1_job(j, settings, false))
        .chain(context.par_iter().map(|j| {
            // Other files of a database crate are lowered for summaries;
            // the rest only for what they declare.
            phase1_job(j, settings, !j.krate.orms.sql)
        }))
        .collect();
    let index = CrateIndex::build(firsts.iter().map(|p| &p.schema));
    firsts.par_iter_mut().for_each(|p| {
        if let Some((_, l)) = &mut p.lowered {
            for f in &mut l.functions {
                index.resolve(f);
            }
        }
    });
    let fns = {
        let files: Vec<(Option<&SourceFile>, &[crate::lower::effects::FnFacts])> = firsts
            .iter()
            .map(|p| {
                (
                    p.result.source.as_deref(),
                    p.lowered
                        .as_ref()
                        .map(|(_, l)| l.functions.as_slice())
                        .unwrap_or(&[]),
                )
            })
            .collect();
        FnIndex::build(&files)
    };
    firsts.truncate(reported);
    firsts
        .into_par_iter()
        .enumerate()
        .map(|(i, p)| phase2(p, i, &fns, settings))
        .collect()
}

fn phase1_job(j: &FileJob, settings: &Settings, schema_only: bool) -> Phase1 {
    let bytes = match &j.text {
        JobText::Bytes(b) => b.clone(),
        JobText::Path(p) => match std::fs::read(p) {
            Ok(b) => b,
            Err(e) => {
                return Phase1::error(FileError::new(
                    j.display.clone(),
                    format!("cannot read this file: {e}; check that it exists and is readable"),
                ))
            }
        },
    };
    if schema_only && !declares_schema(&bytes) && !j.krate.orms.sql {
        return Phase1::error(FileError::new(j.display.clone(), String::new()));
    }
    phase1(&j.display, bytes, &j.krate, settings, schema_only)
}

/// A cheap test before parsing a file only for its declarations.
pub fn declares_schema(bytes: &[u8]) -> bool {
    ["table!", "table_name", "Entity as", "::Entity;"]
        .iter()
        .any(|k| memchr::memmem::find(bytes, k.as_bytes()).is_some())
}

/// Decodes, parses and lowers one file, and reads its schema facts.
pub fn phase1(
    name: &str,
    bytes: Vec<u8>,
    krate: &CrateInfo,
    settings: &Settings,
    schema_only: bool,
) -> Phase1 {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let at = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
            let src = SourceFile::new(name.to_string(), prefix);
            let pos = src.position(at);
            return Phase1::error(FileError {
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
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        lower_source(&source, krate, settings, schema_only)
    }));
    // Spans of this file are no longer needed; free proc-macro2's map of them.
    proc_macro2::extra::invalidate_current_thread_spans();
    match outcome {
        Ok(Ok((lowered, schema))) => {
            let notes = lowered
                .as_ref()
                .map(|(ctx, _)| refused(ctx, &source))
                .unwrap_or_default();
            Phase1 {
                result: FileResult {
                    source: Some(source),
                    notes,
                    ..FileResult::default()
                },
                lowered,
                schema,
            }
        }
        Ok(Err(error)) => Phase1 {
            result: FileResult {
                error: Some(error),
                source: Some(source),
                ..FileResult::default()
            },
            lowered: None,
            schema: schema::FileSchema::default(),
        },
        Err(panic) => Phase1::error(internal_error(name, panic)),
    }
}

/// Inputs the file names that were refused (`query_file!` outside the
/// crate), as errors at the path literal.
fn refused(ctx: &FileCtx, source: &SourceFile) -> Vec<FileError> {
    let mut refused = std::mem::take(&mut *ctx.refused.lock().unwrap_or_else(|p| p.into_inner()));
    refused.sort_by_key(|(r, _)| (r.start, r.end));
    refused.dedup_by(|a, b| a.0 == b.0);
    refused
        .into_iter()
        .map(|(r, message)| FileError {
            file: source.path.clone(),
            message,
            span: Some(source.span(r)),
        })
        .collect()
}

fn internal_error(name: &str, panic: Box<dyn std::any::Any + Send>) -> FileError {
    let what = panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_default();
    FileError::new(
        name.to_string(),
        format!("internal error while analysing this file ({what}); please report it with the file attached"),
    )
}

type Lowering = (Option<(FileCtx, Lowered)>, schema::FileSchema);

/// Parses one decoded file and lowers its functions.
fn lower_source(
    source: &SourceFile,
    krate: &CrateInfo,
    settings: &Settings,
    schema_only: bool,
) -> Result<Lowering, FileError> {
    let text = crate::parser_text(&source.text);
    if let Some(at) = crate::depth::too_deep(&text, crate::depth::MAX_DEPTH) {
        return Err(FileError {
            file: source.path.clone(),
            message: format!(
                "nesting deeper than {} levels; not analysed (rmw-lint bounds the depth it reads so that no file can exhaust its stack)",
                crate::depth::MAX_DEPTH
            ),
            span: Some(source.span(at..at)),
        });
    }
    let syntax = syn::parse_file(&text).map_err(|e| {
        let r = e.span().byte_range();
        FileError {
            file: source.path.clone(),
            message: format!("could not parse this file: {e}; fix the syntax error (rmw-lint reads the file as Rust source)"),
            span: Some(source.span(r)),
        }
    })?;
    let module = schema::module_of_path(&source.path);
    let file_schema = schema::read(&syntax, &module);
    if schema_only || (!settings.include_tests && crate::is_test_target(&source.path)) {
        return Ok((None, file_schema));
    }
    let mut ctx = FileCtx::new(&syntax, krate.edition, krate.root.clone(), settings.dialect);
    ctx.module = module;
    ctx.orms = krate.orms;
    ctx.budget = crate::budget::Budget::for_file(text.len());
    let lowered = crate::lower::items::lower_file(&syntax, &ctx, settings.include_tests);
    Ok((Some((ctx, lowered)), file_schema))
}

/// Runs the rules on a file whose functions are resolved against their
/// crate's index, with calls to summarised functions spliced in.
pub fn phase2(p: Phase1, file: usize, fns: &FnIndex, settings: &Settings) -> FileResult {
    let mut result = p.result;
    let (Some((ctx, mut lowered)), Some(source)) = (p.lowered, result.source.clone()) else {
        return result;
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_file(&source, &ctx, &mut lowered, file, fns, settings)
    }));
    match run {
        Ok(_) if ctx.budget.expired() => {
            result.error = Some(FileError::new(
                source.path.clone(),
                format!(
                    "analysing this file took longer than {} s; not analysed (please report it with the file attached)",
                    ctx.budget.allowed.as_secs()
                ),
            ))
        }
        Ok(d) => result.diagnostics = d,
        Err(panic) => result.error = Some(internal_error(&source.path, panic)),
    }
    result
}

fn check_file(
    source: &SourceFile,
    ctx: &FileCtx,
    lowered: &mut Lowered,
    file: usize,
    fns: &FnIndex,
    settings: &Settings,
) -> Vec<Diagnostic> {
    // Less the file's `per-file-ignores`.
    let enabled = &*settings.enabled_for(&source.path);
    let mut findings = Vec::new();
    for (func, f) in lowered.functions.iter_mut().enumerate() {
        if ctx.budget.expired() {
            break;
        }
        let spliced = summary::splice(f, FnRef { file, func }, fns);
        let mut found = rules::check_function(f, source, ctx, enabled);
        // Say what each call stands for: the statement inside the callee.
        for finding in &mut found {
            for s in &spliced {
                let at_call =
                    finding.primary == s.call || finding.labels.iter().any(|(r, _)| *r == s.call);
                if at_call && !finding.notes.contains(&s.note) {
                    finding.notes.push(s.note.clone());
                }
            }
        }
        findings.extend(found);
    }
    let diagnostics = crate::to_diagnostics(findings, source, settings);
    // Suppression comments, and notes for those that suppress nothing.
    let applied = suppress::apply(source, diagnostics, enabled, &lowered.skipped);
    let mut diagnostics = applied.kept;
    diagnostics.extend(crate::to_diagnostics(applied.unused, source, settings));
    crate::sort_diagnostics(&mut diagnostics);
    diagnostics
}
