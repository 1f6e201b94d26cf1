//! Lines added to files kept by hand: a module to a list of `mod` lines, an
//! item to a doc comment's list, an entry to kit.toml or SUMMARY.md. Each
//! keeps the file's order: a sorted list stays sorted (rustfmt sorts `mod`
//! lines), any other list grows at its end.

use crate::manifest::Manifest;
use anyhow::{Result, bail};

/// An item of a list: its first line, and the lines that continue it.
struct Item {
    key: String,
    start: usize,
    end: usize,
}

/// Adds `new_lines` (one item, whose key is `new_key`) to the first run of
/// items in `text`: lines for which `key_of` gives a key start an item, and
/// lines for which `continues` holds belong to the item above. A sorted run
/// gets the item at its sorted place, any other run at its end. `None` when
/// `text` has no such run.
pub fn insert_item(
    text: &str,
    key_of: impl Fn(&str) -> Option<String>,
    continues: impl Fn(&str) -> bool,
    new_key: &str,
    new_lines: &[String],
) -> Option<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut items: Vec<Item> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(key) = key_of(line) {
            if items.last().is_some_and(|last| last.end != i) {
                break; // a second run: only the first counts
            }
            items.push(Item {
                key,
                start: i,
                end: i + 1,
            });
        } else if let Some(last) = items.last_mut()
            && last.end == i
            && continues(line)
        {
            last.end = i + 1;
        }
    }
    let last = items.last()?;
    let sorted = items.windows(2).all(|w| w[0].key <= w[1].key);
    let at = if sorted {
        items
            .iter()
            .find(|item| item.key.as_str() > new_key)
            .map_or(last.end, |item| item.start)
    } else {
        last.end
    };
    Some(with_lines_at(text, at, new_lines))
}

/// `text` with `new_lines` inserted before line `at` (0-based).
pub fn with_lines_at(text: &str, at: usize, new_lines: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let at = at.min(lines.len());
    lines.splice(at..at, new_lines.iter().cloned());
    let mut out = lines.join("\n");
    if text.ends_with('\n') || text.is_empty() {
        out.push('\n');
    }
    out
}

/// A match arm `pattern => body,` as rustfmt lays it out: on one line if it
/// fits in 100 columns, else the body in a block of its own.
pub fn match_arm(indent: &str, pattern: &str, body: &str) -> Vec<String> {
    let one_line = format!("{indent}{pattern} => {body},");
    if one_line.chars().count() <= 100 {
        vec![one_line]
    } else {
        vec![
            format!("{indent}{pattern} => {{"),
            format!("{indent}    {body}"),
            format!("{indent}}}"),
        ]
    }
}

/// The module of a line `pub mod name;` (with `public`) or `mod name;`.
pub fn mod_key(line: &str, public: bool) -> Option<String> {
    let rest = if public {
        line.strip_prefix("pub mod ")?
    } else {
        line.strip_prefix("mod ")?
    };
    Some(rest.strip_suffix(';')?.to_string())
}

/// The name of an item of a doc list: ``//! - [`name`]…``.
pub fn doc_item_key(line: &str) -> Option<String> {
    let rest = line.strip_prefix("//! - [`")?;
    Some(rest.split('`').next()?.to_string())
}

/// A doc list item's continuation line: `//!   more words`.
pub fn doc_continues(line: &str) -> bool {
    line.starts_with("//!   ")
}

/// Adds a `mod` line (and a doc list item, if the file has a doc list) to
/// a module file.
pub fn with_module(text: &str, name: &str, public: bool, doc: Option<&str>) -> String {
    let line = if public {
        format!("pub mod {name};")
    } else {
        format!("mod {name};")
    };
    let mut text = insert_item(
        text,
        |l| mod_key(l, public),
        |_| false,
        name,
        std::slice::from_ref(&line),
    )
    .unwrap_or_else(|| {
        let mut t = text.to_string();
        if !t.is_empty() && !t.ends_with("\n\n") {
            t.push('\n');
        }
        t.push_str(&line);
        t.push('\n');
        t
    });
    if let Some(doc) = doc {
        let item = format!("//! - [`{name}`]: {doc}");
        match insert_item(
            &text,
            doc_item_key,
            doc_continues,
            name,
            std::slice::from_ref(&item),
        ) {
            Some(with_doc) => text = with_doc,
            // No list yet (a chapter's first module): start one below the
            // file's doc comment.
            None => {
                let lines: Vec<&str> = text.lines().collect();
                if let Some(last) = lines.iter().rposition(|l| l.starts_with("//!")) {
                    text = with_lines_at(&text, last + 1, &["//!".to_string(), item]);
                }
            }
        }
    }
    text
}

/// The line index of the first line that holds `needle`, or an error that
/// says the file is not as `cargo xtask new` expects.
pub fn line_with(text: &str, needle: &str, file: &str) -> Result<usize> {
    match text.lines().position(|l| l.contains(needle)) {
        Some(at) => Ok(at),
        None => bail!(
            "{file} has no line with `{needle}`, which `cargo xtask new` writes next to; \
             has the file changed shape? Add the lines by hand, or restore that line"
        ),
    }
}

/// kit.toml with `entry` (an `[[exercise]]` table) after the last exercise of
/// chapter `number`, or after the chapter's own table if it has none yet.
/// Comments and layout are kept: this is text, not a re-serialisation.
pub fn kit_toml_with(text: &str, manifest: &Manifest, number: u32, entry: &str) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let is_header = |l: &str| l.trim_start().starts_with("[[");
    // Each table: (header line, end line exclusive, its `id`).
    let mut tables: Vec<(usize, usize, String)> = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if is_header(line) {
            if let Some(last) = tables.last_mut() {
                last.1 = i;
            }
            tables.push((i, lines.len(), String::new()));
        } else if let Some(last) = tables.last_mut()
            && last.2.is_empty()
            && let Some(value) = line.trim().strip_prefix("id")
            && let Some(value) = value.trim_start().strip_prefix('=')
        {
            last.2 = value.trim().trim_matches('"').to_string();
        }
    }
    let after = manifest
        .exercises
        .iter()
        .rev()
        .find(|e| e.chapter == number)
        .map(|e| e.id.clone())
        .or_else(|| manifest.chapter(number).map(|c| c.id.clone()));
    let Some(table) = after.and_then(|id| tables.iter().find(|t| t.2 == id)) else {
        bail!(
            "kit.toml: found no table for chapter {number} or its exercises to add the entry after"
        );
    };
    // After the table's last line of content, not the blank lines and
    // comments that open the next one.
    let mut end = table.1;
    while end > table.0 + 1 {
        let line = lines[end - 1].trim();
        if line.is_empty() || line.starts_with('#') {
            end -= 1;
        } else {
            break;
        }
    }
    let mut block = vec![String::new()];
    block.extend(entry.lines().map(str::to_string));
    Ok(with_lines_at(text, end, &block))
}

/// SUMMARY.md with a line for the exercise's page after the chapter's last
/// exercise (past that line's own sub-items), or at the end of the chapter's
/// entries if it has none yet.
pub fn summary_with(
    text: &str,
    chapter_page: &str,
    last_exercise_page: Option<&str>,
    title: &str,
    page: &str,
) -> Result<String> {
    let lines: Vec<&str> = text.lines().collect();
    let indent_of = |l: &str| l.len() - l.trim_start().len();
    let find = |page: &str| {
        let target = format!("]({page})");
        lines.iter().position(|l| l.contains(&target))
    };
    let (at, indent) = match last_exercise_page.and_then(find) {
        Some(at) => (at, indent_of(lines[at])),
        None => match find(chapter_page) {
            Some(at) => (at, indent_of(lines[at]) + 2),
            None => bail!(
                "book/src/SUMMARY.md does not link the chapter's page {chapter_page}: \
                 add the chapter to SUMMARY.md first"
            ),
        },
    };
    // Past the lines nested deeper than the one we add after.
    let floor = indent_of(lines[at]);
    let mut end = at + 1;
    while end < lines.len() && !lines[end].trim().is_empty() && indent_of(lines[end]) > floor {
        end += 1;
    }
    let line = format!("{}- [Exercise: {title}]({page})", " ".repeat(indent));
    Ok(with_lines_at(text, end, &[line]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sorted_list_stays_sorted_and_another_grows_at_its_end() {
        let sorted = "//! doc\n\npub mod alpha;\npub mod gamma;\n";
        assert_eq!(
            with_module(sorted, "beta", true, None),
            "//! doc\n\npub mod alpha;\npub mod beta;\npub mod gamma;\n",
            "between alpha and gamma"
        );
        let docs = "//! - [`b`]: one\n//!   more\n//! - [`a`]: two\n\npub mod a;\npub mod b;\n";
        assert_eq!(
            with_module(docs, "c", true, Some("three.")),
            "//! - [`b`]: one\n//!   more\n//! - [`a`]: two\n//! - [`c`]: three.\n\npub mod a;\npub mod b;\npub mod c;\n",
            "an unsorted doc list grows at its end, past the continuation line"
        );
    }

    #[test]
    fn summary_lines_go_after_the_last_exercise_and_its_sub_items() {
        let summary = "- [One](ch1/index.md)\n  - [Exercise: a](ch1/a.md)\n    - [Sub](ch1/s.md)\n  - [Idea](ch1/i.md)\n- [Two](ch2/index.md)\n";
        let out = summary_with(summary, "ch1/index.md", Some("ch1/a.md"), "b", "ch1/b.md").unwrap();
        assert_eq!(
            out,
            "- [One](ch1/index.md)\n  - [Exercise: a](ch1/a.md)\n    - [Sub](ch1/s.md)\n  - [Exercise: b](ch1/b.md)\n  - [Idea](ch1/i.md)\n- [Two](ch2/index.md)\n",
            "after the sub-item of a, at a's indentation"
        );
        let out = summary_with(summary, "ch2/index.md", None, "c", "ch2/c.md").unwrap();
        assert!(
            out.ends_with("- [Two](ch2/index.md)\n  - [Exercise: c](ch2/c.md)\n"),
            "{out}"
        );
    }
}
