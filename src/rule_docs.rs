//! Rule documentation outside the catalogue: each rule's stable web address
//! (linked from SARIF, JSON, rustc-json and the editor), and `rmw-lint
//! explain` rendering its Markdown for a terminal rather than printing the
//! raw text.

/// The web page of a rule: `rules/<id>.md` in the repository that
/// `Cargo.toml` names, so the address is the same for every build of a
/// release and moves only if the repository does.
pub fn url(id: &str) -> String {
    format!(
        "{}/blob/main/rules/{id}.md",
        env!("CARGO_PKG_REPOSITORY").trim_end_matches('/')
    )
}

const BOLD: &str = "\x1b[1m";
const UNDERLINE: &str = "\x1b[4m";
const CODE: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

/// Markdown as a terminal shows it: headings underlined (in colour: bold),
/// fenced code indented by four spaces without its fences (in colour:
/// cyan), `**strong**` and `` `code` `` spans without their markers when
/// colour can show them instead.
pub fn render_terminal(markdown: &str, color: bool) -> String {
    let mut out = String::new();
    let mut in_code = false;
    for line in markdown.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") {
            in_code = !in_code;
            continue;
        }
        if in_code {
            if color {
                out.push_str(&format!("    {CODE}{line}{RESET}\n"));
            } else {
                out.push_str(&format!("    {line}\n"));
            }
            continue;
        }
        let level = trimmed.chars().take_while(|c| *c == '#').count();
        if level > 0 && trimmed[level..].starts_with(' ') {
            let title = inline(trimmed[level..].trim(), false);
            if color {
                let style = if level == 1 {
                    format!("{BOLD}{UNDERLINE}")
                } else {
                    BOLD.to_string()
                };
                out.push_str(&format!("{style}{title}{RESET}\n"));
            } else {
                let rule = if level == 1 { '=' } else { '-' };
                out.push_str(&format!(
                    "{title}\n{}\n",
                    rule.to_string().repeat(title.chars().count())
                ));
            }
            continue;
        }
        out.push_str(&inline(line, color));
        out.push('\n');
    }
    out
}

/// Inline spans: with colour, `code` and **strong** are styled and lose
/// their markers; without it, `code` keeps its backticks (they still mark
/// code) and **strong** loses its asterisks.
fn inline(line: &str, color: bool) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    let mut in_code = false;
    let mut in_strong = false;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('`') {
            in_code = !in_code;
            if color {
                out.push_str(if in_code { CODE } else { RESET });
            } else {
                out.push('`');
            }
            rest = r;
        } else if let (false, Some(r)) = (in_code, rest.strip_prefix("**")) {
            in_strong = !in_strong;
            if color {
                out.push_str(if in_strong { BOLD } else { RESET });
            }
            rest = r;
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    if color && (in_code || in_strong) {
        out.push_str(RESET);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_point_into_the_repository() {
        assert_eq!(
            url("atomic-load-store"),
            "https://github.com/rmw-lint/rmw-lint/blob/main/rules/atomic-load-store.md"
        );
    }

    #[test]
    fn plain_rendering_drops_markup_but_keeps_code_marks() {
        let md = "# title\n\n**Default severity:** error\n\n## Example\n\n```rust\nlet x = 1;\n```\nUse `fetch_add`.\n";
        let text = render_terminal(md, false);
        assert_eq!(
            text,
            "title\n=====\n\nDefault severity: error\n\nExample\n-------\n\n    let x = 1;\nUse `fetch_add`.\n"
        );
        let coloured = render_terminal(md, true);
        assert!(coloured.contains("\x1b[1m\x1b[4mtitle\x1b[0m"));
        assert!(coloured.contains("    \x1b[36mlet x = 1;\x1b[0m"));
        assert!(!coloured.contains("```"));
        assert!(!coloured.contains('`'));
    }
}
