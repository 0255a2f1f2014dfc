//! The machine-readable formats: `json`, `sarif`, `github`, `rustc-json`.
//!
//! Golden files under `tests/golden/` hold each format's output for the same
//! inputs (regenerate with `BLESS=1 cargo test --test formats`); the other
//! tests check what readers rely on: SARIF against the published 2.1.0
//! schema, rustc JSON through the type rust-analyzer parses it into, the
//! GitHub annotations line by line, and the exit codes of every format.

use cargo_metadata::diagnostic::{
    Applicability as RaApplicability, Diagnostic as RaDiagnostic, DiagnosticLevel, DiagnosticSpan,
};
mod common;

use common::{assert_valid_sarif, sarif_validator, CLEAN, HAZARD, LOCKS};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Inputs of the golden files: fixtures of four rules that between them have
/// machine-applicable, maybe-incorrect (insertions, several edits) and manual
/// suggestions, multi-line labels and a note-level finding; a file with
/// non-ASCII text and a tab before a finding; and a file that does not parse.
/// The two files under `tests/` need `--include-tests` to be linted (cargo's
/// test directories are test code); the fixtures have no test code.
const GOLDEN_INPUTS: &[&str] = &[
    "test-fixtures/atomic-load-store/spawned.rs",
    "test-fixtures/select-then-update/tokio_postgres.rs",
    "test-fixtures/redis-get-then-set/cmd_and_pipe.rs",
    "test-fixtures/static-flag-lock/cas_note.rs",
    "tests/data/formats/unicode.rs",
    "tests/data/formats/syntax_error.rs",
];

const FORMATS: &[&str] = &["human", "json", "sarif", "github", "rustc-json"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(dir: &Path, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_rmw-lint"));
    c.env_remove("NO_COLOR");
    c.current_dir(dir)
        .args(args)
        .output()
        .expect("rmw-lint runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("output is UTF-8")
}

fn write(dir: &Path, name: &str, text: impl AsRef<[u8]>) {
    let p = dir.join(name);
    if let Some(parent) = p.parent() {
        std::fs::create_dir_all(parent).expect("mkdir");
    }
    std::fs::write(p, text).expect("write file");
}

/// Runs one format over the golden inputs from the repository root, as a
/// user would from their checkout.
fn golden_run(format: &str) -> Output {
    let mut args = vec!["--format", format, "--include-tests", "--jobs", "1"];
    args.extend(GOLDEN_INPUTS);
    run(&root(), &args)
}

/// Makes output machine- and release-independent: the checkout's absolute
/// path (plain and as a `file://` URI) and the crate version.
fn normalise(text: &str) -> String {
    let root = root().display().to_string();
    let version = format!("\"version\": \"{}\"", env!("CARGO_PKG_VERSION"));
    text.replace(&format!("file://{root}/"), "file://$ROOT/")
        .replace(&format!("{root}/"), "$ROOT/")
        .replace(&version, "\"version\": \"$VERSION\"")
}

fn check_golden(format: &str, name: &str) {
    let out = golden_run(format);
    assert_eq!(
        out.status.code(),
        Some(2),
        "a syntax error in the inputs exits 2 in --format {format}"
    );
    let actual = normalise(&stdout(&out));
    let path = root().join("tests/golden").join(name);
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} missing (BLESS=1 to create)", path.display()));
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(a, b)| a != b)
            .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
        panic!(
            "--format {format} differs from {} at line {} (BLESS=1 to accept)\n--- expected\n{}\n--- actual\n{}",
            path.display(),
            line + 1,
            expected.lines().nth(line).unwrap_or("<end>"),
            actual.lines().nth(line).unwrap_or("<end>"),
        );
    }
}

#[test]
fn golden_json() {
    check_golden("json", "formats.json");
}

#[test]
fn golden_sarif() {
    check_golden("sarif", "formats.sarif");
}

#[test]
fn golden_github() {
    check_golden("github", "formats.github");
}

#[test]
fn golden_rustc_json() {
    check_golden("rustc-json", "formats.rustc-json");
}

/// The `--format json` document of the golden inputs: the model the other
/// formats are checked against.
fn json_model() -> Value {
    serde_json::from_str(&stdout(&golden_run("json"))).expect("one JSON document")
}

#[test]
fn sarif_matches_the_schema_and_the_diagnostics() {
    let validator = sarif_validator();
    // The validator is not vacuous: a log without `version` fails.
    assert!(!validator.is_valid(&serde_json::json!({"runs": []})));

    let log: Value = serde_json::from_str(&stdout(&golden_run("sarif"))).expect("SARIF is JSON");
    assert_valid_sarif(&validator, &log, "golden inputs");
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(
        log["$schema"],
        "https://json.schemastore.org/sarif-2.1.0.json"
    );
    let runs = log["runs"].as_array().expect("runs");
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "rmw-lint");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["informationUri"], env!("CARGO_PKG_HOMEPAGE"));

    // One rule entry per catalogue rule, in catalogue order.
    let rules = driver["rules"].as_array().expect("rules");
    assert_eq!(rules.len(), rmw_lint::rules::RULES.len());
    for (entry, info) in rules.iter().zip(rmw_lint::rules::RULES) {
        assert_eq!(entry["id"], info.id);
        assert_eq!(entry["shortDescription"]["text"], info.summary());
        assert_eq!(entry["help"]["markdown"], info.doc);
        assert_eq!(entry["help"]["text"], info.doc);
        assert_eq!(
            entry["defaultConfiguration"]["level"],
            info.severity.as_str()
        );
        let name = entry["name"].as_str().expect("name");
        assert!(
            name.chars().all(char::is_alphanumeric) && name.starts_with(char::is_uppercase),
            "{name}"
        );
        let full = entry["fullDescription"]["text"].as_str().expect("text");
        // The "What it does" paragraph, with its list when it introduces one.
        assert!(full.starts_with("Flags "), "{full}");
        assert!(!full.ends_with(':'), "{full}");
    }

    // Each result is one diagnostic of the JSON document, in the same order.
    let model = json_model();
    let diagnostics = model["diagnostics"].as_array().expect("diagnostics");
    let results = run["results"].as_array().expect("results");
    assert_eq!(results.len(), diagnostics.len());
    assert!(results.len() >= 10, "the golden inputs have many findings");
    let mut fixes = 0;
    for (r, d) in results.iter().zip(diagnostics) {
        assert_eq!(r["ruleId"], d["rule"]);
        let index = r["ruleIndex"].as_u64().expect("ruleIndex") as usize;
        assert_eq!(rules[index]["id"], d["rule"]);
        assert_eq!(r["level"], d["severity"]);
        let text = r["message"]["text"].as_str().expect("message");
        assert!(text.starts_with(d["message"].as_str().expect("message")));
        let locations = r["locations"].as_array().expect("locations");
        assert_eq!(locations.len(), 1);
        let loc = &locations[0]["physicalLocation"];
        assert_eq!(loc["artifactLocation"]["uri"], d["file"]);
        assert_region(&loc["region"], &d["span"]);
        let related = r["relatedLocations"]
            .as_array()
            .map_or(&[][..], Vec::as_slice);
        let labels = d["labels"].as_array().expect("labels");
        assert_eq!(related.len(), labels.len());
        for (i, (rel, label)) in related.iter().zip(labels).enumerate() {
            assert_eq!(rel["id"], i);
            assert_eq!(rel["message"]["text"], label["message"]);
            assert_region(&rel["physicalLocation"]["region"], &label["span"]);
        }
        assert_eq!(r["partialFingerprints"]["rmwLint/v1"], d["fingerprint"]);
        // Fixes are exactly the suggestions that have edits and are not manual.
        let applied: Vec<&Value> = d["suggestions"]
            .as_array()
            .expect("suggestions")
            .iter()
            .filter(|s| {
                s["applicability"] != "manual"
                    && s["edits"].as_array().is_some_and(|e| !e.is_empty())
            })
            .collect();
        let got = r["fixes"].as_array().map_or(&[][..], Vec::as_slice);
        assert_eq!(got.len(), applied.len());
        for (fix, s) in got.iter().zip(applied) {
            fixes += 1;
            assert_eq!(fix["description"]["text"], s["message"]);
            let change = &fix["artifactChanges"][0];
            assert_eq!(change["artifactLocation"]["uri"], d["file"]);
            let reps = change["replacements"].as_array().expect("replacements");
            let edits = s["edits"].as_array().expect("edits");
            assert_eq!(reps.len(), edits.len());
            for (rep, edit) in reps.iter().zip(edits) {
                assert_eq!(rep["insertedContent"]["text"], edit["replacement"]);
                assert_region(&rep["deletedRegion"], &edit["span"]);
            }
        }
    }
    assert!(
        fixes >= 5,
        "machine-applicable and maybe-incorrect fixes are there"
    );

    // The file that does not parse: a notification, and an unsuccessful run.
    let invocation = &run["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notes = invocation["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    let errors = model["errors"].as_array().expect("errors");
    assert_eq!(notes.len(), errors.len());
    assert_eq!(notes.len(), 1);
    assert_eq!(notes[0]["level"], "error");
    assert_eq!(notes[0]["message"]["text"], errors[0]["message"]);
    let loc = &notes[0]["locations"][0]["physicalLocation"];
    assert_eq!(loc["artifactLocation"]["uri"], errors[0]["file"]);
    assert_region(&loc["region"], &errors[0]["span"]);
}

/// A SARIF region says what the JSON span says: 1-based lines and columns
/// (end column exclusive in both) and the byte range.
fn assert_region(region: &Value, span: &Value) {
    assert_eq!(region["startLine"], span["start"]["line"]);
    assert_eq!(region["startColumn"], span["start"]["column"]);
    assert_eq!(region["endLine"], span["end"]["line"]);
    assert_eq!(region["endColumn"], span["end"]["column"]);
    assert_eq!(region["byteOffset"], span["start"]["offset"]);
    let len = span["end"]["offset"].as_u64().expect("offset")
        - span["start"]["offset"].as_u64().expect("offset");
    assert_eq!(region["byteLength"], len);
}

#[test]
fn sarif_is_valid_for_every_fixture_and_for_absolute_paths() {
    let validator = sarif_validator();
    let all = run(&root(), &["--format", "sarif", "test-fixtures"]);
    let log: Value = serde_json::from_slice(&all.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&validator, &log, "test-fixtures");
    assert_eq!(
        log["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );
    assert!(log["runs"][0]["invocations"][0]
        .get("toolExecutionNotifications")
        .is_none());

    // Absolute paths (and names that need escaping) become file:// URIs.
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "my src/100% #1.rs", HAZARD);
    write(dir.path(), "my src/broken.rs", "fn f( {\n");
    let abs = dir.path().join("my src");
    let abs = abs.to_str().expect("UTF-8 temp path");
    let out = run(dir.path(), &["--format", "sarif", abs, "missing.rs"]);
    assert_eq!(out.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&out.stdout).expect("SARIF is JSON");
    assert_valid_sarif(&validator, &log, "absolute paths");
    let uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .expect("uri");
    assert!(
        uri.starts_with("file:///") && uri.ends_with("/my%20src/100%25%20%231.rs"),
        "{uri}"
    );
    let notes = log["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .expect("notifications");
    assert_eq!(notes.len(), 2, "the broken file and the missing one");
    // An error without a position has a location without a region.
    let missing = notes
        .iter()
        .find(|n| n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "missing.rs")
        .expect("missing.rs reported");
    assert!(missing["locations"][0]["physicalLocation"]
        .get("region")
        .is_none());
}

/// The byte offset of a 1-based line and 1-based character column.
fn offset_of(text: &str, line: usize, column: usize) -> Option<usize> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let mut chars = rest.char_indices().map(|(i, _)| i).chain([rest.len()]);
    chars.nth(column - 1).map(|i| start + i)
}

/// Checks one span against the file it names: the byte range is where the
/// line and column say, and `text` holds the lines it touches.
fn check_span(span: &DiagnosticSpan, files: &mut HashMap<String, String>, dir: &Path) {
    let text = files.entry(span.file_name.clone()).or_insert_with(|| {
        std::fs::read_to_string(dir.join(&span.file_name)).expect("file named by a span")
    });
    assert!(
        span.line_start >= 1 && span.column_start >= 1,
        "1-based: {span:?}"
    );
    assert!(span.line_end >= span.line_start);
    assert!(span.byte_end >= span.byte_start);
    assert_eq!(
        offset_of(text, span.line_start, span.column_start),
        Some(span.byte_start as usize),
        "start of {span:?}"
    );
    assert_eq!(
        offset_of(text, span.line_end, span.column_end),
        Some(span.byte_end as usize),
        "end of {span:?}"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(span.text.len(), span.line_end - span.line_start + 1);
    for (i, line) in span.text.iter().enumerate() {
        assert_eq!(line.text, lines[span.line_start - 1 + i]);
        assert!(line.highlight_start >= 1 && line.highlight_end >= line.highlight_start);
        assert!(line.highlight_end <= line.text.chars().count() + 1);
    }
    assert!(span.expansion.is_none());
}

#[test]
fn rustc_json_lines_are_rust_analyzer_diagnostics() {
    // Every fixture, plus files whose columns and byte offsets differ
    // (non-ASCII text, a tab, CRLF line ends) and one that does not parse.
    let dir = tempfile::tempdir().expect("tempdir");
    let fixtures = root().join("test-fixtures");
    let unicode =
        std::fs::read_to_string(root().join("tests/data/formats/unicode.rs")).expect("unicode.rs");
    write(dir.path(), "src/unicode.rs", &unicode);
    write(dir.path(), "src/crlf.rs", unicode.replace('\n', "\r\n"));
    write(dir.path(), "src/broken.rs", "fn f() {\n    let = 1;\n}\n");
    let fixtures = fixtures.to_str().expect("UTF-8 path");
    let out = run(dir.path(), &["--format", "rustc-json", "src", fixtures]);
    assert_eq!(out.status.code(), Some(2));
    let json = run(dir.path(), &["--format", "json", "src", fixtures]);
    let model: Value = serde_json::from_slice(&json.stdout).expect("JSON document");
    let diagnostics = model["diagnostics"].as_array().expect("diagnostics");

    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines.len(),
        diagnostics.len() + 1,
        "one line per diagnostic and per error, no summary"
    );
    let mut files = HashMap::new();
    let mut quick_fixes = 0;
    for (i, line) in lines.iter().enumerate() {
        let raw: Value = serde_json::from_str(line).expect("each line is one JSON object");
        assert_eq!(raw["$message_type"], "diagnostic");
        let d: RaDiagnostic = serde_json::from_str(line)
            .unwrap_or_else(|e| panic!("line {} is not a rustc diagnostic: {e}\n{line}", i + 1));
        let primary: Vec<&DiagnosticSpan> = d.spans.iter().filter(|s| s.is_primary).collect();
        assert_eq!(primary.len(), 1, "exactly one primary span: {line}");
        for span in &d.spans {
            check_span(span, &mut files, dir.path());
        }
        assert!(d
            .rendered
            .as_deref()
            .is_some_and(|r| r.contains(&d.message)));
        let Some(model) = diagnostics.get(i) else {
            // The file error, after every diagnostic.
            assert!(matches!(d.level, DiagnosticLevel::Error));
            assert!(d.code.is_none());
            assert_eq!(primary[0].file_name, "src/broken.rs");
            assert_eq!(primary[0].line_start, 2);
            continue;
        };
        let code = d.code.as_ref().expect("code");
        assert_eq!(
            code.code,
            format!("rmw-lint::{}", model["rule"].as_str().expect("rule"))
        );
        // The rule's documentation, as rustc carries an error code's
        // `--explain` text.
        let rule = model["rule"].as_str().expect("rule");
        let explanation = code.explanation.as_deref().expect("an explanation");
        assert!(
            explanation.starts_with(&format!("# {rule}\n")),
            "{explanation}"
        );
        assert_eq!(
            model["url"],
            format!("https://github.com/rmw-lint/rmw-lint/blob/main/rules/{rule}.md")
        );
        let level = match d.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            DiagnosticLevel::Note => "note",
            ref other => panic!("unexpected level {other:?}"),
        };
        assert_eq!(level, model["severity"]);
        assert_eq!(d.message, model["message"]);
        assert_eq!(
            primary[0].byte_start as u64,
            model["span"]["start"]["offset"].as_u64().expect("offset")
        );
        let labels = model["labels"].as_array().expect("labels");
        let secondary: Vec<&DiagnosticSpan> = d.spans.iter().filter(|s| !s.is_primary).collect();
        assert_eq!(secondary.len(), labels.len());
        for (s, l) in secondary.iter().zip(labels) {
            assert_eq!(s.label.as_deref(), l["message"].as_str());
        }
        // Children: the notes, then one help per suggestion.
        let notes = model["notes"].as_array().expect("notes");
        let suggestions = model["suggestions"].as_array().expect("suggestions");
        assert_eq!(d.children.len(), notes.len() + suggestions.len());
        for (child, note) in d.children.iter().zip(notes) {
            assert!(matches!(child.level, DiagnosticLevel::Note));
            assert_eq!(child.message, note.as_str().expect("note"));
            assert!(child.spans.is_empty());
        }
        for (child, s) in d.children[notes.len()..].iter().zip(suggestions) {
            assert!(matches!(child.level, DiagnosticLevel::Help));
            let edits = s["edits"].as_array().expect("edits");
            assert_eq!(child.spans.len(), edits.len());
            let want = match s["applicability"].as_str() {
                Some("machine-applicable") => RaApplicability::MachineApplicable,
                Some("maybe-incorrect") => RaApplicability::MaybeIncorrect,
                _ => RaApplicability::HasPlaceholders,
            };
            if edits.is_empty() {
                // The code to paste is in the message editors show.
                if let Some(code) = s["replacement_text"].as_str() {
                    assert!(child.message.ends_with(code), "{}", child.message);
                }
            }
            for (span, edit) in child.spans.iter().zip(edits) {
                // rust-analyzer makes quick fixes only from primary spans.
                assert!(span.is_primary);
                check_span(span, &mut files, dir.path());
                assert_eq!(
                    span.suggested_replacement.as_deref(),
                    edit["replacement"].as_str()
                );
                assert_eq!(span.suggestion_applicability.as_ref(), Some(&want));
                if want == RaApplicability::MachineApplicable {
                    quick_fixes += 1;
                }
            }
        }
    }
    assert!(
        quick_fixes >= 10,
        "machine-applicable help spans carry replacements"
    );
    // The non-ASCII line: the column counts characters, the offset bytes.
    let unicode_line = lines
        .iter()
        .find(|l| l.contains("\"file_name\":\"src/unicode.rs\""))
        .expect("unicode.rs finding");
    let d: RaDiagnostic = serde_json::from_str(unicode_line).expect("diagnostic");
    assert_eq!((d.spans[0].line_start, d.spans[0].column_start), (9, 20));
    // Before it on its line: a tab and `let _grüße = "é"; `, 19 characters
    // in 22 bytes.
    let line_start = offset_of(&unicode, 9, 1).expect("line 9");
    assert_eq!(d.spans[0].byte_start as usize - line_start, 22);
}

/// `::level props::message` split into its parts.
fn parse_annotation(line: &str) -> Option<(&str, HashMap<&str, &str>, &str)> {
    let rest = line.strip_prefix("::")?;
    let (head, message) = rest.split_once("::")?;
    let (level, props) = head.split_once(' ').unwrap_or((head, ""));
    let props = props
        .split(',')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .collect();
    Some((level, props, message))
}

fn unescape(s: &str) -> String {
    s.replace("%0A", "\n")
        .replace("%0D", "\r")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_cover_every_finding_then_a_summary() {
    let out = golden_run("github");
    let text = stdout(&out);
    let model = json_model();
    let diagnostics = model["diagnostics"].as_array().expect("diagnostics");
    let errors = model["errors"].as_array().expect("errors");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), diagnostics.len() + errors.len() + 1);
    for (line, d) in lines.iter().zip(diagnostics) {
        let (level, props, message) = parse_annotation(line).expect("a workflow command");
        let want = match d["severity"].as_str() {
            Some("error") => "error",
            Some("warning") => "warning",
            _ => "notice",
        };
        assert_eq!(level, want);
        let keys: Vec<&str> = line
            .split_once(' ')
            .map(|(_, p)| p.split("::").next().unwrap_or(""))
            .unwrap_or("")
            .split(',')
            .filter_map(|p| p.split_once('=').map(|(k, _)| k))
            .collect();
        assert_eq!(
            keys,
            ["file", "line", "endLine", "col", "endColumn", "title"]
        );
        assert_eq!(unescape(props["file"]), d["file"].as_str().expect("file"));
        let num = |k: &str| props[k].parse::<u64>().expect("a number");
        assert_eq!(
            num("line"),
            d["span"]["start"]["line"].as_u64().expect("line")
        );
        assert_eq!(
            num("endLine"),
            d["span"]["end"]["line"].as_u64().expect("line")
        );
        assert_eq!(
            num("col"),
            d["span"]["start"]["column"].as_u64().expect("column")
        );
        assert_eq!(
            num("endColumn"),
            d["span"]["end"]["column"].as_u64().expect("column")
        );
        assert_eq!(
            unescape(props["title"]),
            format!("rmw-lint ({})", d["rule"].as_str().expect("rule"))
        );
        assert!(!message.contains('\n') && !message.contains('\r'));
        let message = unescape(message);
        let mut parts = message.split('\n');
        assert_eq!(parts.next(), d["message"].as_str());
        for note in d["notes"].as_array().expect("notes") {
            let want = format!("note: {}", note.as_str().expect("note"));
            assert_eq!(parts.next(), Some(want.as_str()));
        }
        if let Some(s) = d["suggestions"].get(0) {
            let help = parts.next().expect("help line");
            assert!(
                help.starts_with(&format!(
                    "help: {}",
                    s["message"].as_str().expect("message")
                )),
                "{help}"
            );
        }
    }
    for (line, e) in lines[diagnostics.len()..].iter().zip(errors) {
        let (level, props, message) = parse_annotation(line).expect("a workflow command");
        assert_eq!(level, "error");
        assert_eq!(unescape(props["file"]), e["file"].as_str().expect("file"));
        assert_eq!(props["line"], e["span"]["start"]["line"].to_string());
        assert_eq!(props["col"], e["span"]["start"]["column"].to_string());
        assert_eq!(unescape(message), e["message"].as_str().expect("message"));
    }
    let summary = lines.last().expect("summary");
    assert!(!summary.starts_with("::"));
    assert!(
        summary.starts_with("rmw-lint: ") && summary.ends_with("; 1 input could not be analysed"),
        "{summary}"
    );
    let human = stdout(&golden_run("human"));
    assert_eq!(
        summary.strip_prefix("rmw-lint: "),
        human.lines().last(),
        "the same summary as the human format"
    );
    // --quiet leaves the summary out, as for human output.
    let mut args = vec!["--format", "github", "--quiet", "--include-tests"];
    args.extend(GOLDEN_INPUTS);
    let quiet = stdout(&run(&root(), &args));
    assert_eq!(quiet.lines().count(), lines.len() - 1);
    assert!(quiet.lines().all(|l| l.starts_with("::")));
}

#[test]
fn exit_codes_are_the_same_in_every_format() {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "clean.rs", CLEAN);
    write(dir.path(), "hazard.rs", HAZARD);
    write(dir.path(), "warn.rs", LOCKS);
    write(dir.path(), "broken.rs", "fn main() {\n    let x = ;\n}\n");
    let cases: &[(&[&str], i32)] = &[
        (&["clean.rs"], 0),
        (&["hazard.rs"], 1),
        (&["--fail-on", "never", "hazard.rs"], 0),
        (&["--fail-on", "error", "hazard.rs"], 1),
        (&["--fail-on", "error", "warn.rs"], 0),
        (&["warn.rs"], 1),
        (&["--fail-on", "note", "warn.rs"], 1),
        (&["broken.rs", "clean.rs"], 2),
        (&["--fail-on", "never", "broken.rs"], 2),
        (&["missing.rs"], 2),
    ];
    for format in FORMATS {
        for (args, want) in cases {
            let mut all = vec!["--format", format];
            all.extend_from_slice(args);
            let out = run(dir.path(), &all);
            assert_eq!(out.status.code(), Some(*want), "rmw-lint {}", all.join(" "));
            assert!(!out.stdout.is_empty() || *format == "rustc-json");
        }
    }
    // A format name that does not exist is a usage error.
    assert_eq!(
        run(dir.path(), &["--format", "rustc_json", "clean.rs"])
            .status
            .code(),
        Some(2)
    );
}
