//! The glossary and the body agree. Each term the glossary gives is used in
//! the body with its Chinese (a glossary entry nobody reads at its first use
//! teaches nothing), and each term the body marks at first use, written
//! `*byte stream* (字节流)`, is in the glossary with that Chinese.

/// The page of the glossary, under `book/src/`.
pub const PAGE: &str = "glossary.md";

/// A glossary row: the English (first cell) and the first Chinese name of
/// its second cell (`等待态 (阻塞)` gives `等待态`; `fork (创建子进程)` gives
/// `创建子进程`). Rows without Chinese (`IPv4 / IPv6`) are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub line: usize,
    pub english: String,
    pub chinese: String,
    /// The whole second cell, every Chinese name the row accepts.
    pub cell: String,
}

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
}

/// The rows of the glossary's tables.
pub fn terms(glossary: &str) -> Vec<Term> {
    let mut terms = Vec::new();
    for (index, line) in glossary.lines().enumerate() {
        let cells: Vec<&str> = line
            .trim()
            .trim_matches('|')
            .split('|')
            .map(str::trim)
            .collect();
        if cells.len() < 3 || cells[0] == "English" || cells[0].starts_with("---") {
            continue;
        }
        let chinese = cells[1]
            .split(['(', ')', '/'])
            .map(str::trim)
            .find(|piece| has_cjk(piece));
        if let Some(chinese) = chinese {
            terms.push(Term {
                line: index + 1,
                english: cells[0].to_string(),
                chinese: chinese.to_string(),
                cell: cells[1].to_string(),
            });
        }
    }
    terms
}

/// The terms a page marks at first use: `*English* (中文…)`, as (1-based
/// line, English, the first Chinese name in the parentheses).
pub fn marked(page: &str) -> Vec<(usize, String, String)> {
    let mut found = Vec::new();
    for (index, line) in page.lines().enumerate() {
        let mut rest = line;
        while let Some(start) = rest.find('*') {
            let after = &rest[start + 1..];
            let Some(end) = after.find('*') else { break };
            let english = &after[..end];
            let tail = &after[end + 1..];
            rest = tail;
            if english.is_empty() || english.starts_with(' ') {
                continue;
            }
            let Some(inside) = tail.strip_prefix(" (").and_then(|t| t.split_once(')')) else {
                continue;
            };
            let chinese = inside
                .0
                .split([',', ';', '，', '；'])
                .map(str::trim)
                .find(|piece| has_cjk(piece) && !piece.contains(' '));
            if let Some(chinese) = chinese {
                found.push((index + 1, english.to_string(), chinese.to_string()));
            }
        }
    }
    found
}

/// The problems: (page, 1-based line, message). `pages` are the body's pages
/// (`book/src/…` label, text), the glossary left out.
pub fn check(
    glossary_label: &str,
    glossary: &str,
    pages: &[(String, String)],
) -> Vec<(String, usize, String)> {
    let terms = terms(glossary);
    let mut problems = Vec::new();
    for term in &terms {
        if !pages.iter().any(|(_, text)| text.contains(&term.chinese)) {
            problems.push((
                glossary_label.to_string(),
                term.line,
                format!(
                    "the glossary gives \"{}\" ({}), but no page uses {}: mark the term at \
                     its first use, `*{}* ({})`, or drop the row",
                    term.english, term.chinese, term.chinese, term.english, term.chinese
                ),
            ));
        }
    }
    for (label, text) in pages {
        for (line, english, chinese) in marked(text) {
            if !terms.iter().any(|term| term.cell.contains(&chinese)) {
                problems.push((
                    label.clone(),
                    line,
                    format!(
                        "`*{english}* ({chinese})` marks a term at its first use, but the \
                         glossary ({glossary_label}) has no row with {chinese}: add \
                         `| {english} | {chinese} | what it means |` to its chapter's table"
                    ),
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLOSSARY: &str = "# Glossary\n\n| English | 中文 | Meaning |\n|---|---|---|\n\
        | byte stream | 字节流 | Bytes. |\n| blocked | 等待态 (阻塞) | Waits. |\n\
        | IPv4 / IPv6 | IPv4 / IPv6 | Versions. |\n";

    fn pages(texts: &[&str]) -> Vec<(String, String)> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| (format!("book/src/p{i}.md"), t.to_string()))
            .collect()
    }

    #[test]
    fn the_rows_give_their_first_chinese_name_and_rows_without_chinese_are_skipped() {
        let found = terms(GLOSSARY);
        let names: Vec<_> = found
            .iter()
            .map(|t| (t.english.as_str(), t.chinese.as_str()))
            .collect();
        assert_eq!(
            names,
            [("byte stream", "字节流"), ("blocked", "等待态")],
            "rows read: {found:?}"
        );
    }

    #[test]
    fn a_glossary_term_no_page_uses_is_a_problem_on_the_glossary_row() {
        let found = check(
            "book/src/glossary.md",
            GLOSSARY,
            &pages(&["a *byte stream* (字节流)"]),
        );
        assert_eq!(found.len(), 1, "only 等待态 is unused: {found:?}");
        assert_eq!(
            (found[0].0.as_str(), found[0].1),
            ("book/src/glossary.md", 6),
            "{found:?}"
        );
        assert!(found[0].2.contains("no page uses 等待态"), "{found:?}");
    }

    #[test]
    fn a_term_marked_in_the_body_must_be_in_the_glossary() {
        let body = "a *byte stream* (字节流), *blocked* (阻塞; the seed says 等待态)\n\
                    and a *socket* (套接字), and *emphasis* (not a term).";
        let found = check("book/src/glossary.md", GLOSSARY, &pages(&[body]));
        assert_eq!(found.len(), 1, "only 套接字 is missing: {found:?}");
        assert_eq!(found[0].1, 2, "on the body's line 2: {found:?}");
        assert!(found[0].2.contains("| socket | 套接字 |"), "{found:?}");
    }
}
