//! What one file declares about the crate's database schema: diesel
//! `table!` blocks and models, sea-orm entity modules and their aliases.
//!
//! Read from the syntax tree that phase 1 parses anyway; the pieces of all
//! files of a crate are merged into its [`super::CrateIndex`].

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit::Visit;

/// A table declared with diesel's `table!`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Table {
    pub name: String,
    pub primary_key: Vec<String>,
    pub columns: Vec<String>,
}

/// Schema facts found in one file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileSchema {
    pub tables: Vec<Table>,
    /// A diesel model struct and the table it maps (`#[diesel(table_name = t)]`).
    pub models: Vec<(String, String)>,
    /// A sea-orm entity module (by its module name) and its table.
    pub entities: Vec<(String, String)>,
    /// `use …::post::Entity as Post;`, `type Post = post::Entity;`: an alias
    /// and the entity module it names.
    pub aliases: Vec<(String, String)>,
    /// Struct names declared in the file, for diesel's default table name.
    pub structs: Vec<String>,
}

impl FileSchema {
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.models.is_empty()
            && self.entities.is_empty()
            && self.aliases.is_empty()
    }
}

/// Reads the schema facts of a parsed file. `module` is the file's own
/// module name (`post` for `entity/post.rs` or `entity/post/mod.rs`).
pub fn read(file: &syn::File, module: &str) -> FileSchema {
    let mut v = SchemaVisitor {
        out: FileSchema::default(),
        modules: vec![module.to_string()],
    };
    v.visit_file(file);
    v.out
}

/// The module name a file path gives its items.
pub fn module_of_path(path: &str) -> String {
    let p = std::path::Path::new(path);
    let stem = p.file_stem().and_then(|s| s.to_str()).unwrap_or("");
    if stem == "mod" || stem == "lib" || stem == "main" {
        p.parent()
            .and_then(|d| d.file_name())
            .and_then(|s| s.to_str())
            .unwrap_or("")
            .to_string()
    } else {
        stem.to_string()
    }
}

struct SchemaVisitor {
    out: FileSchema,
    modules: Vec<String>,
}

impl<'ast> Visit<'ast> for SchemaVisitor {
    fn visit_item_mod(&mut self, m: &'ast syn::ItemMod) {
        self.modules.push(m.ident.to_string());
        syn::visit::visit_item_mod(self, m);
        self.modules.pop();
    }

    fn visit_item_macro(&mut self, m: &'ast syn::ItemMacro) {
        let last = m.mac.path.segments.last().map(|s| s.ident.to_string());
        if last.as_deref() == Some("table") {
            read_tables(m.mac.tokens.clone(), &mut self.out.tables);
        }
    }

    fn visit_item_struct(&mut self, s: &'ast syn::ItemStruct) {
        let name = s.ident.to_string();
        self.out.structs.push(name.clone());
        for a in &s.attrs {
            let path = a.path();
            if path.is_ident("diesel") {
                if let Some(t) = diesel_table_name(&a.meta) {
                    self.out.models.push((name.clone(), t));
                }
            } else if path.is_ident("table_name") {
                // diesel 1: `#[table_name = "users"]`
                if let syn::Meta::NameValue(nv) = &a.meta {
                    if let Some(t) = lit_str(&nv.value) {
                        self.out.models.push((name.clone(), t));
                    }
                }
            } else if path.is_ident("sea_orm") && name == "Model" {
                if let Some(t) = sea_table_name(&a.meta) {
                    let module = self.modules.last().cloned().unwrap_or_default();
                    self.out.entities.push((module, t));
                }
            }
        }
    }

    fn visit_item_use(&mut self, u: &'ast syn::ItemUse) {
        collect_aliases(&u.tree, None, &mut self.out.aliases);
    }

    fn visit_item_type(&mut self, t: &'ast syn::ItemType) {
        // `pub type Post = post::Entity;`
        if let syn::Type::Path(p) = &*t.ty {
            let segs: Vec<String> = p
                .path
                .segments
                .iter()
                .map(|s| s.ident.to_string())
                .collect();
            if segs.len() >= 2 && segs[segs.len() - 1] == "Entity" {
                self.out
                    .aliases
                    .push((t.ident.to_string(), segs[segs.len() - 2].clone()));
            }
        }
    }

    // Function bodies hold no schema.
    fn visit_block(&mut self, _: &'ast syn::Block) {}
}

fn lit_str(e: &syn::Expr) -> Option<String> {
    match e {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(s),
            ..
        }) => Some(s.value()),
        _ => None,
    }
}

/// `#[diesel(table_name = users)]`, `#[diesel(table_name = crate::schema::users)]`.
fn diesel_table_name(meta: &syn::Meta) -> Option<String> {
    let syn::Meta::List(list) = meta else {
        return None;
    };
    let mut found = None;
    let _ = list.parse_nested_meta(|m| {
        if m.path.is_ident("table_name") {
            let v: syn::Expr = m.value()?.parse()?;
            found = match &v {
                syn::Expr::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
                other => lit_str(other),
            };
        } else if m.input.peek(syn::Token![=]) {
            let _: syn::Expr = m.value()?.parse()?;
        } else if m.input.peek(syn::token::Paren) {
            let _: TokenTree = m.input.parse()?;
        }
        Ok(())
    });
    found
}

/// `#[sea_orm(table_name = "posts", schema_name = "public")]`.
fn sea_table_name(meta: &syn::Meta) -> Option<String> {
    let syn::Meta::List(list) = meta else {
        return None;
    };
    let mut found = None;
    let _ = list.parse_nested_meta(|m| {
        if m.input.peek(syn::Token![=]) {
            let v: syn::Expr = m.value()?.parse()?;
            if m.path.is_ident("table_name") {
                found = lit_str(&v);
            }
        }
        Ok(())
    });
    found
}

/// `use super::post::Entity as Post;` (also inside groups).
fn collect_aliases(tree: &syn::UseTree, parent: Option<&str>, out: &mut Vec<(String, String)>) {
    match tree {
        syn::UseTree::Path(p) => {
            let name = p.ident.to_string();
            collect_aliases(&p.tree, Some(&name), out);
        }
        syn::UseTree::Rename(r) if r.ident == "Entity" => {
            if let Some(module) = parent {
                out.push((r.rename.to_string(), module.to_string()));
            }
        }
        syn::UseTree::Group(g) => {
            for t in &g.items {
                collect_aliases(t, parent, out);
            }
        }
        _ => {}
    }
}

/// The tables of one `table! { … }` invocation: `[#[attr]]* [schema.]name
/// [(pk, …)] { [#[attr]]* col -> Type, … }`, repeated.
fn read_tables(tokens: TokenStream, out: &mut Vec<Table>) {
    let mut name: Option<String> = None;
    let mut pk: Vec<String> = Vec::new();
    let mut iter = tokens.into_iter().peekable();
    while let Some(t) = iter.next() {
        match t {
            TokenTree::Punct(p) if p.as_char() == '#' => {
                // An attribute: skip its bracketed body.
                iter.next();
            }
            TokenTree::Ident(i) => {
                // `schema.name`: the last ident before the groups wins.
                name = Some(i.to_string());
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Parenthesis => {
                pk = g
                    .stream()
                    .into_iter()
                    .filter_map(|t| match t {
                        TokenTree::Ident(i) => Some(i.to_string()),
                        _ => None,
                    })
                    .collect();
            }
            TokenTree::Group(g) if g.delimiter() == Delimiter::Brace => {
                if let Some(n) = name.take() {
                    let columns = read_columns(g.stream());
                    let primary_key = if pk.is_empty() {
                        vec!["id".to_string()]
                    } else {
                        std::mem::take(&mut pk)
                    };
                    out.push(Table {
                        name: n,
                        primary_key,
                        columns,
                    });
                }
            }
            _ => {}
        }
    }
}

/// `col -> Type,` entries (attributes and `#[sql_name]` skipped).
fn read_columns(tokens: TokenStream) -> Vec<String> {
    let toks: Vec<TokenTree> = tokens.into_iter().collect();
    let mut cols = Vec::new();
    for w in toks.windows(3) {
        if let (TokenTree::Ident(i), TokenTree::Punct(a), TokenTree::Punct(b)) =
            (&w[0], &w[1], &w[2])
        {
            if a.as_char() == '-' && b.as_char() == '>' {
                cols.push(i.to_string());
            }
        }
    }
    cols
}

/// `CamelCase` → `camel_case` (sea-orm's `Column` variants, diesel's
/// default table names).
pub fn snake_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for (i, c) in s.chars().enumerate() {
        if c.is_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.extend(c.to_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// Text of a token tree without spaces, for matching paths.
pub fn compact(t: &impl ToTokens) -> String {
    t.to_token_stream()
        .to_string()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tables_models_entities_and_aliases() {
        let src = r#"
            diesel::table! {
                #[sql_name = "x"]
                accounts (id) { id -> Int4, balance -> Int8, }
                public.users { id -> Int4, #[max_length = 5] name -> Text }
            }
            #[derive(Queryable)]
            #[diesel(table_name = crate::schema::accounts, check_for_backend(diesel::pg::Pg))]
            pub struct Account { id: i32 }
            #[table_name = "users"]
            pub struct User { id: i32 }
            pub mod post {
                #[derive(DeriveEntityModel)]
                #[sea_orm(table_name = "posts")]
                pub struct Model { pub id: i32 }
            }
            pub use super::post::Entity as Post;
            pub type Comment = comment::Entity;
        "#;
        let f = syn::parse_file(src).unwrap();
        let s = read(&f, "schema");
        assert_eq!(s.tables.len(), 2);
        assert_eq!(s.tables[0].name, "accounts");
        assert_eq!(s.tables[0].columns, vec!["id", "balance"]);
        assert_eq!(s.tables[1].name, "users");
        assert_eq!(s.tables[1].primary_key, vec!["id"]);
        assert_eq!(s.tables[1].columns, vec!["id", "name"]);
        assert!(s.models.contains(&("Account".into(), "accounts".into())));
        assert!(s.models.contains(&("User".into(), "users".into())));
        assert_eq!(s.entities, vec![("post".to_string(), "posts".to_string())]);
        assert!(s.aliases.contains(&("Post".into(), "post".into())));
        assert!(s.aliases.contains(&("Comment".into(), "comment".into())));
        assert_eq!(snake_case("CreatedAt"), "created_at");
        assert_eq!(module_of_path("src/entity/post.rs"), "post");
        assert_eq!(module_of_path("src/entity/post/mod.rs"), "post");
    }
}
