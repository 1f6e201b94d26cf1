//! Building the suite and running it: the one place that knows how cargo and
//! libtest are invoked and what their output looks like.
//!
//! The suite is built once with `cargo test --no-run --message-format=json`,
//! which tells us the test executable and any compiler errors; then the
//! executable is run directly, which is faster than a second cargo call and
//! lets us run one test alone (`--exact NAME`), as a grader does.

use crate::progress;
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Which implementation the suite is built against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kit {
    /// The student's `exercises` crate (the stubs, in a fresh kit).
    Exercises,
    /// The reference `solutions` crate.
    Solutions,
}

impl Kit {
    pub fn from_flag(solutions: bool) -> Kit {
        if solutions {
            Kit::Solutions
        } else {
            Kit::Exercises
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Kit::Exercises => "your exercises",
            Kit::Solutions => "the reference solutions",
        }
    }

    /// The cargo arguments that select this implementation.
    pub fn feature_args(self) -> &'static [&'static str] {
        match self {
            Kit::Exercises => &[],
            Kit::Solutions => &["--features", "solutions"],
        }
    }
}

/// `cargo`, as the one that started us (so `cargo +nightly xtask` stays on nightly).
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// A compiler diagnostic from the build.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// `error` or `warning`.
    pub level: String,
    /// The file of the primary span, relative to the kit's root, if any.
    pub file: Option<String>,
    pub line: Option<u64>,
    /// The first line of the message, e.g. `mismatched types`.
    pub message: String,
    /// What rustc would print, with the source excerpt.
    pub rendered: String,
    /// The crate it came from, e.g. `exercises`.
    pub krate: String,
}

/// The outcome of building the suite.
#[derive(Debug)]
pub struct Build {
    /// The test executable, when the build succeeded.
    pub executable: Option<PathBuf>,
    pub diagnostics: Vec<Diagnostic>,
    /// cargo's own stderr, for errors that are not compiler messages.
    pub stderr: String,
}

impl Build {
    pub fn errors(&self) -> impl Iterator<Item = &Diagnostic> {
        self.diagnostics.iter().filter(|d| d.level == "error")
    }

    pub fn warnings_in<'a>(&'a self, krate: &'a str) -> impl Iterator<Item = &'a Diagnostic> {
        self.diagnostics
            .iter()
            .filter(move |d| d.level == "warning" && d.krate == krate)
    }
}

/// Builds the suite against `kit` (cargo builds the runner `netkit` with it,
/// as it does every binary of a package that has integration tests).
/// A compile error is not an `Err`: it comes back in [`Build::diagnostics`],
/// because `check` must show it. `Err` means cargo itself could not run.
pub fn build(root: &Path, kit: Kit) -> Result<Build> {
    build_with(root, kit, |_| Ok(()))
}

/// [`build`], with `adjust` given cargo's command before it runs (the
/// grader confines what the build may read).
pub fn build_with(
    root: &Path,
    kit: Kit,
    adjust: impl FnOnce(&mut Command) -> Result<()>,
) -> Result<Build> {
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["test", "--no-run", "-p", "netkit-tests", "--test", "suite"])
        .args(kit.feature_args())
        .args(["--message-format", "json-diagnostic-rendered-ansi"])
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null());
    adjust(&mut command)?;
    // cargo's progress goes to the terminal as it comes; its JSON is read below.
    let output = progress::output(&mut command, "the suite")?;
    let mut build = Build {
        executable: None,
        diagnostics: Vec::new(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        match message["reason"].as_str() {
            Some("compiler-artifact")
                if message["target"]["name"] == "suite" && message["profile"]["test"] == true =>
            {
                build.executable = message["executable"].as_str().map(PathBuf::from);
            }
            Some("compiler-message") => {
                if let Some(d) = diagnostic(root, &message) {
                    build.diagnostics.push(d);
                }
            }
            _ => {}
        }
    }
    if !output.status.success() {
        build.executable = None;
        if build.errors().next().is_none() {
            bail!("cargo could not build the suite:\n{}", build.stderr);
        }
    }
    Ok(build)
}

fn diagnostic(root: &Path, message: &serde_json::Value) -> Option<Diagnostic> {
    let inner = &message["message"];
    let level = inner["level"].as_str()?.to_string();
    if level != "error" && level != "warning" {
        return None;
    }
    let text = inner["message"].as_str().unwrap_or_default();
    // The summary lines ("aborting due to 2 previous errors") carry no span.
    if text.starts_with("aborting due to")
        || text.contains("warnings emitted")
        || text.contains("warning emitted")
    {
        return None;
    }
    let primary = inner["spans"]
        .as_array()
        .and_then(|spans| spans.iter().find(|s| s["is_primary"] == true));
    let file = primary.and_then(|s| s["file_name"].as_str()).map(|f| {
        let path = Path::new(f);
        path.strip_prefix(root)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| f.to_string())
    });
    let krate = message["package_id"]
        .as_str()
        .map(package_name)
        .unwrap_or_default();
    Some(Diagnostic {
        level,
        file,
        line: primary.and_then(|s| s["line_start"].as_u64()),
        message: text.lines().next().unwrap_or_default().to_string(),
        rendered: strip_ansi(inner["rendered"].as_str().unwrap_or(text)),
        krate,
    })
}

/// `path+file:///…/exercises#0.1.0`, `path+file:///…/tests#netkit-tests@0.1.0`
/// or the older `exercises 0.1.0 (path+…)` → the package's name.
fn package_name(id: &str) -> String {
    if let Some((path, fragment)) = id.rsplit_once('#') {
        return match fragment.split_once('@') {
            Some((name, _)) => name.to_string(),
            None => path.rsplit('/').next().unwrap_or(path).to_string(),
        };
    }
    id.split_whitespace().next().unwrap_or(id).to_string()
}

/// Removes terminal colour codes, for messages we re-indent.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Passed,
    Failed(Failure),
    Ignored,
}

/// Why one test failed, as read from its output.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Failure {
    /// The message it panicked with: the test thread's own panic if it had
    /// one, else the first panic in its output.
    pub message: String,
    /// The message of a `todo!()` panic in its output, if there was one: of
    /// the code under test, on the test's thread or on a thread it started
    /// (a `ServerThread`, a `Task`), or of a program or probe it ran (the
    /// harness copies a child's panics into the test's output). Such a test
    /// failed because that code is not written yet, whatever the test's own
    /// side then saw (often only "connection reset by peer").
    pub todo: Option<String>,
}

impl Failure {
    /// Whether the test failed on a stub's `todo!()`.
    pub fn is_todo(&self) -> bool {
        self.todo.is_some() || self.message.contains(TODO_PANIC)
    }

    /// What to show the student: the `todo!()` message when that is why it
    /// failed, else the test's own message.
    pub fn shown(&self) -> &str {
        self.todo.as_deref().unwrap_or(&self.message)
    }
}

/// How a `todo!()` panic's message begins (`not yet implemented: …`).
const TODO_PANIC: &str = "not yet implemented";

/// The results of one run of the test executable.
#[derive(Debug, Default)]
pub struct Run {
    pub outcomes: BTreeMap<String, Outcome>,
    /// libtest's closing line, e.g. `test result: ok. 12 passed; 0 failed; …`.
    pub result_line: Option<String>,
    pub elapsed: Duration,
}

/// Runs the test executable with libtest filters (`ch1::udp_dict::` runs
/// that exercise's tests; no filter runs all). `extra` goes to libtest too.
pub fn run(root: &Path, executable: &Path, filters: &[String], extra: &[&str]) -> Result<Run> {
    run_with(root, executable, filters, extra, &[])
}

/// [`run`], with variables added to the tests' environment (`check
/// --repeat`'s `NETKIT_SEED`).
pub fn run_with(
    root: &Path,
    executable: &Path,
    filters: &[String],
    extra: &[&str],
    env: &[(&str, String)],
) -> Result<Run> {
    let started = Instant::now();
    let output = Command::new(executable)
        // cargo test runs a test binary in its package's folder; do the same.
        .current_dir(root.join("tests"))
        .args(filters)
        .args(extra)
        .env("RUST_BACKTRACE", "0")
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {}", executable.display()))?;
    let mut run = parse(&String::from_utf8_lossy(&output.stdout));
    run.elapsed = started.elapsed();
    Ok(run)
}

/// Lists the suite's tests (`--list`), in order.
pub fn list(root: &Path, executable: &Path) -> Result<Vec<String>> {
    let output = Command::new(executable)
        .current_dir(root.join("tests"))
        .args(["--list", "--format", "terse"])
        .output()
        .with_context(|| format!("running {} --list", executable.display()))?;
    Ok(listed(&String::from_utf8_lossy(&output.stdout)))
}

/// The test names in what `--list --format terse` printed.
pub fn listed(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect()
}

/// Reads libtest's default ("pretty") output.
pub fn parse(stdout: &str) -> Run {
    let mut run = Run::default();
    let mut sections: BTreeMap<String, String> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in stdout.lines() {
        if let Some(rest) = line.strip_prefix("test ")
            && let Some((name, status)) = rest.rsplit_once(" ... ")
        {
            let outcome = match status.trim() {
                "ok" => Some(Outcome::Passed),
                "FAILED" => Some(Outcome::Failed(Failure::default())),
                s if s.starts_with("ignored") => Some(Outcome::Ignored),
                _ => None,
            };
            if let Some(outcome) = outcome {
                // `#[should_panic]` tests are shown as `NAME - should panic`.
                let name = name.strip_suffix(" - should panic").unwrap_or(name);
                run.outcomes.insert(name.to_string(), outcome);
                continue;
            }
        }
        if line.starts_with("test result:") {
            run.result_line = Some(line.to_string());
            current = None;
            continue;
        }
        if let Some(name) = line
            .strip_prefix("---- ")
            .and_then(|l| l.strip_suffix(" stdout ----"))
        {
            current = Some(name.to_string());
            continue;
        }
        if line == "failures:" {
            current = None;
            continue;
        }
        if let Some(name) = &current {
            let text = sections.entry(name.clone()).or_default();
            text.push_str(line);
            text.push('\n');
        }
    }
    for (name, outcome) in run.outcomes.iter_mut() {
        if let Outcome::Failed(failure) = outcome {
            *failure = sections
                .get(name)
                .map(|s| failure_of(name, s))
                .unwrap_or_else(|| Failure {
                    message: "(no output)".to_string(),
                    todo: None,
                });
        }
    }
    run
}

/// One panic in a test's output: the thread's name and the message.
struct Panic {
    thread: String,
    message: String,
}

/// Why test `name` failed, out of its output.
fn failure_of(name: &str, output: &str) -> Failure {
    let panics = panics(output);
    let message = panics
        .iter()
        .find(|p| p.thread == name)
        .or_else(|| panics.first())
        .map(|p| p.message.clone())
        .unwrap_or_else(|| output.trim().to_string());
    let todo = panics
        .iter()
        .find(|p| p.message.starts_with(TODO_PANIC))
        .map(|p| p.message.clone());
    Failure { message, todo }
}

/// Every panic in a test's output, in order. A panic is a line
/// `thread 'NAME' (ID) panicked at FILE:LINE:COL:` (older compilers print no
/// `(ID)`), then its message, up to the `note:` line, a backtrace or the
/// next panic. Lines quoted from a program's stderr inside a failure message
/// start with `  | `, so they are not taken for panics.
fn panics(output: &str) -> Vec<Panic> {
    let mut panics = Vec::new();
    let mut lines = output.lines().peekable();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix("thread '") else {
            continue;
        };
        let Some((thread, _)) = rest.split_once("' ") else {
            continue;
        };
        if !rest.contains("panicked at") {
            continue;
        }
        let mut message = String::new();
        while let Some(next) = lines.peek() {
            if next.starts_with("note: ")
                || next.starts_with("thread '")
                || next.starts_with("stack backtrace:")
            {
                break;
            }
            message.push_str(next);
            message.push('\n');
            lines.next();
        }
        panics.push(Panic {
            thread: thread.to_string(),
            message: message.trim_end().to_string(),
        });
    }
    panics
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\nrunning 3 tests\ntest ch1::a::one ... ok\ntest ch1::a::two ... FAILED\ntest ch1::a::three ... ignored\ntest ch1::a::four - should panic ... ok\n\nfailures:\n\n---- ch1::a::two stdout ----\n\nthread 'a::serve' panicked at exercises/src/ch1/a.rs:3:5:\nnot yet implemented: serve\nnote: run with `RUST_BACKTRACE=1`\n\nthread 'ch1::a::two' panicked at tests/suite/ch1/a.rs:9:5:\na::serve panicked: not yet implemented: serve\n  sent: x\n\n\nfailures:\n    ch1::a::two\n\ntest result: FAILED. 1 passed; 1 failed; 1 ignored; 0 measured; 0 filtered out; finished in 0.01s\n";

    #[test]
    fn parses_outcomes_and_the_test_threads_own_panic() {
        let run = parse(SAMPLE);
        assert_eq!(run.outcomes["ch1::a::one"], Outcome::Passed);
        assert_eq!(run.outcomes["ch1::a::three"], Outcome::Ignored);
        assert_eq!(run.outcomes["ch1::a::four"], Outcome::Passed);
        assert_eq!(
            run.outcomes["ch1::a::two"],
            Outcome::Failed(Failure {
                message: "a::serve panicked: not yet implemented: serve\n  sent: x".into(),
                todo: Some("not yet implemented: serve".into()),
            })
        );
        assert!(
            run.result_line
                .unwrap()
                .starts_with("test result: FAILED. 1 passed")
        );
    }

    /// One failed test's section of libtest's output, as `parse` sees it.
    fn failure(name: &str, output: &str) -> Failure {
        let stdout = format!(
            "test {name} ... FAILED\n\nfailures:\n\n---- {name} stdout ----\n{output}\n\nfailures:\n    {name}\n"
        );
        match parse(&stdout).outcomes.remove(name) {
            Some(Outcome::Failed(failure)) => failure,
            other => panic!("expected {name} to have failed, parsed {other:?}"),
        }
    }

    #[test]
    fn a_server_threads_todo_classifies_a_test_that_saw_only_a_reset() {
        // The stub's server thread panicked; the test's client then saw the
        // connection reset, and said only that.
        let f = failure(
            "ch1::tcp_upload::refuses",
            "\nthread 'tcp_upload::serve' (1414) panicked at exercises/src/ch1/tcp_upload.rs:181:5:\n\
             not yet implemented: serve uploads into \"/tmp/x\"\n\
             note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
             thread 'ch1::tcp_upload::refuses' (1412) panicked at tests/suite/ch1/tcp_upload.rs:302:14:\n\
             sending b\"UPLOAD many x.txt\" to 127.0.0.1:42563 failed: Connection reset by peer (os error 104)\n",
        );
        assert!(
            f.message.contains("Connection reset"),
            "the message is the test thread's own panic: {f:?}"
        );
        assert_eq!(
            f.todo.as_deref(),
            Some("not yet implemented: serve uploads into \"/tmp/x\""),
            "the server's todo!() must be found"
        );
        assert!(f.is_todo(), "a failure on a todo!() reads as not started");
        assert_eq!(f.shown(), f.todo.as_deref().unwrap_or_default());
    }

    #[test]
    fn a_programs_todo_copied_by_the_harness_classifies_the_test() {
        // harness::Program copies a child's panic into the test's output
        // when it is dropped, which happens while the failing test unwinds.
        let f = failure(
            "ch1::chatbot::program_serves_two",
            "\nthread 'ch1::chatbot::program_serves_two' (5916) panicked at tests/suite/ch1/chatbot.rs:401:5:\n\
             sending b\"boy or girl?\\n\" to 127.0.0.1:42059 failed: Connection reset by peer (os error 104)\n\
             note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n\n\
             `netkit chatbot-server --addr 127.0.0.1:0` (pid 5917) panicked; its stderr:\n\
             thread 'main' (5917) panicked at exercises/src/ch1/chatbot.rs:96:5:\n\
             not yet implemented: serve many chatbot clients at once\n\
             note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace\n",
        );
        assert!(f.message.contains("Connection reset"), "own message: {f:?}");
        assert_eq!(
            f.todo.as_deref(),
            Some("not yet implemented: serve many chatbot clients at once"),
            "the program's todo!() must be found"
        );
    }

    #[test]
    fn a_wrong_answer_is_no_todo_and_quoted_stderr_is_no_panic() {
        // A program's stderr quoted inside a failure message (`  | `) is
        // part of the message, not a panic of its own.
        let f = failure(
            "ch1::udp_dict::answers",
            "\nthread 'ch1::udp_dict::answers' (77) panicked at tests/suite/ch1/udp_dict.rs:50:5:\n\
             expected the meaning of \"apple\", got \"ERR\"\n  \
             its stderr:\n  | thread 'main' (78) panicked at src/x.rs:1:1:\n  | oops\n",
        );
        assert_eq!(f.todo, None, "no todo!() panicked: {f:?}");
        assert!(!f.is_todo(), "a wrong answer is a failure");
        assert!(f.shown().starts_with("expected the meaning"), "{f:?}");
    }

    #[test]
    fn names_the_package_of_a_diagnostic() {
        assert_eq!(
            package_name("path+file:///work/main/exercises#0.1.0"),
            "exercises"
        );
        assert_eq!(
            package_name("path+file:///work/main/tests#netkit-tests@0.1.0"),
            "netkit-tests"
        );
        assert_eq!(
            package_name("exercises 0.1.0 (path+file:///x)"),
            "exercises"
        );
    }
}
