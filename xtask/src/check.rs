//! `cargo xtask check` and `cargo xtask list`: where a student stands.
//!
//! The suite is built against the student's code. When some exercise files
//! do not compile, the kit is copied to a scratch folder (`target/scratch/check`)
//! with each broken file replaced by its pristine stub (`xtask/stubs/`), and
//! the suite is built and run there: the broken exercises show as `does not
//! compile`, every other one with its true state.

use crate::manifest::{Exercise, Manifest};
use crate::scratch::Scratch;
use crate::speed;
use crate::suite::{self, Build, Diagnostic, Kit, Outcome, Run};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where the pristine stubs live, from the kit's root:
/// `xtask/stubs/src/ch1/udp_dict.rs` is the stub of
/// `exercises/src/ch1/udp_dict.rs` byte for byte (`cargo xtask test` checks
/// it), kept in xtask/ where a student does not edit it.
pub const PRISTINE_STUBS: &str = "xtask/stubs";

/// The pristine stub of `exercise`: `check` builds with it in place of a
/// student's file that does not compile, so that the others can be checked.
pub fn pristine_stub(root: &Path, exercise: &Exercise) -> PathBuf {
    root.join(PRISTINE_STUBS).join(&exercise.file)
}

/// Where one exercise stands.
#[derive(Debug)]
pub enum State {
    /// Every test passed.
    Passed,
    /// Some tests failed; the first failure's test and message.
    Failed { test: String, message: String },
    /// Every test failed on a `todo!()`: nothing written yet.
    NotStarted { message: String },
    /// Its own file has compile errors (or its tests do not compile against it).
    DoesNotCompile(Vec<Diagnostic>),
    /// A file that is no exercise's stops the whole suite from building.
    Blocked,
    /// The suite has no test for it (a kit bug; `cargo xtask test` reports it).
    NoTests,
}

impl State {
    /// The state in a word or two, as `check` and `list` print it.
    pub fn word(&self) -> &'static str {
        match self {
            State::Passed => "passed",
            State::Failed { .. } => "failed",
            State::NotStarted { .. } => "not started",
            State::DoesNotCompile(_) => "does not compile",
            State::Blocked => "not checked",
            State::NoTests => "no tests",
        }
    }
}

/// One exercise and its state.
#[derive(Debug)]
pub struct Status<'m> {
    pub exercise: &'m Exercise,
    pub state: State,
    pub passed: usize,
    pub total: usize,
    /// Said under its state: that it was checked with the stub of an
    /// exercise it uses in place of the student's broken file.
    pub note: Option<String>,
}

impl Status<'_> {
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Passed)
    }
}

/// The outcome of building and running the suite for some exercises.
pub struct Evaluation<'m> {
    pub statuses: Vec<Status<'m>>,
    /// Compile errors to show: those of the broken exercise files, or of
    /// whatever stopped the suite from building.
    pub errors: Vec<Diagnostic>,
    /// The student's files that did not compile and were replaced by their
    /// stubs to check the others (`exercises/src/ch1/udp_dict.rs`).
    pub replaced: Vec<String>,
    /// Why nothing could be checked, when a file that is no exercise's does
    /// not compile.
    pub blocked: Option<String>,
}

/// Builds the suite against `kit` and runs the tests of `exercises`; exercise
/// files that do not compile are replaced by their stubs in a scratch copy
/// (see the module's doc).
pub fn evaluate<'m>(
    root: &Path,
    manifest: &'m Manifest,
    exercises: &[&'m Exercise],
    kit: Kit,
) -> Result<Evaluation<'m>> {
    let build = suite::build(root, kit)?;
    if let Some(executable) = &build.executable {
        let run = suite::run(root, executable, &filters(exercises), &[])?;
        return Ok(Evaluation {
            statuses: judge(exercises, &run),
            errors: Vec::new(),
            replaced: Vec::new(),
            blocked: None,
        });
    }
    if kit == Kit::Solutions {
        // The reference has no stub to fall back on: it must compile.
        let errors: Vec<Diagnostic> = build.errors().cloned().collect();
        let why = "the reference does not compile".to_string();
        return Ok(blocked(exercises, errors, BTreeMap::new(), why));
    }
    evaluate_with_stubs(root, manifest, exercises, build)
}

/// The libtest filters that select `exercises`' tests.
pub fn filters(exercises: &[&Exercise]) -> Vec<String> {
    exercises.iter().map(|e| e.test_prefix()).collect()
}

/// The states of `exercises` after one run of the suite.
pub fn judge<'m>(exercises: &[&'m Exercise], run: &Run) -> Vec<Status<'m>> {
    exercises
        .iter()
        .map(|&exercise| {
            let prefix = exercise.test_prefix();
            let mine: Vec<(&String, &Outcome)> = run
                .outcomes
                .iter()
                .filter(|(name, _)| name.starts_with(&prefix))
                .collect();
            let passed = mine.iter().filter(|(_, o)| **o == Outcome::Passed).count();
            let failures: Vec<(&String, &suite::Failure)> = mine
                .iter()
                .filter_map(|(name, o)| match o {
                    Outcome::Failed(failure) => Some((*name, failure)),
                    _ => None,
                })
                .collect();
            // A failure on a todo!() says "not written yet"; the first other
            // failure is the one worth showing.
            let wrong = failures.iter().find(|(_, f)| !f.is_todo());
            let state = match (failures.first(), wrong) {
                _ if mine.is_empty() => State::NoTests,
                (None, _) => State::Passed,
                (Some((_, first)), None) if passed == 0 => State::NotStarted {
                    message: first.shown().to_string(),
                },
                (Some(first), wrong) => {
                    let (test, failure) = wrong.unwrap_or(first);
                    State::Failed {
                        test: test.to_string(),
                        message: failure.shown().to_string(),
                    }
                }
            };
            Status {
                exercise,
                state,
                passed,
                total: mine.len(),
                note: None,
            }
        })
        .collect()
}

/// Every exercise blocked, but those whose own files have errors.
fn blocked<'m>(
    exercises: &[&'m Exercise],
    errors: Vec<Diagnostic>,
    mut broken: BTreeMap<String, Vec<Diagnostic>>,
    why: String,
) -> Evaluation<'m> {
    let statuses = exercises
        .iter()
        .map(|&exercise| {
            let own = broken.remove(&exercise.id).unwrap_or_else(|| {
                errors
                    .iter()
                    .filter(|d| d.file.as_deref() == Some(student_file(exercise).as_str()))
                    .cloned()
                    .collect()
            });
            let state = if own.is_empty() {
                State::Blocked
            } else {
                State::DoesNotCompile(own)
            };
            Status {
                exercise,
                state,
                passed: 0,
                total: 0,
                note: None,
            }
        })
        .collect();
    Evaluation {
        statuses,
        errors,
        replaced: Vec::new(),
        blocked: Some(why),
    }
}

/// `exercises/src/ch1/udp_dict.rs`: the student's file, from the kit's root.
pub(crate) fn student_file(exercise: &Exercise) -> String {
    format!("exercises/{}", exercise.file)
}

/// The exercise a compile error belongs to: the one in whose file it is, or
/// whose tests, runner program or probe no longer compile against that file
/// (a public item changed). `None` for an error in any other file.
pub(crate) fn owner<'m>(manifest: &'m Manifest, error: &Diagnostic) -> Option<&'m Exercise> {
    let file = error.file.as_deref()?;
    let module = |e: &Exercise| {
        Path::new(&e.file)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    };
    let exercises = &manifest.exercises;
    if let Some(e) = exercises.iter().find(|e| file == student_file(e)) {
        return Some(e);
    }
    let in_kit_code = file.starts_with("tests/suite/")
        || file.starts_with("tests/src/programs/")
        || file.starts_with("tests/src/probes/");
    if !in_kit_code {
        return None;
    }
    // The compiler's notes often point at the item that changed ("function
    // defined here --> exercises/src/ch2/chat_protocol.rs:144:8"): that
    // exercise, even when the failing line is another exercise's test.
    if let Some(e) = exercises.iter().find(|e| {
        error
            .rendered
            .contains(&format!("--> {}:", student_file(e)))
    }) {
        return Some(e);
    }
    if let Some(e) = exercises
        .iter()
        .find(|e| file == format!("tests/suite/ch{}/{}.rs", e.chapter, module(e)))
    {
        return Some(e);
    }
    if file.starts_with("tests/suite/") {
        return None;
    }
    // A runner program or a probe: the exercise its failing line names
    // (`chat_protocol::parse`), else the one it is named after.
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    exercises
        .iter()
        .find(|e| error.rendered.contains(&format!("{}::", module(e))))
        .or_else(|| exercises.iter().find(|e| module(e) == stem))
}

/// The kit's own build failed: replaces each broken exercise file by its
/// stub in a scratch copy, rebuilding until the suite builds there (a stub
/// in place may break an exercise that used the student's version, which is
/// then replaced in turn), or until an error no stub can fix.
fn evaluate_with_stubs<'m>(
    root: &Path,
    manifest: &'m Manifest,
    exercises: &[&'m Exercise],
    first: Build,
) -> Result<Evaluation<'m>> {
    let mut errors: Vec<Diagnostic> = first.errors().cloned().collect();
    let mut broken: BTreeMap<String, Vec<Diagnostic>> = BTreeMap::new();
    let mut replaced: Vec<&Exercise> = Vec::new();
    let mut shown: Vec<Diagnostic> = Vec::new();
    let mut scratch: Option<Scratch> = None;
    loop {
        let mut newly: Vec<&Exercise> = Vec::new();
        let mut others: Vec<Diagnostic> = Vec::new();
        for error in &errors {
            match owner(manifest, error) {
                Some(e) if !replaced.iter().any(|r| r.id == e.id) => {
                    if !newly.iter().any(|n| n.id == e.id) {
                        newly.push(e);
                    }
                    broken.entry(e.id.clone()).or_default().push(error.clone());
                }
                _ => others.push(error.clone()),
            }
        }
        shown.extend(errors.iter().cloned());
        let missing: Vec<&Exercise> = newly
            .iter()
            .copied()
            .filter(|e| !pristine_stub(root, e).is_file())
            .collect();
        if !others.is_empty() || newly.is_empty() || !missing.is_empty() {
            let why = blocked_why(&others, &missing);
            let mut evaluation = blocked(exercises, shown, broken, why);
            evaluation.replaced = replaced.iter().map(|e| student_file(e)).collect();
            return Ok(evaluation);
        }
        let copy = match scratch.take() {
            Some(copy) => copy,
            None => {
                let fresh = !root.join("target/scratch/check/target").exists();
                if fresh {
                    println!(
                        "(building a copy of the kit in target/scratch/check: its first build takes a few minutes)"
                    );
                }
                Scratch::sync(root, "check")?
            }
        };
        for e in &newly {
            let path = pristine_stub(root, e);
            let stub =
                std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
            copy.put(&Path::new("exercises").join(&e.file), &stub)?;
        }
        replaced.extend(newly);
        let build = suite::build(copy.root(), Kit::Exercises)?;
        if let Some(executable) = &build.executable {
            let run = suite::run(copy.root(), executable, &filters(exercises), &[])?;
            let mut statuses = judge(exercises, &run);
            let uses = crate::mutants::dependencies(root, manifest);
            for status in &mut statuses {
                if let Some(own) = broken.remove(&status.exercise.id) {
                    status.state = State::DoesNotCompile(own);
                    status.passed = 0;
                    status.total = 0;
                    continue;
                }
                let stand_ins: Vec<String> = replaced
                    .iter()
                    .filter(|r| {
                        uses.get(&status.exercise.id)
                            .is_some_and(|u| u.contains(&r.id))
                    })
                    .map(|r| format!("{}'s stub in place of your {}", r.id, student_file(r)))
                    .collect();
                if !stand_ins.is_empty() {
                    status.note = Some(format!(
                        "checked with {}, which does not compile: this state may change once it does",
                        stand_ins.join(" and ")
                    ));
                }
            }
            return Ok(Evaluation {
                statuses,
                errors: shown,
                replaced: replaced.iter().map(|e| student_file(e)).collect(),
                blocked: None,
            });
        }
        errors = build
            .errors()
            .map(|d| relocated(d, copy.root(), root))
            .collect();
        scratch = Some(copy);
    }
}

/// A diagnostic of the scratch build, pointed at the kit's own files.
pub(crate) fn relocated(d: &Diagnostic, scratch: &Path, root: &Path) -> Diagnostic {
    let (from, to) = (scratch.display().to_string(), root.display().to_string());
    let mut d = d.clone();
    d.rendered = d.rendered.replace(&from, &to);
    d.file = d.file.map(|f| f.replace(&format!("{from}/"), ""));
    d
}

/// Why nothing could be checked.
fn blocked_why(others: &[Diagnostic], missing: &[&Exercise]) -> String {
    if let Some(e) = missing.first() {
        return format!(
            "{} does not compile, and the kit has no pristine copy of it at {}: \
             nothing can be checked until it compiles",
            student_file(e),
            pristine_stub(Path::new(""), e).display()
        );
    }
    let mut files: Vec<&str> = others
        .iter()
        .map(|d| d.file.as_deref().unwrap_or("(no file)"))
        .collect();
    files.dedup();
    format!(
        "{} does not compile, and it is no exercise's file: nothing can be checked until it does \
         (`git diff {}` shows what changed since the kit was handed out)",
        files.join(", "),
        files.first().copied().unwrap_or(".")
    )
}

/// The one line that says which files were replaced by their stubs.
fn replaced_line(replaced: &[String]) -> Option<String> {
    match replaced {
        [] => None,
        [one] => Some(format!(
            "{one} does not compile; checking the others with its stub in its place."
        )),
        [rest @ .., last] => Some(format!(
            "{} and {last} do not compile; checking the others with their stubs in their place.",
            rest.join(", ")
        )),
    }
}

/// `cargo xtask check WHAT [--solutions]`: prints one block per exercise and
/// returns whether all of them passed.
pub fn check(root: &Path, manifest: &Manifest, what: &str, kit: Kit) -> Result<bool> {
    let exercises = manifest.select(what)?;
    println!(
        "Checking {} against {}…",
        describe(what, exercises.len()),
        kit.name()
    );
    let evaluation = evaluate(root, manifest, &exercises, kit)?;
    print_notes(&evaluation);
    print_errors(&evaluation.errors);
    print_statuses(manifest, &evaluation.statuses, true);
    let done = evaluation.statuses.iter().filter(|s| s.is_done()).count();
    let total = evaluation.statuses.len();
    println!();
    if done == total {
        println!("All {total} done. Well done!");
    } else {
        println!(
            "{done} of {total} done. Start with the first one not done; `cargo xtask hint ID` when stuck."
        );
    }
    // Chapter 5's speed line: for the chapter or c10k itself, not for
    // `all`, whose check should not take a minute more.
    if what != "all"
        && let Some(c10k) = evaluation
            .statuses
            .iter()
            .find(|s| s.exercise.id == speed::EXERCISE)
    {
        speed::report(root, kit, c10k.is_done(), &evaluation.replaced);
    }
    Ok(done == total)
}

/// `cargo xtask list`: every exercise by chapter, with its state.
pub fn list(root: &Path, manifest: &Manifest, kit: Kit) -> Result<()> {
    let exercises = manifest.select("all")?;
    let evaluation = evaluate(root, manifest, &exercises, kit)?;
    print_notes(&evaluation);
    if !evaluation.errors.is_empty() {
        println!("(`cargo xtask check all` shows the compiler's errors)");
    }
    // One chapter at a time, each followed by its summary line.
    for chapter in evaluation
        .statuses
        .chunk_by(|a, b| a.exercise.chapter == b.exercise.chapter)
    {
        print_statuses(manifest, chapter, false);
        let number = chapter[0].exercise.chapter;
        let title = manifest
            .chapter(number)
            .map(|c| c.title.as_str())
            .unwrap_or("");
        println!(
            "  chapter {number} · {title} — {}",
            Progress::of(chapter).line()
        );
    }
    for chapter in manifest.chapters_coming() {
        let coming = chapter.coming.as_deref().unwrap_or_default();
        println!(
            "\nchapter {} · {} · coming: {coming}",
            chapter.number, chapter.title
        );
    }
    println!("\ntotal: {}", Progress::of(&evaluation.statuses).line());
    Ok(())
}

/// How many of some exercises are done, started or not, and their points:
/// `list`'s summary lines.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Passed.
    pub done: usize,
    /// Failed, or does not compile: written, not passing yet.
    pub started: usize,
    /// Every test failed on a `todo!()`.
    pub not_started: usize,
    /// Not checked (the suite did not build) or without tests.
    pub unknown: usize,
    /// The points of the exercises that passed.
    pub earned: u32,
    /// The points of them all.
    pub possible: u32,
}

impl Progress {
    /// Counts `statuses`: an exercise's points are earned when it passed.
    pub fn of(statuses: &[Status<'_>]) -> Progress {
        let mut p = Progress::default();
        for status in statuses {
            match status.state {
                State::Passed => p.done += 1,
                State::Failed { .. } | State::DoesNotCompile(_) => p.started += 1,
                State::NotStarted { .. } => p.not_started += 1,
                State::Blocked | State::NoTests => p.unknown += 1,
            }
            if status.is_done() {
                p.earned += status.exercise.points;
            }
            p.possible += status.exercise.points;
        }
        p
    }

    /// `2 done, 1 started, 3 not started · 20 of 60 points` (and `, N not
    /// checked` when some could not be).
    pub fn line(&self) -> String {
        let unknown = match self.unknown {
            0 => String::new(),
            n => format!(", {n} not checked"),
        };
        format!(
            "{} done, {} started, {} not started{unknown} · {} of {} points",
            self.done, self.started, self.not_started, self.earned, self.possible
        )
    }
}

pub(crate) fn describe(what: &str, count: usize) -> String {
    match what {
        "all" => format!("all {count} exercises"),
        w if w.starts_with("chapter") => format!("the {count} exercises of {w}"),
        w => format!("exercise `{w}`"),
    }
}

/// Which files were replaced by their stubs, or why nothing was checked.
pub(crate) fn print_notes(evaluation: &Evaluation<'_>) {
    if let Some(line) = replaced_line(&evaluation.replaced) {
        println!("{line}");
    }
    if let Some(why) = &evaluation.blocked {
        println!("{why}");
    }
}

pub(crate) fn print_errors(errors: &[Diagnostic]) {
    if errors.is_empty() {
        return;
    }
    println!("\nYour code does not compile. The compiler says:\n");
    for error in errors.iter().take(8) {
        println!("{}", error.rendered.trim_end());
        println!();
    }
    if errors.len() > 8 {
        println!(
            "… and {} more errors (`cargo build -p exercises` shows all).\n",
            errors.len() - 8
        );
    }
}

pub(crate) fn print_statuses(manifest: &Manifest, statuses: &[Status<'_>], detailed: bool) {
    let mut chapter = None;
    for status in statuses {
        let exercise = status.exercise;
        if chapter != Some(exercise.chapter) {
            chapter = Some(exercise.chapter);
            let title = manifest
                .chapter(exercise.chapter)
                .map(|c| c.title.as_str())
                .unwrap_or("");
            println!("\nchapter {} · {title}", exercise.chapter);
        }
        let mark = match &status.state {
            State::Passed => "✓",
            State::Failed { .. } | State::DoesNotCompile(_) => "✗",
            State::NotStarted { .. } => "·",
            State::Blocked | State::NoTests => "?",
        };
        let word = status.state.word();
        let count = if status.total > 0 {
            format!("{}/{} tests", status.passed, status.total)
        } else {
            String::new()
        };
        println!(
            "  {mark} {:<15} {:<17} {:<14} {} points",
            exercise.id, word, count, exercise.points
        );
        if !detailed {
            continue;
        }
        if let Some(note) = &status.note {
            println!("      {note}");
        }
        match &status.state {
            State::Passed => {}
            State::Failed { test, message } => {
                println!("      first failure: {test}");
                print_message(message);
                print_pointers(exercise);
            }
            State::NotStarted { message } => {
                print_message(message);
                print_pointers(exercise);
            }
            State::DoesNotCompile(errors) => {
                for e in errors.iter().take(3) {
                    println!(
                        "      {}:{}: {}",
                        e.file.as_deref().unwrap_or("?"),
                        e.line.unwrap_or(0),
                        e.message
                    );
                }
                print_pointers(exercise);
            }
            State::Blocked => {
                println!("      the suite does not build until the errors above are fixed")
            }
            State::NoTests => println!("      the suite has no tests for this exercise"),
        }
    }
}

/// The first lines of a failure message, indented.
fn print_message(message: &str) {
    const LINES: usize = 8;
    for line in message.lines().take(LINES) {
        println!("      {line}");
    }
    if message.lines().count() > LINES {
        println!("      …");
    }
}

fn print_pointers(exercise: &Exercise) {
    println!(
        "      your file: exercises/{} · hint: cargo xtask hint {}",
        exercise.file, exercise.id
    );
    println!("      read: {}", read_pointer(exercise));
}

/// Where to read about an exercise: its page as the book shows it, and the
/// command that builds (and opens) it.
pub fn read_pointer(exercise: &Exercise) -> String {
    format!(
        "{} (`cargo xtask book --open {}` builds and opens it)",
        exercise.html_path(),
        exercise.id
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        // The kit's own kit.toml: its exercises are the ones errors map to.
        let xtask = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo test sets it");
        let root = Path::new(&xtask).parent().expect("xtask/ is in the kit");
        Manifest::load(root).expect("the kit's kit.toml")
    }

    fn error_in(file: &str, rendered: &str) -> Diagnostic {
        Diagnostic {
            level: "error".into(),
            file: Some(file.into()),
            line: Some(1),
            message: "mismatched types".into(),
            rendered: rendered.into(),
            krate: "netkit-tests".into(),
        }
    }

    #[test]
    fn a_compile_error_belongs_to_the_exercise_whose_file_or_tests_it_is_in() {
        let m = manifest();
        let owner_of =
            |file: &str, rendered: &str| owner(&m, &error_in(file, rendered)).map(|e| e.id.clone());
        assert_eq!(
            owner_of("exercises/src/ch1/udp_dict.rs", ""),
            Some("udp-dict".into()),
            "an error in the exercise's own file"
        );
        assert_eq!(
            owner_of("tests/suite/ch2/chat_protocol.rs", ""),
            Some("chat-protocol".into()),
            "its tests no longer compile against it: a public item changed"
        );
        assert_eq!(
            owner_of(
                "tests/src/programs/chat.rs",
                "let m = chat_protocol::parse_line(&line);"
            ),
            Some("chat-protocol".into()),
            "a runner program's line names the exercise it calls"
        );
        assert_eq!(
            owner_of(
                "tests/suite/ch2/chat_server.rs",
                "error[E0308]: mismatched types\nnote: function defined here\n   --> exercises/src/ch2/chat_protocol.rs:144:8"
            ),
            Some("chat-protocol".into()),
            "the compiler's note points at the exercise whose item changed"
        );
        assert_eq!(
            owner_of("tests/suite/ch2/mod.rs", ""),
            None,
            "the suite's mod.rs is no exercise's"
        );
        assert_eq!(
            owner_of("exercises/src/ch1/mod.rs", ""),
            None,
            "a mod.rs is no exercise's file: it blocks"
        );
        assert_eq!(
            owner_of("tests/src/harness/net.rs", ""),
            None,
            "the harness is no exercise's"
        );
    }

    #[test]
    fn a_failure_on_a_todo_anywhere_is_not_started_and_a_wrong_answer_is_failed() {
        let m = manifest();
        let udp = m.exercise("udp-dict").expect("udp-dict is in kit.toml");
        let todo = |own: &str, other: Option<&str>| {
            Outcome::Failed(suite::Failure {
                message: own.into(),
                todo: other.map(str::to_string),
            })
        };
        let mut run = Run::default();
        run.outcomes.insert(
            "ch1::udp_dict::a".into(),
            todo(
                "not yet implemented: reply",
                Some("not yet implemented: reply"),
            ),
        );
        // The server thread's todo!() is in the output; the test saw a reset.
        run.outcomes.insert(
            "ch1::udp_dict::b".into(),
            todo(
                "sending failed: Connection reset by peer",
                Some("not yet implemented: serve"),
            ),
        );
        let states = judge(&[udp], &run);
        assert!(
            matches!(&states[0].state, State::NotStarted { message } if message == "not yet implemented: reply"),
            "every failure on a todo!(): not started, got {:?}",
            states[0].state
        );
        run.outcomes.insert(
            "ch1::udp_dict::c".into(),
            todo("expected \"fruit\", got \"ERR\"", None),
        );
        let states = judge(&[udp], &run);
        assert!(
            matches!(&states[0].state, State::Failed { test, .. } if test == "ch1::udp_dict::c"),
            "a wrong answer is failed, and it is the failure shown, got {:?}",
            states[0].state
        );
    }

    #[test]
    fn says_in_one_line_which_files_were_replaced_by_their_stubs() {
        assert_eq!(replaced_line(&[]), None, "nothing replaced, nothing said");
        assert_eq!(
            replaced_line(&["exercises/src/ch1/udp_dict.rs".into()]).as_deref(),
            Some(
                "exercises/src/ch1/udp_dict.rs does not compile; checking the others with its stub in its place."
            )
        );
        assert_eq!(
            replaced_line(&["a.rs".into(), "b.rs".into(), "c.rs".into()]).as_deref(),
            Some(
                "a.rs, b.rs and c.rs do not compile; checking the others with their stubs in their place."
            )
        );
    }

    #[test]
    fn a_scratch_builds_diagnostic_points_at_the_kits_files() {
        let d = error_in(
            "/kit/target/scratch/check/tests/suite/ch1/udp_dict.rs",
            "error\n --> /kit/target/scratch/check/tests/suite/ch1/udp_dict.rs:3:5",
        );
        let d = relocated(
            &d,
            Path::new("/kit/target/scratch/check"),
            Path::new("/kit"),
        );
        assert_eq!(
            d.file.as_deref(),
            Some("tests/suite/ch1/udp_dict.rs"),
            "the file, from the kit's root"
        );
        assert_eq!(
            d.rendered, "error\n --> /kit/tests/suite/ch1/udp_dict.rs:3:5",
            "the compiler's text, pointed at the kit"
        );
    }

    #[test]
    fn progress_counts_done_started_and_not_started_and_the_points_of_what_passed() {
        let m = manifest();
        let chapter1: Vec<&Exercise> = m.exercises.iter().filter(|e| e.chapter == 1).collect();
        assert!(chapter1.len() >= 6, "chapter 1 has its six exercises");
        let status = |i: usize, state: State| Status {
            exercise: chapter1[i],
            state,
            passed: 0,
            total: 0,
            note: None,
        };
        let failed = || State::Failed {
            test: "t".into(),
            message: "m".into(),
        };
        let not_started = || State::NotStarted {
            message: "not yet implemented".into(),
        };
        let statuses = [
            status(0, State::Passed),
            status(1, State::Passed),
            status(2, failed()),
            status(3, State::DoesNotCompile(Vec::new())),
            status(4, not_started()),
            status(5, State::Blocked),
        ];
        let points = |range: std::ops::Range<usize>| -> u32 {
            chapter1[range].iter().map(|e| e.points).sum()
        };
        let progress = Progress::of(&statuses);
        assert_eq!(
            progress,
            Progress {
                done: 2,
                started: 2,
                not_started: 1,
                unknown: 1,
                earned: points(0..2),
                possible: points(0..6),
            },
            "failed and does not compile are started; only what passed earns its points"
        );
        assert_eq!(
            progress.line(),
            format!(
                "2 done, 2 started, 1 not started, 1 not checked · {} of {} points",
                points(0..2),
                points(0..6)
            ),
            "the summary line"
        );
        assert_eq!(
            Progress::of(&statuses[2..5]).line(),
            format!(
                "0 done, 2 started, 1 not started · 0 of {} points",
                points(2..5)
            ),
            "nothing not checked, nothing said of it"
        );
        assert_eq!(
            Progress::of(&[]),
            Progress::default(),
            "no exercises, all zero"
        );
    }
}
