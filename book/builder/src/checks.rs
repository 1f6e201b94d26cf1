//! The checks of a page's directives, before mdBook sees it. mdBook itself
//! only logs a bad include and goes on (and an unknown anchor includes
//! nothing, silently), so the book builder checks every directive here and
//! refuses to build with a message that names the page, the line and the fix.

use super::directives::{self, Directive};
use super::hints;
use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Something wrong in a page, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The page, from the kit's root: `book/src/ch1/udp-sockets.md`.
    pub page: String,
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.page, self.line, self.message)
    }
}

/// What a page being checked needs to know.
pub struct PageContext<'a> {
    /// The kit's root, to show paths from it.
    pub root: &'a Path,
    /// The page's folder on disk: includes are relative to it.
    pub folder: &'a Path,
    /// The page as shown in messages.
    pub page: &'a str,
    /// Each exercise id of kit.toml, with its hints.
    pub hints: &'a BTreeMap<String, Vec<String>>,
}

/// Checks every directive of `text` (the page as one edition sees it, with
/// the lines that edition drops blanked out, so line numbers hold).
pub fn check_page(context: &PageContext<'_>, text: &str) -> Vec<Problem> {
    let mut problems = Vec::new();
    for directive in directives::find(text) {
        if let Err(message) = check_directive(context, &directive) {
            problems.push(Problem {
                page: context.page.to_string(),
                line: directive.line,
                message,
            });
        }
    }
    problems
}

fn check_directive(context: &PageContext<'_>, directive: &Directive<'_>) -> Result<(), String> {
    let text = directive.text;
    match directive.name {
        "include" | "rustdoc_include" => {
            let spec = directive.args.split_whitespace().next().unwrap_or("");
            let (path, selection) = match spec.split_once(':') {
                Some((path, selection)) => (path, Some(selection)),
                None => (spec, None),
            };
            let file = read_target(context, text, path)?;
            let shown = shown(context.root, &context.folder.join(path));
            match parse_selection(selection) {
                Selection::Whole => Ok(()),
                Selection::Anchor(name) => check_anchor(text, &file, &shown, &name),
                Selection::Lines { first, last } => check_lines(text, &file, &shown, first, last),
            }
        }
        "playground" | "playpen" => {
            let path = directive.args.split_whitespace().next().unwrap_or("");
            read_target(context, text, path).map(drop)
        }
        "title" => Ok(()),
        "hints" => {
            if context.hints.contains_key(directive.args) {
                Ok(())
            } else {
                Err(hints::unknown(directive.line, directive.args, context.hints).message)
            }
        }
        // Checked by `grading_guide::check`, which knows the edition.
        "grading_guide" => Ok(()),
        other => Err(format!(
            "`{text}`: unknown directive `#{other}`; the book knows #include, \
             #rustdoc_include, #playground, #title, #hints and #grading_guide (to show \
             the braces literally, write a backslash before them: `\\{text}`)"
        )),
    }
}

/// Reads the file a directive names, relative to the page's folder.
fn read_target(context: &PageContext<'_>, text: &str, path: &str) -> Result<String, String> {
    if path.is_empty() {
        return Err(format!("`{text}` names no file"));
    }
    let target = context.folder.join(path);
    std::fs::read_to_string(&target).map_err(|err| {
        let reason = if err.kind() == std::io::ErrorKind::NotFound {
            "no such file".to_string()
        } else {
            err.to_string()
        };
        format!(
            "`{text}`: cannot read {} ({reason}); the path is relative to the page's \
             folder {}: fix the path, or create the file",
            shown(context.root, &target),
            shown(context.root, context.folder),
        )
    })
}

/// What part of a file an include asks for, read as mdBook reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    Whole,
    Anchor(String),
    /// 1-based, inclusive; `None` is "from the start" / "to the end".
    Lines {
        first: Option<usize>,
        last: Option<usize>,
    },
}

/// `FILE:10:20`, `FILE:10:`, `FILE:10`, `FILE::20`, `FILE:name`.
pub fn parse_selection(selection: Option<&str>) -> Selection {
    let Some(selection) = selection else {
        return Selection::Whole;
    };
    let mut parts = selection.splitn(3, ':');
    let first_part = parts.next().unwrap_or("");
    let first = match first_part.parse::<usize>() {
        Ok(n) => Some(n),
        Err(_) if first_part.is_empty() => None,
        Err(_) => return Selection::Anchor(first_part.to_string()),
    };
    match (first, parts.next().map(str::parse::<usize>)) {
        (Some(n), None) => Selection::Lines {
            first: Some(n),
            last: Some(n),
        },
        (first, Some(Ok(last))) => Selection::Lines {
            first,
            last: Some(last),
        },
        (Some(n), Some(Err(_))) => Selection::Lines {
            first: Some(n),
            last: None,
        },
        (None, None | Some(Err(_))) => Selection::Whole,
    }
}

fn check_lines(
    text: &str,
    file: &str,
    shown: &str,
    first: Option<usize>,
    last: Option<usize>,
) -> Result<(), String> {
    let count = file.lines().count();
    if first == Some(0) {
        return Err(format!("`{text}`: lines count from 1, not 0"));
    }
    if let (Some(first), Some(last)) = (first, last)
        && last < first
    {
        return Err(format!(
            "`{text}`: the range ends (line {last}) before it starts (line {first})"
        ));
    }
    for line in [first, last].into_iter().flatten() {
        if line > count {
            return Err(format!(
                "`{text}`: {shown} has {count} lines, so there is no line {line}; \
                 better, mark the region with `// ANCHOR: name` / `// ANCHOR_END: name` \
                 and include it by name, which survives edits"
            ));
        }
    }
    Ok(())
}

/// The anchor name on an `ANCHOR:` or `ANCHOR_END:` line, as mdBook finds it
/// (`ANCHOR:\s*([\w_-]+)`).
fn anchor_on<'a>(line: &'a str, keyword: &str) -> Option<&'a str> {
    let at = line.find(keyword)?;
    let rest = line[at + keyword.len()..].trim_start();
    let len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '-'))
        .unwrap_or(rest.len());
    (len > 0).then(|| &rest[..len])
}

/// The lines of the region `name` of `file`, as mdBook takes them: from the
/// first `ANCHOR: name` line to the next `ANCHOR_END: name`, without the lines
/// of any anchor (nested regions' markers included). `None` if the file has
/// no such region.
pub fn region<'a>(file: &'a str, name: &str) -> Option<Vec<&'a str>> {
    let lines: Vec<&str> = file.lines().collect();
    let start = lines
        .iter()
        .position(|line| anchor_on(line, "ANCHOR:") == Some(name))?;
    let end = lines[start + 1..]
        .iter()
        .position(|line| anchor_on(line, "ANCHOR_END:") == Some(name))?;
    Some(region_lines(&lines[start + 1..start + 1 + end]))
}

/// The lines of `file`, without its anchor lines.
pub fn without_anchor_lines(file: &str) -> Vec<&str> {
    region_lines(&file.lines().collect::<Vec<_>>())
}

/// `lines` without the anchor lines among them.
fn region_lines<'a>(lines: &[&'a str]) -> Vec<&'a str> {
    lines
        .iter()
        .filter(|line| {
            anchor_on(line, "ANCHOR:").is_none() && anchor_on(line, "ANCHOR_END:").is_none()
        })
        .copied()
        .collect()
}

fn check_anchor(text: &str, file: &str, shown: &str, name: &str) -> Result<(), String> {
    let lines: Vec<&str> = file.lines().collect();
    let start = lines
        .iter()
        .position(|line| anchor_on(line, "ANCHOR:") == Some(name));
    let Some(start) = start else {
        let mut known: Vec<&str> = lines
            .iter()
            .filter_map(|line| anchor_on(line, "ANCHOR:"))
            .collect();
        known.dedup();
        let known = if known.is_empty() {
            "it has none".to_string()
        } else {
            format!("it has: {}", known.join(", "))
        };
        return Err(format!(
            "`{text}`: no anchor `{name}` in {shown} ({known}); fix the name, or mark \
             the region in that file with lines `// ANCHOR: {name}` and \
             `// ANCHOR_END: {name}`"
        ));
    };
    let end = lines[start + 1..]
        .iter()
        .position(|line| anchor_on(line, "ANCHOR_END:") == Some(name))
        .map(|offset| start + 1 + offset);
    let Some(end) = end else {
        return Err(format!(
            "`{text}`: `ANCHOR: {name}` at {shown}:{} has no `ANCHOR_END: {name}` after \
             it; add `// ANCHOR_END: {name}` where the region ends",
            start + 1
        ));
    };
    let has_content = region_lines(&lines[start + 1..end])
        .iter()
        .any(|line| !line.trim().is_empty());
    if !has_content {
        return Err(format!(
            "`{text}`: the region `{name}` in {shown} (lines {}–{}) is empty; put the \
             code between its two anchor lines",
            start + 1,
            end + 1
        ));
    }
    Ok(())
}

/// A path as a reader wants to see it: from the kit's root, `..` resolved.
pub fn shown(root: &Path, path: &Path) -> String {
    let path = normalise(path);
    let root = normalise(root);
    let relative = path.strip_prefix(&root).unwrap_or(&path);
    let text = relative.display().to_string();
    if text.is_empty() {
        ".".to_string()
    } else {
        text
    }
}

/// Resolves `.` and `..` by the text of the path alone (the file may not exist).
pub(crate) fn normalise(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small kit: book/src/ch1/page.md beside book/listings/src/bin/demo.rs.
    struct Tree {
        dir: tempfile::TempDir,
        hints: BTreeMap<String, Vec<String>>,
    }

    impl Tree {
        fn new() -> Tree {
            let dir = tempfile::tempdir().unwrap();
            let bin = dir.path().join("book/listings/src/bin");
            std::fs::create_dir_all(&bin).unwrap();
            std::fs::create_dir_all(dir.path().join("book/src/ch1")).unwrap();
            std::fs::write(
                bin.join("demo.rs"),
                "// ANCHOR: all\n\
                 fn main() {\n\
                 // ANCHOR: body\n\
                 println!(\"hi\");\n\
                 // ANCHOR_END: body\n\
                 // ANCHOR: empty\n\
                 // ANCHOR_END: empty\n\
                 // ANCHOR: open\n\
                 }\n\
                 // ANCHOR_END: all\n",
            )
            .unwrap();
            let hints = BTreeMap::from([("udp-dict".to_string(), vec!["h".to_string()])]);
            Tree { dir, hints }
        }

        fn check(&self, page: &str) -> Vec<String> {
            let root = self.dir.path();
            let folder = root.join("book/src/ch1");
            let context = PageContext {
                root,
                folder: &folder,
                page: "book/src/ch1/page.md",
                hints: &self.hints,
            };
            check_page(&context, page)
                .into_iter()
                .map(|p| p.to_string())
                .collect()
        }
    }

    const DEMO: &str = "../../listings/src/bin/demo.rs";

    #[test]
    fn good_directives_pass() {
        let tree = Tree::new();
        let page = format!(
            "{{{{#include {DEMO}}}}}\n{{{{#include {DEMO}:all}}}}\n\
             {{{{#rustdoc_include {DEMO}:body}}}}\n{{{{#include {DEMO}:2:4}}}}\n\
             {{{{#include {DEMO}:3}}}}\n{{{{#include {DEMO}::10}}}}\n\
             {{{{#include {DEMO}:4:}}}}\n{{{{#title T}}}}\n{{{{#hints udp-dict}}}}\n"
        );
        assert_eq!(tree.check(&page), Vec::<String>::new());
    }

    #[test]
    fn a_missing_file_names_the_page_line_and_resolved_path() {
        let tree = Tree::new();
        let problems = tree.check("x\n{{#include ../../listings/src/bin/nope.rs:all}}\n");
        assert_eq!(problems.len(), 1);
        let problem = &problems[0];
        assert!(problem.starts_with("book/src/ch1/page.md:2: "), "{problem}");
        assert!(
            problem.contains("cannot read book/listings/src/bin/nope.rs (no such file)"),
            "{problem}"
        );
        assert!(
            problem.contains("relative to the page's folder book/src/ch1"),
            "{problem}"
        );
    }

    #[test]
    fn a_missing_anchor_lists_the_anchors_there() {
        let tree = Tree::new();
        let problems = tree.check(&format!("{{{{#include {DEMO}:bdy}}}}\n"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("no anchor `bdy`"), "{}", problems[0]);
        assert!(
            problems[0].contains("it has: all, body, empty, open"),
            "{}",
            problems[0]
        );
        assert!(problems[0].contains("`// ANCHOR: bdy`"), "{}", problems[0]);
    }

    #[test]
    fn an_anchor_without_its_end_is_a_problem() {
        let tree = Tree::new();
        let problems = tree.check(&format!("{{{{#include {DEMO}:open}}}}\n"));
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].contains("demo.rs:8 has no `ANCHOR_END: open`"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn an_empty_anchor_is_a_problem() {
        let tree = Tree::new();
        let problems = tree.check(&format!("{{{{#include {DEMO}:empty}}}}\n"));
        assert_eq!(problems.len(), 1);
        assert!(problems[0].contains("is empty"), "{}", problems[0]);
    }

    #[test]
    fn line_ranges_must_lie_in_the_file() {
        let tree = Tree::new();
        let page = format!(
            "{{{{#include {DEMO}:2:40}}}}\n{{{{#include {DEMO}:5:2}}}}\n\
             {{{{#include {DEMO}:0:2}}}}\n{{{{#include {DEMO}:11}}}}\n"
        );
        let problems = tree.check(&page);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(problems[0].contains("has 10 lines, so there is no line 40"));
        assert!(problems[1].contains("ends (line 2) before it starts (line 5)"));
        assert!(problems[2].contains("count from 1"));
        assert!(problems[3].contains("no line 11"));
    }

    #[test]
    fn unknown_directives_and_exercises_are_problems() {
        let tree = Tree::new();
        let problems = tree.check("{{#inclde a.rs}}\n{{#hints udp-dictionary}}\n");
        assert_eq!(problems.len(), 2);
        assert!(
            problems[0].contains("unknown directive `#inclde`"),
            "{}",
            problems[0]
        );
        assert!(problems[1].starts_with("book/src/ch1/page.md:2:"));
        assert!(
            problems[1].contains("no exercise `udp-dictionary`"),
            "{}",
            problems[1]
        );
    }

    #[test]
    fn escaped_directives_are_not_checked() {
        let tree = Tree::new();
        assert_eq!(tree.check("\\{{#include nope.rs}}\n"), Vec::<String>::new());
    }

    #[test]
    fn selections_read_as_mdbook_reads_them() {
        use Selection::*;
        assert_eq!(parse_selection(None), Whole);
        assert_eq!(parse_selection(Some("")), Whole);
        assert_eq!(parse_selection(Some("name")), Anchor("name".into()));
        assert_eq!(
            parse_selection(Some("3")),
            Lines {
                first: Some(3),
                last: Some(3)
            }
        );
        assert_eq!(
            parse_selection(Some(":7")),
            Lines {
                first: None,
                last: Some(7)
            }
        );
        assert_eq!(
            parse_selection(Some("3:")),
            Lines {
                first: Some(3),
                last: None
            }
        );
    }

    #[test]
    fn shown_paths_are_from_the_root() {
        let root = Path::new("/kit");
        assert_eq!(
            shown(root, Path::new("/kit/book/src/ch1/../../listings/x.rs")),
            "book/listings/x.rs"
        );
        assert_eq!(shown(root, Path::new("/elsewhere/x")), "/elsewhere/x");
    }
}
