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
    let mut command = cargo();
    command
        .current_dir(root)
        .args(["test", "--no-run", "-p", "netkit-tests", "--test", "suite"])
        .args(kit.feature_args())
        .args(["--message-format", "json-diagnostic-rendered-ansi"])
        .env("CARGO_TERM_COLOR", "never")
        .stdin(Stdio::null());
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
    /// With the message it panicked with (the test thread's own panic if it
    /// had one, else the first panic in its output).
    Failed(String),
    Ignored,
}

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
    let started = Instant::now();
    let output = Command::new(executable)
        // cargo test runs a test binary in its package's folder; do the same.
        .current_dir(root.join("tests"))
        .args(filters)
        .args(extra)
        .env("RUST_BACKTRACE", "0")
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
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|l| l.strip_suffix(": test"))
        .map(str::to_string)
        .collect())
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
                "FAILED" => Some(Outcome::Failed(String::new())),
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
        if let Outcome::Failed(message) = outcome {
            *message = sections
                .get(name)
                .map(|s| panic_message(name, s))
                .unwrap_or_else(|| "(no output)".to_string());
        }
    }
    run
}

/// The message of the panic that failed test `name`, out of its output.
fn panic_message(name: &str, output: &str) -> String {
    let mut panics: Vec<(String, String)> = Vec::new();
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
        panics.push((thread.to_string(), message.trim_end().to_string()));
    }
    panics
        .iter()
        .find(|(thread, _)| thread == name)
        .or_else(|| panics.first())
        .map(|(_, m)| m.clone())
        .unwrap_or_else(|| output.trim().to_string())
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
            Outcome::Failed("a::serve panicked: not yet implemented: serve\n  sent: x".into())
        );
        assert!(
            run.result_line
                .unwrap()
                .starts_with("test result: FAILED. 1 passed")
        );
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
