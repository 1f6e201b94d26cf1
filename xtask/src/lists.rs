//! The lists of exercises kept by hand outside kit.toml: the README's chapter
//! tables (`## Chapter N at a glance`, one row per exercise with its
//! programs) and each chapter's first page, which links every exercise page
//! of its chapter. `cargo xtask test` checks them against kit.toml
//! ([`problems`]); `cargo xtask new` adds an exercise to them
//! ([`readme_with_row`], [`chapter_page_with_link`]).
//!
//! (The preface lists the chapters, not the exercises, so it is not checked.)

use crate::manifest::{Chapter, Exercise, Manifest};
use std::path::Path;

/// The README's heading above the table of chapter `number`.
pub fn readme_heading(number: u32) -> String {
    format!("## Chapter {number} at a glance")
}

/// A row of a Markdown table, split at its `|`s: the cells as written,
/// padding included.
fn raw_cells(line: &str) -> Vec<&str> {
    let inner = line.trim().strip_prefix('|').unwrap_or(line.trim());
    let inner = inner.strip_suffix('|').unwrap_or(inner);
    inner.split('|').collect()
}

/// The cells of a row, trimmed and without the backticks around a name.
fn cells(line: &str) -> Vec<String> {
    raw_cells(line)
        .into_iter()
        .map(|cell| cell.trim().trim_matches('`').to_string())
        .collect()
}

/// The programs a row's last cell names: `` `a`, `b` `` is `[a, b]`.
fn programs_cell(cell: &str) -> Vec<String> {
    cell.split(',')
        .map(|p| p.trim().trim_matches('`').to_string())
        .filter(|p| !p.is_empty())
        .collect()
}

/// The line range (`start..end`) of the table under the heading of chapter
/// `number`, header and separator rows included; `None` without one.
fn readme_table(lines: &[&str], number: u32) -> Option<std::ops::Range<usize>> {
    let heading = readme_heading(number);
    let at = lines.iter().position(|l| l.trim() == heading)?;
    let mut start = None;
    for (i, line) in lines.iter().enumerate().skip(at + 1) {
        if line.starts_with("## ") {
            break;
        }
        if line.trim_start().starts_with('|') {
            start = Some(i);
            break;
        }
    }
    let start = start?;
    let end = (start..lines.len())
        .find(|&i| !lines[i].trim_start().starts_with('|'))
        .unwrap_or(lines.len());
    Some(start..end)
}

/// The exercise rows of a table: `(id, programs)`, header and separator left out.
fn table_rows(lines: &[&str], table: std::ops::Range<usize>) -> Vec<(String, Vec<String>)> {
    lines[table]
        .iter()
        .skip(2)
        .map(|line| {
            let cells = cells(line);
            let programs = cells.last().map(|c| programs_cell(c)).unwrap_or_default();
            (cells.first().cloned().unwrap_or_default(), programs)
        })
        .collect()
}

/// The link to an exercise's page from its chapter's page: `udp-dict.md`
/// beside `ch1/index.md`, `../ch1/udp-dict.md` from elsewhere.
pub fn link_from_chapter(chapter: &Chapter, exercise_page: &str) -> String {
    let folder = Path::new(&chapter.page)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    match exercise_page.strip_prefix(&format!("{folder}/")) {
        Some(rest) if !folder.is_empty() => rest.to_string(),
        _ => {
            let depth = Path::new(&chapter.page)
                .components()
                .count()
                .saturating_sub(1);
            format!("{}{exercise_page}", "../".repeat(depth))
        }
    }
}

/// What is wrong with the hand-kept lists: one line per problem, each with
/// the fix.
pub fn problems(root: &Path, manifest: &Manifest) -> Vec<String> {
    let mut problems = Vec::new();
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    let lines: Vec<&str> = readme.lines().collect();
    for chapter in &manifest.chapters {
        let exercises: Vec<&Exercise> = manifest
            .exercises
            .iter()
            .filter(|e| e.chapter == chapter.number)
            .collect();
        if exercises.is_empty() {
            continue;
        }
        let heading = readme_heading(chapter.number);
        let Some(table) = readme_table(&lines, chapter.number) else {
            problems.push(format!(
                "README.md has no table under `{heading}`: add one, a row per exercise \
                 (| `id` | you build | programs |)"
            ));
            continue;
        };
        let rows = table_rows(&lines, table);
        for exercise in &exercises {
            match rows.iter().find(|(id, _)| id == &exercise.id) {
                None => problems.push(format!(
                    "README.md: the table under `{heading}` has no row for `{}`: add \
                     | `{}` | what the student builds | {} |",
                    exercise.id,
                    exercise.id,
                    programs_text(&exercise.programs)
                )),
                Some((_, programs)) => {
                    let (mut listed, mut wanted) = (programs.clone(), exercise.programs.clone());
                    listed.sort();
                    wanted.sort();
                    if listed != wanted {
                        problems.push(format!(
                            "README.md: the row of `{}` under `{heading}` lists the programs \
                             {programs:?}, kit.toml {:?}: write `{}` in its last cell",
                            exercise.id,
                            exercise.programs,
                            programs_text(&exercise.programs)
                        ));
                    }
                }
            }
        }
        for (id, _) in &rows {
            if !exercises.iter().any(|e| &e.id == id) {
                problems.push(format!(
                    "README.md: the table under `{heading}` has a row for `{id}`, which is no \
                     exercise of chapter {} in kit.toml: remove the row, or fix its name",
                    chapter.number
                ));
            }
        }
        let page =
            std::fs::read_to_string(root.join("book/src").join(&chapter.page)).unwrap_or_default();
        for exercise in &exercises {
            let link = link_from_chapter(chapter, &exercise.page);
            if !page.contains(&format!("]({link})")) {
                problems.push(format!(
                    "book/src/{}: the chapter's page does not link the exercise `{}`: add \
                     [{}]({link}) to its list of exercises",
                    chapter.page, exercise.id, exercise.title
                ));
            }
        }
    }
    problems
}

/// The last cell of a README row: `` `a`, `b` ``, or nothing.
fn programs_text(programs: &[String]) -> String {
    programs
        .iter()
        .map(|p| format!("`{p}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The README with a row for `exercise` at the end of its chapter's table
/// (made, under a new heading after the last chapter's table, if the chapter
/// has none yet). Columns are widened where the new row's cells are longer.
pub fn readme_with_row(readme: &str, exercise: &Exercise, builds: &str) -> String {
    let mut lines: Vec<String> = readme.lines().map(str::to_string).collect();
    let borrowed: Vec<&str> = lines.iter().map(String::as_str).collect();
    let new_cells = [
        format!("`{}`", exercise.id),
        builds.to_string(),
        programs_text(&exercise.programs),
    ];
    let Some(table) = readme_table(&borrowed, exercise.chapter) else {
        // A new section after the last chapter table, or at the end.
        let after = (1..=exercise.chapter)
            .rev()
            .find_map(|n| readme_table(&borrowed, n))
            .map(|t| t.end)
            .unwrap_or(lines.len());
        let section = [
            String::new(),
            readme_heading(exercise.chapter),
            String::new(),
            "| exercise | you build | programs |".to_string(),
            "|----------|-----------|----------|".to_string(),
            format!("| {} |", new_cells.join(" | ")),
        ];
        lines.splice(after..after, section);
        return joined(lines, readme);
    };
    // Widths from the separator row: each raw cell is the text plus a space
    // on either side. Widen a column (in every row) when the new text needs it.
    let separator = raw_cells(&lines[table.start + 1])
        .iter()
        .map(|c| c.len())
        .collect::<Vec<_>>();
    let mut widths = separator.clone();
    for (i, cell) in new_cells.iter().enumerate() {
        if let Some(width) = widths.get_mut(i) {
            *width = (*width).max(cell.chars().count() + 2);
        }
    }
    for line in &mut lines[table.clone()] {
        let is_separator = line
            .trim()
            .trim_matches('|')
            .chars()
            .all(|c| "-:| ".contains(c));
        let cells: Vec<String> = raw_cells(line)
            .iter()
            .enumerate()
            .map(|(i, raw)| {
                let extra = match (widths.get(i), separator.get(i)) {
                    (Some(wide), Some(was)) => wide - was,
                    _ => 0,
                };
                let fill = if is_separator { "-" } else { " " };
                format!("{raw}{}", fill.repeat(extra))
            })
            .collect();
        *line = format!("|{}|", cells.join("|"));
    }
    let row: Vec<String> = new_cells
        .iter()
        .enumerate()
        .map(|(i, cell)| {
            let width = widths.get(i).copied().unwrap_or(cell.len() + 2);
            let pad = width.saturating_sub(cell.chars().count() + 1);
            format!(" {cell}{}", " ".repeat(pad))
        })
        .collect();
    lines.insert(table.end, format!("|{}|", row.join("|")));
    joined(lines, readme)
}

/// Lines joined back, with the original's final newline.
fn joined(lines: Vec<String>, original: &str) -> String {
    let mut text = lines.join("\n");
    if original.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// The chapter's page with a link to the new exercise's page, after the
/// link to the chapter's last exercise: a table row with as many cells if
/// that link is in a table, a list item otherwise. With no exercise linked
/// yet, a list item at the end of the page.
pub fn chapter_page_with_link(
    page: &str,
    chapter: &Chapter,
    last_exercise_page: Option<&str>,
    exercise: &Exercise,
    builds: &str,
) -> String {
    let mut lines: Vec<String> = page.lines().map(str::to_string).collect();
    let link = format!(
        "[{}]({})",
        exercise.title,
        link_from_chapter(chapter, &exercise.page)
    );
    let item = format!(
        "- [Exercise: {}]({}): {builds}",
        lowercase_first(&exercise.title),
        link_from_chapter(chapter, &exercise.page)
    );
    let last = last_exercise_page.and_then(|p| {
        let target = format!("]({})", link_from_chapter(chapter, p));
        lines.iter().position(|l| l.contains(&target))
    });
    match last {
        Some(at) if lines[at].trim_start().starts_with('|') => {
            let count = raw_cells(&lines[at]).len();
            let mut row = vec![link, builds.to_string()];
            while row.len() < count {
                row.push("TODO(author)".to_string());
            }
            row.truncate(count.max(1));
            lines.insert(at + 1, format!("| {} |", row.join(" | ")));
        }
        Some(at) => {
            // Past the item's continuation lines (indented, not a new item).
            let mut end = at + 1;
            while end < lines.len()
                && lines[end].starts_with("  ")
                && !lines[end].trim_start().starts_with("- ")
            {
                end += 1;
            }
            lines.insert(end, item);
        }
        None => {
            lines.push(String::new());
            lines.push(item);
        }
    }
    joined(lines, page)
}

/// `A dictionary over UDP` → `a dictionary over UDP`, as SUMMARY.md writes
/// exercise titles after `Exercise: `; an acronym (`UDP chat`) stays.
pub fn lowercase_first(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), title.chars().nth(1)) {
        (Some(first), second) if !second.is_some_and(char::is_uppercase) => {
            first.to_lowercase().chain(chars).collect()
        }
        _ => title.to_string(),
    }
}
