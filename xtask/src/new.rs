//! `cargo xtask new ID --chapter N [--program NAME]… [--forks]`: adds an
//! exercise in one step. It writes every file the kit needs, with the right
//! names, anchors and `todo!()`s (kit.toml's entry, the stub and its pristine
//! copy, the reference, both `mod.rs`, the suite's file, the page and its
//! SUMMARY.md line, the chapter page's link, the README row, and with
//! `--program` / `--forks` the runner's program and a probe), so that
//! `cargo xtask test` at once reports nothing but what the author still has
//! to write. Every such place says `TODO(author)`.
//!
//! Nothing is written unless every file can be: the whole change is worked
//! out in memory first ([`plan`]), then written ([`write`]).

mod edit;
mod templates;

use crate::lists;
use crate::manifest::{Exercise, Manifest};
use anyhow::{Context, Result, bail};
use std::path::Path;

/// What the author asked for.
#[derive(Debug, Clone)]
pub struct Request {
    pub id: String,
    pub chapter: u32,
    /// The title; by default the id's words (`made-by-new`: "Demo exercise").
    pub title: Option<String>,
    pub programs: Vec<String>,
    pub forks: bool,
}

/// The names an exercise goes by, all derived from its id and chapter.
#[derive(Debug, Clone)]
pub struct Names {
    /// `made-by-new`
    pub id: String,
    /// `made_by_new`: the module, in exercises/, solutions/, the suite.
    pub snake: String,
    /// The placeholder function, named like the module.
    pub function: String,
    pub chapter: u32,
    pub title: String,
    /// `src/ch1/made_by_new.rs`, the same under exercises/ and solutions/.
    pub file: String,
    /// `ch1/made-by-new.md`, under book/src/.
    pub page: String,
}

impl Names {
    fn new(id: &str, chapter: u32, title: Option<&str>) -> Names {
        let snake = id.replace('-', "_");
        let title = title.map(str::to_string).unwrap_or_else(|| {
            let words = id.replace('-', " ");
            let mut chars = words.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        });
        Names {
            id: id.to_string(),
            function: snake.clone(),
            file: format!("src/ch{chapter}/{snake}.rs"),
            page: format!("ch{chapter}/{id}.md"),
            snake,
            chapter,
            title,
        }
    }

    /// The title as it follows `Exercise: `.
    pub fn title_lower(&self) -> String {
        lists::lowercase_first(&self.title)
    }

    /// The reference, from the kit's root.
    pub fn solution_file(&self) -> String {
        format!("solutions/{}", self.file)
    }
}

/// `demo-program` → `DemoProgram`, as clap names a subcommand's variant.
pub fn camel(kebab: &str) -> String {
    kebab
        .split('-')
        .map(|word| {
            let mut chars = word.chars();
            chars
                .next()
                .map(|c| c.to_uppercase().chain(chars).collect::<String>())
                .unwrap_or_default()
        })
        .collect()
}

/// kebab-case: lowercase ASCII words of letters and digits, joined by `-`,
/// starting with a letter.
fn is_kebab(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.split('-').all(|w| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
}

/// Rust's keywords, which cannot name a module or a function.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "box", "break", "const", "continue", "crate", "do", "dyn", "else",
    "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let", "loop",
    "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return", "self",
    "static", "struct", "super", "trait", "true", "try", "type", "typeof", "unsafe", "unsized",
    "use", "virtual", "where", "while", "yield",
];

/// One file to write: its path from the kit's root, what it holds now
/// (`None`: it is new) and what it will hold.
#[derive(Debug, Clone)]
pub struct Edit {
    pub path: String,
    pub before: Option<String>,
    pub after: String,
}

/// The files of the plan so far, read from the kit or from earlier edits.
struct Plan<'a> {
    root: &'a Path,
    edits: Vec<Edit>,
}

impl Plan<'_> {
    /// A new file; refuses to overwrite one.
    fn create(&mut self, path: String, text: String) -> Result<()> {
        if self.root.join(&path).exists() || self.edits.iter().any(|e| e.path == path) {
            bail!("{path} exists already; `cargo xtask new` writes only new files there");
        }
        self.edits.push(Edit {
            path,
            before: None,
            after: text,
        });
        Ok(())
    }

    /// What `path` holds in the plan: an earlier edit's text, or the file's.
    fn current(&self, path: &str) -> Option<String> {
        match self.edits.iter().find(|e| e.path == path) {
            Some(edit) => Some(edit.after.clone()),
            None => std::fs::read_to_string(self.root.join(path)).ok(),
        }
    }

    /// A change to an existing file (or one the plan creates).
    fn change(&mut self, path: &str, how: impl FnOnce(&str) -> Result<String>) -> Result<()> {
        let Some(text) = self.current(path) else {
            bail!("{path} is missing; `cargo xtask new` adds to it, so the kit needs it");
        };
        let after = how(&text).with_context(|| format!("changing {path}"))?;
        match self.edits.iter_mut().find(|e| e.path == path) {
            Some(edit) => edit.after = after,
            None => self.edits.push(Edit {
                path: path.to_string(),
                before: Some(text),
                after,
            }),
        }
        Ok(())
    }

    /// Adds `mod name;` to a module file, creating the chapter's `mod.rs`
    /// (and its line in the crate's root) when the chapter has none yet.
    fn add_module(
        &mut self,
        chapter_mod: &str,
        crate_root: &str,
        names: &Names,
        chapter_title: &str,
        public: bool,
        doc: Option<&str>,
    ) -> Result<()> {
        if self.current(chapter_mod).is_none() {
            self.create(
                chapter_mod.to_string(),
                templates::chapter_module(names.chapter, chapter_title),
            )?;
            let chapter = format!("ch{}", names.chapter);
            let doc = lists::lowercase_first(chapter_title);
            let doc = doc.as_str();
            self.change(crate_root, |t| {
                Ok(edit::with_module(
                    t,
                    &chapter,
                    public,
                    public.then_some(doc),
                ))
            })?;
        }
        self.change(chapter_mod, |t| {
            Ok(edit::with_module(t, &names.snake, public, doc))
        })
    }
}

/// Checks the request against the kit: a kebab-case id that is new, a
/// chapter kit.toml has, programs that are new.
fn refuse_bad(manifest: &Manifest, request: &Request) -> Result<()> {
    let id = &request.id;
    if !is_kebab(id) {
        bail!(
            "`{id}` is not a kebab-case id: lowercase words of letters and digits joined by \
             `-`, starting with a letter, that say what is built (like `udp-dict`)"
        );
    }
    if KEYWORDS.contains(&id.replace('-', "_").as_str()) {
        bail!("`{id}` is a Rust keyword, and cannot name the exercise's module: choose another id");
    }
    if id == "all" || manifest.chapters.iter().any(|c| &c.id == id) {
        bail!(
            "`{id}` names a selection of `cargo xtask check` (`all`, a chapter): choose another id"
        );
    }
    if manifest.exercise(id).is_some() {
        bail!("kit.toml has an exercise `{id}` already: choose another id");
    }
    if manifest.chapter(request.chapter).is_none() {
        let numbers: Vec<String> = manifest
            .chapters
            .iter()
            .map(|c| c.number.to_string())
            .collect();
        bail!(
            "kit.toml has no chapter {} (it has {}): add its [[chapter]] table first \
             (CONTRIBUTING.md, \"Adding a chapter\")",
            request.chapter,
            numbers.join(", ")
        );
    }
    if let Some(chapter) = manifest.chapter(request.chapter)
        && let Some(coming) = &chapter.coming
    {
        bail!(
            "chapter {} is still to come in kit.toml ({coming}): write its first page, give \
             its [[chapter]] table that `page` and remove `coming`, then add exercises \
             (CONTRIBUTING.md, \"Adding a chapter\")",
            request.chapter
        );
    }
    if let Some(title) = &request.title
        && (title.trim().is_empty() || title.contains(['[', ']', '|', '\n']))
    {
        bail!(
            "the title {title:?} must be one line of text without `[`, `]` or `|`: it goes \
             into links and table rows"
        );
    }
    let mut seen = Vec::new();
    for program in &request.programs {
        if !is_kebab(program) {
            bail!("the program `{program}` is not kebab-case (like `udp-dict-server`)");
        }
        if program == "probe" || seen.contains(&program) {
            bail!("the program name `{program}` is taken");
        }
        if let Some(other) = manifest
            .exercises
            .iter()
            .find(|e| e.programs.contains(program))
        {
            bail!(
                "the program `{program}` belongs to the exercise `{}` already",
                other.id
            );
        }
        seen.push(program);
    }
    Ok(())
}

/// Works out every file to write or change, without writing anything.
pub fn plan(root: &Path, manifest: &Manifest, request: &Request) -> Result<Vec<Edit>> {
    refuse_bad(manifest, request)?;
    let names = Names::new(&request.id, request.chapter, request.title.as_deref());
    let chapter = manifest
        .chapter(request.chapter)
        .context("the chapter was checked")?;
    let last = manifest
        .exercises
        .iter()
        .rev()
        .find(|e| e.chapter == request.chapter);
    let exercise = Exercise {
        id: names.id.clone(),
        chapter: names.chapter,
        title: names.title.clone(),
        file: names.file.clone(),
        page: names.page.clone(),
        points: 10,
        programs: request.programs.clone(),
        hints: Vec::new(),
        exempt: Vec::new(),
        hidden: Vec::new(),
        timeout: None,
    };
    let builds = "TODO(author): what the student builds, in a few words";
    let n = names.chapter;
    let mut plan = Plan {
        root,
        edits: Vec::new(),
    };

    let entry = templates::manifest_entry(&names, &request.programs);
    plan.change("kit.toml", |t| edit::kit_toml_with(t, manifest, n, &entry))?;

    let stub = templates::stub(&names);
    plan.create(format!("exercises/{}", names.file), stub.clone())?;
    // The pristine copy of the stub, which `cargo xtask test` compares with
    // exercises/: what a student's file is reset to.
    plan.create(format!("xtask/stubs/{}", names.file), stub)?;
    plan.create(names.solution_file(), templates::reference(&names))?;
    let doc = format!("{}.", names.title_lower());
    for krate in ["exercises", "solutions"] {
        plan.add_module(
            &format!("{krate}/src/ch{n}/mod.rs"),
            &format!("{krate}/src/lib.rs"),
            &names,
            &chapter.title,
            true,
            Some(&doc),
        )?;
    }
    plan.add_module(
        &format!("tests/suite/ch{n}/mod.rs"),
        "tests/suite/main.rs",
        &names,
        &chapter.title,
        false,
        None,
    )?;
    plan.create(
        format!("tests/suite/ch{n}/{}.rs", names.snake),
        templates::suite(&names, request.forks),
    )?;

    plan.create(
        format!("book/src/{}", names.page),
        templates::page(&names, &request.programs),
    )?;
    let last_page = last.map(|e| e.page.as_str());
    plan.change("book/src/SUMMARY.md", |t| {
        edit::summary_with(
            t,
            &chapter.page,
            last_page,
            &names.title_lower(),
            &names.page,
        )
    })?;
    plan.change(&format!("book/src/{}", chapter.page), |t| {
        Ok(lists::chapter_page_with_link(
            t, chapter, last_page, &exercise, builds,
        ))
    })?;
    plan.change("README.md", |t| {
        Ok(lists::readme_with_row(t, &exercise, builds))
    })?;

    if !request.programs.is_empty() {
        add_programs(&mut plan, &names, &request.programs)?;
    }
    if request.forks {
        plan.create(
            format!("tests/src/probes/{}.rs", names.snake),
            templates::probe_module(&names),
        )?;
        let snake = &names.snake;
        plan.change("tests/src/probes/mod.rs", |t| {
            let t = edit::with_module(t, snake, true, None);
            let arm = edit::match_arm(
                "        ",
                &format!("\"{snake}\""),
                &format!("{snake}::run(probe, rest)"),
            );
            edit::insert_item(&t, probe_arm_key, |_| false, snake, &arm).with_context(|| {
                "tests/src/probes/mod.rs has no `\"module\" => module::run(probe, rest),` arms \
                 to add the probe's to"
                    .to_string()
            })
        })?;
    }
    Ok(plan.edits)
}

/// The module of a probe dispatch arm: `"reaper" => reaper::run(probe, rest),`.
fn probe_arm_key(line: &str) -> Option<String> {
    let rest = line.trim().strip_prefix('"')?;
    let (module, tail) = rest.split_once('"')?;
    tail.contains("::run(probe, rest)")
        .then(|| module.to_string())
}

/// The runner's programs: a module with their arguments and functions, a
/// variant of `Program` each, and its arm in `Program::run`.
fn add_programs(plan: &mut Plan<'_>, names: &Names, programs: &[String]) -> Result<()> {
    let path = "tests/src/programs/mod.rs";
    plan.create(
        format!("tests/src/programs/{}.rs", names.snake),
        templates::programs_module(names, programs),
    )?;
    // "the program `x`", not "`x`" alone: `- [`m`]: `x`` would be a Markdown
    // link definition, which rustdoc hides (and clippy refuses).
    let listed = format!(
        "the program{} {}",
        if programs.len() == 1 { "" } else { "s" },
        programs
            .iter()
            .map(|p| format!("`{p}`"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    plan.change(path, |text| {
        for program in programs {
            let variant = camel(program);
            if text.contains(&format!("    {variant}(")) {
                bail!("the runner has a program `{program}` (Program::{variant}) already");
            }
        }
        let mut text = edit::with_module(text, &names.snake, true, Some(&listed));
        // The variants go before the hidden `probe`, with its doc and attributes.
        let probe = edit::line_with(&text, "Probe(crate::probes::ProbeArgs)", path)?;
        let lines: Vec<&str> = text.lines().collect();
        let mut at = probe;
        while at > 0
            && (lines[at - 1].trim_start().starts_with("///")
                || lines[at - 1].trim_start().starts_with("#["))
        {
            at -= 1;
        }
        let mut variants = Vec::new();
        let mut arms = Vec::new();
        for program in programs {
            let (args, run) = templates::program_items(program, programs.len());
            let variant = camel(program);
            variants.push(format!(
                "    /// Chapter {}: TODO(author): what `{program}` does, in one line.",
                names.chapter
            ));
            variants.push(format!("    {variant}({}::{args}),", names.snake));
            arms.extend(edit::match_arm(
                "            ",
                &format!("Program::{variant}(args)"),
                &format!("{}::{run}(args)", names.snake),
            ));
        }
        text = edit::with_lines_at(&text, at, &variants);
        let arm = edit::line_with(&text, "Program::Probe(args) =>", path)?;
        Ok(edit::with_lines_at(&text, arm, &arms))
    })
}

/// Writes the plan's files.
pub fn write(root: &Path, edits: &[Edit]) -> Result<()> {
    for edit in edits {
        let path = root.join(&edit.path);
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder)
                .with_context(|| format!("creating {}", folder.display()))?;
        }
        std::fs::write(&path, &edit.after).with_context(|| format!("writing {}", edit.path))?;
    }
    Ok(())
}

/// `cargo xtask new`: plans, writes, and says what it did and what is next.
pub fn new(root: &Path, manifest: &Manifest, request: &Request) -> Result<()> {
    let edits = plan(root, manifest, request)?;
    write(root, &edits)?;
    let names = Names::new(&request.id, request.chapter, request.title.as_deref());
    println!(
        "Added the exercise `{}` to chapter {}:",
        names.id, names.chapter
    );
    for edit in &edits {
        let what = if edit.before.is_some() {
            "changed"
        } else {
            "wrote  "
        };
        println!("  {what} {}", edit.path);
    }
    let n = names.chapter;
    let id = &names.id;
    println!(
        "\nWhat to write next (every place says TODO(author): `grep -rn 'TODO(author)' .`):\n\
         1. The tests, in tests/suite/ch{n}/{snake}.rs: each fails against the stub at once\n   \
            (`cargo xtask check {id}`) and passes against the reference\n   \
            (`cargo xtask check {id} --solutions`).\n\
         2. The reference, {solution}: replace the placeholder.\n\
         3. The stub, exercises/{file}: the real API, a doc comment with each contract,\n   \
            `// TODO:` marks and todo!() messages; then copy it to xtask/stubs/{file}.\n\
         4. The page, book/src/{page}; its line in the chapter's page and in README.md;\n   \
            the title and hints in kit.toml.\n\
         5. Mutants: mutants/{id}__<what-is-wrong>.patch, each a bug students make\n   \
            (`cargo xtask mutants {id}`).\n\
         `cargo xtask test` lists what is still missing; CONTRIBUTING.md says more.",
        snake = names.snake,
        solution = names.solution_file(),
        file = names.file,
        page = names.page,
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;
    use std::path::PathBuf;

    /// The kit this xtask belongs to.
    fn kit() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .expect("xtask is in the kit")
            .to_path_buf()
    }

    /// Every text file of the kit but `target/` and `.git`, by path from the root.
    fn files(root: &Path) -> BTreeMap<String, Vec<u8>> {
        fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
            for entry in std::fs::read_dir(dir).expect("readable").flatten() {
                let path = entry.path();
                let rel = path
                    .strip_prefix(root)
                    .expect("inside")
                    .to_string_lossy()
                    .into_owned();
                if rel == "target" || rel == ".git" || rel.ends_with("/target") {
                    continue;
                }
                if path.is_dir() {
                    walk(root, &path, out);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    out.insert(rel, bytes);
                }
            }
        }
        let mut out = BTreeMap::new();
        walk(root, root, &mut out);
        out
    }

    /// A copy of the kit's sources in a temporary folder (no nested cargo:
    /// `new` only reads and writes files).
    fn copy_of_kit() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temp folder");
        for (rel, bytes) in files(&kit()) {
            let path = dir.path().join(rel);
            std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
            std::fs::write(path, bytes).expect("write");
        }
        dir
    }

    fn request(id: &str, chapter: u32, programs: &[&str], forks: bool) -> Request {
        Request {
            id: id.to_string(),
            chapter,
            title: None,
            programs: programs.iter().map(|p| p.to_string()).collect(),
            forks,
        }
    }

    /// Runs `new` on `root`; returns the paths it says it wrote and the ones
    /// that really differ afterwards.
    fn run_new(root: &Path, request: &Request) -> (Vec<String>, Vec<String>) {
        let before = files(root);
        let manifest = Manifest::load(root).expect("the kit's manifest loads");
        new(root, &manifest, request).expect("new succeeds");
        let after = files(root);
        let mut said: Vec<String> = plan_paths(root, request);
        said.sort();
        let changed: Vec<String> = after
            .iter()
            .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
            .map(|(path, _)| path.clone())
            .chain(before.keys().filter(|p| !after.contains_key(*p)).cloned())
            .collect();
        (said, changed)
    }

    /// The paths `new` printed, re-derived: what the plan held.
    fn plan_paths(root: &Path, request: &Request) -> Vec<String> {
        // After `new`, planning again is refused (the id exists); so plan on
        // a fresh copy instead.
        let _ = root;
        let fresh = copy_of_kit();
        let manifest = Manifest::load(fresh.path()).expect("loads");
        plan(fresh.path(), &manifest, request)
            .expect("plans")
            .into_iter()
            .map(|e| e.path)
            .collect()
    }

    /// `rustfmt --check` on the files, when rustfmt is installed.
    fn rustfmt_clean(root: &Path, paths: &[&String]) {
        let rust: Vec<PathBuf> = paths
            .iter()
            .filter(|p| p.ends_with(".rs"))
            .map(|p| root.join(p))
            .collect();
        let Ok(output) = std::process::Command::new("rustfmt")
            .args(["--check", "--edition", "2024"])
            .args(&rust)
            .output()
        else {
            return;
        };
        assert!(
            output.status.success(),
            "the generated Rust is not as rustfmt writes it:\n{}",
            String::from_utf8_lossy(&output.stdout)
        );
    }

    #[test]
    fn new_changes_exactly_the_files_it_names_and_they_agree_with_the_kit() {
        let dir = copy_of_kit();
        let root = dir.path();
        let (said, changed) = run_new(root, &request("made-by-new", 1, &[], false));
        let expected = [
            "README.md",
            "book/src/SUMMARY.md",
            "book/src/ch1/index.md",
            "book/src/ch1/made-by-new.md",
            "exercises/src/ch1/made_by_new.rs",
            "exercises/src/ch1/mod.rs",
            "kit.toml",
            "solutions/src/ch1/made_by_new.rs",
            "solutions/src/ch1/mod.rs",
            "tests/suite/ch1/made_by_new.rs",
            "tests/suite/ch1/mod.rs",
            "xtask/stubs/src/ch1/made_by_new.rs",
        ];
        assert_eq!(said, expected, "the files new says it writes");
        assert_eq!(changed, expected, "the files that changed on disk");

        let manifest = Manifest::load(root).expect("kit.toml still loads");
        let ids: Vec<&str> = manifest.exercises.iter().map(|e| e.id.as_str()).collect();
        let at = ids
            .iter()
            .position(|id| *id == "made-by-new")
            .expect("in kit.toml");
        let last_of_chapter1 = manifest
            .exercises
            .iter()
            .rposition(|e| e.chapter == 1)
            .expect("chapter 1 has exercises");
        assert_eq!(
            at, last_of_chapter1,
            "the entry is the chapter's last: {ids:?}"
        );
        assert!(
            manifest.exercises[at + 1..].iter().all(|e| e.chapter > 1),
            "and comes before chapter 2's: {ids:?}"
        );
        let problems = lists::problems(root, &manifest);
        assert!(
            problems.is_empty(),
            "the hand-kept lists agree: {problems:#?}"
        );

        let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
        let stub = read("exercises/src/ch1/made_by_new.rs");
        let reference = read("solutions/src/ch1/made_by_new.rs");
        assert!(
            stub.contains("todo!(") && stub.contains("// TODO"),
            "{stub}"
        );
        assert_eq!(
            stub,
            read("xtask/stubs/src/ch1/made_by_new.rs"),
            "the pristine copy"
        );
        assert!(
            !reference.contains("todo!(") && !reference.contains("unimplemented!("),
            "{reference}"
        );
        assert_eq!(
            crate::selftest::public_items(&stub),
            crate::selftest::public_items(&reference),
            "the same public API"
        );
        let page = read("book/src/ch1/made-by-new.md");
        for needle in [
            "cargo xtask check made-by-new",
            "{{#hints made-by-new}}",
            "{{#include ../../../exercises/src/ch1/made_by_new.rs:made_by_new}}",
            "<!-- teacher-only -->",
            "**Assumes:** [the chapter's opening page](index.md)",
            "## What to remember\n\n- ",
        ] {
            assert!(page.contains(needle), "the page has {needle}:\n{page}");
        }
        assert!(
            stub.contains("// ANCHOR: made_by_new\n")
                && stub.contains("// ANCHOR_END: made_by_new\n"),
            "the anchor the page includes: {stub}"
        );
        assert!(
            read("book/src/SUMMARY.md")
                .contains("  - [Exercise: made by new](ch1/made-by-new.md)\n- [Processes")
        );
        assert!(
            read("exercises/src/ch1/mod.rs")
                .contains("pub mod framing;\npub mod made_by_new;\npub mod tcp_header;")
        );
        assert!(
            read("tests/suite/ch1/mod.rs")
                .contains("mod framing;\nmod made_by_new;\nmod tcp_header;")
        );
        rustfmt_clean(root, &changed.iter().collect::<Vec<_>>());
    }

    #[test]
    fn programs_and_probes_are_wired_into_the_runner() {
        let dir = copy_of_kit();
        let root = dir.path();
        let (said, changed) = run_new(
            root,
            &request(
                "made-by-new-forks",
                2,
                &["made-by-new-forks", "made-by-new-forks-client"],
                true,
            ),
        );
        assert_eq!(said, changed, "the files that changed are the ones named");
        for path in [
            "tests/src/programs/made_by_new_forks.rs",
            "tests/src/programs/mod.rs",
            "tests/src/probes/made_by_new_forks.rs",
            "tests/src/probes/mod.rs",
        ] {
            assert!(said.iter().any(|p| p == path), "{path} in {said:?}");
        }
        let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
        let programs = read("tests/src/programs/mod.rs");
        // The new module joins the sorted list of modules, in its place.
        let modules: Vec<&str> = programs
            .lines()
            .filter_map(|l| l.strip_prefix("pub mod "))
            .collect();
        assert!(modules.contains(&"made_by_new_forks;"), "{programs}");
        assert!(modules.is_sorted(), "modules out of order: {modules:?}");
        assert!(
            programs.contains("//! - [`made_by_new_forks`]: the programs `made-by-new-forks`, "),
            "a doc line that is not a link definition: {programs}"
        );
        assert!(programs.contains(
            "    MadeByNewForksClient(made_by_new_forks::MadeByNewForksClientArgs),\n    /// For the suite: run a probe"
        ), "{programs}");
        assert!(
            programs
                .contains("            Program::MadeByNewForks(args) => made_by_new_forks::made_by_new_forks(args),\n"),
            "{programs}"
        );
        let chapter_page = read("book/src/ch2/index.md");
        assert!(
            chapter_page.contains(
                "  you type while it shows what the others say.\n\
                 - [Exercise: made by new forks](made-by-new-forks.md): TODO(author)"
            ),
            "the chapter's list of exercises, not the text that mentions the last one:\n{chapter_page}"
        );
        let probes = read("tests/src/probes/mod.rs");
        assert!(probes.contains(
            "        \"frame_pipe\" => frame_pipe::run(probe, rest),\n        \"made_by_new_forks\" => made_by_new_forks::run(probe, rest),\n"
        ), "{probes}");
        let manifest = Manifest::load(root).expect("loads");
        assert_eq!(
            manifest
                .exercise("made-by-new-forks")
                .map(|e| e.programs.clone()),
            Some(vec![
                "made-by-new-forks".to_string(),
                "made-by-new-forks-client".to_string()
            ])
        );
        let problems = lists::problems(root, &manifest);
        assert!(problems.is_empty(), "{problems:#?}");
        rustfmt_clean(root, &changed.iter().collect::<Vec<_>>());
    }

    #[test]
    fn bad_requests_are_refused_and_nothing_is_written() {
        let dir = copy_of_kit();
        let root = dir.path();
        let before = files(root);
        let manifest = Manifest::load(root).expect("loads");
        for (request, says) in [
            (
                request("udp-dict", 1, &[], false),
                "has an exercise `udp-dict` already",
            ),
            (
                request("Demo_Exercise", 1, &[], false),
                "is not a kebab-case id",
            ),
            (request("demo--x", 1, &[], false), "is not a kebab-case id"),
            (request("chapter1", 1, &[], false), "names a selection"),
            (request("match", 1, &[], false), "is a Rust keyword"),
            (request("demo", 9, &[], false), "has no chapter 9"),
            (
                Request {
                    title: Some("A [bad] title".into()),
                    ..request("demo", 1, &[], false)
                },
                "must be one line of text",
            ),
            (
                request("demo", 1, &["udp-dict-server"], false),
                "belongs to the exercise `udp-dict`",
            ),
        ] {
            let error = new(root, &manifest, &request).expect_err(&request.id);
            assert!(
                error.to_string().contains(says),
                "{:?}: {error}",
                request.id
            );
        }
        assert!(files(root) == before, "a refused request writes nothing");
    }

    #[test]
    fn a_chapter_without_exercises_gets_its_modules() {
        let dir = copy_of_kit();
        let root = dir.path();
        // The chapter after the kit's last: added by hand, as CONTRIBUTING.md says.
        let manifest = Manifest::load(root).expect("loads");
        let last = manifest
            .chapters_here()
            .map(|c| c.number)
            .max()
            .expect("chapters");
        let n = last + 1;
        let mut kit_toml = std::fs::read_to_string(root.join("kit.toml")).expect("kit.toml");
        let mut summary =
            std::fs::read_to_string(root.join("book/src/SUMMARY.md")).expect("summary");
        // kit.toml may list chapter n as to come: its table and its draft line
        // in SUMMARY.md make way for the chapter written here.
        if let Some(coming) = manifest.chapter(n) {
            let table = format!("[[chapter]]\nid = \"{}\"\n", coming.id);
            let start = kit_toml.find(&table).expect("the chapter's table");
            let end = kit_toml[start..]
                .find("\n\n")
                .map_or(kit_toml.len(), |at| start + at + 2);
            kit_toml.replace_range(start..end, "");
            summary = summary.replace(&format!("- [{}]()\n", coming.title), "");
        }
        std::fs::write(
            root.join("kit.toml"),
            format!(
                "{kit_toml}\n[[chapter]]\nid = \"chapter{n}\"\nnumber = {n}\n\
                 title = \"Concurrent servers\"\npage = \"ch{n}/index.md\"\n"
            ),
        )
        .expect("write");
        std::fs::create_dir_all(root.join(format!("book/src/ch{n}"))).expect("mkdir");
        std::fs::write(
            root.join(format!("book/src/ch{n}/index.md")),
            "# Concurrent servers\n",
        )
        .expect("write");
        let summary = summary.replace(
            "\n---\n\n[Glossary",
            &format!("- [Concurrent servers](ch{n}/index.md)\n\n---\n\n[Glossary"),
        );
        std::fs::write(root.join("book/src/SUMMARY.md"), summary).expect("write");
        let (said, changed) = run_new_here(root, &request("echo-server", n, &[], false));
        assert_eq!(said, changed);
        for path in [
            format!("exercises/src/ch{n}/mod.rs"),
            format!("solutions/src/ch{n}/mod.rs"),
            format!("tests/suite/ch{n}/mod.rs"),
            "exercises/src/lib.rs".to_string(),
            "solutions/src/lib.rs".to_string(),
            "tests/suite/main.rs".to_string(),
        ] {
            assert!(said.contains(&path), "{path} in {said:?}");
        }
        let read = |p: &str| std::fs::read_to_string(root.join(p)).expect(p);
        assert!(
            read("exercises/src/lib.rs").contains(&format!("pub mod ch{last};\npub mod ch{n};\n")),
            "the crate's new module follows the last chapter's"
        );
        assert!(read("tests/suite/main.rs").contains(&format!("mod ch{last};\nmod ch{n};\n")));
        assert_eq!(
            read(&format!("exercises/src/ch{n}/mod.rs")),
            format!(
                "//! Chapter {n}: concurrent servers.\n//!\n//! - [`echo_server`]: echo server.\n\n\
                 pub mod echo_server;\n"
            ),
            "the chapter's module, its doc list begun"
        );
        assert!(read("book/src/SUMMARY.md").contains(&format!(
            "- [Concurrent servers](ch{n}/index.md)\n  - [Exercise: echo server](ch{n}/echo-server.md)\n"
        )));
        let readme = read("README.md");
        assert!(
            readme.ends_with(&format!(
                "\n\n## Chapter {n} at a glance\n\n| exercise | you build | programs |\n\
                 |----------|-----------|----------|\n\
                 | `echo-server` | TODO(author): what the student builds, in a few words |  |\n"
            )),
            "a new section after the last chapter's, text and all:\n{readme}"
        );
        let manifest = Manifest::load(root).expect("loads");
        let problems = lists::problems(root, &manifest);
        assert!(problems.is_empty(), "{problems:#?}");
        rustfmt_clean(root, &changed.iter().collect::<Vec<_>>());
    }

    /// Like `run_new`, on a kit that is not a fresh copy: the plan's paths
    /// come from planning on the same files first.
    fn run_new_here(root: &Path, request: &Request) -> (Vec<String>, Vec<String>) {
        let before = files(root);
        let manifest = Manifest::load(root).expect("loads");
        let mut said: Vec<String> = plan(root, &manifest, request)
            .expect("plans")
            .into_iter()
            .map(|e| e.path)
            .collect();
        said.sort();
        new(root, &manifest, request).expect("new succeeds");
        let after = files(root);
        let changed = after
            .iter()
            .filter(|(path, bytes)| before.get(*path) != Some(*bytes))
            .map(|(path, _)| path.clone())
            .collect();
        (said, changed)
    }

    #[test]
    fn the_kits_own_lists_agree_with_kit_toml() {
        let manifest = Manifest::load(&kit()).expect("loads");
        let problems = lists::problems(&kit(), &manifest);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
