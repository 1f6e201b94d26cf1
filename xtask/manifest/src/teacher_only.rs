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
//! keeps the region and drops the two marker lines. The book builder renders
//! each edition with [`view`]; `cargo xtask dist` writes the student's
//! hand-out's pages with it, so that no page of the hand-out even names a
//! solution's file.

/// The line that opens a teacher-only region (compared after trimming).
pub const OPEN: &str = "<!-- teacher-only -->";
/// The line that closes it.
pub const CLOSE: &str = "<!-- /teacher-only -->";

/// A marker out of place, at a 1-based line of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkerError {
    pub line: usize,
    pub message: String,
}

/// The page line by line, as the teacher's edition (`teacher`) or the
/// student's sees it: `Some(line)` for a line kept, `None` for a line
/// dropped. Lines keep their `\r`, if any.
pub fn view(text: &str, teacher: bool) -> Result<Vec<Option<&str>>, MarkerError> {
    let mut lines = Vec::new();
    // The line number of the open marker of the region we are in, if any.
    let mut open_at: Option<usize> = None;
    for (index, line) in text.split('\n').enumerate() {
        let number = index + 1;
        let kept = match (line.trim(), open_at) {
            (OPEN, Some(first)) => {
                return Err(MarkerError {
                    line: number,
                    message: format!(
                        "`{OPEN}` inside the region opened at line {first}: regions do not \
                         nest; close the first one with `{CLOSE}` before opening another"
                    ),
                });
            }
            (OPEN, None) => {
                open_at = Some(number);
                None
            }
            (CLOSE, None) => {
                return Err(MarkerError {
                    line: number,
                    message: format!(
                        "`{CLOSE}` without a `{OPEN}` before it: add the opening line, \
                         or remove this one"
                    ),
                });
            }
            (CLOSE, Some(_)) => {
                open_at = None;
                None
            }
            (_, Some(_)) if !teacher => None,
            _ => Some(line),
        };
        lines.push(kept);
    }
    if let Some(first) = open_at {
        return Err(MarkerError {
            line: first,
            message: format!(
                "`{OPEN}` is never closed: add a line `{CLOSE}` where the teacher-only \
                 part ends"
            ),
        });
    }
    Ok(lines)
}

/// The page as the student's edition has it: every region gone, markers
/// and all.
pub fn student_text(text: &str) -> Result<String, MarkerError> {
    Ok(view(text, false)?
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join("\n"))
}
