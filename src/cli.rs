//! The command line: argument parsing (clap) and exit codes. Everything else
//! is the library's.

use crate::fix::FixMode;
use crate::report::human::{self, HumanOptions};
use crate::{lint_with, rules, Options, Settings};
use clap::{Parser, Subcommand, ValueEnum};
use codespan_reporting::term::termcolor::{ColorChoice, StandardStream, WriteColor};
use std::io::{IsTerminal, Read, Write};
use std::path::PathBuf;
use std::sync::Arc;

/// Exit status: no diagnostic at or above `--fail-on`.
pub const EXIT_OK: u8 = 0;
/// Exit status: diagnostics at or above `--fail-on`.
pub const EXIT_FINDINGS: u8 = 1;
/// Exit status: usage or configuration error, or an input that could not be
/// analysed.
pub const EXIT_ERROR: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "rmw-lint",
    version,
    about = "Find read-modify-write and check-then-act race hazards in Rust code",
    long_about = "Find read-modify-write and check-then-act race hazards in Rust code.\n\n\
rmw-lint reads source only: it never compiles, runs build scripts or expands macros, \
so it is safe on untrusted code and fast enough for a pre-commit hook.",
    after_help = "Examples:\n  rmw-lint src/                         lint a directory\n  rmw-lint --fix src/                   apply the safe fixes, report the rest\n  rmw-lint --format json .              one JSON document\n  rmw-lint --write-baseline base.json . record today's findings; then --baseline base.json\n  rmw-lint --format sarif . > out.sarif GitHub code scanning\n  rmw-lint --format github .            GitHub Actions annotations\n  rmw-lint --select atomic-load-store . run one rule\n  cat f.rs | rmw-lint - --stdin-filename src/f.rs\n  rmw-lint rules                        list the rules\n  rmw-lint explain lock-check-then-act  a rule's documentation\n\n\
Exit status: 0 no diagnostic at or above --fail-on, 1 such diagnostics, 2 usage error or an input that could not be analysed.",
    args_conflicts_with_subcommands = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,

    /// Files or directories to lint (`-` reads one file from standard input).
    /// Directories are walked for `*.rs`, honouring .gitignore and .ignore,
    /// skipping hidden entries and `target/`. Default: `.`
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human, visible_alias = "output-format")]
    format: Format,

    /// When to colour human output: `auto` colours only a terminal and
    /// honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, value_name = "WHEN")]
    color: ColorWhen,

    /// Run only these rules (comma-separated ids; see `rmw-lint rules`).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    select: Vec<String>,

    /// Do not run these rules (comma-separated ids).
    #[arg(long, value_delimiter = ',', value_name = "RULE,...")]
    ignore: Vec<String>,

    /// Exit with status 1 when a diagnostic at or above this severity is
    /// found [default: the configuration's `fail-on`, else warning].
    #[arg(long, value_enum, value_name = "SEVERITY")]
    fail_on: Option<FailOn>,

    /// Read the configuration from this file (an `rmw-lint.toml`, or a
    /// `Cargo.toml` with `[package.metadata.rmw-lint]`) instead of
    /// searching the working directory and its ancestors.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Exit with status 0 even when findings are reported (status 2 for
    /// errors stays).
    #[arg(long)]
    exit_zero: bool,

    /// Apply machine-applicable fixes in place, then report what remains.
    #[arg(long)]
    fix: bool,

    /// With --fix or --diff, also apply maybe-incorrect fixes.
    #[arg(long)]
    unsafe_fixes: bool,

    /// Print the fixes as a unified diff instead of writing them (exit
    /// status 1 when there is something to fix).
    #[arg(long)]
    diff: bool,

    /// Report only findings that this baseline file does not record.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Write `// rmw-lint: allow(rule) -- TODO: …` above every current
    /// finding (a reason placeholder to fill in), then exit.
    #[arg(long, conflicts_with_all = ["fix", "diff", "write_baseline"])]
    add_suppressions: bool,

    /// Record today's findings in this baseline file and exit.
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fix", "diff"])]
    write_baseline: Option<PathBuf>,

    /// Also lint test code (`#[test]` functions and `#[cfg(test)]` modules),
    /// which is skipped by default.
    #[arg(long)]
    include_tests: bool,

    /// Number of files analysed in parallel (default: one per core).
    #[arg(long, short = 'j', value_name = "N")]
    jobs: Option<usize>,

    /// Print diagnostics only, without the summary line (human, concise and
    /// github formats) or the progress bar.
    #[arg(long, short = 'q')]
    quiet: bool,

    /// Print a count of diagnostics per rule instead of each diagnostic
    /// (human format).
    #[arg(long)]
    statistics: bool,

    /// The file name to report standard input under (with `-`); also used
    /// to find the crate's edition.
    #[arg(long, value_name = "NAME")]
    stdin_filename: Option<String>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List every rule: id, default severity, summary.
    Rules,
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. `atomic-load-store`.
        rule: String,
    },
    /// Run the language server on standard input and output (for editors).
    Server,
    /// Print a shell completion script (e.g. `rmw-lint completions bash >
    /// ~/.local/share/bash-completion/completions/rmw-lint`).
    Completions {
        /// The shell to complete for.
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    /// rustc-style diagnostics with suggested rewrites.
    Human,
    /// One line per finding: `path:line:col: rule message`.
    Concise,
    /// One JSON document (schema: version 1).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning and SARIF viewers.
    Sarif,
    /// GitHub Actions annotations (workflow commands), then a summary line.
    Github,
    /// rustc's JSON diagnostics, one per line (rust-analyzer's
    /// `check.overrideCommand`).
    #[value(name = "rustc-json")]
    RustcJson,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Note,
    Never,
}

impl FailOn {
    fn setting(self) -> crate::config::FailOn {
        match self {
            FailOn::Error => crate::config::FailOn::Error,
            FailOn::Warning => crate::config::FailOn::Warning,
            FailOn::Note => crate::config::FailOn::Note,
            FailOn::Never => crate::config::FailOn::Never,
        }
    }
}

/// Runs the command line and returns the exit status.
pub fn main() -> u8 {
    main_from(std::env::args_os())
}

/// `cargo rmw-lint [OPTIONS] [PATH]...`: as `rmw-lint`, but without paths
/// it lints every package of the current workspace (found from the
/// `Cargo.toml` files, without running cargo).
pub fn cargo_main() -> u8 {
    let mut args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    // cargo runs `cargo-rmw-lint rmw-lint ARGS…`.
    if args.get(1).is_some_and(|a| a == "rmw-lint") {
        args.remove(1);
    }
    if let Some(a) = args.first_mut() {
        *a = "cargo rmw-lint".into();
    }
    let lints_paths = match Cli::try_parse_from(&args) {
        Ok(cli) => cli.command.is_none() && cli.paths.is_empty(),
        Err(_) => false,
    };
    if lints_paths {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        match crate::workspace::packages(&cwd) {
            Ok(dirs) => args.extend(
                dirs.iter()
                    .map(|d| crate::workspace::relative(d, &cwd).into_os_string()),
            ),
            Err(e) => {
                eprintln!("cargo rmw-lint: error: {e}");
                return EXIT_ERROR;
            }
        }
    }
    main_from(args)
}

/// Runs the command line on `args` (the program name first).
pub fn main_from(args: impl IntoIterator<Item = impl Into<std::ffi::OsString> + Clone>) -> u8 {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { EXIT_ERROR } else { EXIT_OK };
        }
    };
    match run(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("rmw-lint: error: {message}");
            EXIT_ERROR
        }
    }
}

fn run(cli: Cli) -> Result<u8, String> {
    match &cli.command {
        Some(Command::Rules) => {
            let mut out = std::io::stdout().lock();
            for r in rules::RULES {
                let _ = writeln!(
                    out,
                    "{:<22} {:<8} {}",
                    r.id,
                    r.severity.as_str(),
                    r.summary()
                );
            }
            return Ok(EXIT_OK);
        }
        Some(Command::Explain { rule }) => {
            return match rules::rule(rule) {
                Some(r) => {
                    // A terminal gets the Markdown rendered; a pipe or a
                    // file gets the Markdown itself, for tools and pagers
                    // that render it.
                    let stdout = std::io::stdout();
                    let text = if stdout.is_terminal() {
                        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                        crate::rule_docs::render_terminal(r.doc, !no_color)
                    } else {
                        r.doc.to_string()
                    };
                    let _ = stdout.lock().write_all(text.as_bytes());
                    Ok(EXIT_OK)
                }
                None => Err(format!(
                    "unknown rule `{rule}`; valid rules: {}",
                    rules::RULES
                        .iter()
                        .map(|r| r.id)
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
        }
        Some(Command::Completions { shell }) => {
            let mut cmd = <Cli as clap::CommandFactory>::command();
            clap_complete::generate(*shell, &mut cmd, "rmw-lint", &mut std::io::stdout());
            return Ok(EXIT_OK);
        }
        Some(Command::Server) => {
            crate::lsp::run().map_err(|e| format!("language server: {e}"))?;
            return Ok(EXIT_OK);
        }
        None => {}
    }

    let mut paths = cli.paths.clone();
    if paths.is_empty() {
        paths.push(PathBuf::from("."));
    }
    let mut stdin = None;
    if paths.iter().any(|p| p.as_os_str() == "-") {
        paths.retain(|p| p.as_os_str() != "-");
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        let name = cli.stdin_filename.clone().unwrap_or_else(|| "-".into());
        stdin = Some((name, bytes));
    } else if cli.stdin_filename.is_some() {
        return Err("--stdin-filename needs `-` among the paths".into());
    }
    let jobs = match cli.jobs {
        None => 0,
        Some(0) => return Err("--jobs must be at least 1".into()),
        Some(n) if n > crate::JOBS_LIMIT => {
            return Err(format!(
                "--jobs {n} is not a sensible number of threads; give at most {} (rmw-lint uses at most {} here, four per core)",
                crate::JOBS_LIMIT,
                crate::max_jobs()
            ))
        }
        Some(n) if n > crate::max_jobs() => {
            eprintln!(
                "rmw-lint: note: --jobs {n} is more than four threads per core; using {}",
                crate::max_jobs()
            );
            crate::max_jobs()
        }
        Some(n) => n,
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let config = crate::config::load(cli.config.as_deref(), &cwd).map_err(|e| e.to_string())?;
    let baseline = match &cli.baseline {
        Some(p) => Some(Arc::new(
            crate::baseline::Baseline::read(p).map_err(|e| e.to_string())?,
        )),
        None => None,
    };
    let fail_on = cli
        .fail_on
        .map(FailOn::setting)
        .or(config.as_ref().and_then(|c| c.fail_on))
        .unwrap_or(crate::config::FailOn::Warning);
    let stdin_name = stdin.as_ref().map(|(n, _): &(String, Vec<u8>)| n.clone());
    let opts = Options {
        paths,
        stdin,
        include_tests: cli.include_tests,
        jobs,
        select: cli.select.clone(),
        ignore: cli.ignore.clone(),
        config: config.map(Arc::new),
        config_explicit: cli.config.is_some(),
        baseline,
        progress: crate::progress::wanted(
            std::io::stderr().is_terminal(),
            std::env::var_os("CI").as_deref(),
            cli.quiet,
        )
        .then(|| crate::progress::Progress::stderr(crate::progress::DELAY)),
    };
    let settings = Settings::new(&opts).map_err(|e| e.to_string())?;
    let mut outcome = lint_with(&opts, &settings).map_err(|e| e.to_string())?;
    if let (Some(b), 0, Some(path)) = (&opts.baseline, outcome.baselined, &cli.baseline) {
        if let Some(why) = b.mismatch() {
            eprintln!(
                "rmw-lint: warning: the baseline {} matched no finding: {why}",
                crate::discover::display_path(path)
            );
        }
    }
    let failing = |o: &crate::Outcome| {
        !cli.exit_zero
            && fail_on
                .threshold()
                .is_some_and(|t| o.diagnostics.iter().any(|d| d.severity >= t))
    };

    if let Some(path) = &cli.write_baseline {
        let n = crate::baseline::write(path, &outcome.diagnostics).map_err(|e| e.to_string())?;
        eprintln!(
            "rmw-lint: recorded {} in {}",
            crate::report::plural(n, "finding"),
            crate::discover::display_path(path)
        );
        report_errors(&outcome);
        return Ok(if outcome.errors.is_empty() {
            EXIT_OK
        } else {
            EXIT_ERROR
        });
    }
    if cli.add_suppressions {
        let report = crate::suppress_add::run(&outcome, &settings, stdin_name.as_deref());
        if let Some(text) = &report.stdin_text {
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        eprintln!(
            "rmw-lint: added {} in {}",
            crate::report::plural(report.added, "suppression comment"),
            crate::report::plural(report.files, "file")
        );
        outcome.errors.extend(report.errors);
        report_errors(&outcome);
        return Ok(if outcome.errors.is_empty() {
            EXIT_OK
        } else {
            EXIT_ERROR
        });
    }
    if cli.fix || cli.diff {
        let mode = FixMode {
            unsafe_fixes: cli.unsafe_fixes,
            write: !cli.diff,
        };
        let report = crate::fix::run(&mut outcome, &settings, stdin_name.as_deref(), mode);
        if cli.diff {
            let _ = std::io::stdout().write_all(report.diff.as_bytes());
            eprintln!(
                "rmw-lint: {} in {} would be fixed",
                crate::report::plural(report.fixed, "finding"),
                crate::report::plural(report.files, "file")
            );
            report_errors(&outcome);
            return Ok(if !outcome.errors.is_empty() {
                EXIT_ERROR
            } else if report.files > 0 && !cli.exit_zero {
                EXIT_FINDINGS
            } else {
                EXIT_OK
            });
        }
        if let Some(text) = &report.stdin_text {
            // Standard input is fixed onto standard output, as an editor's
            // format-on-save expects.
            let _ = std::io::stdout().write_all(text.as_bytes());
            report_errors(&outcome);
            return Ok(if !outcome.errors.is_empty() {
                EXIT_ERROR
            } else if failing(&outcome) {
                EXIT_FINDINGS
            } else {
                EXIT_OK
            });
        }
        if cli.format != Format::Human {
            eprintln!(
                "rmw-lint: fixed {} in {}, {} remaining",
                crate::report::plural(report.fixed, "finding"),
                crate::report::plural(report.files, "file"),
                outcome.diagnostics.len()
            );
        }
    }

    match cli.format {
        // A closed pipe (`rmw-lint | head`) is not an error of the lint.
        Format::Json => {
            let _ = std::io::stdout().write_all(crate::report::json::render(&outcome).as_bytes());
        }
        Format::Sarif => {
            let _ = std::io::stdout().write_all(crate::report::sarif::render(&outcome).as_bytes());
        }
        Format::Concise => {
            let text = crate::report::concise::render(&outcome, cli.quiet);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Format::Github => {
            let text = crate::report::github::render(&outcome, cli.quiet);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Format::RustcJson => {
            let text = crate::report::rustc_json::render(&outcome);
            let _ = std::io::stdout().write_all(text.as_bytes());
        }
        Format::Human => {
            let choice = color_choice(cli.color);
            let mut out = StandardStream::stdout(choice);
            let opts = HumanOptions {
                quiet: cli.quiet,
                statistics: cli.statistics,
            };
            // A closed pipe (`rmw-lint | head`) is not an error of the lint.
            let _ = human::render(&outcome, &mut out as &mut dyn WriteColor, opts);
            let _ = out.flush();
        }
    }

    if !outcome.errors.is_empty() {
        return Ok(EXIT_ERROR);
    }
    Ok(if failing(&outcome) {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    })
}

/// Files that could not be analysed (or fixed), on standard error, for the
/// modes that print no diagnostics.
fn report_errors(outcome: &crate::Outcome) {
    for e in &outcome.errors {
        eprintln!("rmw-lint: error: {}: {}", e.file, e.message);
    }
}

fn color_choice(when: ColorWhen) -> ColorChoice {
    match when {
        ColorWhen::Always => ColorChoice::Always,
        ColorWhen::Never => ColorChoice::Never,
        ColorWhen::Auto => {
            let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
            if !no_color && std::io::stdout().is_terminal() {
                ColorChoice::Auto
            } else {
                ColorChoice::Never
            }
        }
    }
}
