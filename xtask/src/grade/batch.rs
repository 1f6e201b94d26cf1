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
//! It is rewritten after every student.

use crate::strays;
use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use super::report::Format;

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

/// Grades every submission; returns the rows (also in `OUT/summary.csv`).
pub fn run(batch: &Batch<'_>) -> Result<Vec<Row>> {
    let submissions = submissions(batch.dir)?;
    fs::create_dir_all(batch.out).with_context(|| format!("creating {}", batch.out.display()))?;
    let me = std::env::current_exe().context("finding the xtask binary")?;
    strays::become_subreaper();
    let mut rows = Vec::new();
    let csv = batch.out.join("summary.csv");
    for (n, submission) in submissions.iter().enumerate() {
        let student = submission
            .file_name()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
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
        let ended = run_bounded(command, &log, PER_SUBMISSION);
        strays::sweep();
        let row = match ended {
            Ok(()) => read_summary(&student, &summary, &batch.exercises),
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
        eprintln!(
            "[{}/{}] {student}: {} ({:.0} s)",
            n + 1,
            submissions.len(),
            match row.total {
                Some(total) => format!("{} points", super::report::points(total)),
                None => row.status.clone(),
            },
            started.elapsed().as_secs_f64()
        );
        rows.push(row);
        fs::write(&csv, to_csv(&batch.exercises, &rows))
            .with_context(|| format!("writing {}", csv.display()))?;
    }
    Ok(rows)
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

/// The CSV: `student,<exercise>…,total,status`.
pub fn to_csv(exercises: &[String], rows: &[Row]) -> String {
    let mut out = String::new();
    let header: Vec<String> = std::iter::once("student".to_string())
        .chain(exercises.iter().cloned())
        .chain(["total".to_string(), "status".to_string()])
        .collect();
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
        fields.push(field(&row.status));
        out.push_str(&fields.join(","));
        out.push('\n');
    }
    out
}

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn field(text: &str) -> String {
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
            to_csv(&exercises, &rows),
            "student,udp-dict,framing,total,status\n\
             alice,20,3.33,23.33,graded\n\
             \"bob, jr\",,,,error: the grader failed (signal: 9 (SIGKILL))\n",
            "a failed grading leaves its points empty and says why; a comma is quoted"
        );
    }
}
