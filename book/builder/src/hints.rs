//! `{{#hints ID}}`: the hints of exercise ID from kit.toml, as numbered,
//! collapsed `<details>` blocks, so a reader opens one at a time.
//!
//! kit.toml is the one place the hints live: `cargo xtask hint ID` shows the
//! same text, one hint per call.

use super::directives;
use std::collections::BTreeMap;

/// An `{{#hints}}` that names no exercise of kit.toml.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownExercise {
    pub line: usize,
    pub message: String,
}

/// Replaces every `{{#hints ID}}` of `text` with the hints of `ID`.
/// `hints` maps each exercise id of kit.toml to its hints.
pub fn expand(
    text: &str,
    hints: &BTreeMap<String, Vec<String>>,
) -> Result<String, UnknownExercise> {
    let mut out = String::with_capacity(text.len());
    let mut copied_to = 0;
    for directive in directives::find(text) {
        if directive.name != "hints" {
            continue;
        }
        let id = directive.args;
        let Some(list) = hints.get(id) else {
            return Err(unknown(directive.line, id, hints));
        };
        out.push_str(&text[copied_to..directive.start]);
        out.push_str(&render(list));
        copied_to = directive.end;
    }
    out.push_str(&text[copied_to..]);
    Ok(out)
}

/// The error for an `{{#hints}}` naming no exercise.
pub fn unknown(line: usize, id: &str, hints: &BTreeMap<String, Vec<String>>) -> UnknownExercise {
    let known: Vec<&str> = hints.keys().map(String::as_str).collect();
    UnknownExercise {
        line,
        message: format!(
            "`{{{{#hints {id}}}}}`: kit.toml has no exercise `{id}`; use one of: {}",
            known.join(", ")
        ),
    }
}

/// The hints as Markdown: one collapsed block each. The blank lines around
/// the hint's text make mdBook render it as Markdown, not as raw HTML.
fn render(hints: &[String]) -> String {
    let blocks: Vec<String> = hints
        .iter()
        .enumerate()
        .map(|(index, hint)| {
            format!(
                "<details>\n<summary>Hint {}</summary>\n\n{}\n\n</details>",
                index + 1,
                hint.trim()
            )
        })
        .collect();
    blocks.join("\n\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> BTreeMap<String, Vec<String>> {
        BTreeMap::from([
            (
                "udp-dict".to_string(),
                vec![
                    "Look at `recv_from`.".to_string(),
                    "Reply to `addr`.".to_string(),
                ],
            ),
            ("framing".to_string(), vec!["Length first.".to_string()]),
        ])
    }

    #[test]
    fn hints_become_numbered_collapsed_blocks() {
        let page = "## Hints\n\n{{#hints udp-dict}}\n\n## Next\n";
        let expanded = expand(page, &table()).unwrap();
        assert_eq!(
            expanded,
            "## Hints\n\n\
             <details>\n<summary>Hint 1</summary>\n\nLook at `recv_from`.\n\n</details>\n\n\
             <details>\n<summary>Hint 2</summary>\n\nReply to `addr`.\n\n</details>\
             \n\n## Next\n"
        );
    }

    #[test]
    fn an_escaped_hints_directive_is_left_for_mdbook_to_unescape() {
        let page = "write \\{{#hints udp-dict}} on its own line\n";
        assert_eq!(expand(page, &table()).unwrap(), page);
    }

    #[test]
    fn other_directives_are_left_alone() {
        let page = "{{#include a.rs}}\n{{#hints framing}}\n";
        let expanded = expand(page, &table()).unwrap();
        assert!(expanded.starts_with("{{#include a.rs}}\n<details>"));
    }

    #[test]
    fn an_unknown_exercise_is_an_error_that_lists_the_known_ones() {
        let err = expand("a\n\n{{#hints udp-dictionary}}\n", &table()).unwrap_err();
        assert_eq!(err.line, 3);
        assert!(err.message.contains("`udp-dictionary`"), "{}", err.message);
        assert!(err.message.contains("framing, udp-dict"), "{}", err.message);
    }
}
