//! `cargo xtask check` and `cargo xtask list`: where a student stands.

use crate::manifest::{Exercise, Manifest};
use crate::suite::{self, Diagnostic, Kit, Outcome};
use anyhow::Result;
use std::path::Path;

/// Where one exercise stands.
#[derive(Debug)]
pub enum State {
    /// Every test passed.
    Passed,
    /// Some tests failed; the first failure's test and message.
    Failed { test: String, message: String },
    /// Every test failed on a `todo!()`: nothing written yet.
    NotStarted { message: String },
    /// Its own file has compile errors.
    DoesNotCompile(Vec<Diagnostic>),
    /// Another file's compile error stops the whole suite from building.
    Blocked,
    /// The suite has no test for it (a kit bug; `cargo xtask test` reports it).
    NoTests,
}

/// One exercise and its state.
#[derive(Debug)]
pub struct Status<'m> {
    pub exercise: &'m Exercise,
    pub state: State,
    pub passed: usize,
    pub total: usize,
}

impl Status<'_> {
    pub fn is_done(&self) -> bool {
        matches!(self.state, State::Passed)
    }
}

/// The outcome of building and running the suite for some exercises.
pub struct Evaluation<'m> {
    pub statuses: Vec<Status<'m>>,
    /// Compile errors, when the suite did not build.
    pub errors: Vec<Diagnostic>,
}

/// Builds the suite against `kit` and runs the tests of `exercises`.
pub fn evaluate<'m>(root: &Path, exercises: &[&'m Exercise], kit: Kit) -> Result<Evaluation<'m>> {
    let build = suite::build(root, kit)?;
    let Some(executable) = &build.executable else {
        let errors: Vec<Diagnostic> = build.errors().cloned().collect();
        let statuses = exercises
            .iter()
            .map(|&exercise| {
                let file = format!("exercises/{}", exercise.file);
                let own: Vec<Diagnostic> = errors
                    .iter()
                    .filter(|d| d.file.as_deref() == Some(file.as_str()))
                    .cloned()
                    .collect();
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
                }
            })
            .collect();
        return Ok(Evaluation { statuses, errors });
    };
    let filters: Vec<String> = exercises.iter().map(|e| e.test_prefix()).collect();
    let run = suite::run(root, executable, &filters, &[])?;
    let statuses = exercises
        .iter()
        .map(|&exercise| {
            let prefix = exercise.test_prefix();
            let mine: Vec<(&String, &Outcome)> = run
                .outcomes
                .iter()
                .filter(|(name, _)| name.starts_with(&prefix))
                .collect();
            let passed = mine.iter().filter(|(_, o)| **o == Outcome::Passed).count();
            let failures: Vec<(&String, &String)> = mine
                .iter()
                .filter_map(|(name, o)| match o {
                    Outcome::Failed(message) => Some((*name, message)),
                    _ => None,
                })
                .collect();
            let state = if mine.is_empty() {
                State::NoTests
            } else if failures.is_empty() {
                State::Passed
            } else if passed == 0
                && failures
                    .iter()
                    .all(|(_, m)| m.contains("not yet implemented"))
            {
                State::NotStarted {
                    message: failures[0].1.clone(),
                }
            } else {
                State::Failed {
                    test: failures[0].0.clone(),
                    message: failures[0].1.clone(),
                }
            };
            Status {
                exercise,
                state,
                passed,
                total: mine.len(),
            }
        })
        .collect();
    Ok(Evaluation {
        statuses,
        errors: Vec::new(),
    })
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
    let evaluation = evaluate(root, &exercises, kit)?;
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
    Ok(done == total)
}

/// `cargo xtask list`: every exercise by chapter, with its state.
pub fn list(root: &Path, manifest: &Manifest, kit: Kit) -> Result<()> {
    let exercises = manifest.select("all")?;
    let evaluation = evaluate(root, &exercises, kit)?;
    if !evaluation.errors.is_empty() {
        println!("(your code does not compile: `cargo xtask check all` shows the errors)");
    }
    print_statuses(manifest, &evaluation.statuses, false);
    for chapter in manifest.chapters_coming() {
        let coming = chapter.coming.as_deref().unwrap_or_default();
        println!(
            "\nchapter {} · {} · coming: {coming}",
            chapter.number, chapter.title
        );
    }
    Ok(())
}

fn describe(what: &str, count: usize) -> String {
    match what {
        "all" => format!("all {count} exercises"),
        w if w.starts_with("chapter") => format!("the {count} exercises of {w}"),
        w => format!("exercise `{w}`"),
    }
}

fn print_errors(errors: &[Diagnostic]) {
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

fn print_statuses(manifest: &Manifest, statuses: &[Status<'_>], detailed: bool) {
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
        let (mark, word) = match &status.state {
            State::Passed => ("✓", "passed"),
            State::Failed { .. } => ("✗", "failed"),
            State::NotStarted { .. } => ("·", "not started"),
            State::DoesNotCompile(_) => ("✗", "does not compile"),
            State::Blocked => ("?", "not checked"),
            State::NoTests => ("?", "no tests"),
        };
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
