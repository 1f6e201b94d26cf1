//! Teacher-only regions: a page marks what only the teacher's edition shows
//! with two lines of their own,
//!
//! ```text
//! <!-- teacher-only -->
//! …the reference solution…
//! <!-- /teacher-only -->
//! ```
//!
//! The student's edition drops the region, markers and all; the teacher's
//! edition keeps the region and drops the two marker lines (the rule itself
//! is `kit_manifest::teacher_only`, which `cargo xtask dist` shares). This runs before
//! mdBook's `links` preprocessor, so an `{{#include}}` inside a region is never
//! resolved in the student's edition: the student's copy of the kit, which has
//! no `solutions/` folder, still builds its book.

use super::Edition;
pub use kit_manifest::teacher_only::MarkerError;

/// The page as `edition` sees it, line by line: `Some(line)` for a line it
/// keeps, `None` for a line it drops. Lines keep their `\r`, if any.
pub fn view(text: &str, edition: Edition) -> Result<Vec<Option<&str>>, MarkerError> {
    kit_manifest::teacher_only::view(text, edition == Edition::Teacher)
}

/// The page's text for `edition`, with the dropped lines gone: what mdBook
/// renders.
pub fn render(text: &str, edition: Edition) -> Result<String, MarkerError> {
    let lines = view(text, edition)?;
    Ok(lines.into_iter().flatten().collect::<Vec<_>>().join("\n"))
}

/// The page's text for `edition` with each dropped line replaced by an empty
/// line: what the checks scan, so that a line number is the one in the file.
pub fn blanked(text: &str, edition: Edition) -> Result<String, MarkerError> {
    let lines = view(text, edition)?;
    Ok(lines
        .into_iter()
        .map(|line| line.unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// The pages SUMMARY.md lists only inside teacher-only regions (the
/// teacher's part, "For teachers"), relative to `book/src/`: the student's
/// edition leaves them out of its book, as the hand-out leaves them out of
/// its SUMMARY.md.
pub fn teacher_only_pages(summary: &str) -> Result<Vec<std::path::PathBuf>, MarkerError> {
    let student = view(summary, Edition::Student)?;
    Ok(summary
        .split('\n')
        .zip(student)
        .filter(|(_, kept)| kept.is_none())
        .filter_map(|(line, _)| {
            let target = line.split_once("](")?.1.split_once(')')?.0.trim();
            (!target.is_empty()).then(|| std::path::PathBuf::from(target))
        })
        .collect())
}

/// Removes from `items` (and from the chapters below them) every chapter
/// whose page is one of `pages`.
pub fn drop_pages(items: &mut Vec<mdbook_driver::book::BookItem>, pages: &[std::path::PathBuf]) {
    use mdbook_driver::book::BookItem;
    items.retain(|item| match item {
        BookItem::Chapter(chapter) => !chapter
            .path
            .as_ref()
            .is_some_and(|path| pages.contains(path)),
        _ => true,
    });
    for item in items {
        if let BookItem::Chapter(chapter) = item {
            drop_pages(&mut chapter.sub_items, pages);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGE: &str = "# Title\n\
                        text\n\
                        <!-- teacher-only -->\n\
                        ## Reference solution\n\
                        {{#include ../../../solutions/src/ch1/x.rs}}\n\
                        <!-- /teacher-only -->\n\
                        end\n";

    #[test]
    fn the_student_edition_drops_the_region_and_its_markers() {
        assert_eq!(
            render(PAGE, Edition::Student).unwrap(),
            "# Title\ntext\nend\n"
        );
    }

    #[test]
    fn the_teacher_edition_keeps_the_region_and_drops_the_markers() {
        assert_eq!(
            render(PAGE, Edition::Teacher).unwrap(),
            "# Title\ntext\n## Reference solution\n\
             {{#include ../../../solutions/src/ch1/x.rs}}\nend\n"
        );
    }

    #[test]
    fn blanked_keeps_line_numbers() {
        let blanked = blanked(PAGE, Edition::Student).unwrap();
        assert_eq!(blanked.lines().count(), PAGE.lines().count());
        assert_eq!(blanked.lines().nth(6), Some("end"));
        assert!(!blanked.contains("solutions"));
    }

    #[test]
    fn markers_may_be_indented_and_crlf() {
        let page = "a\r\n  <!-- teacher-only -->\r\nsecret\r\n<!-- /teacher-only -->  \r\nb\r\n";
        assert_eq!(render(page, Edition::Student).unwrap(), "a\r\nb\r\n");
    }

    #[test]
    fn a_marker_inside_a_sentence_is_text() {
        let page = "write `<!-- teacher-only -->` on a line of its own\n";
        assert_eq!(render(page, Edition::Student).unwrap(), page);
    }

    #[test]
    fn an_unclosed_region_names_its_first_line() {
        let err = view("a\n<!-- teacher-only -->\nb\n", Edition::Student).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("never closed"), "{}", err.message);
    }

    #[test]
    fn a_stray_close_is_an_error() {
        let err = view("a\n<!-- /teacher-only -->\n", Edition::Teacher).unwrap_err();
        assert_eq!(err.line, 2);
    }

    #[test]
    fn regions_do_not_nest() {
        let page = "<!-- teacher-only -->\n<!-- teacher-only -->\n<!-- /teacher-only -->\n";
        let err = view(page, Edition::Teacher).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("line 1"), "{}", err.message);
    }
}
