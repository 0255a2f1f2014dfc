//! `rmw-lint server`: a Language Server (the `lsp-server` crate, as
//! rust-analyzer and ruff use it; `lsp-types` for the protocol) on standard
//! input and output.
//!
//! - Diagnostics are published for every open Rust document: at once on
//!   open and save, and [`DEBOUNCE`] after the last change while typing, so
//!   a burst of keystrokes costs one analysis.
//! - Each document is analysed as part of its crate: the crate's schema
//!   facts are kept in memory ([`crate_facts`]) and followed as files
//!   change, and the other open documents of a crate are re-analysed when
//!   what it declares changes.
//! - The text analysed is the editor's, not the file on disk; the
//!   configuration is the one the command line would use for that file
//!   (`rmw-lint.toml` found from the file's directory upward, else
//!   `Cargo.toml` metadata), re-read when one of those files is saved.
//! - Code actions ([`actions`]): each suggestion with edits as a quick fix
//!   (preferred when machine-applicable), a suppression comment, and
//!   `source.fixAll.rmw-lint` for every machine-applicable fix in the file.
//!   Hover over a finding shows its rule's documentation.
//! - A file that does not parse (mid-edit) gets no findings: the stale
//!   ones would point at the wrong code, and the syntax error is the
//!   compiler's (rust-analyzer's) to show.

mod actions;
pub mod convert;
pub mod crate_facts;

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::edition::{CrateInfo, EditionCache};
use crate::krate::CrateIndex;
use crate::source::SourceFile;
use crate::{Options, Settings};
use convert::Encoding;
use lsp_server::{Connection, ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types as lsp;
use lsp_types::notification::Notification as _;
use lsp_types::request::Request as _;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the text must rest after a change before it is analysed.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

/// Runs the server until the client says `exit`. Errors are protocol
/// failures (a closed pipe, malformed framing), not findings.
pub fn run() -> Result<(), String> {
    // The analysis recurses over syntax trees; give it the same deep stack
    // as the command line's workers.
    let worker = std::thread::Builder::new()
        .name("rmw-lint-server".into())
        .stack_size(crate::WORKER_STACK)
        .spawn(|| {
            let (conn, io) = Connection::stdio();
            let served = serve(&conn);
            drop(conn);
            let joined = io.join().map_err(|e| e.to_string());
            served.and(joined)
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;
    worker
        .join()
        .map_err(|_| "the server thread panicked".to_string())?
}

/// The initialize handshake, then the message loop.
pub fn serve(conn: &Connection) -> Result<(), String> {
    let (id, params) = conn.initialize_start().map_err(|e| e.to_string())?;
    let params: lsp::InitializeParams =
        serde_json::from_value(params).map_err(|e| format!("bad initialize params: {e}"))?;
    let encoding = Encoding::negotiate(&params.capabilities);
    let result = lsp::InitializeResult {
        capabilities: capabilities(encoding),
        server_info: Some(lsp::ServerInfo {
            name: "rmw-lint".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
    };
    let result = serde_json::to_value(result).map_err(|e| e.to_string())?;
    conn.initialize_finish(id, result)
        .map_err(|e| e.to_string())?;
    let mut server = Server {
        conn,
        encoding,
        docs: HashMap::new(),
        projects: HashMap::new(),
        editions: EditionCache::default(),
        crates: HashMap::new(),
    };
    server.main_loop()
}

fn capabilities(encoding: Encoding) -> lsp::ServerCapabilities {
    lsp::ServerCapabilities {
        position_encoding: Some(encoding.kind()),
        text_document_sync: Some(lsp::TextDocumentSyncCapability::Options(
            lsp::TextDocumentSyncOptions {
                open_close: Some(true),
                change: Some(lsp::TextDocumentSyncKind::FULL),
                save: Some(lsp::TextDocumentSyncSaveOptions::SaveOptions(
                    lsp::SaveOptions {
                        include_text: Some(false),
                    },
                )),
                ..Default::default()
            },
        )),
        code_action_provider: Some(lsp::CodeActionProviderCapability::Options(
            lsp::CodeActionOptions {
                code_action_kinds: Some(vec![
                    lsp::CodeActionKind::QUICKFIX,
                    actions::fix_all_kind(),
                ]),
                ..Default::default()
            },
        )),
        hover_provider: Some(lsp::HoverProviderCapability::Simple(true)),
        ..Default::default()
    }
}

/// The settings for the files under one directory, from the configuration
/// the command line would find there.
pub(crate) struct Project {
    settings: Settings,
    config: Option<Arc<Config>>,
}

/// An open document.
struct Doc {
    /// The file it is, when it is one.
    path: Option<PathBuf>,
    /// The name diagnostics carry: the path, else the URI.
    name: String,
    version: i32,
    text: String,
    /// When the text changed and is still to be analysed, the time to do it.
    due: Option<Instant>,
    analysis: Option<Analysis>,
}

/// The findings of one version of a document.
pub(crate) struct Analysis {
    pub source: Arc<SourceFile>,
    pub diagnostics: Vec<Diagnostic>,
    pub krate: CrateInfo,
    pub project: Arc<Project>,
}

struct Server<'c> {
    conn: &'c Connection,
    encoding: Encoding,
    docs: HashMap<lsp::Url, Doc>,
    /// By directory.
    projects: HashMap<PathBuf, Arc<Project>>,
    editions: EditionCache,
    /// By crate root: the schema facts of each file of the crate.
    crates: HashMap<PathBuf, crate_facts::CrateFacts>,
}

impl Server<'_> {
    fn main_loop(&mut self) -> Result<(), String> {
        loop {
            let next_due = self.docs.values().filter_map(|d| d.due).min();
            let msg = match next_due {
                Some(due) => {
                    let wait = due.saturating_duration_since(Instant::now());
                    match self.conn.receiver.recv_timeout(wait) {
                        Ok(m) => m,
                        Err(crossbeam_channel::RecvTimeoutError::Timeout) => {
                            self.analyze_due();
                            continue;
                        }
                        Err(crossbeam_channel::RecvTimeoutError::Disconnected) => return Ok(()),
                    }
                }
                None => match self.conn.receiver.recv() {
                    Ok(m) => m,
                    Err(_) => return Ok(()),
                },
            };
            match msg {
                Message::Request(req) => {
                    if self.conn.handle_shutdown(&req).map_err(|e| e.to_string())? {
                        return Ok(());
                    }
                    self.request(req);
                }
                Message::Notification(n) => {
                    if n.method == lsp::notification::Exit::METHOD {
                        return Ok(());
                    }
                    self.notification(n);
                }
                Message::Response(_) => {}
            }
        }
    }

    fn send(&self, msg: impl Into<Message>) {
        // A closed channel means the client is gone; the loop ends on its
        // next receive.
        let _ = self.conn.sender.send(msg.into());
    }

    fn request(&mut self, req: Request) {
        let id = req.id.clone();
        let response = match req.method.as_str() {
            lsp::request::CodeActionRequest::METHOD => {
                parse::<lsp::CodeActionParams>(id.clone(), req.params).map(|p| {
                    self.flush(&p.text_document.uri);
                    let actions = self
                        .docs
                        .get(&p.text_document.uri)
                        .and_then(|d| d.analysis.as_ref().map(|a| (d, a)))
                        .map(|(d, a)| actions::code_actions(&p, a, d.version, self.encoding))
                        .unwrap_or_default();
                    Response::new_ok(id.clone(), actions)
                })
            }
            lsp::request::HoverRequest::METHOD => parse::<lsp::HoverParams>(id.clone(), req.params)
                .map(|p| {
                    let uri = &p.text_document_position_params.text_document.uri;
                    self.flush(uri);
                    let hover = self
                        .docs
                        .get(uri)
                        .and_then(|d| d.analysis.as_ref())
                        .and_then(|a| {
                            actions::hover(
                                a,
                                p.text_document_position_params.position,
                                self.encoding,
                            )
                        });
                    Response::new_ok(id.clone(), hover)
                }),
            _ => Err(Response::new_err(
                id,
                ErrorCode::MethodNotFound as i32,
                format!("rmw-lint does not handle `{}`", req.method),
            )),
        };
        self.send(response.unwrap_or_else(|e| e));
    }

    fn notification(&mut self, n: Notification) {
        use lsp::notification as note;
        match n.method.as_str() {
            note::DidOpenTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidOpenTextDocumentParams>(note::DidOpenTextDocument::METHOD)
                {
                    let d = p.text_document;
                    let path = d.uri.to_file_path().ok();
                    let name = path
                        .as_deref()
                        .map(crate::discover::display_path)
                        .unwrap_or_else(|| d.uri.to_string());
                    let rust = d.language_id == "rust"
                        || path
                            .as_ref()
                            .is_some_and(|p| p.extension().is_some_and(|e| e == "rs"));
                    if rust {
                        self.docs.insert(
                            d.uri.clone(),
                            Doc {
                                path,
                                name,
                                version: d.version,
                                text: d.text,
                                due: Some(Instant::now()),
                                analysis: None,
                            },
                        );
                        self.flush(&d.uri);
                    }
                }
            }
            note::DidChangeTextDocument::METHOD => {
                if let Ok(p) = n.extract::<lsp::DidChangeTextDocumentParams>(
                    note::DidChangeTextDocument::METHOD,
                ) {
                    if let Some(doc) = self.docs.get_mut(&p.text_document.uri) {
                        // Full synchronisation: the last change holds the
                        // whole text.
                        if let Some(c) = p.content_changes.into_iter().last() {
                            doc.text = c.text;
                        }
                        doc.version = p.text_document.version;
                        doc.due = Some(Instant::now() + DEBOUNCE);
                    }
                }
            }
            note::DidSaveTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidSaveTextDocumentParams>(note::DidSaveTextDocument::METHOD)
                {
                    let uri = p.text_document.uri;
                    let is_config = uri
                        .to_file_path()
                        .ok()
                        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
                        .is_some_and(|n| {
                            matches!(
                                n.as_str(),
                                "rmw-lint.toml" | ".rmw-lint.toml" | "Cargo.toml"
                            )
                        });
                    if is_config {
                        // Settings and crate facts may have changed for
                        // every open document.
                        self.projects.clear();
                        self.editions = EditionCache::default();
                        self.crates.clear();
                        for d in self.docs.values_mut() {
                            d.due = Some(Instant::now());
                        }
                        self.analyze_due();
                    } else {
                        if let Ok(path) = uri.to_file_path() {
                            self.reload_facts(&path);
                        }
                        if let Some(d) = self.docs.get_mut(&uri) {
                            d.due = Some(Instant::now());
                        }
                        self.flush(&uri);
                    }
                }
            }
            note::DidCloseTextDocument::METHOD => {
                if let Ok(p) =
                    n.extract::<lsp::DidCloseTextDocumentParams>(note::DidCloseTextDocument::METHOD)
                {
                    if self.docs.remove(&p.text_document.uri).is_some() {
                        self.publish(&p.text_document.uri, Vec::new(), None);
                        // Unsaved edits are gone with the buffer: the file
                        // on disk is what the crate declares again.
                        if let Ok(path) = p.text_document.uri.to_file_path() {
                            self.reload_facts(&path);
                        }
                    }
                }
            }
            _ => {}
        }
    }

    /// Analyses every document whose quiet period is over.
    fn analyze_due(&mut self) {
        let now = Instant::now();
        let due: Vec<lsp::Url> = self
            .docs
            .iter()
            .filter(|(_, d)| d.due.is_some_and(|t| t <= now))
            .map(|(u, _)| u.clone())
            .collect();
        for uri in due {
            self.analyze(&uri);
        }
    }

    /// Brings a document's findings up to date now, if its text changed
    /// (a code action or hover must see the text the editor shows).
    fn flush(&mut self, uri: &lsp::Url) {
        if self.docs.get(uri).is_some_and(|d| d.due.is_some()) {
            self.analyze(uri);
        }
    }

    fn analyze(&mut self, uri: &lsp::Url) {
        let Some(path) = self.docs.get(uri).map(|d| d.path.clone()) else {
            return;
        };
        let project = self.project(path.as_deref());
        let Some(doc) = self.docs.get(uri) else {
            return;
        };
        let excluded = match (&project.config, &doc.path) {
            (Some(c), Some(p)) => c.exclude.as_ref().is_some_and(|x| x.matches(p, false)),
            _ => false,
        };
        let krate = match &doc.path {
            Some(p) => self.editions.for_file(p),
            None => CrateInfo::default(),
        };
        let mut facts_changed = false;
        let result = if excluded {
            crate::FileResult::default()
        } else {
            // The crate's index: this text's facts and the other files'.
            let settings = &project.settings;
            let mut p1 = crate::pipeline::phase1(
                &doc.name,
                doc.text.clone().into_bytes(),
                &krate,
                settings,
                false,
            );
            let own = p1.schema.clone();
            let index = match (&krate.root, &doc.path) {
                (Some(root), Some(path)) => {
                    let facts = self.crates.entry(root.clone()).or_insert_with(|| {
                        crate_facts::CrateFacts::load(
                            root,
                            project.config.as_deref(),
                            &self.editions,
                            settings,
                        )
                    });
                    let index = CrateIndex::build(std::iter::once(&own).chain(facts.others(path)));
                    // A text that does not parse says nothing about the
                    // schema: keep what was known.
                    if p1.result.error.is_none() {
                        facts_changed = facts.update(path, own);
                    }
                    index
                }
                _ => CrateIndex::build([&own]),
            };
            if let Some((_, l)) = &mut p1.lowered {
                for f in &mut l.functions {
                    index.resolve(f);
                }
            }
            // Function summaries of this document's own functions; the
            // other files' are not kept in memory yet.
            let fns = {
                let functions = p1
                    .lowered
                    .as_ref()
                    .map(|(_, l)| l.functions.as_slice())
                    .unwrap_or(&[]);
                crate::krate::summary::FnIndex::build(&[(p1.result.source.as_deref(), functions)])
            };
            crate::pipeline::phase2(p1, 0, &fns, settings)
        };
        let source = result
            .source
            .unwrap_or_else(|| Arc::new(SourceFile::new(doc.name.clone(), doc.text.clone())));
        let mut diagnostics = result.diagnostics;
        crate::sort_diagnostics(&mut diagnostics);
        let published: Vec<lsp::Diagnostic> = diagnostics
            .iter()
            .map(|d| convert::diagnostic(d, &source, uri, self.encoding))
            .collect();
        let version = doc.version;
        let krate_root = krate.root.clone();
        if let Some(doc) = self.docs.get_mut(uri) {
            doc.due = None;
            doc.analysis = Some(Analysis {
                source,
                diagnostics,
                krate,
                project,
            });
        }
        self.publish(uri, published, Some(version));
        if facts_changed {
            self.crate_changed(krate_root.as_deref(), Some(uri));
        }
    }

    /// Marks the open documents of a crate (but `except`) for analysis:
    /// what one file declares changes what the others mean.
    fn crate_changed(&mut self, root: Option<&Path>, except: Option<&lsp::Url>) {
        let Some(root) = root else { return };
        let due = Instant::now() + DEBOUNCE;
        for (u, d) in self.docs.iter_mut() {
            if Some(u) == except {
                continue;
            }
            let same = d
                .path
                .as_deref()
                .is_some_and(|p| self.editions.for_file(p).root.as_deref() == Some(root));
            if same {
                d.due = Some(d.due.map_or(due, |t| t.min(due)));
            }
        }
    }

    /// A saved file's facts, re-read from disk.
    fn reload_facts(&mut self, path: &Path) {
        let Some(root) = self.editions.for_file(path).root else {
            return;
        };
        let project = self.project(Some(path));
        let changed = self
            .crates
            .get_mut(&root)
            .is_some_and(|f| f.reload(path, &self.editions, &project.settings));
        if changed {
            self.crate_changed(Some(&root), None);
        }
    }

    fn publish(&self, uri: &lsp::Url, diagnostics: Vec<lsp::Diagnostic>, version: Option<i32>) {
        let params = lsp::PublishDiagnosticsParams {
            uri: uri.clone(),
            diagnostics,
            version,
        };
        self.send(Notification::new(
            lsp::notification::PublishDiagnostics::METHOD.into(),
            params,
        ));
    }

    /// The settings for a file: the configuration the command line would
    /// find from the file's directory, cached per directory. A broken
    /// configuration is shown to the user once and the defaults are used.
    fn project(&mut self, path: Option<&Path>) -> Arc<Project> {
        let dir = path
            .and_then(Path::parent)
            .map(Path::to_path_buf)
            .unwrap_or_else(|| std::env::current_dir().unwrap_or_default());
        if let Some(p) = self.projects.get(&dir) {
            return p.clone();
        }
        let config = match crate::config::load(None, &dir) {
            Ok(c) => c.map(Arc::new),
            Err(e) => {
                self.show_error(format!("rmw-lint: {e}; using the default settings"));
                None
            }
        };
        // The configuration found for this directory is the file's own:
        // no further hierarchy to consult.
        let opts = Options {
            config: config.clone(),
            config_explicit: true,
            ..Options::default()
        };
        let settings = Settings::new(&opts).unwrap_or_default();
        let project = Arc::new(Project { settings, config });
        self.projects.insert(dir, project.clone());
        project
    }

    fn show_error(&self, message: String) {
        self.send(Notification::new(
            lsp::notification::ShowMessage::METHOD.into(),
            lsp::ShowMessageParams {
                typ: lsp::MessageType::ERROR,
                message,
            },
        ));
    }
}

/// A request's parameters, or the error response for malformed ones.
fn parse<P: serde::de::DeserializeOwned>(
    id: RequestId,
    params: serde_json::Value,
) -> Result<P, Response> {
    serde_json::from_value(params)
        .map_err(|e| Response::new_err(id, ErrorCode::InvalidParams as i32, e.to_string()))
}
