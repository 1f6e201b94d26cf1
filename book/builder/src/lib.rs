//! Building the book with mdBook as a library, and checking it.
//!
//! ## Layout
//!
//! - [`edition`]: teacher-only regions, dropped from the student's edition.
//! - [`directives`]: finding `{{#…}}` in a page, as mdBook does.
//! - [`hints`]: `{{#hints ID}}`, filled in from kit.toml.
//! - [`checks`]: every include, anchor and line range resolves.
//! - [`includes`]: anchored includes without their indentation, whole files
//!   without their anchor lines.
//! - [`logs`]: mdBook's own warnings and errors fail the build.
//! - [`offline`]: the built book loads nothing from another host.
//! - [`glyphs`]: every character of the built pages beyond ASCII has a glyph
//!   in a font the book ships (book/fonts/netkit.css), and every one of an
//!   SVG's text in a font the SVG embeds (an `<img>` cannot use the page's).
//! - [`chapter_refs`]: a "chapter N" in prose is a link to that chapter.
//! - [`glossary`]: the glossary and the body's terms agree both ways.
//! - [`assumes`]: each exercise page says what it assumes, with links to
//!   pages before it.
//! - [`remember`]: chapter, topic and exercise pages have their
//!   `## What to remember` section where it belongs.
//! - [`grading_guide`]: `{{#grading_guide all}}`, the teacher's grading guide
//!   (points, time limits, tests, hidden tests, mutants), teacher's edition only.
//!
//! ## The order of a build
//!
//! 1. Load `book/book.toml` and the pages, without mdBook's default
//!    preprocessors, so that the order below is ours and explicit.
//! 2. Check every page as the edition sees it (teacher-only regions blanked
//!    out in the student's edition): a problem stops the build here, with the
//!    page, the line and the fix.
//! 3. In the teacher's edition only, fill in `{{#grading_guide}}` from the
//!    suite and `mutants/` (the student's edition refuses it in step 2).
//! 4. Preprocess: [`EditionPreprocessor`] (teacher-only regions, hints,
//!    includes of regions and whole files, the teacher's banner), then
//!    mdBook's `links` (line ranges and `rustdoc_include`), then `index`.
//!    Because ours runs first, an include inside a teacher-only region is never
//!    resolved in the student's edition.
//! 5. Render HTML into `out`, failing on any WARN or ERROR mdBook logs.
//! 6. Scan the output for loads from outside, and for characters that no
//!    font of the book draws.

mod assumes;
mod chapter_refs;
mod checks;
mod directives;
mod edition;
mod glossary;
mod glyphs;
mod grading_guide;
mod hints;
mod includes;
mod logs;
mod offline;
mod remember;

use anyhow::{Context, Result, bail};
use checks::{PageContext, Problem};
use kit_manifest::Manifest;
use mdbook_driver::MDBook;
use mdbook_driver::book::{Book, BookItem};
use mdbook_driver::builtin_preprocessors::{IndexPreprocessor, LinkPreprocessor};
use mdbook_driver::config::Config;
use mdbook_preprocessor::{Preprocessor, PreprocessorContext};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Which edition of the book to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    /// Without solutions: what students read.
    Student,
    /// With the reference solutions shown on each exercise page.
    Teacher,
}

impl Edition {
    /// `student` or `teacher`, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Edition::Student => "student",
            Edition::Teacher => "teacher",
        }
    }
}

/// Builds one edition into `out` (emptied first) and checks it: every
/// `{{#include}}` resolves, every anchor exists, mdBook logged no warning or
/// error, and the HTML loads nothing from outside. Returns the path of
/// `index.html`.
pub fn build(root: &Path, manifest: &Manifest, edition: Edition, out: &Path) -> Result<PathBuf> {
    let out = std::path::absolute(out).with_context(|| format!("resolving {}", out.display()))?;
    let mut book = load(root, edition, &out)?;
    let hints = hints_table(manifest);

    let problems = check_book(root, &book, &hints, manifest, edition);
    if !problems.is_empty() {
        bail!(
            "the {} edition of the book has {} problem(s):\n{}",
            edition.name(),
            problems.len(),
            indent(problems.iter().map(Problem::to_string))
        );
    }

    if edition == Edition::Teacher {
        let label = src_label(root, &book);
        grading_guide::fill_teachers_edition(root, manifest, &mut book.book, &label)?;
    }
    // Added in this order, run in this order (default preprocessors are off).
    book.with_preprocessor(EditionPreprocessor {
        edition,
        hints,
        src_label: src_label(root, &book),
    });
    book.with_preprocessor(LinkPreprocessor::new());
    book.with_preprocessor(IndexPreprocessor::new());

    empty_out(root, &out)?;
    let (result, logged) = logs::capture(|| book.build());
    result.with_context(|| format!("building the {} edition of the book", edition.name()))?;
    if !logged.is_empty() {
        bail!(
            "mdBook logged {} warning(s) or error(s) while building the {} edition; \
             the book must build cleanly:\n{}\n\
             (an error about `{{{{#include …}}}}` means a path or anchor mdBook could not \
             resolve; an HTML warning names the page whose tags do not balance)",
            logged.len(),
            edition.name(),
            indent(logged)
        );
    }

    let index = out.join("index.html");
    if !index.is_file() {
        bail!("mdBook wrote no {}", index.display());
    }
    // `xtask/../target/…` reads badly in a message: give the plain path.
    let index = index.canonicalize().unwrap_or(index);
    let external = offline::scan(&out)?;
    if !external.is_empty() {
        bail!(
            "the {} edition loads {} thing(s) from outside the book, so it would not \
             open offline:\n{}\nPut the file under book/src/ and refer to it by a \
             relative path (plain <a href> links are fine).",
            edition.name(),
            external.len(),
            indent(external.iter().map(ToString::to_string))
        );
    }
    let stylesheets = book
        .config
        .html_config()
        .map(|html| html.additional_css)
        .unwrap_or_default();
    let fonts = glyphs::fonts(&out, &book.root, &stylesheets)?;
    let missing = glyphs::scan(&out, &fonts)?;
    if !missing.is_empty() {
        bail!(
            "the {} edition has {} character(s) that no font of the book draws ({}), so a \
             machine without fonts for them would show boxes:\n{}\nTo fix it, {}.",
            edition.name(),
            missing.len(),
            if fonts.is_empty() {
                "it has none: book.toml's additional-css lists no @font-face".to_string()
            } else {
                fonts
                    .iter()
                    .map(|f| f.file.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            indent(missing.iter().map(ToString::to_string)),
            glyphs::FIX
        );
    }
    Ok(index)
}

/// Checks the pages' sources in both editions without building: the
/// teacher-only markers balance, and every `{{#include}}`, anchor, line range
/// and `{{#hints}}` resolves. Returns one line per problem
/// (`book/src/ch1/x.md:12: what is wrong; how to fix it`), empty if the
/// sources are sound.
///
/// Meant for the whole kit: in a student's copy (no `solutions/`), the
/// teacher's edition's includes do not resolve; [`build`] of the student's
/// edition checks only what that edition shows.
pub fn check_sources(root: &Path, manifest: &Manifest) -> Result<Vec<String>> {
    let hints = hints_table(manifest);
    let mut lines: Vec<String> = Vec::new();
    for edition in [Edition::Student, Edition::Teacher] {
        let book = load(root, edition, &root.join("target/book/unused"))?;
        for problem in check_book(root, &book, &hints, manifest, edition) {
            let line = problem.to_string();
            if !lines.contains(&line) {
                lines.push(line);
            }
        }
    }
    Ok(lines)
}

/// Loads `book/` with the kit's settings for `edition`, its output set to
/// `out`, and mdBook's default preprocessors off (we add them in our order).
fn load(root: &Path, edition: Edition, out: &Path) -> Result<MDBook> {
    let book_root = root.join("book");
    let config_path = book_root.join("book.toml");
    let mut config = Config::from_disk(&config_path)
        .with_context(|| format!("reading {}", config_path.display()))?;
    config.build.build_dir = out.to_path_buf();
    config.build.use_default_preprocessors = false;
    if edition == Edition::Teacher {
        let title = config.book.title.take().unwrap_or_default();
        config.book.title = Some(format!("{title} (Teacher's edition)"));
    }
    let mut book = MDBook::load_with_config(&book_root, config).with_context(|| {
        format!(
            "loading the book from {} (does every page that SUMMARY.md lists exist?)",
            book_root.display()
        )
    })?;
    if edition == Edition::Student {
        // mdBook reads SUMMARY.md's markers as comments: drop the teacher's
        // pages here, so that this edition is the hand-out's book.
        let path = book.source_dir().join("SUMMARY.md");
        let summary = std::fs::read_to_string(&path)
            .with_context(|| format!("reading {}", path.display()))?;
        let pages = edition::teacher_only_pages(&summary).map_err(|e| {
            anyhow::anyhow!("{}:{}: {}", checks::shown(root, &path), e.line, e.message)
        })?;
        edition::drop_pages(&mut book.book.items, &pages);
    }
    Ok(book)
}

/// Each exercise id with its hints.
fn hints_table(manifest: &Manifest) -> BTreeMap<String, Vec<String>> {
    manifest
        .exercises
        .iter()
        .map(|exercise| (exercise.id.clone(), exercise.hints.clone()))
        .collect()
}

/// The book's source folder as shown in messages: `book/src`.
fn src_label(root: &Path, book: &MDBook) -> String {
    checks::shown(root, &book.source_dir())
}

/// Opens `index` in the desktop's browser with `xdg-open` (`open` on macOS),
/// or, where there is none, prints the `file://` address to paste into one.
pub fn open(index: &Path) {
    let url = format!("file://{}", index.display());
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let opened = std::process::Command::new(opener)
        .arg(index)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !opened {
        println!("open this address in a browser: {url}");
    }
}

/// Every problem of every page of `book`, as `edition` sees the pages.
fn check_book(
    root: &Path,
    book: &MDBook,
    hints: &BTreeMap<String, Vec<String>>,
    manifest: &Manifest,
    edition: Edition,
) -> Vec<Problem> {
    let targets = &chapter_targets(manifest);
    let kinds = page_kinds(manifest);
    let mut before: Vec<PathBuf> = Vec::new();
    let src_dir = book.source_dir();
    let label = src_label(root, book);
    let mut problems = Vec::new();
    let mut bodies = Vec::new();
    let mut glossary_page = None;
    for item in book.iter() {
        let BookItem::Chapter(chapter) = item else {
            continue;
        };
        let Some(source) = &chapter.source_path else {
            continue; // a draft chapter: no file
        };
        let page = format!("{label}/{}", source.display());
        let folder = src_dir.join(source.parent().unwrap_or(Path::new("")));
        let text = match edition::blanked(&chapter.content, edition) {
            Ok(text) => text,
            Err(err) => {
                problems.push(Problem {
                    page,
                    line: err.line,
                    message: err.message,
                });
                continue;
            }
        };
        let context = PageContext {
            root,
            folder: &folder,
            page: &page,
            hints,
        };
        problems.extend(checks::check_page(&context, &text));
        if source == Path::new(glossary::PAGE) {
            glossary_page = Some((page.clone(), text.clone()));
        } else {
            bodies.push((page.clone(), text.clone()));
        }
        let mut found = chapter_refs::check(source, &text, targets);
        if let Some(kind) = kinds.of(source) {
            if kind == remember::Kind::Exercise {
                let before: Vec<&Path> = before.iter().map(PathBuf::as_path).collect();
                found.extend(assumes::check(source, &text, &before));
            }
            found.extend(remember::check(kind, &text));
        }
        found.extend(grading_guide::check(&text, source, root, manifest, edition));
        found.sort_by_key(|(line, _)| *line);
        for (line, message) in found {
            problems.push(Problem {
                page: page.clone(),
                line,
                message,
            });
        }
        before.push(source.clone());
    }
    if let Some((label, text)) = glossary_page {
        for (page, line, message) in glossary::check(&label, &text, &bodies) {
            problems.push(Problem {
                page,
                line,
                message,
            });
        }
    }
    problems
}

/// Where a reference to each chapter of kit.toml must link.
fn chapter_targets(manifest: &Manifest) -> chapter_refs::Targets {
    manifest
        .chapters
        .iter()
        .map(|chapter| {
            let target = if chapter.page.is_empty() {
                chapter_refs::COMING_TARGET.to_string()
            } else {
                chapter.page.clone()
            };
            (chapter.number, target)
        })
        .collect()
}

/// Which pages are chapters' first pages and which are exercises', from
/// kit.toml; the other pages of a chapter's folder are topic pages.
fn page_kinds(manifest: &Manifest) -> remember::Kinds {
    remember::Kinds {
        chapters: manifest
            .chapters
            .iter()
            .filter(|chapter| !chapter.page.is_empty())
            .map(|chapter| chapter.page.clone())
            .collect(),
        exercises: manifest
            .exercises
            .iter()
            .map(|exercise| exercise.page.clone())
            .collect(),
    }
}

/// Empties the output folder, refusing a folder that holds the kit itself.
fn empty_out(root: &Path, out: &Path) -> Result<()> {
    let root = std::path::absolute(root)?;
    if root.starts_with(out) || out.parent().is_none() {
        bail!(
            "refusing to empty {}: it holds the kit; build the book into a folder of its \
             own, such as target/book/student",
            out.display()
        );
    }
    if out.exists() {
        std::fs::remove_dir_all(out).with_context(|| format!("removing {}", out.display()))?;
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))
}

fn indent(lines: impl IntoIterator<Item = String>) -> String {
    lines
        .into_iter()
        .map(|line| format!("  {line}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The kit's own preprocessor, run before mdBook's `links`: keeps or drops
/// teacher-only regions, fills in `{{#hints ID}}`, and marks each page of the
/// teacher's edition.
struct EditionPreprocessor {
    edition: Edition,
    hints: BTreeMap<String, Vec<String>>,
    /// `book/src`, to name pages in errors.
    src_label: String,
}

/// Opens every page of the teacher's edition.
const TEACHER_BANNER: &str = "> [!NOTE]\n\
    > **Teacher's edition.** This copy shows the reference solutions. \
    Students get the student's edition (`cargo xtask book`).\n\n";

impl EditionPreprocessor {
    /// One page, from the folder it lives in.
    fn page(&self, content: &str, folder: &Path) -> Result<String, (usize, String)> {
        let kept = edition::render(content, self.edition).map_err(|e| (e.line, e.message))?;
        let with_hints = hints::expand(&kept, &self.hints).map_err(|e| (e.line, e.message))?;
        let expanded = includes::expand(&with_hints, folder);
        Ok(match self.edition {
            Edition::Teacher => format!("{TEACHER_BANNER}{expanded}"),
            Edition::Student => expanded,
        })
    }
}

impl Preprocessor for EditionPreprocessor {
    fn name(&self) -> &str {
        "netkit-edition"
    }

    fn run(&self, context: &PreprocessorContext, mut book: Book) -> Result<Book> {
        let src_dir = context.root.join(&context.config.book.src);
        let mut errors = Vec::new();
        book.for_each_chapter_mut(|chapter| {
            let Some(source) = &chapter.source_path else {
                return;
            };
            let folder = src_dir.join(source.parent().unwrap_or(Path::new("")));
            match self.page(&chapter.content, &folder) {
                Ok(content) => chapter.content = content,
                // The checks before the build report these with more care;
                // this is the last line of defence. (Line numbers of hints
                // count from the page as the edition sees it.)
                Err((line, message)) => errors.push(format!(
                    "{}/{}:{line}: {message}",
                    self.src_label,
                    source.display()
                )),
            }
        });
        if !errors.is_empty() {
            bail!("{}", errors.join("\n"));
        }
        Ok(book)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kit_manifest::{Chapter, Exercise};

    /// A kit with a two-page book; `page` is the exercise page's text.
    fn kit(page: &str) -> (tempfile::TempDir, Manifest) {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let write = |path: &str, text: &str| {
            let path = root.join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write(
            "book/book.toml",
            "[book]\ntitle = \"Tiny\"\n[build]\ncreate-missing = false\n\
             [output.html]\nmathjax-support = false\n\
             additional-css = [\"fonts/netkit.css\"]\n",
        );
        // The kit's own fonts: the theme and the teacher's banner have
        // characters beyond ASCII (arrows, a typographic apostrophe).
        let kit_book = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        for file in [
            "fonts/netkit.css",
            "src/fonts/netkit-cjk.otf",
            "src/fonts/netkit-symbols.ttf",
            "src/fonts/netkit-symbols-mono.ttf",
        ] {
            let to = root.join("book").join(file);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::copy(kit_book.join(file), to).unwrap();
        }
        write(
            "book/src/SUMMARY.md",
            "# Summary\n\n- [Intro](intro.md)\n- [Exercise](ch1/ex.md)\n",
        );
        write("book/src/intro.md", "# Intro\n\nHello.\n");
        write("book/src/ch1/ex.md", page);
        write(
            "book/listings/src/bin/demo.rs",
            "// ANCHOR: all\nfn main() {}\n// ANCHOR_END: all\n",
        );
        let manifest = Manifest {
            chapters: vec![Chapter {
                id: "chapter1".into(),
                number: 1,
                title: "One".into(),
                page: "ch1/ex.md".into(),
                coming: None,
                programs: vec![],
            }],
            exercises: vec![Exercise {
                id: "demo".into(),
                chapter: 1,
                title: "Demo".into(),
                file: "src/ch1/demo.rs".into(),
                page: "ch1/ex.md".into(),
                points: 1,
                programs: vec![],
                hints: vec!["First **hint**.".into(), "Second hint.".into()],
                exempt: vec![],
                hidden: vec![],
                timeout: None,
            }],
        };
        (dir, manifest)
    }

    /// The top of an exercise page, as the book's checks want it: six lines.
    const HEAD: &str = "# Exercise\n\n**Your file:** `exercises/src/ch1/demo.rs`\n\n\
        **Assumes:** nothing beyond [the intro](../intro.md)\n\n";

    /// An exercise page that passes the book's checks: `body` from line 7,
    /// then what to remember, `## Hints` and `after_hints`.
    fn page(body: &str, after_hints: &str) -> String {
        format!(
            "{HEAD}{body}\n## What to remember\n\n- One.\n- Two.\n- Three.\n\n\
             ## Hints\n\n{after_hints}"
        )
    }

    /// The whole page: its teacher-only include is on line 25.
    fn full_page() -> String {
        page(
            "```rust\n{{#include ../../listings/src/bin/demo.rs:all}}\n```\n",
            "{{#hints demo}}\n\n\
             <!-- teacher-only -->\n\
             ## Reference solution\n\n\
             ```rust\n{{#include ../../../solutions/src/ch1/demo.rs}}\n```\n\
             <!-- /teacher-only -->\n",
        )
    }

    fn build_edition(root: &Path, manifest: &Manifest, edition: Edition) -> Result<String> {
        let out = root.join("target/book").join(edition.name());
        let index = build(root, manifest, edition, &out)?;
        assert!(index.ends_with("index.html"));
        Ok(std::fs::read_to_string(out.join("ch1/ex.html")).unwrap())
    }

    #[test]
    fn the_student_edition_builds_without_solutions_and_shows_hints() {
        let (dir, manifest) = kit(&full_page());
        let html = build_edition(dir.path(), &manifest, Edition::Student).unwrap();
        assert!(html.contains("fn main() {}"), "the include is resolved");
        assert!(html.contains("<summary>Hint 1</summary>"));
        assert!(
            html.contains("First <strong>hint</strong>."),
            "hints are Markdown"
        );
        assert!(html.contains("<summary>Hint 2</summary>"));
        assert!(!html.contains("Reference solution"));
        assert!(!html.contains("Teacher"));
    }

    #[test]
    fn pages_summary_lists_as_teacher_only_are_in_the_teachers_edition_alone() {
        let (dir, manifest) = kit(&full_page());
        let root = dir.path();
        std::fs::write(
            root.join("book/src/SUMMARY.md"),
            "# Summary\n\n- [Intro](intro.md)\n- [Exercise](ch1/ex.md)\n\
             <!-- teacher-only -->\n- [For teachers](teacher/index.md)\n\
             <!-- /teacher-only -->\n",
        )
        .unwrap();
        std::fs::create_dir_all(root.join("book/src/teacher")).unwrap();
        std::fs::write(
            root.join("book/src/teacher/index.md"),
            "# For teachers\n\nGrading.\n",
        )
        .unwrap();
        let solution = root.join("solutions/src/ch1/demo.rs");
        std::fs::create_dir_all(solution.parent().unwrap()).unwrap();
        std::fs::write(&solution, "pub fn answer() -> u32 { 42 }\n").unwrap();
        build_edition(root, &manifest, Edition::Student).unwrap();
        let student = root.join("target/book/student");
        assert!(
            !student.join("teacher/index.html").exists(),
            "the student's edition has no teacher page"
        );
        let toc = std::fs::read_to_string(student.join("toc.html")).unwrap();
        assert!(!toc.contains("For teachers"), "nor lists one: {toc}");
        build_edition(root, &manifest, Edition::Teacher).unwrap();
        assert!(
            root.join("target/book/teacher/teacher/index.html").exists(),
            "the teacher's edition has it"
        );
    }

    #[test]
    fn the_teacher_edition_needs_the_solutions_and_shows_them() {
        let (dir, manifest) = kit(&full_page());
        let err = build_edition(dir.path(), &manifest, Edition::Teacher).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("book/src/ch1/ex.md:25: "), "{err}");
        assert!(
            err.contains("cannot read solutions/src/ch1/demo.rs"),
            "{err}"
        );

        let solution = dir.path().join("solutions/src/ch1/demo.rs");
        std::fs::create_dir_all(solution.parent().unwrap()).unwrap();
        std::fs::write(&solution, "pub fn answer() -> u32 { 42 }\n").unwrap();
        let html = build_edition(dir.path(), &manifest, Edition::Teacher).unwrap();
        assert!(html.contains("Reference solution"));
        assert!(html.contains("answer"));
        assert!(html.contains("<h1 class=\"menu-title\">Tiny (Teacher&#x27;s edition)</h1>"));
        assert!(
            html.contains("<strong>Teacher’s edition.</strong>"),
            "the banner"
        );
        assert!(!html.contains("teacher-only"), "the markers are gone");
    }

    #[test]
    fn a_bad_anchor_stops_the_build_with_page_and_line() {
        let (dir, manifest) = kit(&page(
            "{{#include ../../listings/src/bin/demo.rs:al}}\n",
            "",
        ));
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("book/src/ch1/ex.md:7: "), "{err}");
        assert!(err.contains("no anchor `al`"), "{err}");
        assert!(
            !dir.path().join("target/book/student").exists(),
            "nothing built"
        );
    }

    #[test]
    fn an_exercise_page_without_assumes_or_what_to_remember_stops_the_build() {
        let (dir, manifest) = kit(
            "# Exercise\n\n**Your file:** `exercises/src/ch1/demo.rs`\n\n\
             ## Try it\n\n## Hints\n",
        );
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("has 2 problem(s)"), "{err}");
        assert!(
            err.contains("book/src/ch1/ex.md:3: the `**Your file:**` paragraph must be followed"),
            "{err}"
        );
        assert!(
            err.contains("book/src/ch1/ex.md:7: this exercise page has no `## What to remember`"),
            "{err}"
        );
    }

    #[test]
    fn an_unknown_exercise_in_hints_stops_the_build() {
        let (dir, manifest) = kit(&page("{{#hints demo-two}}\n", ""));
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        assert!(
            format!("{err:#}").contains("no exercise `demo-two`"),
            "{err:#}"
        );
    }

    #[test]
    fn a_warning_logged_by_mdbook_fails_the_build() {
        // Unbalanced HTML: mdBook renders it but logs a warning.
        let (dir, manifest) = kit(&page("- item <span>open\n- next\n", ""));
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("mdBook logged 1 warning(s)"), "{err}");
        assert!(err.contains("WARN mdbook_html"), "{err}");
    }

    #[test]
    fn an_external_script_fails_the_build() {
        let (dir, manifest) = kit(&page(
            "<script src=\"https://cdn.example/x.js\"></script>\n\n\
             A [link](https://www.rust-lang.org/) is fine.\n",
            "",
        ));
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        let err = format!("{err:#}");
        assert!(err.contains("loads 2 thing(s) from outside"), "{err}");
        assert!(err.contains("ch1/ex.html:"), "{err}");
        assert!(
            err.contains("<script src> loads https://cdn.example/x.js"),
            "{err}"
        );
    }

    #[test]
    fn a_character_without_a_glyph_in_the_books_fonts_fails_the_build() {
        let (dir, manifest) = kit(&page("A crab → 🦀.\n", ""));
        let err = build_edition(dir.path(), &manifest, Edition::Student).unwrap_err();
        let err = format!("{err:#}");
        assert!(
            err.contains("has 1 character(s) that no font of the book draws"),
            "the arrow is in the kit's fonts (book/fonts/subset's EXTRA): {err}"
        );
        assert!(
            err.contains("ch1/ex.html:") && err.contains("'🦀' (U+1F980) has no glyph"),
            "{err}"
        );
        assert!(err.contains("run book/fonts/subset"), "{err}");
    }

    #[test]
    fn mdbook_reports_a_bad_include_only_as_a_log_event_which_we_capture() {
        // Why the build counts log events: mdBook's `links` preprocessor
        // succeeds on a missing file, and says so only through `tracing`.
        use mdbook_driver::book::Chapter;
        let dir = tempfile::tempdir().unwrap();
        let mut book = Book::new();
        book.push_item(Chapter::new(
            "Page",
            "{{#include missing.rs:anchor}}\n".to_string(),
            "page.md",
            vec![],
        ));
        let context = PreprocessorContext::new(
            dir.path().to_path_buf(),
            Config::default(),
            "html".to_string(),
        );
        let (result, logged) = logs::capture(|| LinkPreprocessor::new().run(&context, book));
        assert!(result.is_ok(), "mdBook does not fail on a missing include");
        assert!(
            logged
                .iter()
                .any(|line| line.starts_with("ERROR mdbook_driver") && line.contains("missing.rs")),
            "{logged:#?}"
        );
    }

    #[test]
    fn check_sources_reports_both_editions() {
        let (dir, manifest) = kit(&full_page());
        let problems = check_sources(dir.path(), &manifest).unwrap();
        assert_eq!(problems.len(), 1, "{problems:#?}");
        assert!(
            problems[0].starts_with("book/src/ch1/ex.md:25: "),
            "{problems:#?}"
        );
    }

    #[test]
    fn refuses_to_empty_the_kit() {
        let (dir, manifest) = kit(&full_page());
        let err = build(dir.path(), &manifest, Edition::Student, dir.path()).unwrap_err();
        assert!(err.to_string().contains("refusing to empty"), "{err}");
        assert!(dir.path().join("book/book.toml").exists());
    }
}
