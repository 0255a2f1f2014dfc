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
    let firsts: Vec<Phase1> = jobs
        .par_iter()
        .map(|j| phase1_job(j, settings, false))
        .collect();
    let extra: Vec<schema::FileSchema> = context
        .par_iter()
        .map(|j| phase1_job(j, settings, true).schema)
        .collect();
    let index = CrateIndex::build(firsts.iter().map(|p| &p.schema).chain(extra.iter()));
    firsts
        .into_par_iter()
        .map(|p| phase2(p, &index, settings))
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
    if schema_only && !declares_schema(&bytes) {
        return Phase1::error(FileError::new(j.display.clone(), String::new()));
    }
    phase1(&j.display, bytes, &j.krate, settings, schema_only)
}

/// A cheap test before parsing a file only for its declarations.
fn declares_schema(bytes: &[u8]) -> bool {
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
        Ok(Ok((lowered, schema))) => Phase1 {
            result: FileResult {
                source: Some(source),
                ..FileResult::default()
            },
            lowered,
            schema,
        },
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
    let syntax = crate::recover::parse_file(&text).map_err(|e| {
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
    let lowered = crate::lower::items::lower_file(&syntax, &ctx, settings.include_tests);
    Ok((Some((ctx, lowered)), file_schema))
}

/// Resolves a file's functions against its crate's index and runs the rules.
pub fn phase2(p: Phase1, index: &CrateIndex, settings: &Settings) -> FileResult {
    let mut result = p.result;
    let (Some((ctx, mut lowered)), Some(source)) = (p.lowered, result.source.clone()) else {
        return result;
    };
    let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        check_file(&source, &ctx, &mut lowered, index, settings)
    }));
    match run {
        Ok(d) => result.diagnostics = d,
        Err(panic) => result.error = Some(internal_error(&source.path, panic)),
    }
    result
}

fn check_file(
    source: &SourceFile,
    ctx: &FileCtx,
    lowered: &mut Lowered,
    index: &CrateIndex,
    settings: &Settings,
) -> Vec<Diagnostic> {
    let enabled = &settings.enabled;
    let mut findings = Vec::new();
    for f in &mut lowered.functions {
        index.resolve(f);
        findings.extend(rules::check_function(f, source, ctx, enabled));
    }
    let diagnostics = crate::to_diagnostics(findings, source, settings);
    // Suppression comments, and notes for those that suppress nothing.
    let applied = suppress::apply(source, diagnostics, enabled, &lowered.skipped);
    let mut diagnostics = applied.kept;
    diagnostics.extend(crate::to_diagnostics(applied.unused, source, settings));
    crate::sort_diagnostics(&mut diagnostics);
    diagnostics
}
