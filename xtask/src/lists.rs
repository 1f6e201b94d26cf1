//! The lists of exercises kept by hand outside kit.toml: the README's chapter
//! tables (`## Chapter N at a glance`, one row per exercise with its
//! programs) and each chapter's first page, which links every exercise page
//! of its chapter. `cargo xtask test` checks them against kit.toml
//! ([`problems`]); `cargo xtask new` adds an exercise to them
//! ([`readme_with_row`], [`chapter_page_with_link`]).
//!
//! The module files that map their modules in a doc list (``//! - [`name`]: …``:
//! each crate's `lib.rs`, each chapter's `mod.rs`, the runner's programs)
//! must name every `pub mod` they declare.
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
            if !lists_link(&page, &link) {
                problems.push(format!(
                    "book/src/{}: the chapter's page does not link the exercise `{}`: add \
                     [{}]({link}) to its list of exercises",
                    chapter.page, exercise.id, exercise.title
                ));
            }
        }
    }
    for file in mapped_module_files(manifest) {
        let Ok(text) = std::fs::read_to_string(root.join(&file)) else {
            continue; // a chapter without exercises yet has no module
        };
        for name in unmapped_modules(&text) {
            problems.push(format!(
                "{file}: its doc list of modules does not name `{name}`: add \
                 //! - [`{name}`]: what it is, in a few words"
            ));
        }
    }
    problems
}

/// The module files whose doc comment maps their modules.
fn mapped_module_files(manifest: &Manifest) -> Vec<String> {
    let mut files = Vec::new();
    for krate in ["exercises", "solutions"] {
        files.push(format!("{krate}/src/lib.rs"));
        for chapter in &manifest.chapters {
            files.push(format!("{krate}/src/ch{}/mod.rs", chapter.number));
        }
    }
    files.push("tests/src/programs/mod.rs".to_string());
    files
}

/// The `pub mod`s of a module file that its doc list does not name: none
/// if it has no doc list at all.
fn unmapped_modules(text: &str) -> Vec<String> {
    let docs: Vec<&str> = text.lines().filter(|l| l.starts_with("//!")).collect();
    if !docs.iter().any(|l| l.starts_with("//! - [`")) {
        return Vec::new();
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("pub mod ")?.strip_suffix(';'))
        .filter(|name| !docs.iter().any(|l| l.contains(&format!("[`{name}`]"))))
        .map(str::to_string)
        .collect()
}

/// Whether a line of the page's list of exercises (a table row or a list
/// item, not a mention in the text) links `link`.
fn lists_link(page: &str, link: &str) -> bool {
    let target = format!("]({link})");
    page.lines().any(|l| {
        let start = l.trim_start();
        l.contains(&target) && (start.starts_with('|') || start.starts_with("- "))
    })
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
        // A new section after the previous chapter's (its table and the
        // text below it), before the next heading or at the end.
        let previous = (1..exercise.chapter)
            .rev()
            .find_map(|n| readme_table(&borrowed, n))
            .map_or(0, |t| t.end);
        let next = (previous..lines.len()).find(|&i| lines[i].starts_with("## "));
        let mut section = vec![
            readme_heading(exercise.chapter),
            String::new(),
            "| exercise | you build | programs |".to_string(),
            "|----------|-----------|----------|".to_string(),
            format!("| {} |", new_cells.join(" | ")),
        ];
        let at = match next {
            Some(at) => {
                section.push(String::new());
                at
            }
            None => {
                section.insert(0, String::new());
                lines.len()
            }
        };
        lines.splice(at..at, section);
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
/// chapter's last exercise in its list: a table row with as many cells if
/// the list is a table, a list item otherwise. With no exercise listed yet,
/// a list item at the end of the page.
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
    // The line of the list that links the last exercise, as the check reads it.
    let last = last_exercise_page.and_then(|p| {
        let link = link_from_chapter(chapter, p);
        lines.iter().rposition(|l| lists_link(l, &link))
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

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        let exercise = |id: &str, programs: &[&str]| Exercise {
            id: id.to_string(),
            chapter: 1,
            title: format!("The {id}"),
            file: format!("src/ch1/{}.rs", id.replace('-', "_")),
            page: format!("ch1/{id}.md"),
            points: 1,
            programs: programs.iter().map(|p| p.to_string()).collect(),
            hints: vec![],
            exempt: vec![],
        };
        Manifest {
            chapters: vec![Chapter {
                id: "chapter1".into(),
                number: 1,
                title: "One".into(),
                page: "ch1/index.md".into(),
                coming: None,
                programs: vec![],
            }],
            exercises: vec![
                exercise("one", &["one-server", "one-client"]),
                exercise("two", &[]),
            ],
        }
    }

    /// The problems of a kit with this README and chapter page.
    fn problems_with(readme: &str, chapter_page: &str) -> Vec<String> {
        let dir = tempfile::tempdir().expect("a temp folder");
        std::fs::create_dir_all(dir.path().join("book/src/ch1")).expect("mkdir");
        std::fs::write(dir.path().join("README.md"), readme).expect("write");
        std::fs::write(dir.path().join("book/src/ch1/index.md"), chapter_page).expect("write");
        problems(dir.path(), &manifest())
    }

    const PAGE: &str = "# One\n\n| Exercise | You build |\n|---|---|\n| [The one](one.md) | a |\n\
                        | [The two](two.md) | b |\n";

    #[test]
    fn lists_that_agree_have_no_problem() {
        let readme = "## Chapter 1 at a glance\n\n| exercise | you build | programs |\n|---|---|---|\n\
                      | `one` | a | `one-client`, `one-server` |\n| `two` | b | |\n";
        let problems = problems_with(readme, PAGE);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn a_missing_row_wrong_programs_a_stale_row_and_an_unlisted_page_are_problems() {
        let readme = "## Chapter 1 at a glance\n\n| exercise | you build | programs |\n|---|---|---|\n\
                      | `one` | a | `one-server` |\n| `three` | c | |\n";
        let page = "# One\n\nSee [the two](two.md) below.\n\n- [The one](one.md): a\n";
        let problems = problems_with(readme, page);
        assert_eq!(problems.len(), 4, "{problems:#?}");
        assert!(
            problems[0].contains("`one` under `## Chapter 1 at a glance` lists the programs"),
            "{}",
            problems[0]
        );
        assert!(
            problems[0].contains("`one-server`, `one-client`"),
            "the fix: {}",
            problems[0]
        );
        assert!(
            problems[1].contains("has no row for `two`"),
            "{}",
            problems[1]
        );
        assert!(
            problems[2].contains("a row for `three`, which is no exercise"),
            "{}",
            problems[2]
        );
        assert!(
            problems[3].contains("does not link the exercise `two`"),
            "a mention in the text is not the list: {}",
            problems[3]
        );
    }

    #[test]
    fn a_module_missing_from_its_files_doc_list_is_found() {
        let text = "//! Chapter 1.\n//!\n//! - [`one`]: the first.\n//! - [`two`], [`three`]: more.\n\n\
                    pub mod four;\npub mod one;\npub mod three;\npub mod two;\n";
        assert_eq!(unmapped_modules(text), ["four"]);
        assert!(
            unmapped_modules("//! No list here.\n\npub mod one;\n").is_empty(),
            "a file without a doc list has nothing to keep"
        );
    }

    #[test]
    fn a_chapter_without_a_readme_table_is_a_problem() {
        let problems = problems_with("# Kit\n", PAGE);
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].contains("no table under `## Chapter 1 at a glance`"),
            "{}",
            problems[0]
        );
    }

    #[test]
    fn a_new_chapter_gets_its_table_after_the_previous_chapters_text() {
        let readme = "## Chapter 1 at a glance\n\n| exercise | you build | programs |\n|---|---|---|\n\
                      | `one` | a | |\n\nMore about chapter 1.\n\n## License\n\nMIT\n";
        let mut manifest = manifest();
        manifest.exercises[1].chapter = 2;
        let out = readme_with_row(readme, &manifest.exercises[1], "b");
        assert_eq!(
            out,
            "## Chapter 1 at a glance\n\n| exercise | you build | programs |\n|---|---|---|\n\
             | `one` | a | |\n\nMore about chapter 1.\n\n## Chapter 2 at a glance\n\n\
             | exercise | you build | programs |\n|----------|-----------|----------|\n\
             | `two` | b |  |\n\n## License\n\nMIT\n"
        );
    }

    #[test]
    fn a_new_row_widens_the_columns_it_needs() {
        let readme = "## Chapter 1 at a glance\n\n| exercise | you build | programs |\n|----------|-----------|----------|\n\
                      | `one`    | a         |          |\n\nAfter.\n";
        let mut manifest = manifest();
        manifest.exercises[1].id = "a-longer-one".into();
        let out = readme_with_row(readme, &manifest.exercises[1], "b");
        assert_eq!(
            out,
            "## Chapter 1 at a glance\n\n| exercise       | you build | programs |\n\
             |----------------|-----------|----------|\n| `one`          | a         |          |\n\
             | `a-longer-one` | b         |          |\n\nAfter.\n"
        );
    }
}
