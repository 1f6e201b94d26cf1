//! `cargo xtask grade --batch DIR`: every submission in a folder, one after
//! the other, and a CSV summary.
//!
//! Each submission (a subfolder of DIR, by name) is graded by a child
//! `xtask grade --submission …`, so that one that hangs the grader or crashes
//! it does not stop the batch: the child's wait is bounded, its failure is
//! that student's row (`error` and why), and the next one is graded. The
//! child writes the student's report (`OUT/NAME.EXT`, in `--format`; a
//! partial one if it failed), a summary of points per exercise
//! (`OUT/NAME.summary.json`) and its progress and errors (`OUT/NAME.log`);
//! the CSV is made from the summaries: one row per student, one column per exercise, the total.
//! It is rewritten after every student. On a terminal an `indicatif` bar
//! shows the batch's progress; elsewhere, one line per student.
//!
//! An OUT that holds an earlier batch's results is refused, unless
//! `--regrade` asks to keep them in `OUT/previous/<UTC time>/` and compare
//! (`previous_total` and `change` in `summary.csv`, `changes.csv`): see
//! [`super::regrade`].

use crate::strays;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::fs;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime};

use super::regrade::{self, Change, Earlier};
use super::report::Format;
use indicatif::style::ProgressTracker;
use indicatif::{HumanDuration, ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// The longest one submission's grading may take, build included, before
/// the batch kills it and goes on: the whole suite of the reference takes
/// a few minutes, a submission whose every test times out far more.
const PER_SUBMISSION: Duration = Duration::from_secs(4 * 60 * 60);

/// What `--batch` grades, and where it writes.
pub struct Batch<'a> {
    pub dir: &'a Path,
    /// Reports and `summary.csv` go here.
    pub out: &'a Path,
    pub format: Format,
    /// The selection and limits, passed on to each child as they came.
    pub child_args: Vec<String>,
    /// The exercises graded (the CSV's columns), in kit.toml's order.
    pub exercises: Vec<String>,
    /// `--regrade`: keep OUT's earlier results in `OUT/previous/<time>/`
    /// and compare; without it, an OUT with earlier results is refused.
    pub regrade: bool,
}

/// One student's row.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub student: String,
    /// Points per exercise, in the batch's column order; `None` when the
    /// grading failed.
    pub points: Option<Vec<f64>>,
    pub total: Option<f64>,
    /// `graded`, or `error: why`.
    pub status: String,
}

/// The submissions in `dir`: its subfolders, by name, hidden ones left out.
pub fn submissions(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = fs::read_dir(dir)
        .with_context(|| format!("reading {}", dir.display()))?
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
        .map(|e| e.path())
        .collect();
    found.sort();
    if found.is_empty() {
        bail!(
            "{} holds no submissions (one folder per student)",
            dir.display()
        );
    }
    Ok(found)
}

/// What a batch did: the rows (also in `OUT/summary.csv`), and, with
/// `--regrade`, where the earlier results went and what changed.
#[derive(Debug)]
pub struct Graded {
    pub rows: Vec<Row>,
    /// `OUT/previous/<time>/`, when there were earlier results to keep.
    pub kept: Option<PathBuf>,
    /// The earlier `summary.csv`'s rows, when it could be read.
    pub earlier: Option<Earlier>,
    /// The exercises whose points changed (also in `OUT/changes.csv`).
    pub changes: Vec<Change>,
}

/// Grades every submission, one child grader each, rewriting
/// `OUT/summary.csv` (and, when regrading, `OUT/changes.csv`) after every
/// student.
///
/// OUT holding an earlier batch's `summary.csv`: without `--regrade` the
/// batch refuses before grading anything, and says how to go on; with it,
/// the earlier results move into `OUT/previous/<UTC time>/` first (see
/// [`super::regrade`]).
pub fn run(batch: &Batch<'_>) -> Result<Graded> {
    let submissions = submissions(batch.dir)?;
    let students: Vec<String> = submissions
        .iter()
        .map(|s| {
            s.file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();
    let csv = batch.out.join("summary.csv");
    if !batch.regrade && csv.is_file() {
        bail!(
            "{} holds the results of an earlier batch ({}): grading again would overwrite them. \
             Add --regrade to keep them in {} and compare, choose another --out, or remove \
             the folder",
            batch.out.display(),
            csv.display(),
            batch
                .out
                .join(regrade::PREVIOUS)
                .join("<UTC time>")
                .display()
        );
    }
    fs::create_dir_all(batch.out).with_context(|| format!("creating {}", batch.out.display()))?;
    let (kept, earlier) = if batch.regrade {
        keep_earlier(batch.out, &students)?
    } else {
        (None, None)
    };
    let me = std::env::current_exe().context("finding the xtask binary")?;
    strays::become_subreaper();
    let mut rows = Vec::new();
    let mut changes = Vec::new();
    let progress = Progress::new(submissions.len());
    for (n, (submission, student)) in submissions.iter().zip(&students).enumerate() {
        progress.start(student);
        let report = batch
            .out
            .join(format!("{student}.{}", extension(batch.format)));
        let summary = batch.out.join(format!("{student}.summary.json"));
        let _ = fs::remove_file(&summary);
        let started = Instant::now();
        let mut command = Command::new(&me);
        command
            .arg("grade")
            .arg("--submission")
            .arg(submission)
            .args(["--format", format_name(batch.format)])
            .arg("--out")
            .arg(&report)
            .arg("--summary")
            .arg(&summary)
            .args(&batch.child_args);
        let log = batch.out.join(format!("{student}.log"));
        // The child's stdout and stderr go to the log, never to our
        // terminal: nothing but the bar and its lines writes there.
        let ended = run_bounded(command, &log, PER_SUBMISSION);
        strays::sweep();
        let row = match ended {
            Ok(()) => read_summary(student, &summary, &batch.exercises),
            Err(why) => {
                let said = fs::read_to_string(&log).unwrap_or_default();
                let last = said
                    .lines()
                    .rev()
                    .find(|l| !l.trim().is_empty())
                    .unwrap_or("");
                Row {
                    student: student.clone(),
                    points: None,
                    total: None,
                    status: format!("error: {why}: {last} (all it said: {})", log.display()),
                }
            }
        };
        let was = match earlier.as_ref().map(|e| e.rows.get(student)) {
            None => String::new(),
            Some(None) => " (not in the earlier summary)".into(),
            Some(Some(then)) => match (then.total, row.total) {
                (Some(then), Some(now)) => format!(
                    " (was {}, {})",
                    super::report::points(then),
                    regrade::signed(now - then)
                ),
                (Some(then), None) => format!(" (was {})", super::report::points(then)),
                (None, _) => " (was not graded)".into(),
            },
        };
        progress.done(format!(
            "[{}/{}] {student}: {}{was} ({:.0} s)",
            n + 1,
            submissions.len(),
            match row.total {
                Some(total) => format!("{} points", super::report::points(total)),
                None => row.status.clone(),
            },
            started.elapsed().as_secs_f64()
        ));
        rows.push(row);
        fs::write(&csv, to_csv(&batch.exercises, &rows, earlier.as_ref()))
            .with_context(|| format!("writing {}", csv.display()))?;
        if let Some(earlier) = &earlier {
            changes = regrade::changes(&batch.exercises, &rows, earlier);
            let path = batch.out.join("changes.csv");
            fs::write(&path, regrade::changes_csv(&changes))
                .with_context(|| format!("writing {}", path.display()))?;
        }
    }
    progress.finish();
    Ok(Graded {
        rows,
        kept,
        earlier,
        changes,
    })
}

/// `--regrade`: moves the batch's earlier files in `out` into a new
/// `out/previous/<time>/` and reads the earlier `summary.csv` from there.
/// An earlier summary that cannot be read is kept all the same, with a
/// warning: the new one then has no previous totals.
fn keep_earlier(out: &Path, students: &[String]) -> Result<(Option<PathBuf>, Option<Earlier>)> {
    let files = regrade::earlier_batch_files(out, students)?;
    if files.is_empty() {
        eprintln!(
            "(--regrade: {} holds no earlier results; grading as a first batch)",
            out.display()
        );
        return Ok((None, None));
    }
    let kept = regrade::new_keep_dir(out, SystemTime::now())?;
    regrade::move_into(&files, &kept)?;
    eprintln!("(the earlier results are now in {})", kept.display());
    let csv = kept.join("summary.csv");
    let earlier = match fs::read_to_string(&csv) {
        Err(_) => {
            eprintln!(
                "warning: the earlier results have no summary.csv (an interrupted batch?): \
                 the new summary has no previous totals to compare"
            );
            None
        }
        Ok(text) => match Earlier::parse(&text) {
            Ok(earlier) => Some(earlier),
            Err(why) => {
                eprintln!(
                    "warning: cannot read {}: {why}; the new summary has no previous totals",
                    csv.display()
                );
                None
            }
        },
    };
    Ok((Some(kept), earlier))
}

/// The batch's progress on stderr: on a terminal, one `indicatif` bar over
/// the students (position, count, elapsed, ETA, the student being graded),
/// with each student's line printed above it; elsewhere (CI, a log, the
/// tests), where indicatif would draw nothing, the same lines alone.
enum Progress {
    Bar(ProgressBar),
    Lines,
}

impl Progress {
    fn new(students: usize) -> Progress {
        if !std::io::stderr().is_terminal() {
            return Progress::Lines;
        }
        let bar =
            ProgressBar::with_draw_target(Some(students as u64), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} students, ETA {left} · {msg}",
            )
            .expect("a valid template")
            .with_key("left", Left::default()),
        );
        // A submission takes a minute or more: keep the clock moving.
        bar.enable_steady_tick(Duration::from_secs(1));
        Progress::Bar(bar)
    }

    /// `student`'s grading begins.
    fn start(&self, student: &str) {
        if let Progress::Bar(bar) = self {
            bar.set_message(format!("grading {student}"));
        }
    }

    /// A student is graded: `line` says how.
    fn done(&self, line: String) {
        match self {
            Progress::Bar(bar) => {
                bar.println(line);
                bar.inc(1);
            }
            Progress::Lines => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Progress::Bar(bar) = self {
            bar.finish_and_clear();
        }
    }
}

/// The bar's ETA: the mean time of the students graded so far times those
/// left, less the time the current one has taken. (indicatif's own `{eta}`
/// decays its rate while no step ends, so it grows without bound during a
/// submission's minute or two.) `?` before the first student is done.
#[derive(Clone, Default)]
struct Left {
    /// Students done, and the time when the last of them was.
    done: u64,
    at: Duration,
}

impl ProgressTracker for Left {
    fn clone_box(&self) -> Box<dyn ProgressTracker> {
        Box::new(self.clone())
    }

    fn tick(&mut self, state: &ProgressState, _: std::time::Instant) {
        if state.pos() != self.done {
            self.done = state.pos();
            self.at = state.elapsed();
        }
    }

    fn reset(&mut self, _: &ProgressState, _: std::time::Instant) {
        *self = Left::default();
    }

    fn write(&self, state: &ProgressState, w: &mut dyn std::fmt::Write) {
        let len = state.len().unwrap_or(self.done);
        if self.done == 0 || self.done >= len {
            let _ = w.write_str(if self.done == 0 { "?" } else { "0s" });
            return;
        }
        let mean = self.at.as_secs_f64() / self.done as f64;
        let current = state.elapsed().saturating_sub(self.at).as_secs_f64();
        let left = (mean * (len - self.done) as f64 - current).max(0.0);
        let _ = write!(w, "{}", HumanDuration(Duration::from_secs_f64(left)));
    }
}

impl Drop for Progress {
    /// A batch that ends on an error leaves no half-drawn bar behind.
    fn drop(&mut self) {
        self.finish();
    }
}

/// Runs a child grader for at most `limit`, what it says on stderr (each
/// test's line, its errors) kept in `log`.
fn run_bounded(
    mut command: Command,
    log: &Path,
    limit: Duration,
) -> std::result::Result<(), String> {
    let log = fs::File::create(log).map_err(|e| format!("creating {}: {e}", log.display()))?;
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .map_err(|e| format!("could not start the grader: {e}"))?;
    let pid = child.id() as i32;
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = send.send(child.wait());
    });
    match receive.recv_timeout(limit) {
        Ok(Ok(status)) if status.success() => Ok(()),
        Ok(Ok(status)) => Err(format!("the grader failed ({status})")),
        Ok(Err(e)) => Err(format!("waiting for the grader: {e}")),
        Err(_) => {
            // SAFETY: a plain system call on our own child.
            unsafe {
                libc::kill(pid, libc::SIGKILL);
            }
            let _ = receive.recv_timeout(Duration::from_secs(5));
            Err(format!(
                "its grading took more than {} s and was stopped",
                limit.as_secs()
            ))
        }
    }
}

fn read_summary(student: &str, path: &Path, exercises: &[String]) -> Row {
    let parsed = fs::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str::<Value>(&text).ok());
    match parsed {
        Some(summary) => Row {
            student: student.to_string(),
            points: Some(
                exercises
                    .iter()
                    .map(|id| summary["exercises"][id].as_f64().unwrap_or(0.0))
                    .collect(),
            ),
            total: summary["total"].as_f64(),
            status: "graded".into(),
        },
        None => Row {
            student: student.to_string(),
            points: None,
            total: None,
            status: format!("error: the grader wrote no summary at {}", path.display()),
        },
    }
}

/// The CSV: `student,<exercise>…,total,status`; when regrading against an
/// `earlier` summary, `student,<exercise>…,total,previous_total,change,status`
/// (`previous_total` empty for a student the earlier summary does not have
/// or could not grade, `change` empty unless both totals are there).
pub fn to_csv(exercises: &[String], rows: &[Row], earlier: Option<&Earlier>) -> String {
    let mut out = String::new();
    let mut header: Vec<String> = std::iter::once("student".to_string())
        .chain(exercises.iter().cloned())
        .chain(["total".to_string()])
        .collect();
    if earlier.is_some() {
        header.extend(["previous_total".to_string(), "change".to_string()]);
    }
    header.push("status".to_string());
    out.push_str(
        &header
            .iter()
            .map(|h| field(h))
            .collect::<Vec<_>>()
            .join(","),
    );
    out.push('\n');
    for row in rows {
        let mut fields = vec![field(&row.student)];
        match &row.points {
            Some(points) => fields.extend(points.iter().map(|p| super::report::points(*p))),
            None => fields.extend(exercises.iter().map(|_| String::new())),
        }
        fields.push(row.total.map(super::report::points).unwrap_or_default());
        if let Some(earlier) = earlier {
            let then = earlier.rows.get(&row.student).and_then(|r| r.total);
            fields.push(then.map(super::report::points).unwrap_or_default());
            fields.push(match (then, row.total) {
                (Some(then), Some(now)) => regrade::signed(now - then),
                _ => String::new(),
            });
        }
        fields.push(field(&row.status));
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
pub(super) fn field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

fn extension(format: Format) -> &'static str {
    match format {
        Format::Markdown => "md",
        Format::Gradescope | Format::Classroom => "json",
        Format::Junit => "xml",
    }
}

fn format_name(format: Format) -> &'static str {
    match format {
        Format::Markdown => "markdown",
        Format::Gradescope => "gradescope",
        Format::Junit => "junit",
        Format::Classroom => "classroom",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_row_per_student_one_column_per_exercise_and_failures_say_why() {
        let exercises = vec!["udp-dict".to_string(), "framing".to_string()];
        let rows = vec![
            Row {
                student: "alice".into(),
                points: Some(vec![20.0, 10.0 / 3.0]),
                total: Some(20.0 + 10.0 / 3.0),
                status: "graded".into(),
            },
            Row {
                student: "bob, jr".into(),
                points: None,
                total: None,
                status: "error: the grader failed (signal: 9 (SIGKILL))".into(),
            },
        ];
        assert_eq!(
            to_csv(&exercises, &rows, None),
            "student,udp-dict,framing,total,status\n\
             alice,20,3.33,23.33,graded\n\
             \"bob, jr\",,,,error: the grader failed (signal: 9 (SIGKILL))\n",
            "a failed grading leaves its points empty and says why; a comma is quoted"
        );
    }

    #[test]
    fn a_regrade_adds_the_previous_total_and_the_change() {
        let exercises = vec!["udp-dict".to_string()];
        let earlier = Earlier::parse(
            "student,udp-dict,total,status\nalice,20,20,graded\nbob,,,error: it hung\n",
        )
        .unwrap();
        let rows = vec![
            Row {
                student: "alice".into(),
                points: Some(vec![10.0]),
                total: Some(10.0),
                status: "graded".into(),
            },
            Row {
                student: "bob".into(),
                points: Some(vec![20.0]),
                total: Some(20.0),
                status: "graded".into(),
            },
            Row {
                student: "carol".into(),
                points: Some(vec![20.0]),
                total: Some(20.0),
                status: "graded".into(),
            },
        ];
        let csv = to_csv(&exercises, &rows, Some(&earlier));
        assert_eq!(
            csv,
            "student,udp-dict,total,previous_total,change,status\n\
             alice,10,10,20,-10,graded\n\
             bob,20,20,,,graded\n\
             carol,20,20,,,graded\n",
            "no change where there was no earlier total"
        );
        let again = Earlier::parse(&csv).unwrap();
        assert_eq!(
            again.exercises, exercises,
            "a regrade's summary is read back by the next regrade"
        );
        assert_eq!(
            again.rows["alice"].total,
            Some(10.0),
            "its total, not its previous_total"
        );
    }
}
