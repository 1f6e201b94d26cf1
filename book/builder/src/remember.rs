//! Each page ends with what to remember. A chapter's first page and each
//! topic page (a page of a chapter's folder that is no exercise's page) end
//! with a `## What to remember` section: it is their last `##` heading. An
//! exercise page has it right before `## Hints`, so the hints, the optional
//! "going further" and the teacher's solution stay after it. The section
//! holds 3 to 6 short bullets.

use std::collections::BTreeSet;
use std::path::Path;

/// The section's heading.
pub const HEADING: &str = "## What to remember";
/// The heading an exercise page's section comes right before.
pub const HINTS: &str = "## Hints";
/// How many bullets the section may hold.
pub const BULLETS: std::ops::RangeInclusive<usize> = 3..=6;

/// What a page is, from kit.toml.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A chapter's first page (`page` of a `[[chapter]]`).
    Chapter,
    /// Another page in a chapter's folder that is no exercise's page.
    Topic,
    /// The `page` of an `[[exercise]]`.
    Exercise,
}

/// The pages kit.toml names, relative to `book/src/`.
#[derive(Debug, Clone, Default)]
pub struct Kinds {
    pub chapters: BTreeSet<String>,
    pub exercises: BTreeSet<String>,
}

impl Kinds {
    /// What the page at `source` is, or None for a page outside every
    /// chapter (the preface, the glossary).
    pub fn of(&self, source: &Path) -> Option<Kind> {
        let source = source.to_string_lossy().replace('\\', "/");
        if self.exercises.contains(&source) {
            return Some(Kind::Exercise);
        }
        if self.chapters.contains(&source) {
            return Some(Kind::Chapter);
        }
        let folder = source.rsplit_once('/').map(|(folder, _)| folder)?;
        self.chapters
            .iter()
            .any(|chapter| chapter.rsplit_once('/').map(|(f, _)| f) == Some(folder))
            .then_some(Kind::Topic)
    }
}

/// The problems of `text`, a page of `kind`, as (1-based line, message).
pub fn check(kind: Kind, text: &str) -> Vec<(usize, String)> {
    let headings = headings(text);
    let last_line = text.lines().count().max(1);
    let Some(index) = headings.iter().position(|(_, h)| h == HEADING) else {
        let (line, fix) = match kind {
            Kind::Exercise => match headings.iter().find(|(_, h)| h == HINTS) {
                Some((line, _)) => (*line, format!("add it right before `{HINTS}`")),
                None => (last_line, format!("add it, then `{HINTS}`")),
            },
            _ => (last_line, "add it at the end of the page".to_string()),
        };
        return vec![(
            line,
            format!(
                "this {} has no `{HEADING}` section: {fix}, with {}-{} short bullets \
                 that say exactly what the page taught",
                name(kind),
                BULLETS.start(),
                BULLETS.end()
            ),
        )];
    };
    let (at, _) = headings[index];
    let mut problems = Vec::new();
    match kind {
        Kind::Exercise => match headings.get(index + 1) {
            Some((_, next)) if next == HINTS => {}
            Some((line, next)) => problems.push((
                *line,
                format!(
                    "`{next}` comes between `{HEADING}` (line {at}) and `{HINTS}`: on an \
                     exercise page, `{HEADING}` comes right before `{HINTS}`; move it"
                ),
            )),
            None => problems.push((
                at,
                format!("an exercise page needs `{HINTS}` right after `{HEADING}`"),
            )),
        },
        Kind::Chapter | Kind::Topic => {
            if let Some((line, next)) = headings.get(index + 1) {
                problems.push((
                    *line,
                    format!(
                        "`{next}` comes after `{HEADING}` (line {at}): on a {}, `{HEADING}` \
                         is the last `##` section; move it to the end",
                        name(kind)
                    ),
                ));
            }
        }
    }
    let end = headings
        .get(index + 1)
        .map(|(line, _)| *line - 1)
        .unwrap_or(last_line);
    let bullets = text
        .lines()
        .skip(at)
        .take(end.saturating_sub(at))
        .filter(|line| line.starts_with("- ") || line.starts_with("* "))
        .count();
    if !BULLETS.contains(&bullets) {
        problems.push((
            at,
            format!(
                "`{HEADING}` holds {bullets} bullet(s): give {}-{} short ones (`- …`), \
                 each a fact the page taught",
                BULLETS.start(),
                BULLETS.end()
            ),
        ));
    }
    problems
}

fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::Chapter => "chapter page",
        Kind::Topic => "topic page",
        Kind::Exercise => "exercise page",
    }
}

/// The `##` headings outside code blocks, as (1-based line, heading with
/// trailing spaces removed). Deeper headings (`###`) are left out.
fn headings(text: &str) -> Vec<(usize, String)> {
    let mut found = Vec::new();
    let mut fenced = false;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            fenced = !fenced;
            continue;
        }
        if !fenced && line.starts_with("## ") {
            found.push((index + 1, line.trim_end().to_string()));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    const REMEMBER: &str = "## What to remember\n\n- one\n- two\n  still two\n- three\n";

    #[test]
    fn kinds_come_from_kit_toml_and_the_chapters_folders() {
        let kinds = Kinds {
            chapters: ["ch1/index.md".to_string()].into(),
            exercises: ["ch1/ex.md".to_string()].into(),
        };
        let of = |page: &str| kinds.of(Path::new(page));
        assert_eq!(of("ch1/index.md"), Some(Kind::Chapter));
        assert_eq!(of("ch1/ex.md"), Some(Kind::Exercise));
        assert_eq!(of("ch1/topic.md"), Some(Kind::Topic));
        assert_eq!(of("preface.md"), None, "outside every chapter");
        assert_eq!(of("ch2/topic.md"), None, "ch2 is no chapter's folder here");
    }

    #[test]
    fn a_topic_page_ends_with_the_section() {
        let good = format!("# Topic\n\n## First\n\ntext\n\n{REMEMBER}");
        assert_eq!(check(Kind::Topic, &good), vec![]);
        let code = format!("{good}\n```text\n## not a heading\n```\n### A smaller one\n");
        assert_eq!(
            check(Kind::Topic, &code),
            vec![],
            "code and ### do not count"
        );

        let missing = check(Kind::Chapter, "# Topic\n\n## First\n\ntext\n");
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].0, 5, "the last line: {missing:?}");
        assert!(
            missing[0].1.contains("at the end of the page"),
            "{missing:?}"
        );

        let early = check(Kind::Topic, &format!("# Topic\n\n{REMEMBER}\n## Later\n"));
        assert_eq!(early.len(), 1, "{early:?}");
        assert_eq!(early[0].0, 10, "the heading after it: {early:?}");
        assert!(early[0].1.contains("is the last `##` section"), "{early:?}");
    }

    #[test]
    fn an_exercise_page_has_the_section_right_before_hints() {
        let good = format!("# Ex\n\n## Try it\n\n{REMEMBER}\n## Hints\n\n## Going further\n");
        assert_eq!(check(Kind::Exercise, &good), vec![]);

        let missing = check(Kind::Exercise, "# Ex\n\n## Try it\n\n## Hints\n");
        assert_eq!(missing.len(), 1, "{missing:?}");
        assert_eq!(missing[0].0, 5, "the Hints line: {missing:?}");
        assert!(
            missing[0].1.contains("right before `## Hints`"),
            "{missing:?}"
        );

        let between = format!("# Ex\n\n{REMEMBER}\n## Try it\n\n## Hints\n");
        let found = check(Kind::Exercise, &between);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0].1.contains("`## Try it` comes between"),
            "{found:?}"
        );

        let no_hints = check(Kind::Exercise, REMEMBER);
        assert!(no_hints[0].1.contains("needs `## Hints`"), "{no_hints:?}");
    }

    #[test]
    fn the_section_holds_three_to_six_bullets() {
        let two = check(Kind::Topic, "# T\n\n## What to remember\n\n- one\n- two\n");
        assert_eq!(two.len(), 1, "{two:?}");
        assert_eq!(two[0].0, 3, "{two:?}");
        assert!(two[0].1.contains("holds 2 bullet(s)"), "{two:?}");
        let seven = format!("# T\n\n## What to remember\n\n{}", "- a\n".repeat(7));
        assert!(check(Kind::Topic, &seven)[0].1.contains("holds 7"));
    }
}
