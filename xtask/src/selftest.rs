//! `cargo xtask test`: the kit proves itself sound.
//!
//! 1. Against the reference, every test passes, and `check all` repeated
//!    says `passed` for every exercise each time.
//! 2. Against the stubs, everything compiles without warnings, and every test
//!    fails, each one run on its own and quickly (a test that passes on a
//!    stub asserts nothing; one that is slow to fail waits out a timeout
//!    instead of noticing the stub's panic); `check all` repeated says
//!    `not started` for every exercise each time.
//! 3. kit.toml, exercises/, solutions/, the pristine stubs (xtask/stubs/),
//!    the suite and the book agree; so do the README and the book on which
//!    chapters are here and which to come.
//! 4. The book builds (by the book builder, `kit-book`), student and teacher
//!    editions, every include resolved and nothing loaded from outside;
//!    with Chromium, every page of each loads offline in it with no request
//!    leaving the machine, no script error, nothing missing, no character
//!    drawn as a box and nothing cut off (the runner's `book-in-browser`).
//! 5. The runner's programs start, the book's listings work, and the kit's
//!    own unit tests (xtask, kit-manifest, kit-book, the harness) pass.
//! 6. Every mutant (a known-wrong reference in `mutants/`) makes its
//!    exercise's tests fail within 10 s, and every exercise has at least two.
//! 7. The student's hand-out (`dist --student`) has no reference in it, and
//!    `check` works inside it ([`hand_out`]).
//!
//! In a hand-out (no `solutions/`), `test` runs what makes sense without the
//! reference: the build, the agreement of pages, hints and lists, the
//! student's book, the programs and the unit tests of the book and harness.
//!
//! Every check prints `ok` or `FAIL` with the fix; the last line is
//! `N passed, N failed`.

mod hand_out;

use crate::check::{PRISTINE_STUBS, pristine_stub};
use crate::dist;
use crate::kit_book;
use crate::lists;
use crate::manifest::{self, Exercise, Manifest};
use crate::mutants;
use crate::stability;
use crate::strays;
use crate::suite::{self, Kit, Outcome, cargo};
use anyhow::{Context, Result};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A test against a stub that takes longer than this to fail is waiting out
/// a timeout: the harness's waits notice a dead server within milliseconds.
const SLOW_TO_FAIL: Duration = Duration::from_secs(5);

/// Counts and prints the checks.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: usize,
}

impl Tally {
    fn ok(&mut self, what: impl AsRef<str>) {
        self.passed += 1;
        println!("  ok    {}", what.as_ref());
    }

    fn fail(&mut self, what: impl AsRef<str>) {
        self.failed += 1;
        let mut lines = what.as_ref().lines();
        println!("  FAIL  {}", lines.next().unwrap_or_default());
        for line in lines {
            println!("        {line}");
        }
    }

    fn check(&mut self, good: bool, ok: impl AsRef<str>, fail: impl AsRef<str>) {
        if good { self.ok(ok) } else { self.fail(fail) }
    }
}

fn heading(n: usize, text: &str) {
    println!("\n== {n}/{CHECKS} {text}");
}

/// How many checks `test` runs in a teacher's kit.
const CHECKS: usize = 7;

/// A check of `test` in a hand-out, where there are four.
fn hand_out_heading(n: usize, text: &str) {
    println!("\n== {n}/4 {text}");
}

/// Runs every check; returns whether all held.
pub fn test(root: &Path, manifest: &Manifest) -> Result<bool> {
    if !dist::has_solutions(root) {
        return hand_out_test(root, manifest);
    }
    let started = Instant::now();
    let mut tally = Tally::default();
    strays::become_subreaper();

    heading(1, "the reference: every test passes against solutions/");
    let reference_tests = reference(root, manifest, &mut tally)?;
    no_strays("against the reference", &mut tally);

    heading(
        2,
        "the stubs: everything compiles without warnings, and every test fails, fast",
    );
    stubs(root, manifest, &mut tally)?;
    no_strays("against the stubs", &mut tally);

    heading(
        3,
        "kit.toml, exercises/, solutions/, the suite and the book agree",
    );
    agreement(root, manifest, Some(&reference_tests), &mut tally)?;

    heading(4, "the book builds, student and teacher editions");
    match kit_book::builder(root) {
        Ok(builder) => {
            for (teacher, folder) in [(false, "student"), (true, "teacher")] {
                match kit_book::edition(&builder, root, teacher)? {
                    Ok(said) => {
                        tally.ok(format!("{folder} edition: {said}"));
                        in_browser(root, folder, &mut tally)?;
                    }
                    Err(error) => tally.fail(format!("{folder} edition: {error}")),
                }
            }
        }
        Err(e) => tally.fail(format!("{e:#}")),
    }

    heading(5, "programs, listings, and the kit's own unit tests");
    programs(root, manifest, true, &mut tally)?;

    heading(
        6,
        "the mutants: every known-wrong reference in mutants/ is caught, fast",
    );
    mutant_check(root, manifest, &mut tally)?;

    heading(
        7,
        "the student's hand-out: no reference in it, and its `check` works",
    );
    hand_out::check(root, &mut tally)?;

    println!("\ntook {:.0} s", started.elapsed().as_secs_f64());
    println!("kit: {} passed, {} failed", tally.passed, tally.failed);
    Ok(tally.failed == 0)
}

/// Check 4's second half: the built edition in `target/book/FOLDER`, every
/// page loaded offline in headless Chromium by the runner's hidden program
/// `book-in-browser` (which says `skipped: …` without Chromium); its
/// screenshots go to `target/book-check/FOLDER`. The runner was built with
/// the suite by checks 1 and 2.
fn in_browser(root: &Path, folder: &str, tally: &mut Tally) -> Result<()> {
    let runner = root.join("target/debug/netkit");
    let shots = root.join("target/book-check").join(folder);
    let output = Command::new(&runner)
        .arg("book-in-browser")
        .arg("--book")
        .arg(root.join("target/book").join(folder))
        .arg("--screenshots")
        .arg(&shots)
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("starting {}", runner.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let what = format!("{folder} edition in Chromium, offline");
    if !output.status.success() {
        tally.fail(format!(
            "{what}: {}{}",
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    } else if let Some(skip) = skipped_lines(&stdout).first() {
        tally.ok(what);
        println!("        {skip}");
    } else {
        tally.ok(format!("{what}: {}", stdout.trim()));
    }
    Ok(())
}

/// `test` in a student's hand-out (no `solutions/`): what can be checked
/// without the reference. The checks of the reference, of the stubs (the
/// student's files are no longer stubs) and of the mutants are the
/// teacher's, and are skipped, saying so.
fn hand_out_test(root: &Path, manifest: &Manifest) -> Result<bool> {
    let started = Instant::now();
    let mut tally = Tally::default();
    println!(
        "This copy of the kit has no reference solutions (it is a student's hand-out): the \
         checks of the reference, of the stubs and of the mutants are the teacher's, and are \
         skipped. `cargo xtask check all` says where your exercises stand."
    );

    hand_out_heading(1, "your exercises and the suite build");
    let build = suite::build(root, Kit::Exercises)?;
    if build.executable.is_some() {
        tally.ok("the suite builds against your exercises");
    } else {
        for e in build.errors() {
            tally.fail(format!(
                "the suite does not build against your exercises (`cargo xtask check all` \
                 says which file):\n{}",
                e.rendered
            ));
        }
    }

    hand_out_heading(2, "kit.toml, the suite and the book agree");
    agreement(root, manifest, None, &mut tally)?;

    hand_out_heading(3, "the book builds, student edition");
    match kit_book::builder(root) {
        Ok(builder) => match kit_book::edition(&builder, root, false)? {
            Ok(said) => tally.ok(format!("student edition: {said}")),
            Err(error) => tally.fail(format!("student edition: {error}")),
        },
        Err(e) => tally.fail(format!("{e:#}")),
    }

    hand_out_heading(
        4,
        "programs, listings, and the unit tests of the book and the harness",
    );
    programs(root, manifest, false, &mut tally)?;

    println!("\ntook {:.0} s", started.elapsed().as_secs_f64());
    println!("kit: {} passed, {} failed", tally.passed, tally.failed);
    Ok(tally.failed == 0)
}

/// After a run of the suite: no process it started is still there.
fn no_strays(when: &str, tally: &mut Tally) {
    let strays = strays::find();
    tally.check(
        strays.is_empty(),
        format!("the suite left no process behind {when} (no zombie, no stray)"),
        format!(
            "the suite left processes behind {when}; a test must kill and reap what it starts \
             (harness::Program does), and code under test must reap its children:\n{}",
            strays
                .iter()
                .map(|s| s.to_string())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    strays::clean_up(&strays);
}

/// Check 1. Returns the suite's test names.
fn reference(root: &Path, manifest: &Manifest, tally: &mut Tally) -> Result<Vec<String>> {
    let build = suite::build(root, Kit::Solutions)?;
    let Some(executable) = build.executable else {
        for e in build.errors() {
            tally.fail(format!(
                "the suite does not build against the reference:\n{}",
                e.rendered
            ));
        }
        return Ok(Vec::new());
    };
    let names = suite::list(root, &executable)?;
    let run = suite::run(root, &executable, &[], &[])?;
    for name in &names {
        match run.outcomes.get(name) {
            Some(Outcome::Passed) => tally.ok(format!("{name} passes")),
            Some(Outcome::Failed(failure)) => tally.fail(format!(
                "{name} FAILS against the reference:\n{}",
                failure.message
            )),
            Some(Outcome::Ignored) => tally.fail(format!(
                "{name} is ignored: a test that never runs proves nothing"
            )),
            None => tally.fail(format!("{name} did not run (did the suite crash?)")),
        }
    }
    if let Some(line) = &run.result_line {
        println!("  {line}");
    }
    stable_states(root, manifest, &executable, Kit::Solutions, tally)?;
    Ok(names)
}

/// Check 2.
fn stubs(root: &Path, manifest: &Manifest, tally: &mut Tally) -> Result<()> {
    let build = suite::build(root, Kit::Exercises)?;
    let warnings: Vec<_> = build.warnings_in("exercises").collect();
    tally.check(
        warnings.is_empty(),
        "the stubs build without warnings",
        format!(
            "the stubs build with {} warnings; a student's first build should be clean \
             (use each parameter in the todo!() message, or `let _ = …`):\n{}",
            warnings.len(),
            warnings
                .iter()
                .map(|w| w.rendered.as_str())
                .collect::<Vec<_>>()
                .join("\n")
        ),
    );
    let Some(executable) = build.executable else {
        for e in build.errors() {
            tally.fail(format!(
                "the stubs do not compile; a fresh kit must:\n{}",
                e.rendered
            ));
        }
        return Ok(());
    };
    let names = suite::list(root, &executable)?;
    // Each test alone (`--exact`), as a grader runs it, a few at a time.
    let queue = Mutex::new(names.iter());
    let results = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| {
                loop {
                    let Some(name) = queue.lock().unwrap_or_else(|p| p.into_inner()).next() else {
                        break;
                    };
                    let started = Instant::now();
                    let outcome =
                        suite::run(root, &executable, std::slice::from_ref(name), &["--exact"]);
                    let elapsed = started.elapsed();
                    results.lock().unwrap_or_else(|p| p.into_inner()).push((
                        name.clone(),
                        outcome,
                        elapsed,
                    ));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, outcome, elapsed) in results {
        let exempt = manifest
            .exercise_of_test(&name)
            .and_then(|e| e.exempt.iter().find(|x| x.test == name));
        let secs = elapsed.as_secs_f64();
        match outcome?.outcomes.get(&name) {
            Some(Outcome::Failed(_)) if elapsed > SLOW_TO_FAIL => tally.fail(format!(
                "{name} took {secs:.1} s to fail against the stub: it waited out a timeout. \
                 Make its waits watch the code under test (ServerThread / Program), so a todo!() fails it at once"
            )),
            Some(Outcome::Failed(failure)) => {
                let first = failure.shown().lines().next().unwrap_or_default();
                let first: String = first.chars().take(90).collect();
                tally.ok(format!("{name} fails against the stub ({secs:.2} s): {first}"))
            }
            Some(Outcome::Passed) if exempt.is_some() => tally.ok(format!(
                "{name} passes against the stub, exempt: {}",
                exempt.map(|x| x.why.as_str()).unwrap_or_default()
            )),
            Some(Outcome::Passed) => tally.fail(format!(
                "{name} PASSES against the stub: a test that passes on a stub asserts nothing. \
                 Make it check what only a working solution does (or exempt it in kit.toml, with the reason)"
            )),
            Some(Outcome::Ignored) => tally.fail(format!("{name} is ignored")),
            None => tally.fail(format!("{name} did not run alone with --exact")),
        }
    }
    stable_states(root, manifest, &executable, Kit::Exercises, tally)?;
    Ok(())
}

/// How often checks 1 and 2 repeat `check all` to prove that its states are
/// facts (see [`stability`], which runs four at once): 20 runs of each, as the
/// issue that asked for this proof says. Measured on the 2-core machine: one
/// run of the whole suite takes about 3 s against the stubs and 6 to 11 s
/// against the reference (its slowest tests' waits and children, not CPU);
/// 20 stub runs take 15 s on a quiet machine, 10 reference runs 28 s, so the
/// 20 cost about a minute (several when the machine is loaded). A todo!()
/// read as `failed` came in about 1 full stub run in 13 before the fix: 20
/// runs caught it in each of 3 tries.
const STABLE_RUNS: [(Kit, usize); 2] = [(Kit::Exercises, 20), (Kit::Solutions, 20)];

/// "States are stable": `check all` gives every exercise the same state run
/// after run (`not started` on the stubs, `passed` on the reference).
fn stable_states(
    root: &Path,
    manifest: &Manifest,
    executable: &Path,
    kit: Kit,
    tally: &mut Tally,
) -> Result<()> {
    let runs = STABLE_RUNS
        .iter()
        .find(|(k, _)| *k == kit)
        .map_or(1, |(_, n)| *n);
    let found = stability::repeat(root, manifest, executable, kit, runs)?;
    let fix = match kit {
        Kit::Exercises => {
            "a test that fails on a stub's todo!() must be known by that panic, whatever its own \
             side saw: panics of threads the test starts are in its output, and a Program \
             copies its child's panic there when dropped (keep it alive until the test ends)"
        }
        Kit::Solutions => {
            "a test that fails now and then against the reference races: force the interleaving \
             it needs (a barrier, a peer that waits to be released) instead of hoping for it"
        }
    };
    tally.check(
        found.unstable.is_empty(),
        format!(
            "states are stable: {} runs of `check all` against {}, every exercise {} each time ({:.0} s)",
            found.runs,
            kit.name(),
            found.expected,
            found.elapsed.as_secs_f64()
        ),
        format!(
            "states are not stable: {} runs of `check all` against {} did not give every exercise \
             `{}` each time; {fix}:\n{}",
            found.runs,
            kit.name(),
            found.expected,
            found.unstable.join("\n")
        ),
    );
    Ok(())
}

/// The `pub` items of a file, one line each, whitespace folded: the public
/// API that a stub and its reference must share.
pub(crate) fn public_items(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| {
            [
                "pub fn ",
                "pub struct ",
                "pub enum ",
                "pub const ",
                "pub trait ",
                "pub type ",
                "pub mod ",
                "pub static ",
            ]
            .iter()
            .any(|p| l.starts_with(p))
        })
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

/// Check 3.
/// Check 3. `tests` are the suite's tests, listed from the reference build;
/// `None` in a hand-out, which has neither the reference nor stubs to
/// compare: only the pages, the hints and the lists are checked there.
fn agreement(
    root: &Path,
    manifest: &Manifest,
    tests: Option<&[String]>,
    tally: &mut Tally,
) -> Result<()> {
    let reference = tests.is_some();
    let tests = tests.unwrap_or_default();
    let summary = std::fs::read_to_string(root.join("book/src/SUMMARY.md")).unwrap_or_default();
    let linked = |page: &str| summary.contains(&format!("({page})"));
    for chapter in manifest.chapters_here() {
        let page = &chapter.page;
        tally.check(
            root.join("book/src").join(page).is_file() && linked(page),
            format!("{}: page {page} exists and is in SUMMARY.md", chapter.id),
            format!(
                "{}: page book/src/{page} must exist and be linked from book/src/SUMMARY.md",
                chapter.id
            ),
        );
    }
    chapters_to_come(root, manifest, &summary, tally);
    for exercise in &manifest.exercises {
        let id = &exercise.id;
        let mut problems = Vec::new();
        let stub = std::fs::read_to_string(exercise.stub_path(root));
        let solution = std::fs::read_to_string(exercise.solution_path(root));
        match (&stub, &solution) {
            // A hand-out: the student's file, no reference to compare it with.
            (Ok(_), _) if !reference => {}
            (Ok(stub), Ok(solution)) => {
                if !stub.contains("todo!(") {
                    problems.push(format!(
                        "exercises/{} has no todo!(): a stub leaves the work to the student",
                        exercise.file
                    ));
                }
                if !stub.contains("// TODO") {
                    problems.push(format!(
                        "exercises/{} has no `// TODO` comment marking where to work",
                        exercise.file
                    ));
                }
                if solution.contains("todo!(") || solution.contains("unimplemented!(") {
                    problems.push(format!(
                        "solutions/{} still has a todo!() or unimplemented!()",
                        exercise.file
                    ));
                }
                let (a, b) = (public_items(stub), public_items(solution));
                if a != b {
                    let only_stub: Vec<_> = a.iter().filter(|x| !b.contains(x)).collect();
                    let only_solution: Vec<_> = b.iter().filter(|x| !a.contains(x)).collect();
                    problems.push(format!(
                        "the stub and the reference differ in their public API: only in the stub {only_stub:?}, only in the reference {only_solution:?}"
                    ));
                }
            }
            _ => {
                if stub.is_err() {
                    problems.push(format!("missing exercises/{}", exercise.file));
                }
                if solution.is_err() {
                    problems.push(format!("missing solutions/{}", exercise.file));
                }
            }
        }
        if let Some(problem) = pristine_stub_problem(root, exercise).filter(|_| reference) {
            problems.push(problem);
        }
        let page = root.join("book/src").join(&exercise.page);
        match std::fs::read_to_string(&page) {
            Ok(text) => {
                if !text.contains(&format!("cargo xtask check {id}")) {
                    problems.push(format!(
                        "{} does not name its command `cargo xtask check {id}`",
                        exercise.page_path()
                    ));
                }
                if !text.contains(&format!("{{{{#hints {id}}}}}")) {
                    problems.push(format!(
                        "{} does not show its hints with `{{{{#hints {id}}}}}`",
                        exercise.page_path()
                    ));
                }
            }
            Err(_) => problems.push(format!("missing page {}", exercise.page_path())),
        }
        if !linked(&exercise.page) {
            problems.push(format!(
                "{} is not linked from book/src/SUMMARY.md",
                exercise.page_path()
            ));
        }
        if exercise.hints.is_empty() || exercise.hints.iter().any(|h| h.contains("TODO")) {
            problems.push("kit.toml: its hints are missing or unfinished".to_string());
        }
        let count = tests
            .iter()
            .filter(|t| t.starts_with(&exercise.test_prefix()))
            .count();
        if count == 0 && reference {
            problems.push(format!(
                "the suite has no test named {}…",
                exercise.test_prefix()
            ));
        }
        if problems.is_empty() && !reference {
            tally.ok(format!("{id}: your file, page, hints"));
        } else if problems.is_empty() {
            tally.ok(format!(
                "{id}: stub, reference, same public API, page, hints, {count} tests"
            ));
        } else {
            tally.fail(format!("{id}:\n{}", problems.join("\n")));
        }
    }
    let mut kept = BTreeSet::new();
    let stubs = root.join(PRISTINE_STUBS);
    collect_mods(&stubs, &stubs, &mut kept);
    let strays: Vec<String> = kept
        .iter()
        .filter(|f| !manifest.exercises.iter().any(|e| e.file == **f))
        .map(|f| format!("{PRISTINE_STUBS}/{f}"))
        .collect();
    tally.check(
        strays.is_empty(),
        format!("{PRISTINE_STUBS}/ holds the pristine stubs of kit.toml's exercises, nothing else"),
        format!(
            "{PRISTINE_STUBS}/ holds files that are no exercise's file in kit.toml (remove them): {strays:?}"
        ),
    );
    let orphans: Vec<&String> = tests
        .iter()
        .filter(|t| manifest.exercise_of_test(t).is_none())
        .collect();
    tally.check(
        orphans.is_empty(),
        "every test belongs to an exercise",
        format!("tests that belong to no exercise of kit.toml (name them chN::exercise_id::…): {orphans:?}"),
    );
    let listed = lists::problems(root, manifest);
    tally.check(
        listed.is_empty(),
        "the lists kept by hand agree: README.md's chapter tables (with programs), the chapter pages, the modules' doc lists",
        format!(
            "the lists kept by hand disagree with kit.toml (`cargo xtask new` keeps them right):\n{}",
            listed.join("\n")
        ),
    );
    for krate in ["exercises", "solutions"] {
        let mods = |k: &str| -> BTreeSet<String> {
            let mut found = BTreeSet::new();
            collect_mods(
                &root.join(k).join("src"),
                &root.join(k).join("src"),
                &mut found,
            );
            found
        };
        if krate == "solutions" && reference {
            let (a, b) = (mods("exercises"), mods("solutions"));
            tally.check(
                a == b,
                "exercises/ and solutions/ have the same modules",
                format!("exercises/ and solutions/ differ in their files: only in exercises {:?}, only in solutions {:?}",
                    a.difference(&b).collect::<Vec<_>>(), b.difference(&a).collect::<Vec<_>>()),
            );
        }
    }
    Ok(())
}

/// Check 3, the chapters: the README, the preface and the book's contents
/// say which chapters the kit has and which are to come, as kit.toml does.
fn chapters_to_come(root: &Path, manifest: &Manifest, summary: &str, tally: &mut Tally) {
    let readme = std::fs::read_to_string(root.join("README.md")).unwrap_or_default();
    // Prose wraps anywhere: compare with its whitespace folded to one space.
    let folded = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    let preface = std::fs::read_to_string(root.join("book/src/preface.md")).unwrap_or_default();
    let here: Vec<String> = manifest
        .chapters_here()
        .map(|c| c.number.to_string())
        .collect();
    let list = manifest::and_list(&here);
    // The book links each chapter it names (its build refuses a typed one).
    let links: Vec<String> = manifest
        .chapters_here()
        .map(|c| format!("[chapter {}]({})", c.number, c.page))
        .collect();
    let preface_says = format!("holds {}", manifest::and_list(&links));
    let readme_says = match here.len() {
        1 => format!("Chapter {list} is here now"),
        _ => format!("Chapters {list} are here now"),
    };
    // Each chapter that is here has its table (`lists` checks its rows).
    let glance = |number: u32| readme.contains(&lists::readme_heading(number));
    let mut problems = Vec::new();
    if !folded.contains(&readme_says) {
        problems.push(format!("README.md must say \"{readme_says}\""));
    }
    if !preface.contains(&preface_says) {
        problems.push(format!(
            "book/src/preface.md must say \"This edition {preface_says}\""
        ));
    }
    let mut coming = Vec::new();
    for chapter in manifest.chapters_coming() {
        let (number, title) = (chapter.number, &chapter.title);
        coming.push(number.to_string());
        if !folded
            .to_lowercase()
            .contains(&format!("{number} {}", title.to_lowercase()))
        {
            problems.push(format!(
                "README.md must name chapter {number} to come as \"{number} {title}\" \
                 (kit.toml's title)"
            ));
        }
        if glance(number) {
            problems.push(format!(
                "README.md has \"{}\", but kit.toml marks chapter {number} as coming",
                lists::readme_heading(number)
            ));
        }
        if !summary.contains(&format!("[{title}]()")) {
            problems.push(format!(
                "book/src/SUMMARY.md must list chapter {number} to come as a draft: \
                 `- [{title}]()`"
            ));
        }
    }
    let coming = match coming.as_slice() {
        [] => "none to come".to_string(),
        numbers => format!("{} to come", manifest::and_list(numbers)),
    };
    if problems.is_empty() {
        tally.ok(format!(
            "chapters {list} here, {coming}: README, preface and SUMMARY.md agree"
        ));
    } else {
        tally.fail(format!(
            "chapters: kit.toml has {list} here, {coming}, but:\n{}",
            problems.join("\n")
        ));
    }
}

/// What is wrong with the pristine copy of an exercise's stub, if anything:
/// `check` builds with it in place of a student's file that does not compile,
/// so it must be the stub exactly as handed out.
fn pristine_stub_problem(root: &Path, exercise: &Exercise) -> Option<String> {
    let kept = pristine_stub(root, exercise);
    let stub = exercise.stub_path(root);
    let (shown_kept, shown_stub) = (
        format!("{PRISTINE_STUBS}/{}", exercise.file),
        format!("exercises/{}", exercise.file),
    );
    match (std::fs::read(&kept), std::fs::read(&stub)) {
        (Ok(a), Ok(b)) if a == b => None,
        (Ok(_), Ok(_)) => Some(format!(
            "{shown_kept} differs from {shown_stub}: it must be the stub exactly \
             (`cp {shown_stub} {shown_kept}` after changing the stub)"
        )),
        (Err(_), Ok(_)) => Some(format!(
            "missing {shown_kept}, the pristine stub that `check` builds with when a \
             student's file does not compile: `mkdir -p {} && cp {shown_stub} {shown_kept}`",
            Path::new(&shown_kept)
                .parent()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        )),
        // A missing stub is reported above.
        (_, Err(_)) => None,
    }
}

fn collect_mods(base: &Path, dir: &Path, found: &mut BTreeSet<String>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            collect_mods(base, &path, found);
        } else if path.extension().is_some_and(|e| e == "rs")
            && let Ok(rel) = path.strip_prefix(base)
        {
            found.insert(rel.display().to_string());
        }
    }
}

/// Check 5.
/// Check 5. Without the reference (`reference` false: a hand-out), xtask's
/// own unit tests are left out: they test the teacher's commands (`new`,
/// `mutants`, `dist`) on the teacher's files.
fn programs(root: &Path, manifest: &Manifest, reference: bool, tally: &mut Tally) -> Result<()> {
    let runner = root.join("target/debug/netkit");
    for program in &crate::run::programs(root, manifest).0 {
        let output = Command::new(&runner)
            .args([program.as_str(), "--help"])
            .stdin(Stdio::null())
            .output();
        match output {
            Ok(o) if o.status.success() => tally.ok(format!("netkit {program} --help")),
            Ok(o) => tally.fail(format!(
                "netkit {program} --help exited with {}: is it a subcommand of tests/src/programs?\n{}",
                o.status,
                String::from_utf8_lossy(&o.stderr)
            )),
            Err(e) => tally.fail(format!("could not start {}: {e}", runner.display())),
        }
    }
    for (what, args) in [
        (
            "the book's listings work (cargo test -p listings)",
            &["test", "-p", "listings"][..],
        ),
        (
            "xtask's own unit tests (cargo test -p xtask -p kit-manifest)",
            &["test", "-p", "xtask", "-p", "kit-manifest"][..],
        ),
        (
            "the book builder's unit tests (cargo test -p kit-book)",
            &["test", "-p", "kit-book"][..],
        ),
        (
            "the harness's own unit tests (cargo test -p netkit-tests --lib)",
            // `--show-output`: the tests of the real peers (nginx, Chromium,
            // wrk, curl) print a `skipped: …` line when a tool is missing,
            // which is repeated below.
            &["test", "-p", "netkit-tests", "--lib", "--", "--show-output"][..],
        ),
    ] {
        if !reference && what.starts_with("xtask") {
            continue;
        }
        let output = cargo()
            .current_dir(root)
            .args(args)
            .stdin(Stdio::null())
            .output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if output.status.success() {
            tally.ok(format!("{what}: {}", sum_of_results(&stdout)));
            for line in skipped_lines(&stdout) {
                println!("        {line}");
            }
        } else {
            tally.fail(format!(
                "{what} failed:\n{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            ));
        }
    }
    Ok(())
}

/// The `skipped: X: T is not installed (apt-get install P)` lines that
/// tests needing an optional tool print (the harness's `tools` module), each
/// once, in order.
fn skipped_lines(stdout: &str) -> Vec<&str> {
    let mut seen = BTreeSet::new();
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with("skipped: ") && seen.insert(*l))
        .collect()
}

/// One line for all of cargo test's `test result:` lines (one per test
/// binary, most of them empty for a crate of many binaries): `N passed in M
/// test binaries`.
fn sum_of_results(stdout: &str) -> String {
    let (mut passed, mut binaries) = (0usize, 0usize);
    for line in stdout.lines().filter(|l| l.starts_with("test result:")) {
        binaries += 1;
        passed += line
            .split(';')
            .find_map(|part| part.trim().rsplit_once(' ').filter(|(_, w)| *w == "passed"))
            .and_then(|(n, _)| n.rsplit(' ').next()?.parse::<usize>().ok())
            .unwrap_or(0);
    }
    let binaries = match binaries {
        1 => "1 test binary".to_string(),
        n => format!("{n} test binaries"),
    };
    format!("{passed} passed in {binaries}")
}

/// Check 6.
fn mutant_check(root: &Path, manifest: &Manifest, tally: &mut Tally) -> Result<()> {
    let started = Instant::now();
    let (all, problems) = mutants::load(root, manifest)?;
    for problem in problems {
        tally.fail(problem.0);
    }
    for (id, n) in mutants::too_few(manifest, &all) {
        tally.fail(format!(
            "{id} has {n} mutants; write at least {}: the classic wrong versions of its \
             reference (mutants/{id}__<what-is-wrong>.patch; CONTRIBUTING.md, \"adding a mutant\")",
            mutants::AT_LEAST
        ));
    }
    println!(
        "  ({} mutants, built in target/scratch/mutants: the first build there takes a few minutes)",
        all.len()
    );
    let verdicts = mutants::run_all(root, manifest, &all, |mutant, verdict| {
        let text = verdict.describe(mutant);
        if verdict.is_caught() {
            tally.ok(text)
        } else {
            tally.fail(text)
        }
    })?;
    let slowest = verdicts
        .iter()
        .filter_map(|(m, v)| match v {
            mutants::Verdict::Caught { after, .. } => Some((after, &m.name)),
            _ => None,
        })
        .max();
    if let Some((after, name)) = slowest {
        println!(
            "  {} mutants in {:.0} s; the slowest caught: {name}, in {:.1} s",
            verdicts.len(),
            started.elapsed().as_secs_f64(),
            after.as_secs_f64()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_results_of_many_test_binaries_are_summed_on_one_line() {
        let stdout = "running 0 tests\n\ntest result: ok. 0 passed; 0 failed; 0 ignored; \
                      0 measured; 0 filtered out; finished in 0.00s\n\nrunning 12 tests\n\
                      test result: ok. 12 passed; 0 failed; 1 ignored; 0 measured; 0 filtered \
                      out; finished in 0.05s\n";
        assert_eq!(
            super::sum_of_results(stdout),
            "12 passed in 2 test binaries",
            "from:\n{stdout}"
        );
    }

    #[test]
    fn each_skip_line_of_the_harness_tests_is_repeated_once() {
        let stdout = "successes:\n\n---- a stdout ----\nskipped: A: nginx is not installed \
                      (apt-get install nginx-light)\n\n---- b stdout ----\nskipped: A: nginx \
                      is not installed (apt-get install nginx-light)\nnot skipped: noise\n";
        assert_eq!(
            super::skipped_lines(stdout),
            ["skipped: A: nginx is not installed (apt-get install nginx-light)"],
            "from:\n{stdout}"
        );
    }

    use super::*;
    use crate::manifest::Chapter;

    fn chapter(number: u32, title: &str, coming: Option<&str>) -> Chapter {
        Chapter {
            id: format!("chapter{number}"),
            number,
            title: title.into(),
            page: match coming {
                None => format!("ch{number}/index.md"),
                Some(_) => String::new(),
            },
            coming: coming.map(str::to_string),
            programs: vec![],
        }
    }

    /// Runs the chapters' agreement check on a kit with this README.
    fn agreement_with(readme: &str) -> Tally {
        let kit = tempfile::tempdir().expect("a temp folder for the kit");
        let root = kit.path();
        std::fs::create_dir_all(root.join("book/src")).expect("book/src");
        std::fs::write(root.join("README.md"), readme).expect("README.md");
        std::fs::write(
            root.join("book/src/preface.md"),
            "This edition holds [chapter 1](ch1/index.md) and [chapter 2](ch2/index.md); the others follow.\n",
        )
        .expect("preface.md");
        let manifest = Manifest {
            chapters: vec![
                chapter(1, "Sockets", None),
                chapter(2, "Processes and threads", None),
                chapter(
                    3,
                    "Network concurrency models and IO",
                    Some("select, epoll"),
                ),
            ],
            exercises: Vec::new(),
        };
        let summary = "- [Sockets](ch1/index.md)\n- [Network concurrency models and IO]()\n";
        let mut tally = Tally::default();
        chapters_to_come(root, &manifest, summary, &mut tally);
        tally
    }

    #[test]
    fn the_readme_and_the_book_agree_with_kit_toml_on_the_chapters_to_come() {
        let agreeing = "1 sockets, 2 processes and threads, 3 network concurrency models\n\
            and IO. **Chapters 1 and 2 are here now; the others follow.**\n\
            ## Chapter 1 at a glance\n## Chapter 2 at a glance\n";
        let tally = agreement_with(agreeing);
        assert_eq!(
            (tally.passed, tally.failed),
            (1, 0),
            "a README that names chapter 3 as to come, and tables for 1 and 2, agrees"
        );
        let with_a_table_for_3 = format!("{agreeing}## Chapter 3 at a glance\n");
        let tally = agreement_with(&with_a_table_for_3);
        assert_eq!(
            (tally.passed, tally.failed),
            (0, 1),
            "a README with a table for a chapter to come disagrees with kit.toml"
        );
        let saying_all_three_are_here = agreeing.replace("1 and 2 are", "1, 2 and 3 are");
        let tally = agreement_with(&saying_all_three_are_here);
        assert_eq!(
            (tally.passed, tally.failed),
            (0, 1),
            "a README that says chapter 3 is here disagrees with kit.toml"
        );
    }

    #[test]
    fn a_pristine_stub_must_be_the_stub_byte_for_byte() {
        let xtask = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it");
        let kit = Path::new(&xtask).parent().expect("xtask/ is in the kit");
        let manifest = Manifest::load(kit).expect("the kit's kit.toml");
        let udp = manifest
            .exercise("udp-dict")
            .expect("udp-dict is in kit.toml");
        let root = tempfile::tempdir().expect("a temp folder");
        let stub = udp.stub_path(root.path());
        let kept = pristine_stub(root.path(), udp);
        for path in [&stub, &kept] {
            std::fs::create_dir_all(path.parent().expect("a folder")).expect("folders");
        }
        std::fs::write(&stub, "todo!()").expect("the stub");
        let missing = pristine_stub_problem(root.path(), udp).unwrap_or_default();
        assert!(
            missing.contains("cp exercises/src/ch1/udp_dict.rs xtask/stubs/src/ch1/udp_dict.rs"),
            "a missing copy is reported with the command that makes it: {missing}"
        );
        std::fs::write(&kept, "todo!() ").expect("a copy that differs");
        let differs = pristine_stub_problem(root.path(), udp).unwrap_or_default();
        assert!(
            differs.contains("differs") && differs.contains("`cp exercises/src/ch1/udp_dict.rs"),
            "a copy that differs is reported with the cp command: {differs}"
        );
        std::fs::write(&kept, "todo!()").expect("the same bytes");
        assert_eq!(
            pristine_stub_problem(root.path(), udp),
            None,
            "the same bytes: nothing to say"
        );
    }
}
