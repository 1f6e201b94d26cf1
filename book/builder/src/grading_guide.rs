//! `{{#grading_guide WHAT}}`: the teacher's grading guide, made from the
//! kit's own files at build time, so that it never disagrees with them.
//!
//! ## Contract
//!
//! - `WHAT` is what `cargo xtask check` takes: `all`, a chapter
//!   (`chapter1`) or an exercise id. (mdBook's directives need a name of
//!   letters, digits and `_`, and an argument: hence not `{{#grading-guide}}`.)
//! - The directive is the teacher's: it shows the hidden tests and the
//!   mutants, which the students' hand-out does not have. It is expanded in
//!   the teacher's edition only; in the student's edition it is an error
//!   ([`check`] reports it with its line). A page that holds it is listed in
//!   SUMMARY.md's teacher-only region, so the student's edition drops the
//!   page before anything reads it.
//! - It reads, from the kit's root: kit.toml (the [`Manifest`]: points,
//!   `timeout`, `hidden`), each exercise's suite file
//!   `tests/suite/chN/<exercise_snake>.rs` with the modules it declares
//!   (`mod x { … }`, `mod x;`, `#[path = "…"] mod hidden;`) and the
//!   `macro_rules!` of `tests/suite` that it calls, and
//!   `mutants/<exercise-id>__<what-is-wrong>.patch`.
//! - A test is a `fn` marked `#[test]` or `#[rstest]`; each `#[case]` of an
//!   rstest is a test of its own, named as rstest names it
//!   (`…::case_01_description`), since the grader shares an exercise's
//!   points among those. What a test checks is the first sentence of its
//!   `///` comment, or else its name's words made a sentence
//!   (`a_full_queue_turns_clients_away` → "A full queue turns clients away.").
//! - A mutant's mistake is its patch's first line.
//! - It renders, per chapter, `## Chapter N: title`; per exercise, a
//!   `### id: title` heading (with the anchor `#id`), the line
//!   "N points · timeout S s · M tests (K hidden)", a table of the tests with
//!   what each checks (hidden ones marked), and "Mistakes the tests catch":
//!   the mutants' descriptions, or a sentence saying it has none.
//! - A missing file, a file it cannot parse, an exercise in which it finds
//!   no test: an error that names the file (and line), never an empty
//!   section.

use super::Edition;
use super::directives;
use kit_manifest::{Exercise, Manifest};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The directive's name: `{{#grading_guide all}}`.
pub const NAME: &str = "grading_guide";

/// A problem with a `{{#grading_guide}}` of a page, at a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuideError {
    pub line: usize,
    pub message: String,
}

/// The problems of each `{{#grading_guide}}` of `text` (the page `page`,
/// under `book/src`, as `edition` sees it), as `(line, message)`: in the
/// student's edition, the directive itself; in the teacher's, whatever
/// would stop [`expand`].
pub fn check(
    text: &str,
    page: &Path,
    root: &Path,
    manifest: &Manifest,
    edition: Edition,
) -> Vec<(usize, String)> {
    directives::find(text)
        .into_iter()
        .filter(|directive| directive.name == NAME)
        .filter_map(|directive| {
            guide_for(&directive, page, root, manifest, edition)
                .err()
                .map(|message| (directive.line, message))
        })
        .collect()
}

/// Replaces every `{{#grading_guide WHAT}}` of `text`, the page `page`
/// (under `book/src`, for its links), with the guide to `WHAT` (see the
/// module's doc); other directives are left alone.
pub fn expand(
    text: &str,
    page: &Path,
    root: &Path,
    manifest: &Manifest,
    edition: Edition,
) -> Result<String, GuideError> {
    let mut out = String::with_capacity(text.len());
    let mut copied_to = 0;
    for directive in directives::find(text) {
        if directive.name != NAME {
            continue;
        }
        let guide =
            guide_for(&directive, page, root, manifest, edition).map_err(|message| GuideError {
                line: directive.line,
                message,
            })?;
        out.push_str(&text[copied_to..directive.start]);
        out.push_str(&guide);
        copied_to = directive.end;
    }
    out.push_str(&text[copied_to..]);
    Ok(out)
}

/// Fills in every `{{#grading_guide}}` of the teacher's edition's pages, in
/// their sources (before the preprocessors: a guide inside a teacher-only
/// region stays inside it). `src_label` (`book/src`) names pages in errors.
/// The student's edition never calls it: its checks refuse the directive.
pub fn fill_teachers_edition(
    root: &Path,
    manifest: &Manifest,
    book: &mut mdbook_driver::book::Book,
    src_label: &str,
) -> anyhow::Result<()> {
    let mut errors = Vec::new();
    book.for_each_chapter_mut(|chapter| {
        let Some(source) = &chapter.source_path else {
            return;
        };
        match expand(&chapter.content, source, root, manifest, Edition::Teacher) {
            Ok(content) => chapter.content = content,
            Err(err) => errors.push(format!(
                "{src_label}/{}:{}: {}",
                source.display(),
                err.line,
                err.message
            )),
        }
    });
    if !errors.is_empty() {
        anyhow::bail!("{}", errors.join("\n"));
    }
    Ok(())
}

/// The guide that one directive of the page `page` stands for.
fn guide_for(
    directive: &directives::Directive<'_>,
    page: &Path,
    root: &Path,
    manifest: &Manifest,
    edition: Edition,
) -> Result<String, String> {
    let text = directive.text;
    if edition != Edition::Teacher {
        return Err(format!(
            "`{text}` shows hidden tests and mutants, which the students must not see: \
             put it on a page that SUMMARY.md lists in its teacher-only region (as \
             teacher/grading-guide.md), or inside a `<!-- teacher-only -->` region"
        ));
    }
    let exercises = manifest
        .select(directive.args)
        .map_err(|e| format!("`{text}`: {e:#}; write `all`, a chapter or an exercise id"))?;
    // From the page's folder back up to book/src, for links to other pages.
    let depth = page
        .parent()
        .map_or(0, |folder| folder.components().count());
    let up = "../".repeat(depth);
    render(root, manifest, &exercises, &up).map_err(|message| format!("`{text}`: {message}"))
}

/// The guide to `exercises` (in kit.toml's order), grouped by chapter;
/// `up` leads from the page's folder to book/src (`../`).
fn render(
    root: &Path,
    manifest: &Manifest,
    exercises: &[&Exercise],
    up: &str,
) -> Result<String, String> {
    if exercises.is_empty() {
        return Err("it selects no exercise: kit.toml has none there yet".to_string());
    }
    let macros = Macros::load(root)?;
    let mut out = String::new();
    let mut chapter_shown = None;
    for exercise in exercises {
        if chapter_shown != Some(exercise.chapter) {
            chapter_shown = Some(exercise.chapter);
            let title = manifest
                .chapter(exercise.chapter)
                .map_or("", |chapter| chapter.title.as_str());
            let _ = write!(out, "## Chapter {}: {title}\n\n", exercise.chapter);
        }
        let tests = tests_of(root, exercise, &macros)?;
        let mutants = mutants_of(root, &exercise.id)?;
        out.push_str(&section(exercise, &tests, &mutants, up));
    }
    Ok(out)
}

// ---------------------------------------------------------------- rendering

/// One exercise's section (see the module's doc).
fn section(exercise: &Exercise, tests: &[TestFn], mutants: &[String], up: &str) -> String {
    let prefix = exercise.test_prefix();
    let cases: Vec<String> = tests
        .iter()
        .flat_map(TestFn::names)
        .map(|name| format!("{prefix}{name}"))
        .collect();
    let hidden = cases.iter().filter(|name| exercise.hides(name)).count();
    let mut out = String::new();
    let _ = write!(
        out,
        "### {}: {} {{#{}}}\n\n",
        exercise.id, exercise.title, exercise.id
    );
    let _ = write!(
        out,
        "{} points · timeout {} s · {} ({hidden} hidden)\n\n",
        exercise.points,
        exercise.test_timeout().as_secs(),
        match cases.len() {
            1 => "1 test".to_string(),
            n => format!("{n} tests"),
        }
    );
    let page = format!("{up}{}", exercise.page);
    let _ = write!(
        out,
        "[The exercise's page]({page}); its tests: `{}`.\n\n",
        suite_file(exercise)
    );
    for pattern in &exercise.hidden {
        let full = format!("{prefix}{pattern}");
        if !cases.iter().any(|name| name.starts_with(&full)) {
            let _ = write!(
                out,
                "kit.toml's `hidden` has `{pattern}`, which no test's name starts with: \
                 is it misspelt?\n\n"
            );
        }
    }
    out.push_str("| Test | What it checks |\n|------|----------------|\n");
    for test in tests {
        let names: Vec<String> = test.names().collect();
        let hidden = names
            .iter()
            .filter(|name| exercise.hides(&format!("{prefix}{name}")))
            .count();
        let mut cell = format!("`{}`", test.path);
        if !test.cases.is_empty() {
            let _ = write!(cell, " ({} cases)", test.cases.len());
        }
        if hidden == names.len() {
            cell.push_str(" **hidden**");
        } else if hidden > 0 {
            let _ = write!(cell, " **{hidden} of {} cases hidden**", names.len());
        }
        let mut checks = test.checks();
        if !test.cases.is_empty() {
            let described: Vec<String> = test
                .cases
                .iter()
                .filter(|case| !case.is_empty())
                .map(|case| format!("`{case}`"))
                .collect();
            if !described.is_empty() {
                let _ = write!(checks, " Cases: {}.", described.join(", "));
            }
        }
        let _ = writeln!(out, "| {} | {} |", table_cell(&cell), table_cell(&checks));
    }
    out.push_str("\n**Mistakes the tests catch**\n\n");
    if mutants.is_empty() {
        let _ = write!(
            out,
            "This exercise has no mutants yet (no `mutants/{}__*.patch`), so no mistake \
             is proved caught.\n\n",
            exercise.id
        );
    } else {
        for mutant in mutants {
            let _ = writeln!(out, "- {}", markdown_text(mutant));
        }
        out.push('\n');
    }
    out
}

/// `tests/suite/ch1/udp_dict.rs`: the exercise's suite file, from the root.
fn suite_file(exercise: &Exercise) -> String {
    format!(
        "tests/suite/ch{}/{}.rs",
        exercise.chapter,
        exercise.id.replace('-', "_")
    )
}

/// Text for a table cell: its `|` escaped, on one line.
fn table_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Plain text that Markdown shows as it is: `<`, `>` and `&` outside code
/// spans are escaped, so that a `Vec<u8>` is no HTML tag.
fn markdown_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_code = false;
    for c in text.chars() {
        match c {
            '`' => {
                in_code = !in_code;
                out.push(c);
            }
            '<' if !in_code => out.push_str("&lt;"),
            '>' if !in_code => out.push_str("&gt;"),
            '&' if !in_code => out.push_str("&amp;"),
            _ => out.push(c),
        }
    }
    out
}

/// The words of a test's name as a sentence:
/// `a_full_queue_turns_clients_away` → "A full queue turns clients away."
pub fn sentence_of_name(name: &str) -> String {
    let words = name
        .split('_')
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => format!("{}{}.", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// The first sentence of a doc comment's text (its lines, `///` removed):
/// up to the first `.`, `?` or `!` that ends a word outside a code span
/// (not `e.g.` or `i.e.`), or the whole first paragraph when none does.
/// Its lines are joined by a space (none after a word cut by a hyphen), and
/// rustdoc's links to items, [`NAME`], are left as code: `NAME`.
pub fn first_sentence(doc: &str) -> String {
    let mut text = String::new();
    for line in doc
        .lines()
        .map(str::trim)
        .take_while(|line| !line.is_empty())
    {
        let cut_word = text.ends_with('-')
            && text[..text.len() - 1]
                .chars()
                .next_back()
                .is_some_and(char::is_alphabetic);
        if !text.is_empty() && !cut_word {
            text.push(' ');
        }
        text.push_str(line);
    }
    let text = without_item_links(&text);
    let mut in_code = false;
    let bytes = text.as_bytes();
    for (at, c) in text.char_indices() {
        match c {
            '`' => in_code = !in_code,
            '.' | '?' | '!' if !in_code => {
                let ends = bytes.get(at + 1).is_none_or(|b| *b == b' ');
                let before = &text[..at];
                let abbreviation = ["e.g", "i.e", "etc", "cf"]
                    .iter()
                    .any(|a| before.ends_with(a) && !before.ends_with(&format!("{a}.")));
                if ends && !(abbreviation && c == '.' && bytes.get(at + 1).is_some()) {
                    return text[..=at].to_string();
                }
            }
            _ => {}
        }
    }
    text
}

/// `[`NAME`]` (a rustdoc link to an item) as `` `NAME` ``; a Markdown
/// link, `[`NAME`](…)` or `[`NAME`][…]`, is left alone.
fn without_item_links(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find("[`") {
        let after = &rest[open + 1..];
        let Some(close) = after[1..].find('`').map(|at| at + 1) else {
            break;
        };
        let link = after
            .get(close + 1..)
            .is_some_and(|tail| tail.starts_with(']'))
            && !after[close + 2..].starts_with(['(', '[']);
        if link {
            out.push_str(&rest[..open]);
            out.push_str(&after[..=close]);
            rest = &after[close + 2..];
        } else {
            out.push_str(&rest[..open + 2]);
            rest = &rest[open + 2..];
        }
    }
    out.push_str(rest);
    out
}

// ---------------------------------------------------------------- the tests

/// A test function of the suite, as the guide lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestFn {
    /// Its path under the exercise's module: `refuses_a_bad_line`,
    /// `hidden::refuses_a_bad_line`.
    pub path: String,
    /// Its `///` comment, `///` removed, lines joined by `\n`; empty if none.
    pub doc: String,
    /// For an rstest, the description of each `#[case]` in order (empty for
    /// a `#[case(…)]` without one); no cases for a plain test.
    pub cases: Vec<String>,
}

impl TestFn {
    /// The names libtest gives it under the exercise's module: its path, or
    /// one `path::case_NN_description` per case (rstest numbers cases from
    /// 1, zero-padded to the width of their count).
    pub fn names(&self) -> impl Iterator<Item = String> + '_ {
        let width = self.cases.len().to_string().len();
        let single = self.cases.is_empty().then(|| self.path.clone());
        let cases = self.cases.iter().enumerate().map(move |(index, case)| {
            let number = format!("{:0width$}", index + 1);
            match case.as_str() {
                "" => format!("{}::case_{number}", self.path),
                case => format!("{}::case_{number}_{case}", self.path),
            }
        });
        single.into_iter().chain(cases)
    }

    /// What it checks: its doc's first sentence, or its name as a sentence.
    pub fn checks(&self) -> String {
        let sentence = first_sentence(&self.doc);
        if sentence.is_empty() {
            let name = self.path.rsplit("::").next().unwrap_or(&self.path);
            sentence_of_name(name)
        } else {
            markdown_text(&sentence)
        }
    }
}

/// The tests of `exercise`, in the order of its suite file.
fn tests_of(root: &Path, exercise: &Exercise, macros: &Macros) -> Result<Vec<TestFn>, String> {
    let rel = suite_file(exercise);
    let path = root.join(&rel);
    let mut scan = Scan {
        root,
        macros,
        tests: Vec::new(),
        depth: 0,
    };
    scan.file(&path, &sub_module_dir(&path), "")?;
    if scan.tests.is_empty() {
        return Err(format!(
            "found no test (no `#[test]` or `#[rstest]` fn) in {rel} for exercise `{}`: \
             the grader would give its {} points for nothing",
            exercise.id, exercise.points
        ));
    }
    Ok(scan.tests)
}

/// Where `mod x;` in the file at `path` looks for `x.rs`: beside a
/// `mod.rs` or `main.rs`, else in the folder named as the file.
fn sub_module_dir(path: &Path) -> PathBuf {
    let parent = path.parent().unwrap_or(Path::new(""));
    match path.file_stem().and_then(|s| s.to_str()) {
        Some("mod" | "main" | "lib") | None => parent.to_path_buf(),
        Some(stem) => parent.join(stem),
    }
}

/// The state of one exercise's scan.
struct Scan<'a> {
    root: &'a Path,
    macros: &'a Macros,
    tests: Vec<TestFn>,
    /// Macro expansions inside one another, to stop a runaway recursion.
    depth: usize,
}

impl Scan<'_> {
    /// The items of the file at `path`, under the module path `prefix`
    /// (empty, or ending in `::`); `mod x;` finds `x.rs` in `dir`.
    fn file(&mut self, path: &Path, dir: &Path, prefix: &str) -> Result<(), String> {
        let shown = super::checks::shown(self.root, path);
        let text = std::fs::read_to_string(path).map_err(|err| {
            format!("cannot read {shown} ({err}): the grading guide lists the tests from it")
        })?;
        let trees =
            tokenize(&text).map_err(|(line, message)| format!("{shown}:{line}: {message}"))?;
        let path_dir = path.parent().unwrap_or(Path::new(""));
        let at = Source {
            shown: &shown,
            dir,
            path_dir,
        };
        self.items(&trees, &at, prefix)
    }

    /// The items of `trees`, a file, a `mod { … }` or a macro's expansion.
    fn items(&mut self, trees: &[Tree], at: &Source<'_>, prefix: &str) -> Result<(), String> {
        let mut i = 0;
        let mut docs: Vec<String> = Vec::new();
        let mut attrs: Vec<&[Tree]> = Vec::new();
        while i < trees.len() {
            match &trees[i].kind {
                Kind::Doc(text) => {
                    docs.push(text.clone());
                    i += 1;
                    continue;
                }
                Kind::Punct('#') => {
                    match (
                        trees.get(i + 1).map(|t| &t.kind),
                        trees.get(i + 2).map(|t| &t.kind),
                    ) {
                        (Some(Kind::Group('[', inner)), _) => {
                            attrs.push(inner);
                            i += 2;
                        }
                        (Some(Kind::Punct('!')), Some(Kind::Group('[', _))) => i += 3,
                        _ => return Err(at.error(&trees[i], "a `#` that starts no attribute")),
                    }
                    continue;
                }
                _ => {}
            }
            let start = i;
            // Visibility and qualifiers.
            if trees[i].is_ident("pub") {
                i += 1;
                if matches!(trees.get(i).map(|t| &t.kind), Some(Kind::Group('(', _))) {
                    i += 1;
                }
            }
            while trees.get(i).is_some_and(|t| {
                ["async", "unsafe", "extern"].iter().any(|q| t.is_ident(q))
                    || (t.is_ident("const") && trees.get(i + 1).is_some_and(|n| n.is_ident("fn")))
                    || matches!(t.kind, Kind::Literal(_))
            }) {
                i += 1;
            }
            let Some(tree) = trees.get(i) else {
                return Err(at.error(&trees[start], "an item cut short"));
            };
            let keyword = match &tree.kind {
                Kind::Ident(word) => word.as_str(),
                _ => "",
            };
            match keyword {
                "fn" => {
                    let name = trees
                        .get(i + 1)
                        .and_then(Tree::ident)
                        .ok_or_else(|| at.error(tree, "`fn` without a name"))?;
                    let body = (i + 2..trees.len())
                        .find(|&j| matches!(trees[j].kind, Kind::Group('{', _)))
                        .ok_or_else(|| at.error(tree, &format!("fn `{name}` has no body")))?;
                    if let Some(test) = test_fn(&attrs, &trees[i + 2..body], &docs, name)
                        .map_err(|message| at.error(tree, &message))?
                    {
                        self.tests.push(TestFn {
                            path: format!("{prefix}{}", test.path),
                            ..test
                        });
                    }
                    i = body + 1;
                }
                "mod" => {
                    let name = trees
                        .get(i + 1)
                        .and_then(Tree::ident)
                        .ok_or_else(|| at.error(tree, "`mod` without a name"))?;
                    let inner_prefix = format!("{prefix}{name}::");
                    match trees.get(i + 2).map(|t| &t.kind) {
                        Some(Kind::Group('{', inner)) => {
                            let dir = at.dir.join(name);
                            let inside = Source {
                                dir: &dir,
                                path_dir: &dir,
                                ..*at
                            };
                            self.items(inner, &inside, &inner_prefix)?;
                        }
                        Some(Kind::Punct(';')) => {
                            let (path, dir) = match path_attr(&attrs) {
                                Some(file) => {
                                    let path = at.path_dir.join(file);
                                    let dir = sub_module_dir(&path);
                                    (path, dir)
                                }
                                None => {
                                    let flat = at.dir.join(format!("{name}.rs"));
                                    let path = if flat.exists() {
                                        flat
                                    } else {
                                        at.dir.join(name).join("mod.rs")
                                    };
                                    (path.clone(), sub_module_dir(&path))
                                }
                            };
                            self.file(&path, &dir, &inner_prefix)?;
                        }
                        _ => return Err(at.error(tree, &format!("`mod {name}` cut short"))),
                    }
                    i += 3;
                }
                "macro_rules" => i = end_of_item(trees, i),
                _ if matches!(trees.get(i + 1).map(|t| &t.kind), Some(Kind::Punct('!')))
                    && !keyword.is_empty() =>
                {
                    let Some(Kind::Group(_, args)) = trees.get(i + 2).map(|t| &t.kind) else {
                        return Err(at.error(tree, &format!("`{keyword}!` without its arguments")));
                    };
                    self.invocation(keyword, args, tree, at, prefix)?;
                    i += 3;
                    if trees
                        .get(i)
                        .is_some_and(|t| matches!(t.kind, Kind::Punct(';')))
                    {
                        i += 1;
                    }
                }
                _ => i = end_of_item(trees, i),
            }
            docs.clear();
            attrs.clear();
        }
        Ok(())
    }

    /// A macro called where items go: a `macro_rules!` of the suite is
    /// expanded; any other (`proptest!`) has its arguments read as items.
    fn invocation(
        &mut self,
        name: &str,
        args: &[Tree],
        tree: &Tree,
        at: &Source<'_>,
        prefix: &str,
    ) -> Result<(), String> {
        let Some(definition) = self.macros.by_name.get(name) else {
            return self.items(args, at, prefix);
        };
        self.depth += 1;
        if self.depth > 32 {
            return Err(at.error(tree, &format!("`{name}!` expands into itself without end")));
        }
        let body = definition.expand(args).ok_or_else(|| {
            at.error(
                tree,
                &format!(
                    "no rule of `macro_rules! {name}` ({}) matches this call",
                    definition.shown
                ),
            )
        })?;
        let result = self.items(&body, at, prefix);
        self.depth -= 1;
        result
    }
}

/// Where the items being read come from, for messages and `mod x;`.
#[derive(Clone, Copy)]
struct Source<'a> {
    /// The file, from the kit's root.
    shown: &'a str,
    /// Where `mod x;` finds `x.rs`.
    dir: &'a Path,
    /// What `#[path = "…"] mod x;` is relative to: the file's folder, or,
    /// inside `mod y { … }`, the same as `dir`.
    path_dir: &'a Path,
}

impl Source<'_> {
    fn error(&self, tree: &Tree, message: &str) -> String {
        format!("{}:{}: {message}", self.shown, tree.line)
    }
}

/// The index just past the item that starts at `i`: its `;`, or its body
/// (the first `{ … }` not followed by `;` for a `struct` or `enum`; an
/// `impl`, a `trait` or a `fn` end there too).
fn end_of_item(trees: &[Tree], i: usize) -> usize {
    let ends_at_brace = trees[i..].iter().take(3).any(|t| {
        ["struct", "enum", "union", "impl", "trait", "macro_rules"]
            .iter()
            .any(|k| t.is_ident(k))
    });
    let mut j = i;
    while j < trees.len() {
        match trees[j].kind {
            Kind::Punct(';') => return j + 1,
            Kind::Group('{', _) if ends_at_brace => {
                return if trees
                    .get(j + 1)
                    .is_some_and(|t| matches!(t.kind, Kind::Punct(';')))
                {
                    j + 2
                } else {
                    j + 1
                };
            }
            _ => j += 1,
        }
    }
    j
}

/// The `path = "…"` of a `#[path = "…"]` among `attrs`.
fn path_attr(attrs: &[&[Tree]]) -> Option<String> {
    attrs.iter().find_map(|attr| match attr {
        [name, eq, value] if name.is_ident("path") && matches!(eq.kind, Kind::Punct('=')) => {
            match &value.kind {
                Kind::Literal(text) => text
                    .strip_prefix('"')
                    .and_then(|t| t.strip_suffix('"'))
                    .map(str::to_string),
                _ => None,
            }
        }
        _ => None,
    })
}

/// The test a `fn name` with `attrs` and `docs` is, if it is one;
/// `signature` is what lies between its name and its body. An error for
/// what the guide cannot name (rstest's `#[values]` and `#[files]`).
fn test_fn(
    attrs: &[&[Tree]],
    signature: &[Tree],
    docs: &[String],
    name: &str,
) -> Result<Option<TestFn>, String> {
    let is = |attr: &[Tree], word: &str| match attr {
        [only] => only.is_ident(word),
        [a, c1, c2, b] => {
            a.is_ident(word.split("::").next().unwrap_or(""))
                && matches!((&c1.kind, &c2.kind), (Kind::Punct(':'), Kind::Punct(':')))
                && b.is_ident(word.rsplit("::").next().unwrap_or(""))
        }
        _ => false,
    };
    let plain = attrs.iter().any(|a| is(a, "test"));
    let rstest = attrs
        .iter()
        .any(|a| is(a, "rstest") || is(a, "rstest::rstest"));
    if !plain && !rstest {
        return Ok(None);
    }
    let mut cases = Vec::new();
    if rstest {
        for attr in attrs {
            let Some(first) = attr.first() else { continue };
            if !first.is_ident("case") {
                continue;
            }
            // `case(…)` or `case::description(…)`.
            let description = match attr.get(1..4) {
                Some([c1, c2, word])
                    if matches!((&c1.kind, &c2.kind), (Kind::Punct(':'), Kind::Punct(':'))) =>
                {
                    word.ident().unwrap_or("").to_string()
                }
                _ => String::new(),
            };
            cases.push(description);
        }
        if let Some(word) = find_attr_in(signature, &["values", "files", "from_files"]) {
            return Err(format!(
                "rstest `#[{word}]` in `{name}`: the grading guide cannot name the tests it \
                 makes; list the cases with `#[case::…]` instead"
            ));
        }
    }
    Ok(Some(TestFn {
        path: name.to_string(),
        doc: docs.join("\n"),
        cases,
    }))
}

/// The first of `words` used as an attribute `#[word…]` anywhere in `trees`.
fn find_attr_in<'a>(trees: &[Tree], words: &[&'a str]) -> Option<&'a str> {
    trees
        .iter()
        .enumerate()
        .find_map(|(i, tree)| match &tree.kind {
            Kind::Punct('#') => match trees.get(i + 1).map(|t| &t.kind) {
                Some(Kind::Group('[', inner)) => {
                    let first = inner.first()?;
                    words.iter().find(|w| first.is_ident(w)).copied()
                }
                _ => None,
            },
            Kind::Group(_, inner) => find_attr_in(inner, words),
            _ => None,
        })
}

// ---------------------------------------------------------------- the mutants

/// The mistakes of `exercise`'s mutants, in the order of their file names:
/// the first line of each `mutants/<exercise>__*.patch`.
fn mutants_of(root: &Path, exercise: &str) -> Result<Vec<String>, String> {
    let folder = root.join("mutants");
    let entries = std::fs::read_dir(&folder).map_err(|err| {
        format!(
            "cannot read {} ({err}): the grading guide lists each exercise's mutants, \
             which only the teacher's kit has",
            super::checks::shown(root, &folder)
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .map(|entry| entry.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .map_err(|err| format!("reading mutants/: {err}"))?;
    files.sort();
    let mut mistakes = Vec::new();
    for path in files {
        let Some(file) = path.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(what) = file
            .strip_suffix(".patch")
            .and_then(|stem| stem.strip_prefix(exercise))
            .and_then(|rest| rest.strip_prefix("__"))
        else {
            continue;
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|err| format!("cannot read mutants/{file} ({err})"))?;
        mistakes.push(
            mistake(&text)
                .map_err(|why| format!("mutants/{file}:1: {why} (the mutant `{what}`)"))?
                .to_string(),
        );
    }
    Ok(mistakes)
}

/// A patch's first line, the mistake in a student's words; an error when
/// that line is missing, or is already the diff.
pub fn mistake(patch: &str) -> Result<&str, String> {
    let first = patch.lines().next().unwrap_or("").trim();
    let diff_like = ["diff", "---", "+++", "@@", "-", "+"]
        .iter()
        .any(|start| first.starts_with(start));
    if first.is_empty() || diff_like {
        return Err(
            "its first line must say the mistake in a student's words, before the diff \
             (see CONTRIBUTING.md, \"Adding a mutant\")"
                .to_string(),
        );
    }
    if !patch.lines().any(|line| line.starts_with("+++ ")) {
        return Err("it holds no diff (no `+++ ` line)".to_string());
    }
    Ok(first)
}

// ---------------------------------------------------------------- macros

/// The `macro_rules!` of the suite, by name.
#[derive(Debug, Default)]
struct Macros {
    by_name: BTreeMap<String, MacroRules>,
}

/// One `macro_rules!`: its rules, `(pattern, body)`.
#[derive(Debug)]
struct MacroRules {
    /// Where it is defined, for messages.
    shown: String,
    rules: Vec<(Vec<Tree>, Vec<Tree>)>,
}

impl Macros {
    /// Every `macro_rules!` in the `.rs` files under `tests/suite` of the
    /// kit at `root`; the first definition of a name (by path) wins.
    fn load(root: &Path) -> Result<Macros, String> {
        let dir = root.join("tests/suite");
        let dir = dir.as_path();
        let mut files = Vec::new();
        rust_files(dir, &mut files).map_err(|err| {
            format!(
                "cannot read {} ({err}): the grading guide lists the tests from the suite",
                super::checks::shown(root, dir)
            )
        })?;
        files.sort();
        let mut macros = Macros::default();
        for path in files {
            let shown = super::checks::shown(root, &path);
            let text = std::fs::read_to_string(&path)
                .map_err(|err| format!("cannot read {shown} ({err})"))?;
            let trees =
                tokenize(&text).map_err(|(line, message)| format!("{shown}:{line}: {message}"))?;
            collect_macros(&trees, &shown, &mut macros)?;
        }
        Ok(macros)
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// Finds `macro_rules! name { … }` anywhere in `trees`.
fn collect_macros(trees: &[Tree], shown: &str, macros: &mut Macros) -> Result<(), String> {
    for (i, tree) in trees.iter().enumerate() {
        if tree.is_ident("macro_rules")
            && matches!(trees.get(i + 1).map(|t| &t.kind), Some(Kind::Punct('!')))
            && let (Some(name), Some(Kind::Group(_, body))) = (
                trees.get(i + 2).and_then(Tree::ident),
                trees.get(i + 3).map(|t| &t.kind),
            )
        {
            let rules = macro_rules(body).ok_or_else(|| {
                format!(
                    "{shown}:{}: `macro_rules! {name}`: cannot read its rules \
                     (`(pattern) => {{ body }}`, separated by `;`)",
                    tree.line
                )
            })?;
            macros
                .by_name
                .entry(name.to_string())
                .or_insert_with(|| MacroRules {
                    shown: format!("{shown}:{}", tree.line),
                    rules,
                });
        } else if let Kind::Group(_, inner) = &tree.kind {
            collect_macros(inner, shown, macros)?;
        }
    }
    Ok(())
}

/// The rules of a `macro_rules!` body: `(pattern) => { body };` …
fn macro_rules(body: &[Tree]) -> Option<Vec<(Vec<Tree>, Vec<Tree>)>> {
    let mut rules = Vec::new();
    let mut i = 0;
    while i < body.len() {
        let (Kind::Group(_, pattern), Some(eq), Some(gt), Some(Kind::Group(_, expansion))) = (
            &body[i].kind,
            body.get(i + 1),
            body.get(i + 2),
            body.get(i + 3).map(|t| &t.kind),
        ) else {
            return None;
        };
        if !matches!((&eq.kind, &gt.kind), (Kind::Punct('='), Kind::Punct('>'))) {
            return None;
        }
        rules.push((pattern.clone(), expansion.clone()));
        i += 4;
        if body
            .get(i)
            .is_some_and(|t| matches!(t.kind, Kind::Punct(';')))
        {
            i += 1;
        }
    }
    Some(rules)
}

impl MacroRules {
    /// The body of the first rule whose pattern matches `args`, with its
    /// `$name`s replaced by what they matched.
    fn expand(&self, args: &[Tree]) -> Option<Vec<Tree>> {
        self.rules.iter().find_map(|(pattern, body)| {
            let mut bound = BTreeMap::new();
            matches_pattern(pattern, args, &mut bound).then(|| substitute(body, &bound))
        })
    }
}

/// Whether `args` match `pattern`, binding each `$name:kind` to the trees
/// it takes: up to the pattern's next literal token, or to the end. A
/// repetition `$( … )*` takes whatever is left.
fn matches_pattern(
    pattern: &[Tree],
    args: &[Tree],
    bound: &mut BTreeMap<String, Vec<Tree>>,
) -> bool {
    let mut p = 0;
    let mut a = 0;
    while p < pattern.len() {
        if matches!(pattern[p].kind, Kind::Punct('$')) {
            match pattern.get(p + 1).map(|t| &t.kind) {
                Some(Kind::Ident(name)) => {
                    // `$name:kind`
                    let after = p + 4;
                    let next_literal = pattern.get(after);
                    let end = match next_literal {
                        None => args.len(),
                        Some(literal) => match (a..args.len()).find(|&j| args[j].same(literal)) {
                            Some(j) => j,
                            None => return false,
                        },
                    };
                    if end == a {
                        return false;
                    }
                    bound.insert(name.clone(), args[a..end].to_vec());
                    a = end;
                    p = after;
                    continue;
                }
                Some(Kind::Group('(', _)) => return true,
                _ => return false,
            }
        }
        match args.get(a) {
            Some(arg) if arg.same(&pattern[p]) => {
                p += 1;
                a += 1;
            }
            _ => return false,
        }
    }
    a == args.len()
}

/// `body` with each `$name` bound in `bound` replaced by its trees.
fn substitute(body: &[Tree], bound: &BTreeMap<String, Vec<Tree>>) -> Vec<Tree> {
    let mut out = Vec::with_capacity(body.len());
    let mut i = 0;
    while i < body.len() {
        if matches!(body[i].kind, Kind::Punct('$'))
            && let Some(trees) = body
                .get(i + 1)
                .and_then(Tree::ident)
                .and_then(|n| bound.get(n))
        {
            out.extend(trees.iter().cloned());
            i += 2;
            continue;
        }
        out.push(match &body[i].kind {
            Kind::Group(delimiter, inner) => Tree {
                line: body[i].line,
                kind: Kind::Group(*delimiter, substitute(inner, bound)),
            },
            _ => body[i].clone(),
        });
        i += 1;
    }
    out
}

// ---------------------------------------------------------------- tokens

/// A token of Rust source, or a delimited group of them, with its line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Tree {
    line: usize,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Ident(String),
    /// A string, char or number, as written.
    Literal(String),
    Punct(char),
    /// An outer doc comment's text (`/// text` → `text`).
    Doc(String),
    /// `(`, `[` or `{`, and what it holds.
    Group(char, Vec<Tree>),
}

impl Tree {
    fn ident(&self) -> Option<&str> {
        match &self.kind {
            Kind::Ident(word) => Some(word),
            _ => None,
        }
    }

    fn is_ident(&self, word: &str) -> bool {
        self.ident() == Some(word)
    }

    /// The same token, wherever it is.
    fn same(&self, other: &Tree) -> bool {
        match (&self.kind, &other.kind) {
            (Kind::Group(a, x), Kind::Group(b, y)) => {
                a == b && x.len() == y.len() && x.iter().zip(y).all(|(x, y)| x.same(y))
            }
            (a, b) => a == b,
        }
    }
}

/// The token trees of Rust source: comments dropped (outer doc comments
/// kept as [`Kind::Doc`]), strings, raw strings, chars and lifetimes told
/// apart, groups matched. An error is `(line, message)`.
fn tokenize(text: &str) -> Result<Vec<Tree>, (usize, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut line = 1;
    let mut i = 0;
    // The open groups: (delimiter, line, trees before it).
    let mut stack: Vec<(char, usize, Vec<Tree>)> = Vec::new();
    let mut trees: Vec<Tree> = Vec::new();
    let at = |i: usize| chars.get(i).copied();
    while i < chars.len() {
        let c = chars[i];
        let start_line = line;
        match c {
            '\n' => {
                line += 1;
                i += 1;
            }
            c if c.is_whitespace() => i += 1,
            '/' if at(i + 1) == Some('/') => {
                let end = (i..chars.len())
                    .find(|&j| chars[j] == '\n')
                    .unwrap_or(chars.len());
                let comment: String = chars[i..end].iter().collect();
                if let Some(doc) = comment.strip_prefix("///")
                    && !doc.starts_with('/')
                {
                    let doc = doc.strip_prefix(' ').unwrap_or(doc);
                    trees.push(Tree {
                        line,
                        kind: Kind::Doc(doc.trim_end().to_string()),
                    });
                }
                i = end;
            }
            '/' if at(i + 1) == Some('*') => {
                let mut depth = 0;
                loop {
                    match (at(i), at(i + 1)) {
                        (Some('/'), Some('*')) => {
                            depth += 1;
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            depth -= 1;
                            i += 2;
                            if depth == 0 {
                                break;
                            }
                        }
                        (Some(c), _) => {
                            if c == '\n' {
                                line += 1;
                            }
                            i += 1;
                        }
                        (None, _) => {
                            return Err((start_line, "a `/*` comment is never closed".into()));
                        }
                    }
                }
            }
            '"' => {
                let end = string_end(&chars, i + 1, &mut line)
                    .ok_or((start_line, "a string is never closed".to_string()))?;
                trees.push(Tree {
                    line: start_line,
                    kind: Kind::Literal(chars[i..end].iter().collect()),
                });
                i = end;
            }
            '\'' => {
                // A char ('a', '\n', '\u{1F600}') or a lifetime ('a, 'static).
                let is_char = at(i + 1) == Some('\\') || at(i + 2) == Some('\'');
                if is_char {
                    let mut j = i + 1;
                    if at(j) == Some('\\') {
                        j += 2;
                    } else {
                        j += 1;
                    }
                    while at(j).is_some_and(|c| c != '\'' && c != '\n') {
                        j += 1;
                    }
                    if at(j) != Some('\'') {
                        return Err((start_line, "a char literal is never closed".into()));
                    }
                    trees.push(Tree {
                        line,
                        kind: Kind::Literal(chars[i..=j].iter().collect()),
                    });
                    i = j + 1;
                } else {
                    let mut j = i + 1;
                    while at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                        j += 1;
                    }
                    trees.push(Tree {
                        line,
                        kind: Kind::Literal(chars[i..j].iter().collect()),
                    });
                    i = j;
                }
            }
            c if c.is_alphabetic() || c == '_' => {
                let mut j = i;
                while at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    j += 1;
                }
                let word: String = chars[i..j].iter().collect();
                // Prefixed strings: b"…", c"…", r"…", r#"…"#, br#"…"#, b'x'.
                let raw =
                    matches!(word.as_str(), "r" | "br" | "cr") && matches!(at(j), Some('"' | '#'));
                if raw {
                    let hashes = (j..chars.len()).take_while(|&k| chars[k] == '#').count();
                    let open = j + hashes;
                    if at(open) == Some('"') {
                        let closing: Vec<char> = std::iter::once('"')
                            .chain(std::iter::repeat_n('#', hashes))
                            .collect();
                        let end = (open + 1..chars.len())
                            .find(|&k| chars[k..].starts_with(&closing))
                            .ok_or((start_line, "a raw string is never closed".to_string()))?;
                        line += chars[open..end].iter().filter(|&&c| c == '\n').count();
                        let end = end + closing.len();
                        trees.push(Tree {
                            line: start_line,
                            kind: Kind::Literal(chars[i..end].iter().collect()),
                        });
                        i = end;
                        continue;
                    }
                }
                if matches!(word.as_str(), "b" | "c") && at(j) == Some('"') {
                    let end = string_end(&chars, j + 1, &mut line)
                        .ok_or((start_line, "a string is never closed".to_string()))?;
                    trees.push(Tree {
                        line: start_line,
                        kind: Kind::Literal(chars[i..end].iter().collect()),
                    });
                    i = end;
                    continue;
                }
                if word == "b" && at(j) == Some('\'') {
                    let mut k = j + 1;
                    if at(k) == Some('\\') {
                        k += 1;
                    }
                    k += 1;
                    while at(k).is_some_and(|c| c != '\'' && c != '\n') {
                        k += 1;
                    }
                    trees.push(Tree {
                        line,
                        kind: Kind::Literal(chars[i..=k.min(chars.len() - 1)].iter().collect()),
                    });
                    i = k + 1;
                    continue;
                }
                trees.push(Tree {
                    line,
                    kind: Kind::Ident(word),
                });
                i = j;
            }
            c if c.is_ascii_digit() => {
                let mut j = i;
                while at(j).is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    j += 1;
                }
                trees.push(Tree {
                    line,
                    kind: Kind::Literal(chars[i..j].iter().collect()),
                });
                i = j;
            }
            '(' | '[' | '{' => {
                stack.push((c, line, std::mem::take(&mut trees)));
                i += 1;
            }
            ')' | ']' | '}' => {
                let open = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                let Some((delimiter, opened, before)) = stack.pop() else {
                    return Err((line, format!("a `{c}` that closes nothing")));
                };
                if delimiter != open {
                    return Err((
                        line,
                        format!("a `{c}` closes the `{delimiter}` of line {opened}"),
                    ));
                }
                let inner = std::mem::replace(&mut trees, before);
                trees.push(Tree {
                    line: opened,
                    kind: Kind::Group(delimiter, inner),
                });
                i += 1;
            }
            c => {
                trees.push(Tree {
                    line,
                    kind: Kind::Punct(c),
                });
                i += 1;
            }
        }
    }
    if let Some((delimiter, opened, _)) = stack.pop() {
        return Err((opened, format!("this `{delimiter}` is never closed")));
    }
    Ok(trees)
}

/// The index just past the `"` that closes a string whose text starts at
/// `i`, counting its lines; `None` if it is never closed.
fn string_end(chars: &[char], mut i: usize, line: &mut usize) -> Option<usize> {
    while i < chars.len() {
        match chars[i] {
            '\\' => {
                if chars.get(i + 1) == Some(&'\n') {
                    *line += 1;
                }
                i += 2;
            }
            '"' => return Some(i + 1),
            '\n' => {
                *line += 1;
                i += 1;
            }
            _ => i += 1,
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use kit_manifest::Chapter;

    fn write(root: &Path, path: &str, text: &str) {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn exercise(id: &str, hidden: &[&str], timeout: Option<u64>) -> Exercise {
        Exercise {
            id: id.into(),
            chapter: 1,
            title: format!("The {id}"),
            file: format!("src/ch1/{}.rs", id.replace('-', "_")),
            page: format!("ch1/{id}.md"),
            points: 20,
            programs: vec![],
            hints: vec![],
            exempt: vec![],
            hidden: hidden.iter().map(|h| h.to_string()).collect(),
            timeout,
        }
    }

    fn manifest(exercises: Vec<Exercise>) -> Manifest {
        Manifest {
            chapters: vec![Chapter {
                id: "chapter1".into(),
                number: 1,
                title: "Sockets".into(),
                page: "ch1/index.md".into(),
                coming: None,
                programs: vec![],
            }],
            exercises,
        }
    }

    /// A suite file with every kind of test the guide reads.
    const SUITE: &str = r####"//! Tests of `udp-dict`.
use rstest::rstest;

/// Not a test: a helper, with a doc.
fn helper() -> &'static str { "#[test] fn not_a_test() {}" }

/// Answers a known word with its meaning. The rest of the doc is not shown.
#[test]
fn answers_a_known_word() {
    let c = '{';
    let s = r#"a "}" b"#;
    let _ = (c, s, b'}', b"}");
}

#[test]
fn a_full_queue_turns_clients_away() {}

/// Refuses what is not a word, e.g. `a|b` or Vec<u8>.
#[rstest]
#[case::empty("")]
#[case::too_long(&"x".repeat(300))]
#[case("a b")]
#[case::nul("\0")]
#[case::five("5")]
#[case::six("6")]
#[case::seven("7")]
#[case::eight("8")]
#[case::nine("9")]
#[case::ten("10")]
fn refuses_a_bad_word(#[case] word: &str) {}

mod level {
    use super::*;
    conformance!(concurrent, MODEL);
}

proptest! {
    #![proptest_config(ProptestConfig::default())]
    #[test]
    fn never_panics(bytes in any::<Vec<u8>>()) {}
}

#[path = "udp_dict_hidden.rs"]
mod hidden;
"####;

    const MACROS: &str = r#"
macro_rules! conformance {
    (@common $model:expr) => {
        /// Echoes each line.
        #[test]
        fn echoes_each_line() { run(&$model); }
    };
    (concurrent, $model:expr) => {
        conformance!(@common $model);
        #[test]
        fn serves_forty_clients() {}
    };
}
"#;

    const HIDDEN: &str = "#[test]\nfn refuses_a_huge_datagram() {}\n";

    const MUTANT: &str = "I answer the first word only\n\
        --- a/solutions/src/ch1/udp_dict.rs\n+++ b/solutions/src/ch1/udp_dict.rs\n\
        @@ -1 +1 @@\n-a\n+b\n";

    fn kit() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        write(root, "tests/suite/main.rs", "mod ch1;\n");
        write(
            root,
            "tests/suite/ch1/mod.rs",
            "#[macro_use]\nmod macros;\nmod udp_dict;\n",
        );
        write(root, "tests/suite/ch1/macros.rs", MACROS);
        write(root, "tests/suite/ch1/udp_dict.rs", SUITE);
        write(root, "tests/suite/ch1/udp_dict_hidden.rs", HIDDEN);
        write(
            root,
            "tests/suite/ch1/framing.rs",
            "#[test]\nfn frames() {}\n",
        );
        write(root, "mutants/udp-dict__first-word-only.patch", MUTANT);
        write(root, "mutants/udp-dict-two__other.patch", MUTANT);
        write(root, "mutants/README.md", "Mutants.\n");
        dir
    }

    fn tests_in(root: &Path, id: &str) -> Result<Vec<TestFn>, String> {
        let macros = Macros::load(root)?;
        tests_of(root, &exercise(id, &[], None), &macros)
    }

    #[test]
    fn finds_plain_tests_rstest_cases_macro_and_module_tests_in_order() {
        let dir = kit();
        let tests = tests_in(dir.path(), "udp-dict").unwrap();
        let names: Vec<String> = tests.iter().flat_map(TestFn::names).collect();
        assert_eq!(
            names,
            [
                "answers_a_known_word",
                "a_full_queue_turns_clients_away",
                "refuses_a_bad_word::case_01_empty",
                "refuses_a_bad_word::case_02_too_long",
                "refuses_a_bad_word::case_03",
                "refuses_a_bad_word::case_04_nul",
                "refuses_a_bad_word::case_05_five",
                "refuses_a_bad_word::case_06_six",
                "refuses_a_bad_word::case_07_seven",
                "refuses_a_bad_word::case_08_eight",
                "refuses_a_bad_word::case_09_nine",
                "refuses_a_bad_word::case_10_ten",
                "level::echoes_each_line",
                "level::serves_forty_clients",
                "never_panics",
                "hidden::refuses_a_huge_datagram",
            ]
        );
        assert_eq!(
            tests[0].doc,
            "Answers a known word with its meaning. The rest of the doc is not shown."
        );
        assert_eq!(
            tests[3].doc, "Echoes each line.",
            "a doc inside a macro's rule"
        );
    }

    #[test]
    fn what_a_test_checks_is_its_first_sentence_or_its_name() {
        let dir = kit();
        let tests = tests_in(dir.path(), "udp-dict").unwrap();
        assert_eq!(tests[0].checks(), "Answers a known word with its meaning.");
        assert_eq!(tests[1].checks(), "A full queue turns clients away.");
        assert_eq!(
            tests[2].checks(),
            "Refuses what is not a word, e.g. `a|b` or Vec&lt;u8&gt;.",
            "e.g. ends no sentence, and a type is no HTML tag"
        );
        assert_eq!(
            sentence_of_name("a_full_queue_turns_clients_away"),
            "A full queue turns clients away."
        );
        assert_eq!(first_sentence("Reads `a.b`. Then\nmore."), "Reads `a.b`.");
        assert_eq!(
            first_sentence("One line\nacross two\n\nA second paragraph."),
            "One line across two"
        );
        assert_eq!(first_sentence("Why? Because."), "Why?");
        assert_eq!(
            first_sentence("Read until edge-\ntriggered [`STEP`] ends, as [`x`](y.md) says"),
            "Read until edge-triggered `STEP` ends, as [`x`](y.md) says"
        );
    }

    #[test]
    fn the_section_shows_points_timeout_tests_hidden_and_mistakes() {
        let dir = kit();
        let root = dir.path();
        let manifest = manifest(vec![exercise(
            "udp-dict",
            &["hidden::", "refuses_a_bad_word::case_0", "nope"],
            Some(5),
        )]);
        let guide = render(
            root,
            &manifest,
            &manifest.exercises.iter().collect::<Vec<_>>(),
            "../",
        )
        .unwrap();
        assert!(
            guide
                .starts_with("## Chapter 1: Sockets\n\n### udp-dict: The udp-dict {#udp-dict}\n\n"),
            "{guide}"
        );
        assert!(
            guide.contains("\n20 points · timeout 5 s · 16 tests (10 hidden)\n"),
            "{guide}"
        );
        assert!(guide.contains("[The exercise's page](../ch1/udp-dict.md); its tests: `tests/suite/ch1/udp_dict.rs`."), "{guide}");
        assert!(
            guide.contains("kit.toml's `hidden` has `nope`, which no test's name starts with"),
            "{guide}"
        );
        assert!(
            guide.contains(
                "\n| `answers_a_known_word` | Answers a known word with its meaning. |\n"
            ),
            "{guide}"
        );
        assert!(
            guide.contains("| `refuses_a_bad_word` (10 cases) **9 of 10 cases hidden** | Refuses what is not a word, e.g. `a\\|b` or Vec&lt;u8&gt;. Cases: `empty`, `too_long`, `nul`,"),
            "{guide}"
        );
        assert!(
            guide.contains(
                "| `hidden::refuses_a_huge_datagram` **hidden** | Refuses a huge datagram. |"
            ),
            "{guide}"
        );
        assert!(
            guide.ends_with("**Mistakes the tests catch**\n\n- I answer the first word only\n\n"),
            "{guide}"
        );
    }

    #[test]
    fn an_exercise_without_mutants_says_so_and_the_default_timeout_shows() {
        let dir = kit();
        let manifest = manifest(vec![exercise("framing", &[], None)]);
        let guide = render(
            dir.path(),
            &manifest,
            &manifest.exercises.iter().collect::<Vec<_>>(),
            "../",
        )
        .unwrap();
        assert!(
            guide.contains("20 points · timeout 30 s · 1 test (0 hidden)"),
            "{guide}"
        );
        assert!(
            guide.contains("This exercise has no mutants yet (no `mutants/framing__*.patch`)"),
            "{guide}"
        );
    }

    #[test]
    fn the_directive_runs_in_the_teachers_edition_only() {
        let dir = kit();
        let manifest = manifest(vec![exercise("framing", &[], None)]);
        let page = "# Guide\n\nHow to read it.\n\n{{#grading_guide all}}\n";
        let here = Path::new("teacher/grading-guide.md");
        let expanded = expand(page, here, dir.path(), &manifest, Edition::Teacher).unwrap();
        assert!(
            expanded.starts_with("# Guide\n\nHow to read it.\n\n## Chapter 1: Sockets\n"),
            "{expanded}"
        );
        assert!(!expanded.contains("{{#"), "{expanded}");
        assert!(expanded.contains("](../ch1/framing.md)"), "{expanded}");
        let at_the_top = expand(
            page,
            Path::new("guide.md"),
            dir.path(),
            &manifest,
            Edition::Teacher,
        );
        assert!(
            at_the_top
                .unwrap()
                .contains("[The exercise's page](ch1/framing.md)"),
            "links lead from the page's own folder"
        );
        let err = expand(page, here, dir.path(), &manifest, Edition::Student).unwrap_err();
        assert_eq!(err.line, 5);
        assert!(err.message.contains("teacher-only"), "{}", err.message);
        assert_eq!(
            check(page, here, dir.path(), &manifest, Edition::Student).len(),
            1
        );
        assert_eq!(
            check(page, here, dir.path(), &manifest, Edition::Teacher),
            vec![]
        );
        let other = "{{#grading_guide udp-dictionary}}\n";
        let problems = check(other, here, dir.path(), &manifest, Edition::Teacher);
        assert_eq!(problems.len(), 1);
        assert!(
            problems[0].1.contains("`udp-dictionary` is neither"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_missing_file_or_a_bad_one_is_an_error_never_an_empty_section() {
        let dir = kit();
        let root = dir.path();
        let err = tests_in(root, "tcp-upload").unwrap_err();
        assert!(
            err.contains("cannot read tests/suite/ch1/tcp_upload.rs"),
            "{err}"
        );

        write(root, "tests/suite/ch1/tcp_upload.rs", "fn helper() {}\n");
        let err = tests_in(root, "tcp-upload").unwrap_err();
        assert!(err.contains("found no test"), "{err}");

        write(
            root,
            "tests/suite/ch1/tcp_upload.rs",
            "#[test]\nfn a() {\n    let x = (1;\n}\n",
        );
        let err = tests_in(root, "tcp-upload").unwrap_err();
        assert!(
            err.contains("tests/suite/ch1/tcp_upload.rs:3: a `;`")
                || err.contains("tcp_upload.rs:"),
            "{err}"
        );

        write(
            root,
            "tests/suite/ch1/tcp_upload.rs",
            "#[rstest]\nfn a(#[values(1, 2)] n: u8) {}\n",
        );
        let err = tests_in(root, "tcp-upload").unwrap_err();
        assert!(err.contains("tcp_upload.rs:2: rstest `#[values]`"), "{err}");

        std::fs::remove_file(root.join("tests/suite/ch1/udp_dict_hidden.rs")).unwrap();
        let err = tests_in(root, "udp-dict").unwrap_err();
        assert!(
            err.contains("cannot read tests/suite/ch1/udp_dict_hidden.rs"),
            "{err}"
        );

        write(
            root,
            "mutants/udp-dict__no-line.patch",
            "--- a/x\n+++ b/x\n",
        );
        let err = mutants_of(root, "udp-dict").unwrap_err();
        assert!(
            err.starts_with("mutants/udp-dict__no-line.patch:1: its first line must say"),
            "{err}"
        );
        std::fs::remove_dir_all(root.join("mutants")).unwrap();
        let err = mutants_of(root, "udp-dict").unwrap_err();
        assert!(err.contains("cannot read mutants"), "{err}");
    }

    #[test]
    fn mutants_are_matched_by_the_whole_exercise_id() {
        let dir = kit();
        assert_eq!(
            mutants_of(dir.path(), "udp-dict").unwrap(),
            ["I answer the first word only"]
        );
        assert_eq!(mutants_of(dir.path(), "udp").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn the_tokenizer_tells_chars_from_lifetimes_and_counts_lines() {
        let trees =
            tokenize("fn f<'a>(x: &'a str) -> char {\n    '}'\n}\n/* a { */ /// doc\n").unwrap();
        assert_eq!(trees.len(), 11, "{trees:#?}");
        assert_eq!(trees[10].kind, Kind::Doc("doc".into()));
        assert_eq!(trees[10].line, 4);
        let err = tokenize("fn f() {\n  (\n}\n").unwrap_err();
        assert_eq!(err.0, 3, "{err:?}");
    }
}
