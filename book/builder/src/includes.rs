//! Includes as a reader wants them. mdBook copies an anchored region as it
//! stands in the file, so a region inside a function shows on the page pushed
//! right by the function's indentation; and it copies a whole file with its
//! `// ANCHOR:` marker lines. Before mdBook's `links` runs, the book builder
//! expands these two kinds of `{{#include}}` itself:
//!
//! - `{{#include FILE:ANCHOR}}`: the region, with its common indentation removed;
//! - `{{#include FILE}}`: the file, without its anchor lines.
//!
//! Line ranges and `rustdoc_include` are left to mdBook.

use super::checks::{self, Selection};
use super::directives;
use std::path::Path;

/// Expands each `{{#include FILE:ANCHOR}}` and `{{#include FILE}}` of
/// `text` (see the module's doc). `folder` is the page's folder, which paths
/// are relative to. A directive whose file or region is missing is left as
/// it is: the checks report it before the build, and mdBook logs it during
/// the build.
pub fn expand(text: &str, folder: &Path) -> String {
    let mut out = String::with_capacity(text.len());
    let mut copied_to = 0;
    for directive in directives::find(text) {
        if directive.name != "include" {
            continue;
        }
        let spec = directive.args.split_whitespace().next().unwrap_or("");
        let (path, selection) = match spec.split_once(':') {
            Some((path, selection)) => (path, checks::parse_selection(Some(selection))),
            None => (spec, Selection::Whole),
        };
        let Ok(file) = std::fs::read_to_string(folder.join(path)) else {
            continue;
        };
        let expanded = match selection {
            Selection::Anchor(name) => match checks::region(&file, &name) {
                Some(lines) => dedent(&lines),
                None => continue,
            },
            Selection::Whole => checks::without_anchor_lines(&file).join("\n"),
            Selection::Lines { .. } => continue,
        };
        out.push_str(&text[copied_to..directive.start]);
        out.push_str(&expanded);
        copied_to = directive.end;
    }
    out.push_str(&text[copied_to..]);
    out
}

/// The lines joined, with the indentation they all share removed (blank
/// lines do not count, and come out empty).
pub fn dedent(lines: &[&str]) -> String {
    let indent = lines
        .iter()
        .filter(|line| !line.trim().is_empty())
        .map(|line| line.len() - line.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|line| line.get(indent..).unwrap_or("").trim_end_matches('\r'))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedent_removes_the_shared_indentation_only() {
        let lines = [
            "    let a = 1;",
            "",
            "    if a > 0 {",
            "        a += 1;",
            "    }",
        ];
        assert_eq!(dedent(&lines), "let a = 1;\n\nif a > 0 {\n    a += 1;\n}");
        assert_eq!(dedent(&["fn main() {}"]), "fn main() {}");
    }

    #[test]
    fn anchored_and_whole_file_includes_are_expanded_and_the_rest_left_to_mdbook() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("demo.rs"),
            "fn main() {\n    // ANCHOR: body\n    let x = 1;\n    // ANCHOR: inner\n    \
             println!(\"{x}\");\n    // ANCHOR_END: inner\n    // ANCHOR_END: body\n}\n",
        )
        .unwrap();
        let page = "a\n```rust\n{{#include demo.rs:body}}\n```\n\
                    {{#include demo.rs:2:3}}\n{{#include demo.rs:nope}}\n\
                    \\{{#include demo.rs:inner}}\n{{#include demo.rs}}\n";
        assert_eq!(
            expand(page, dir.path()),
            "a\n```rust\nlet x = 1;\nprintln!(\"{x}\");\n```\n\
             {{#include demo.rs:2:3}}\n{{#include demo.rs:nope}}\n\
             \\{{#include demo.rs:inner}}\n\
             fn main() {\n    let x = 1;\n    println!(\"{x}\");\n}\n"
        );
    }
}
