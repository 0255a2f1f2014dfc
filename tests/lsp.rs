//! `rmw-lint server` driven over standard input and output by a scripted
//! client, as an editor drives it: initialize, open a file with a hazard,
//! receive its diagnostics, ask for code actions and apply one, change the
//! text to the fixed code and receive an empty list, shut down.

mod common;

use common::lsp_client::{apply, url, Client};
use common::{CLEAN, HAZARD, LOCKS};
use serde_json::{json, Value};
use std::io::Write;

fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::write(
        dir.path().join("Cargo.toml"),
        "[package]\nname = \"scratch\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    )
    .expect("write");
    dir
}

#[test]
fn open_fix_and_clear_a_finding_over_stdio() {
    let dir = scratch();
    let path = dir.path().join("src/lib.rs");
    std::fs::write(&path, HAZARD).expect("write");
    let uri = url(&path);
    let mut c = Client::start(dir.path());
    let caps = c.initialize(dir.path(), &["utf-16"]);
    assert_eq!(caps["serverInfo"]["name"], "rmw-lint");
    assert_eq!(caps["capabilities"]["positionEncoding"], "utf-16");
    assert_eq!(caps["capabilities"]["hoverProvider"], true);

    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": HAZARD } }),
    );
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    let d = &diags[0];
    assert_eq!(d["code"], "atomic-load-store");
    assert_eq!(d["source"], "rmw-lint");
    assert_eq!(d["severity"], 1, "error");
    assert_eq!(d["range"]["start"], json!({ "line": 3, "character": 4 }));
    assert!(d["codeDescription"]["href"]
        .as_str()
        .is_some_and(|h| h.ends_with("/rules/atomic-load-store.md")));
    assert!(d["message"].as_str().is_some_and(|m| m.contains("HITS")));

    // Hover on the finding shows the rule's documentation.
    let hover = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 3, "character": 10 } }),
    );
    let md = hover["result"]["contents"]["value"]
        .as_str()
        .expect("hover text");
    assert!(md.starts_with("# atomic-load-store"), "{md}");
    let nothing = c.request(
        "textDocument/hover",
        json!({ "textDocument": { "uri": uri }, "position": { "line": 0, "character": 0 } }),
    );
    assert_eq!(nothing["result"], Value::Null);

    // Code actions at the finding: the fix (preferred), a suppression, and
    // fix-all.
    let actions = c.request(
        "textDocument/codeAction",
        json!({
            "textDocument": { "uri": uri },
            "range": d["range"],
            "context": { "diagnostics": [d] },
        }),
    );
    let actions = actions["result"].as_array().expect("actions").clone();
    let titles: Vec<&str> = actions.iter().filter_map(|a| a["title"].as_str()).collect();
    assert_eq!(actions.len(), 3, "{titles:?}");
    let fix = &actions[0];
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["isPreferred"], true);
    assert!(fix["title"]
        .as_str()
        .is_some_and(|t| t.contains("fetch_add")));
    let suppress = &actions[1];
    assert_eq!(
        suppress["title"],
        "Suppress with `// rmw-lint: allow(atomic-load-store)`"
    );
    assert_eq!(actions[2]["kind"], "source.fixAll.rmw-lint");

    let fixed = apply(HAZARD, &fix["edit"]);
    assert_eq!(fixed, CLEAN);
    assert_eq!(apply(HAZARD, &actions[2]["edit"]), CLEAN);
    let suppressed = apply(HAZARD, &suppress["edit"]);
    assert!(
        suppressed.contains(
            "\n    // rmw-lint: allow(atomic-load-store) -- TODO: say why this is safe\n    HITS.store("
        ),
        "{suppressed}"
    );

    // The editor applies the fix: the next analysis finds nothing.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 2 },
            "contentChanges": [{ "text": fixed }],
        }),
    );
    assert_eq!(c.diagnostics(&uri, Some(2)), Vec::<Value>::new());

    // The suppressed text is quiet too, and the comment is not unused.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": { "uri": uri, "version": 3 },
            "contentChanges": [{ "text": suppressed }],
        }),
    );
    assert_eq!(c.diagnostics(&uri, Some(3)), Vec::<Value>::new());

    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": uri } }),
    );
    assert_eq!(c.diagnostics(&uri, None), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn a_burst_of_changes_is_analysed_once_and_utf8_columns_are_bytes() {
    let dir = scratch();
    let path = dir.path().join("src/locks.rs");
    let uri = url(&path);
    let mut c = Client::start(dir.path());
    let caps = c.initialize(dir.path(), &["utf-8", "utf-16"]);
    assert_eq!(caps["capabilities"]["positionEncoding"], "utf-8");
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": "" } }),
    );
    assert_eq!(c.diagnostics(&uri, Some(1)), Vec::<Value>::new());
    // Ten quick edits: only the last version is published.
    let text = LOCKS.replace("            self.seen", "            /* é */ self.seen");
    // They go out in one write, so a slow machine cannot spread them
    // further apart than a typist would.
    let mut burst = Vec::new();
    for v in 2..=11 {
        let t = if v == 11 {
            text.clone()
        } else {
            format!("// draft {v}\n")
        };
        let body = json!({
            "jsonrpc": "2.0",
            "method": "textDocument/didChange",
            "params": { "textDocument": { "uri": uri, "version": v }, "contentChanges": [{ "text": t }] },
        })
        .to_string();
        write!(burst, "Content-Length: {}\r\n\r\n{body}", body.len()).expect("write");
    }
    c.stdin.write_all(&burst).expect("write");
    c.stdin.flush().expect("flush");
    let diags = c.diagnostics(&uri, None);
    assert!(
        !c.backlog
            .iter()
            .any(|m| m["method"] == "textDocument/publishDiagnostics"),
        "one publication for the burst: {:#?}",
        c.backlog
    );
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(diags[0]["code"], "lock-check-then-act");
    assert_eq!(diags[0]["severity"], 2, "warning");
    // `            /* é */ ` is 20 characters and 21 bytes.
    assert_eq!(diags[0]["range"]["start"]["character"], 21);
    // The lock's label is related information.
    let related = diags[0]["relatedInformation"].as_array().expect("related");
    assert!(!related.is_empty());
    // A syntax error mid-edit clears the findings instead of leaving them
    // on the wrong lines.
    c.notify(
        "textDocument/didChange",
        json!({ "textDocument": { "uri": uri, "version": 12 }, "contentChanges": [{ "text": "fn broken( {" }] }),
    );
    assert_eq!(c.diagnostics(&uri, Some(12)), Vec::<Value>::new());
    c.shutdown();
}

#[test]
fn configuration_is_read_from_the_files_directory() {
    let dir = scratch();
    std::fs::write(
        dir.path().join("rmw-lint.toml"),
        "[rules]\natomic-load-store = \"warning\"\n",
    )
    .expect("write");
    let path = dir.path().join("src/lib.rs");
    let uri = url(&path);
    // Started elsewhere, as an editor may be: the file's directory decides.
    let elsewhere = tempfile::tempdir().expect("tempdir");
    let mut c = Client::start(elsewhere.path());
    c.initialize(elsewhere.path(), &[]);
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": uri, "languageId": "rust", "version": 1, "text": HAZARD } }),
    );
    let diags = c.diagnostics(&uri, Some(1));
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert_eq!(
        diags[0]["severity"], 2,
        "the configuration makes it a warning"
    );
    // Turning the rule off and saving the configuration re-publishes.
    std::fs::write(
        dir.path().join("rmw-lint.toml"),
        "[rules]\natomic-load-store = \"off\"\n",
    )
    .expect("write");
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": url(&dir.path().join("rmw-lint.toml")) } }),
    );
    assert_eq!(c.diagnostics(&uri, Some(1)), Vec::<Value>::new());
    // An unknown request is an error response, not a crash.
    let r = c.request("workspace/symbol", json!({ "query": "x" }));
    assert_eq!(r["error"]["code"], -32601, "{r}");
    c.shutdown();
}

/// A sea-orm entity declared in its own file: its table name reaches the
/// open handler only through the crate's index.
const ENTITY: &str = "use sea_orm::entity::prelude::*;\n\n#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]\n#[sea_orm(table_name = \"products\")]\npub struct Model {\n    #[sea_orm(primary_key)]\n    pub id: i32,\n    pub stock: i32,\n}\n\n#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]\npub enum Relation {}\n\nimpl ActiveModelBehavior for ActiveModel {}\n";

const HANDLER: &str = "pub mod prelude;\npub mod product;\n\nuse prelude::Product;\nuse sea_orm::{ActiveModelTrait, DatabaseConnection, DbErr, EntityTrait, Set};\n\npub async fn sell_one(db: &DatabaseConnection, id: i32) -> Result<(), DbErr> {\n    let p = Product::find_by_id(id).one(db).await?.unwrap();\n    if p.stock > 0 {\n        let mut am: product::ActiveModel = p.clone().into();\n        am.stock = Set(p.stock - 1);\n        am.update(db).await?;\n    }\n    Ok(())\n}\n";

#[test]
fn the_crates_other_files_are_kept_in_memory_and_followed() {
    let dir = scratch();
    let src = dir.path().join("src");
    std::fs::write(src.join("product.rs"), ENTITY).expect("write");
    std::fs::write(
        src.join("prelude.rs"),
        "pub use crate::product::Entity as Product;\n",
    )
    .expect("write");
    std::fs::write(src.join("lib.rs"), HANDLER).expect("write");
    let lib = url(&src.join("lib.rs"));
    let product = url(&src.join("product.rs"));
    let mut c = Client::start(dir.path());
    c.initialize(dir.path(), &[]);
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": lib, "languageId": "rust", "version": 1, "text": HANDLER } }),
    );
    let table = |diags: &[Value]| -> String {
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert_eq!(diags[0]["code"], "select-then-update");
        let m = diags[0]["message"].as_str().expect("message");
        let at = m.find("A's update to `").expect("the lost-update note") + 15;
        m[at..at + m[at..].find('`').expect("closing quote")].to_string()
    };
    // The table comes from product.rs, which is not open.
    assert_eq!(table(&c.diagnostics(&lib, Some(1))), "products");

    // Editing the entity (unsaved) re-analyses the open handler.
    c.notify(
        "textDocument/didOpen",
        json!({ "textDocument": { "uri": product, "languageId": "rust", "version": 1,
                "text": ENTITY.replace("\"products\"", "\"stock_items\"") } }),
    );
    assert_eq!(c.diagnostics(&product, Some(1)), Vec::<Value>::new());
    assert_eq!(table(&c.diagnostics(&lib, Some(1))), "stock_items");

    // Closed without saving: the file on disk counts again.
    c.notify(
        "textDocument/didClose",
        json!({ "textDocument": { "uri": product } }),
    );
    assert_eq!(c.diagnostics(&product, None), Vec::<Value>::new());
    assert_eq!(table(&c.diagnostics(&lib, Some(1))), "products");
    // Changed on disk and saved: read again from disk.
    std::fs::write(
        src.join("product.rs"),
        ENTITY.replace("\"products\"", "\"inventory\""),
    )
    .expect("write");
    c.notify(
        "textDocument/didSave",
        json!({ "textDocument": { "uri": product } }),
    );
    assert_eq!(table(&c.diagnostics(&lib, Some(1))), "inventory");
    c.shutdown();
}
