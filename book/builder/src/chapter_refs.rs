//! Chapter references in prose must be links. A typed "chapter 4" goes stale
//! the day a topic moves (three pages once put select/epoll in chapter 4; the
//! kit teaches them in chapter 3), while a link to the chapter's page is
//! checked here on every build: its text says "chapter N" and its target is
//! chapter N's first page, or, for a chapter still to come, the preface's
//! table of the chapters.

use std::collections::BTreeMap;
use std::path::Path;

/// Where a link to a chapter still to come points: the preface's plan.
pub const COMING_TARGET: &str = "preface.md#where-the-book-comes-from";

/// Each chapter's number and the page a reference to it must link to, under
/// `book/src/`: its first page, or [`COMING_TARGET`].
pub type Targets = BTreeMap<u32, String>;

/// The problems of `text`, the page at `source` (relative to `book/src/`), as
/// (1-based line, message).
pub fn check(source: &Path, text: &str, targets: &Targets) -> Vec<(usize, String)> {
    let mut problems = Vec::new();
    let folder = source.parent().unwrap_or(Path::new(""));
    let mut fenced = false;
    for (index, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if fenced || trimmed.starts_with('#') {
            continue; // code, and headings (the glossary's "Chapter 1: sockets")
        }
        let line = blank_code_spans(raw);
        for (at, number) in references(&line) {
            let message = match link_around(&line, at) {
                None => format!(
                    "\"chapter {number}\" is typed, not linked: write \
                     [chapter {number}]({}) so the build can check it",
                    relative(folder, target_of(targets, number))
                ),
                Some(target) => {
                    let Some(expected) = targets.get(&number) else {
                        problems.push((
                            index + 1,
                            format!("there is no chapter {number} in kit.toml"),
                        ));
                        continue;
                    };
                    if is_in_chapter(&resolve(folder, &target), expected) {
                        continue;
                    }
                    format!(
                        "the link for \"chapter {number}\" goes to {target}, which is not \
                         a page of chapter {number}: link to {}",
                        relative(folder, expected)
                    )
                }
            };
            problems.push((index + 1, message));
        }
    }
    problems
}

/// Whether `page` (under `book/src/`) belongs to the chapter whose first
/// page is `first`: that page, or another in its folder (a link such as
/// "[chapter 1's framing exercise](../ch1/framing.md)" is as checkable).
fn is_in_chapter(page: &str, first: &str) -> bool {
    if page == first {
        return true;
    }
    match first.rsplit_once('/') {
        Some((folder, _)) if first != COMING_TARGET => page.starts_with(&format!("{folder}/")),
        _ => false,
    }
}

fn target_of(targets: &Targets, number: u32) -> &str {
    targets
        .get(&number)
        .map(String::as_str)
        .unwrap_or(COMING_TARGET)
}

/// The line with each `code span` replaced by spaces, so byte offsets hold.
fn blank_code_spans(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(' ');
        } else if in_code {
            out.extend(std::iter::repeat_n(' ', c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

/// Each "chapter N" / "chapters N" in `line` (any case): its byte offset and N.
fn references(line: &str) -> Vec<(usize, u32)> {
    let lower = line.to_ascii_lowercase();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(offset) = lower[from..].find("chapter") {
        let at = from + offset;
        from = at + "chapter".len();
        if at > 0 && lower.as_bytes()[at - 1].is_ascii_alphabetic() {
            continue;
        }
        if lower[..at].ends_with("seed's ") {
            continue; // the seed's own chapter, not a page of this book
        }
        let rest = lower[from..].strip_prefix('s').unwrap_or(&lower[from..]);
        let Some(rest) = rest.strip_prefix(' ') else {
            continue;
        };
        let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
        if let Ok(number) = digits.parse() {
            found.push((at, number));
        }
    }
    found
}

/// The target of the Markdown link whose text holds byte `at`, if any.
fn link_around(line: &str, at: usize) -> Option<String> {
    let open = line[..at].rfind('[')?;
    if line[open..at].contains(']') {
        return None;
    }
    let close = at + line[at..].find(']')?;
    let rest = line[close + 1..].strip_prefix('(')?;
    let end = rest.find(')')?;
    Some(rest[..end].to_string())
}

/// `target` as a path under `book/src/`, from a page in `folder`; a `#…`
/// fragment is kept only for the preface's plan.
fn resolve(folder: &Path, target: &str) -> String {
    let (path, fragment) = match target.split_once('#') {
        Some((path, fragment)) => (path, Some(fragment)),
        None => (target, None),
    };
    let out = super::checks::normalise(&folder.join(path));
    let path = out.to_string_lossy().replace('\\', "/");
    match fragment {
        Some(fragment) if format!("{path}#{fragment}") == COMING_TARGET => COMING_TARGET.into(),
        _ => path,
    }
}

/// `target` (under `book/src/`) as a link from a page in `folder`.
fn relative(folder: &Path, target: &str) -> String {
    let ups = folder.components().count();
    format!("{}{target}", "../".repeat(ups))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets::from([
            (1, "ch1/index.md".to_string()),
            (3, COMING_TARGET.to_string()),
        ])
    }

    fn problems(text: &str) -> Vec<(usize, String)> {
        check(Path::new("ch2/page.md"), text, &targets())
    }

    #[test]
    fn a_typed_chapter_reference_is_refused_with_the_link_to_write() {
        let found = problems("As chapter 1 showed, and\nin chapter 3 we will see.\n");
        assert_eq!(found.len(), 2, "both references are typed: {found:?}");
        assert!(
            found[0].1.contains("[chapter 1](../ch1/index.md)"),
            "{found:?}"
        );
        assert_eq!(found[1].0, 2, "the second is on line 2: {found:?}");
        assert!(
            found[1]
                .1
                .contains("../preface.md#where-the-book-comes-from"),
            "{found:?}"
        );
    }

    #[test]
    fn a_link_to_the_right_page_passes_and_to_the_wrong_one_is_refused() {
        let good = "See [chapter 1](../ch1/index.md) and \
                    [chapter 3](../preface.md#where-the-book-comes-from).";
        assert_eq!(problems(good), vec![], "both links are right");
        let page = "See [chapter 1's framing](../ch1/framing.md).";
        assert_eq!(
            problems(page),
            vec![],
            "another page of chapter 1 is as good"
        );
        let wrong = problems("See [chapter 1](../ch2/index.md).");
        assert_eq!(
            wrong.len(),
            1,
            "the link goes to chapter 2's page: {wrong:?}"
        );
        assert!(wrong[0].1.contains("link to ../ch1/index.md"), "{wrong:?}");
    }

    #[test]
    fn code_headings_and_other_words_are_not_references() {
        let text = "## Chapter 1: sockets\n```text\nchapter 1 · 6 exercises\n```\n\
                    Run `check chapter1` or `chapter 1`; subchapter 2, this chapter \
                    and the seed's chapter 2.\n";
        assert_eq!(problems(text), vec![], "nothing here is a typed reference");
    }
}
