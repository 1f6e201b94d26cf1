//! Each exercise page says what it assumes. Right after its `**Your file:**`
//! paragraph comes a paragraph
//!
//! ```text
//! **Assumes:** [TCP sockets](../ch1/tcp-sockets.md), [threads](threads.md)
//! ```
//!
//! with at least one link, and every link goes to a page that comes before
//! it in SUMMARY.md: a student who reads in order has read them all. The
//! first exercise of the book assumes only its chapter's pages before it; a
//! page that needs nothing more than the preface says so, with the link:
//! `**Assumes:** nothing beyond [the preface](../preface.md)`.

use std::path::Path;

/// How the line starts.
pub const MARK: &str = "**Assumes:**";
/// The line it follows.
pub const YOUR_FILE: &str = "**Your file:**";

/// The problems of `text`, the exercise page at `source` (relative to
/// `book/src/`), as (1-based line, message). `before` holds the pages that
/// come before it in SUMMARY.md, relative to `book/src/`.
pub fn check(source: &Path, text: &str, before: &[&Path]) -> Vec<(usize, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let example =
        format!("{MARK} [TCP sockets](../ch1/tcp-sockets.md), [threads](../ch2/threads.md)");
    let Some(file_at) = lines
        .iter()
        .position(|line| line.trim_start().starts_with(YOUR_FILE))
    else {
        return vec![(
            1,
            format!(
                "an exercise page needs a `{YOUR_FILE} `exercises/src/…`` line near its top, \
                 and after it a line `{example}`"
            ),
        )];
    };
    // The end of the Your-file paragraph (it may wrap), then blank lines.
    let mut at = file_at;
    while at < lines.len() && !lines[at].trim().is_empty() {
        at += 1;
    }
    while at < lines.len() && lines[at].trim().is_empty() {
        at += 1;
    }
    if at >= lines.len() || !lines[at].trim_start().starts_with(MARK) {
        return vec![(
            file_at + 1,
            format!(
                "the `{YOUR_FILE}` paragraph must be followed (after a blank line) by a \
                 paragraph that says what the exercise assumes, with links to pages before \
                 it in SUMMARY.md: `{example}`"
            ),
        )];
    }
    let mark_at = at;
    let mut problems = Vec::new();
    let mut links = 0;
    let folder = source.parent().unwrap_or(Path::new(""));
    while at < lines.len() && !lines[at].trim().is_empty() {
        for target in link_targets(lines[at]) {
            links += 1;
            let path = target.split('#').next().unwrap_or_default();
            if path.is_empty() || path.contains("://") {
                problems.push((
                    at + 1,
                    format!(
                        "`{MARK}` links to `{target}`: link to a page of this book, before \
                         this one in SUMMARY.md"
                    ),
                ));
                continue;
            }
            let page = super::checks::normalise(&folder.join(path));
            if !before.iter().any(|seen| *seen == page) {
                problems.push((
                    at + 1,
                    format!(
                        "`{MARK}` links to `{target}`, which does not come before this page \
                         in SUMMARY.md: a student reading in order has not read it yet; \
                         teach what is needed here or move the page"
                    ),
                ));
            }
        }
        at += 1;
    }
    if links == 0 {
        problems.push((
            mark_at + 1,
            format!(
                "`{MARK}` has no link: name the pages it needs as links, \
                 `{example}`, or write `{MARK} nothing beyond [the preface](../preface.md)`"
            ),
        ));
    }
    problems
}

/// The targets of the inline Markdown links `[text](target)` in `line`.
fn link_targets(line: &str) -> Vec<&str> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find("](") {
        let after = &rest[at + 2..];
        let Some(end) = after.find(')') else { break };
        found.push(after[..end].trim());
        rest = &after[end + 1..];
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<(usize, String)> {
        let before = [
            Path::new("preface.md"),
            Path::new("ch1/index.md"),
            Path::new("ch1/tcp-sockets.md"),
            Path::new("ch2/threads.md"),
        ];
        check(Path::new("ch2/ex.md"), text, &before)
    }

    const TOP: &str = "# Exercise\n\n**Check it:** `cargo xtask check ex`\n\n\
                       **Your file:** `exercises/src/ch2/ex.rs` (it uses\nyour other file)\n\n";

    #[test]
    fn links_to_earlier_pages_pass_with_fragments_and_over_two_lines() {
        let text = format!(
            "{TOP}**Assumes:** [TCP sockets](../ch1/tcp-sockets.md#a-tcp-server),\n\
             [threads](threads.md)\n\n## Why it matters\n"
        );
        assert_eq!(problems(&text), vec![]);
        let nothing = format!("{TOP}**Assumes:** nothing beyond [the preface](../preface.md)\n");
        assert_eq!(problems(&nothing), vec![]);
    }

    #[test]
    fn a_missing_assumes_line_is_refused_on_the_your_file_line() {
        let found = problems(&format!("{TOP}## Why it matters\n"));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 5, "the Your-file line: {found:?}");
        assert!(
            found[0].1.contains("**Assumes:** [TCP sockets]"),
            "{found:?}"
        );
        let none = problems("# Exercise\n\nNo file named.\n");
        assert!(none[0].1.contains("needs a `**Your file:**"), "{none:?}");
    }

    #[test]
    fn an_assumes_line_without_a_link_is_refused() {
        let found = problems(&format!(
            "{TOP}**Assumes:** threads and sockets.\n\n## Next\n"
        ));
        assert_eq!(found.len(), 1, "{found:?}");
        assert_eq!(found[0].0, 8, "{found:?}");
        assert!(found[0].1.contains("has no link"), "{found:?}");
    }

    #[test]
    fn a_link_to_a_later_or_outside_page_is_refused() {
        let text = format!(
            "{TOP}**Assumes:** [locks](locks.md), [Rust](https://www.rust-lang.org/),\n\
             [threads](threads.md)\n"
        );
        let found = problems(&text);
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(
            found[0]
                .1
                .contains("`locks.md`, which does not come before"),
            "{found:?}"
        );
        assert!(found[1].1.contains("a page of this book"), "{found:?}");
        assert_eq!((found[0].0, found[1].0), (8, 8), "{found:?}");
    }
}
