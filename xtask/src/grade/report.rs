//! A submission's grade, and its four renderings: Markdown for the student
//! (it reads like `cargo xtask check`), Gradescope's `results.json`, JUnit
//! XML, and GitHub Classroom's autograding JSON.
//!
//! A report is valid at every moment of a run: tests not run yet are
//! `pending` (no points, said so), so the grader writes it after each test
//! and an interrupted run still leaves a report that parses.

use anyhow::{Context, Result};
use serde_json::{Value, json};
use std::fmt::Write as _;
use std::path::Path;

/// The formats `--format` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// For the student: reads like `cargo xtask check`.
    Markdown,
    /// Gradescope's autograder `results.json`.
    Gradescope,
    /// JUnit XML (by `quick-junit`), for CI systems.
    Junit,
    /// GitHub Classroom's autograding result (`version`, `status`,
    /// `max_score`, `tests`), as its reporter reads it.
    Classroom,
}

/// How one test ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Not run yet (a partial report).
    Pending,
    Passed,
    /// It failed; the assertion's message (or the `todo!()` it hit).
    Failed {
        message: String,
    },
    /// It ran past its wall-clock limit and was killed.
    TimedOut {
        limit_s: u64,
    },
    /// A signal ended it (an abort, a segfault, the CPU limit).
    Crashed {
        signal: i32,
    },
    /// The list says the test exists, but its run did not report it: an
    /// error of the run, never a pass.
    Missing {
        why: String,
    },
    /// Its exercise's file does not compile; it was not run.
    NotCompiled,
}

impl Outcome {
    pub fn is_pass(&self) -> bool {
        *self == Outcome::Passed
    }

    /// The outcome in a few words.
    pub fn word(&self) -> &'static str {
        match self {
            Outcome::Pending => "not run yet",
            Outcome::Passed => "passed",
            Outcome::Failed { .. } => "failed",
            Outcome::TimedOut { .. } => "timed out",
            Outcome::Crashed { .. } => "crashed",
            Outcome::Missing { .. } => "error",
            Outcome::NotCompiled => "not run: does not compile",
        }
    }

    /// The outcome with its reason, one paragraph.
    pub fn explain(&self) -> String {
        match self {
            Outcome::Pending => "not run yet: the grading was interrupted".into(),
            Outcome::Passed => "passed".into(),
            Outcome::Failed { message } => format!("failed: {message}"),
            Outcome::TimedOut { limit_s } => format!(
                "timed out: still running after {limit_s} s, and killed (a loop that never \
                 ends, a wait for something that never comes, or a deadlock)"
            ),
            Outcome::Crashed { signal } => {
                format!(
                    "crashed: killed by {} ({})",
                    signal_name(*signal),
                    signal_cause(*signal)
                )
            }
            Outcome::Missing { why } => format!("error: {why}"),
            Outcome::NotCompiled => "not run: the exercise's file does not compile".into(),
        }
    }
}

/// `SIGABRT` and the like.
pub fn signal_name(signal: i32) -> String {
    match signal {
        libc::SIGABRT => "SIGABRT".into(),
        libc::SIGSEGV => "SIGSEGV".into(),
        libc::SIGKILL => "SIGKILL".into(),
        libc::SIGXCPU => "SIGXCPU".into(),
        libc::SIGXFSZ => "SIGXFSZ".into(),
        libc::SIGBUS => "SIGBUS".into(),
        libc::SIGILL => "SIGILL".into(),
        libc::SIGFPE => "SIGFPE".into(),
        libc::SIGPIPE => "SIGPIPE".into(),
        libc::SIGTERM => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

fn signal_cause(signal: i32) -> &'static str {
    match signal {
        libc::SIGABRT => {
            "an abort: `std::process::abort`, a panic while panicking, or an allocation that \
             failed at the memory limit"
        }
        libc::SIGXCPU => "it used up its CPU time",
        libc::SIGXFSZ => "it wrote a file past the size limit",
        libc::SIGSEGV | libc::SIGBUS => "a bad memory access, in unsafe code or a stack overflow",
        libc::SIGKILL => "killed from outside, or by the kernel out of memory",
        _ => "a signal the test did not handle",
    }
}

/// One test of the suite.
#[derive(Debug, Clone)]
pub struct TestGrade {
    /// Its name in the suite: `ch1::udp_dict::answers_a_known_word`.
    pub name: String,
    /// Its share of its exercise's points.
    pub max: f64,
    pub outcome: Outcome,
    pub seconds: f64,
    /// The end of its output, when it did not pass (capped).
    pub output: String,
    /// kit.toml hides it from students until the due date: the Markdown
    /// report counts it but names it not, and Gradescope shows it
    /// `after_due_date`.
    pub hidden: bool,
}

impl TestGrade {
    pub fn score(&self) -> f64 {
        if self.outcome.is_pass() {
            self.max
        } else {
            0.0
        }
    }
}

/// One exercise: its tests, and the compiler's messages if its file did
/// not compile.
#[derive(Debug, Clone)]
pub struct ExerciseGrade {
    pub id: String,
    pub title: String,
    pub chapter: u32,
    pub chapter_title: String,
    pub points: f64,
    pub file: String,
    pub compile_errors: Vec<String>,
    pub tests: Vec<TestGrade>,
}

impl ExerciseGrade {
    pub fn score(&self) -> f64 {
        self.tests.iter().map(TestGrade::score).sum()
    }

    pub fn passed(&self) -> usize {
        self.tests.iter().filter(|t| t.outcome.is_pass()).count()
    }

    fn word(&self) -> &'static str {
        if !self.compile_errors.is_empty() {
            "does not compile"
        } else if self.tests.iter().any(|t| t.outcome == Outcome::Pending) {
            "not graded yet"
        } else if self.passed() == self.tests.len() && !self.tests.is_empty() {
            "passed"
        } else if self.passed() == 0 {
            "no test passed"
        } else {
            "partly passed"
        }
    }
}

/// A submission's grade.
#[derive(Debug, Clone)]
pub struct Report {
    /// The submission as the teacher named it.
    pub submission: String,
    pub exercises: Vec<ExerciseGrade>,
    /// How the tests were isolated (one line).
    pub isolation: String,
    /// Files of the submission replaced to build the rest.
    pub replaced: Vec<String>,
    /// Whether every test has run.
    pub complete: bool,
    pub seconds: f64,
}

impl Report {
    pub fn tests(&self) -> impl Iterator<Item = &TestGrade> {
        self.exercises.iter().flat_map(|e| e.tests.iter())
    }

    pub fn score(&self) -> f64 {
        self.exercises.iter().map(ExerciseGrade::score).sum()
    }

    pub fn max_score(&self) -> f64 {
        self.exercises.iter().map(|e| e.points).sum()
    }

    /// `N passed, N failed`: every test that did not pass failed, whatever
    /// the reason (a pending one counts as failed until it has run).
    pub fn closing_line(&self) -> String {
        let passed = self.tests().filter(|t| t.outcome.is_pass()).count();
        let failed = self.tests().count() - passed;
        format!("{passed} passed, {failed} failed")
    }

    /// `total: 30 of 260 points`.
    pub fn total_line(&self) -> String {
        format!(
            "total: {} of {} points",
            points(self.score()),
            points(self.max_score())
        )
    }

    /// The report in `format`.
    pub fn render(&self, format: Format) -> Result<String> {
        Ok(match format {
            Format::Markdown => self.markdown(),
            Format::Gradescope => serde_json::to_string_pretty(&self.gradescope())? + "\n",
            Format::Classroom => serde_json::to_string_pretty(&self.classroom())? + "\n",
            Format::Junit => self.junit()?,
        })
    }

    /// Writes the report to `path` whole: to a temporary file beside it,
    /// then renamed over it, so a reader never sees half a report.
    pub fn write(&self, format: Format, path: &Path) -> Result<()> {
        let text = self.render(format)?;
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".partial");
        std::fs::write(&tmp, text).with_context(|| format!("writing {}", path.display()))?;
        std::fs::rename(&tmp, path).with_context(|| format!("writing {}", path.display()))
    }

    fn markdown(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(out, "# Grade of `{}`\n", self.submission);
        if !self.complete {
            let _ = writeln!(
                out,
                "**Partial report**: the grading has not finished; tests not run yet score 0.\n"
            );
        }
        for file in &self.replaced {
            let _ = writeln!(
                out,
                "`{file}` does not compile; the others were graded with its stub in its place.\n"
            );
        }
        let mut chapter = None;
        for exercise in &self.exercises {
            if chapter != Some(exercise.chapter) {
                chapter = Some(exercise.chapter);
                let _ = writeln!(
                    out,
                    "## chapter {} · {}\n",
                    exercise.chapter, exercise.chapter_title
                );
            }
            let mark = match exercise.word() {
                "passed" => "✓",
                "not graded yet" => "·",
                _ => "✗",
            };
            let _ = writeln!(
                out,
                "- {mark} **{}** ({}) {}, {}/{} tests, {} of {} points",
                exercise.id,
                exercise.title,
                exercise.word(),
                exercise.passed(),
                exercise.tests.len(),
                points(exercise.score()),
                points(exercise.points)
            );
            if !exercise.compile_errors.is_empty() {
                let _ = writeln!(
                    out,
                    "\n  `exercises/{}` does not compile. The compiler says:\n",
                    exercise.file
                );
                let _ = writeln!(out, "  ```text");
                for error in exercise.compile_errors.iter().take(5) {
                    for line in error.trim_end().lines() {
                        let _ = writeln!(out, "  {line}");
                    }
                }
                let _ = writeln!(out, "  ```\n");
                continue;
            }
            let hidden = exercise.tests.iter().filter(|t| t.hidden).count();
            if hidden > 0 {
                let _ = writeln!(
                    out,
                    "  - {hidden} of these tests are hidden until the due date: counted, not shown"
                );
            }
            for test in exercise
                .tests
                .iter()
                .filter(|t| !t.outcome.is_pass() && !t.hidden)
            {
                if test.outcome == Outcome::Pending {
                    continue;
                }
                let _ = writeln!(out, "  - `{}`: {}", test.name, test.outcome.word());
                let _ = writeln!(out, "\n    ```text");
                for line in test.outcome.explain().lines().take(12) {
                    let _ = writeln!(out, "    {line}");
                }
                let _ = writeln!(out, "    ```\n");
                if !test.output.is_empty() && !matches!(test.outcome, Outcome::Failed { .. }) {
                    // A failure's message says it all; a crash or a timeout
                    // is explained by what the test printed last.
                    let lines: Vec<&str> = test.output.lines().collect();
                    let from = lines.len().saturating_sub(MARKDOWN_OUTPUT_LINES);
                    let _ = writeln!(out, "    ```text");
                    for line in &lines[from..] {
                        let _ = writeln!(out, "    {line}");
                    }
                    let _ = writeln!(out, "    ```\n");
                }
            }
        }
        if !self.isolation.is_empty() {
            let _ = writeln!(out, "\n_Isolation: {}._", self.isolation);
        }
        let _ = writeln!(out, "\n{}", self.closing_line());
        let _ = writeln!(out, "{}", self.total_line());
        out
    }

    fn gradescope(&self) -> Value {
        let tests: Vec<Value> = self
            .tests()
            .map(|t| {
                json!({
                    "name": t.name,
                    // Unrounded: the shares of an exercise's tests must
                    // add up to its points (51 tests of 10 points).
                    "score": t.score(),
                    "max_score": t.max,
                    "status": if t.outcome.is_pass() { "passed" } else { "failed" },
                    "output": self.test_output(t),
                    "visibility": if t.hidden { "after_due_date" } else { "visible" },
                })
            })
            .collect();
        let mut output = format!("{}\n{}", self.closing_line(), self.total_line());
        if !self.isolation.is_empty() {
            let _ = write!(output, "\nIsolation: {}.", self.isolation);
        }
        if !self.complete {
            output.insert_str(0, "Partial report: the grading has not finished.\n");
        }
        for exercise in self
            .exercises
            .iter()
            .filter(|e| !e.compile_errors.is_empty())
        {
            let _ = write!(
                output,
                "\n\n{} does not compile:\n{}",
                exercise.file,
                exercise.compile_errors.join("\n")
            );
        }
        json!({
            "score": round(self.score()),
            "execution_time": self.seconds.round() as u64,
            "output": output,
            "tests": tests,
        })
    }

    fn test_output(&self, test: &TestGrade) -> String {
        if test.output.is_empty() || test.outcome.is_pass() {
            test.outcome.explain()
        } else {
            format!("{}\n\n{}", test.outcome.explain(), test.output)
        }
    }

    /// GitHub Classroom's autograding JSON, as its reporter
    /// (`classroom-resources/autograding-grading-reporter`) reads it: from
    /// one environment variable, `<ID>_RESULTS`, holding the JSON in base64.
    /// It records `Points S/M` with S the sum of the entries' `score` and M
    /// the `max_score`.
    ///
    /// One entry per exercise, not per test: Linux starts no process with
    /// an environment string over 128 KiB (`MAX_ARG_STRLEN`), and the
    /// whole kit's 819 tests with their messages are megabytes (the
    /// reporter would never start). Each score is rounded to hundredths, so
    /// a full exercise's shares add up to its points exactly; the message,
    /// capped, says which tests did not pass, never naming a hidden one (the
    /// workflow's log is the student's to read).
    fn classroom(&self) -> Value {
        let cap = (CLASSROOM_MESSAGES / self.exercises.len().max(1)).min(CLASSROOM_MESSAGE);
        let tests: Vec<Value> = self
            .exercises
            .iter()
            .map(|e| {
                let unfinished = e.tests.iter().any(|t| {
                    matches!(t.outcome, Outcome::Missing { .. } | Outcome::Pending)
                });
                let status = if unfinished {
                    "error"
                } else if e.word() == "passed" {
                    "pass"
                } else {
                    "fail"
                };
                let message = if status == "pass" {
                    Value::Null
                } else {
                    capped(&self.classroom_message(e), cap).into()
                };
                json!({
                    "name": format!("{} ({})", e.id, e.title),
                    "status": status,
                    "message": message,
                    "line_no": 0,
                    "execution_time": format!("{:.2}s", e.tests.iter().map(|t| t.seconds).sum::<f64>()),
                    "score": round(e.score()),
                })
            })
            .collect();
        let all = self.tests().all(|t| t.outcome.is_pass());
        json!({
            "version": 1,
            "status": if !self.complete { "error" } else if all { "pass" } else { "fail" },
            "max_score": round(self.max_score()),
            "tests": tests,
        })
    }

    /// What an exercise's Classroom entry says when it did not pass.
    fn classroom_message(&self, exercise: &ExerciseGrade) -> String {
        let mut out = format!(
            "{}: {}/{} tests, {} of {} points",
            exercise.word(),
            exercise.passed(),
            exercise.tests.len(),
            points(exercise.score()),
            points(exercise.points)
        );
        if let Some(error) = exercise.compile_errors.first() {
            let _ = write!(
                out,
                "\nexercises/{} does not compile:\n{error}",
                exercise.file
            );
            return out;
        }
        let hidden = exercise
            .tests
            .iter()
            .filter(|t| t.hidden && !t.outcome.is_pass())
            .count();
        if hidden > 0 {
            let _ = write!(out, "\n{hidden} hidden tests did not pass");
        }
        for test in exercise
            .tests
            .iter()
            .filter(|t| !t.outcome.is_pass() && !t.hidden)
        {
            let first = test.outcome.explain();
            let first = first.lines().next().unwrap_or_default();
            let _ = write!(out, "\n- {}: {first}", test.name);
        }
        out
    }

    fn junit(&self) -> Result<String> {
        use quick_junit::{NonSuccessKind, Report as Junit, TestCase, TestCaseStatus, TestSuite};
        let mut report = Junit::new("netkit grade");
        report.set_time(std::time::Duration::from_secs_f64(self.seconds));
        for exercise in &self.exercises {
            let mut suite = TestSuite::new(exercise.id.as_str());
            for test in &exercise.tests {
                let status = match &test.outcome {
                    Outcome::Passed => TestCaseStatus::success(),
                    Outcome::Pending => {
                        let mut s = TestCaseStatus::skipped();
                        s.set_message("not run yet: the grading was interrupted");
                        s
                    }
                    outcome => {
                        let kind = match outcome {
                            Outcome::Failed { .. } => NonSuccessKind::Failure,
                            _ => NonSuccessKind::Error,
                        };
                        let mut s = TestCaseStatus::non_success(kind);
                        s.set_message(outcome.explain());
                        s.set_type(outcome.word());
                        if !test.output.is_empty() {
                            s.set_description(test.output.as_str());
                        }
                        s
                    }
                };
                let mut case = TestCase::new(test.name.as_str(), status);
                case.set_classname(exercise.id.as_str());
                case.set_time(std::time::Duration::from_secs_f64(test.seconds));
                suite.add_test_case(case);
            }
            if !exercise.compile_errors.is_empty() {
                suite.set_system_err(exercise.compile_errors.join("\n"));
            }
            report.add_test_suite(suite);
        }
        Ok(report.to_string()?)
    }
}

/// How many of a crashed or timed-out test's last output lines the
/// Markdown report shows (the other formats keep more).
const MARKDOWN_OUTPUT_LINES: usize = 8;

/// The most characters of one exercise's message in the Classroom JSON.
const CLASSROOM_MESSAGE: usize = 1500;
/// The most characters of all its messages together: the JSON stays well
/// under 128 KiB once in base64, whatever the number of exercises.
const CLASSROOM_MESSAGES: usize = 48 << 10;

/// `text` cut to at most `cap` characters, saying so.
fn capped(text: &str, cap: usize) -> String {
    if text.chars().count() <= cap {
        return text.to_string();
    }
    let mark = "\n… (cut: the Markdown report has it all)";
    let keep = cap.saturating_sub(mark.chars().count());
    let mut out: String = text.chars().take(keep).collect();
    out.push_str(mark);
    out
}

/// Points with at most two decimals: `20`, `6.67`.
pub fn points(value: f64) -> String {
    let rounded = round(value);
    if rounded.fract() == 0.0 {
        format!("{rounded:.0}")
    } else {
        format!("{rounded:.2}")
    }
}

fn round(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Report {
        let test = |name: &str, outcome: Outcome| TestGrade {
            name: name.into(),
            max: 10.0 / 3.0,
            outcome,
            seconds: 0.1,
            output: String::new(),
            hidden: false,
        };
        Report {
            submission: "alice".into(),
            exercises: vec![ExerciseGrade {
                id: "framing".into(),
                title: "Framing".into(),
                chapter: 1,
                chapter_title: "Sockets".into(),
                points: 10.0,
                file: "src/ch1/framing.rs".into(),
                compile_errors: vec![],
                tests: vec![
                    test("ch1::framing::a", Outcome::Passed),
                    test(
                        "ch1::framing::b",
                        Outcome::Crashed {
                            signal: libc::SIGABRT,
                        },
                    ),
                    test("ch1::framing::c", Outcome::Pending),
                ],
            }],
            isolation: String::new(),
            replaced: vec![],
            complete: false,
            seconds: 1.0,
        }
    }

    #[test]
    fn a_hidden_test_counts_but_the_students_report_does_not_name_it() {
        let mut report = sample();
        report.exercises[0].tests[1].hidden = true;
        let markdown = report.render(Format::Markdown).unwrap();
        assert!(
            !markdown.contains("ch1::framing::b")
                && markdown.contains("1 of these tests are hidden"),
            "the hidden test's name and message stay out of the student's report: {markdown}"
        );
        let gradescope: Value =
            serde_json::from_str(&report.render(Format::Gradescope).unwrap()).unwrap();
        assert_eq!(
            gradescope["tests"][1]["visibility"], "after_due_date",
            "Gradescope shows it after the due date: {gradescope}"
        );
        assert_eq!(gradescope["tests"][0]["visibility"], "visible");
    }

    #[test]
    fn the_classroom_json_fits_the_reporters_environment_variable_and_adds_up() {
        // A kit larger than today's: 40 exercises of 51 tests, every test
        // failing with a long message, one exercise solved in full.
        let long = "why it failed, at length. ".repeat(200);
        let mut exercises = Vec::new();
        for e in 0..40 {
            let tests = (0..51)
                .map(|t| TestGrade {
                    name: format!("ch1::exercise_{e}::test_number_{t}_with_a_long_name"),
                    max: 10.0 / 51.0,
                    outcome: if e == 0 {
                        Outcome::Passed
                    } else {
                        Outcome::Failed {
                            message: long.clone(),
                        }
                    },
                    seconds: 0.5,
                    output: long.clone(),
                    hidden: t == 50,
                })
                .collect();
            exercises.push(ExerciseGrade {
                id: format!("exercise-{e}"),
                title: "An exercise".into(),
                chapter: 1,
                chapter_title: "Sockets".into(),
                points: 10.0,
                file: format!("src/ch1/exercise_{e}.rs"),
                compile_errors: vec![],
                tests,
            });
        }
        let report = Report {
            submission: "alice".into(),
            exercises,
            isolation: String::new(),
            replaced: vec![],
            complete: true,
            seconds: 1.0,
        };
        let text = report.render(Format::Classroom).unwrap();
        // The workflow passes it on in base64: 4 characters per 3 bytes.
        let base64 = text.len().div_ceil(3) * 4;
        assert!(
            base64 < 128 << 10,
            "the Classroom JSON is {} bytes, {base64} in base64: over Linux's 128 KiB for one \
             environment string, the reporter could not start",
            text.len()
        );
        let json: Value = serde_json::from_str(&text).expect("JSON");
        let entries = json["tests"].as_array().expect("tests");
        assert_eq!(entries.len(), 40, "one entry per exercise");
        assert_eq!(
            entries[0]["score"], 10.0,
            "51 shares of a solved exercise add up to its points exactly: {}",
            entries[0]
        );
        assert_eq!(entries[0]["status"], "pass");
        let sum: f64 = entries.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(sum, 10.0, "the reporter's total is the sum of the scores");
        assert_eq!(json["max_score"], 400.0);
        assert_eq!(entries[1]["status"], "fail");
        assert!(
            !text.contains("test_number_50_"),
            "a hidden test is never named: the workflow's log is the student's"
        );
        assert!(
            entries[1]["message"]
                .as_str()
                .unwrap()
                .starts_with("no test passed: 0/51 tests, 0 of 10 points"),
            "the message says where the exercise stands first: {}",
            entries[1]["message"]
        );
    }

    #[test]
    fn a_partial_report_is_valid_in_every_format_and_counts_only_passes() {
        let report = sample();
        assert_eq!(
            report.closing_line(),
            "1 passed, 2 failed",
            "pending counts as failed"
        );
        assert_eq!(report.total_line(), "total: 3.33 of 10 points");
        let gradescope: Value = serde_json::from_str(&report.render(Format::Gradescope).unwrap())
            .expect("results.json must be JSON");
        assert_eq!(
            gradescope["score"], 3.33,
            "the one passed test's share: {gradescope}"
        );
        assert_eq!(gradescope["tests"].as_array().map(Vec::len), Some(3));
        assert_eq!(gradescope["tests"][1]["status"], "failed");
        let classroom: Value = serde_json::from_str(&report.render(Format::Classroom).unwrap())
            .expect("the Classroom report must be JSON");
        assert_eq!(
            classroom["status"], "error",
            "an unfinished run is an error: {classroom}"
        );
        assert_eq!(classroom["max_score"], 10.0);
        let junit = report.render(Format::Junit).unwrap();
        assert!(
            junit.contains("<testsuite name=\"framing\"") && junit.contains("SIGABRT"),
            "JUnit names the exercise's suite and the crash's signal: {junit}"
        );
        let markdown = report.render(Format::Markdown).unwrap();
        assert!(
            markdown.contains("Partial report")
                && markdown.ends_with("1 passed, 2 failed\ntotal: 3.33 of 10 points\n"),
            "the Markdown says it is partial and ends with the closing lines: {markdown}"
        );
    }
}
