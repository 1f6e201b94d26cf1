//! `--regrade`: grading again against an updated kit, the earlier results
//! kept beside the new ones.
//!
//! - `--batch DIR --out OUT --regrade`: before grading, the grader's files
//!   in OUT (`summary.csv`, `changes.csv`, and each student's report, log
//!   and summary JSON) move into `OUT/previous/<UTC time>/`, a new folder
//!   each time, never one that exists. The new `summary.csv` then has, per
//!   student, `previous_total` and `change` (read from the earlier
//!   `summary.csv`, whatever version of the grader wrote it: its columns are
//!   found by name), and `changes.csv` lists each exercise whose points
//!   changed (`student,exercise,before,after`).
//! - `--submission P --out FILE --regrade`: the earlier FILE moves to
//!   `previous/<UTC time>/FILE` beside it, and the closing lines say
//!   `was X, now Y` (X read from the earlier report, when its format holds
//!   points: all do but JUnit).
//!
//! Without `--regrade`, a batch refuses an OUT that holds an earlier
//! `summary.csv` (hours of grading are not overwritten by a second run); a
//! single report is overwritten, as any `--out` file is.

use super::batch::Row;
use super::report::{Format, points};
use anyhow::{Context, Result, bail};
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

/// The folder, inside a batch's OUT or beside a single report, that holds
/// the earlier results.
pub const PREVIOUS: &str = "previous";

/// `2026-12-01T19-20-57Z`: a UTC time that sorts as it reads and is a valid
/// file name everywhere (no `:`).
pub fn timestamp(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let (days, rest) = ((secs / 86_400) as i64, secs % 86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}-{:02}-{:02}Z",
        rest / 3_600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Creates `base/previous/<timestamp of at>/`, or, if that exists (two
/// regrades within a second), `…-2`, `…-3`: never an existing folder, so
/// earlier results are never overwritten. Returns the new folder.
pub fn new_keep_dir(base: &Path, at: SystemTime) -> Result<PathBuf> {
    let previous = base.join(PREVIOUS);
    fs::create_dir_all(&previous).with_context(|| format!("creating {}", previous.display()))?;
    let stamp = timestamp(at);
    for n in 1.. {
        let name = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        let dir = previous.join(name);
        match fs::create_dir(&dir) {
            Ok(()) => return Ok(dir),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e).with_context(|| format!("creating {}", dir.display())),
        }
    }
    unreachable!("the loop returns")
}

/// The files a batch writes for one student, by name.
fn student_files(student: &str) -> Vec<String> {
    let mut names = Vec::new();
    for ext in ["md", "json", "xml", "log", "summary.json"] {
        names.push(format!("{student}.{ext}"));
        names.push(format!("{student}.{ext}.partial"));
    }
    names
}

/// The batch's own files that `out` holds: `summary.csv`, `changes.csv`,
/// and, for each of `students` and each student of the earlier
/// `summary.csv`, its report, log and summary. Nothing else of OUT is
/// touched (OUT may be a folder the teacher keeps other things in).
pub fn earlier_batch_files(out: &Path, students: &[String]) -> Result<Vec<PathBuf>> {
    let mut names: Vec<String> = vec!["summary.csv".into(), "changes.csv".into()];
    let mut everyone: Vec<String> = students.to_vec();
    let csv = out.join("summary.csv");
    if csv.is_file() {
        let text =
            fs::read_to_string(&csv).with_context(|| format!("reading {}", csv.display()))?;
        // An unreadable summary still moves; its students' files are found
        // through this batch's submissions.
        if let Ok(earlier) = Earlier::parse(&text) {
            everyone.extend(earlier.rows.into_keys());
        }
    }
    // A name from the earlier CSV is only text: one that is no plain file
    // name (`../x`, `a/b`) names nothing the batch wrote.
    everyone.retain(|s| !s.is_empty() && s != "." && s != ".." && !s.contains('/'));
    everyone.sort();
    everyone.dedup();
    for student in &everyone {
        names.extend(student_files(student));
    }
    names.sort();
    names.dedup();
    Ok(names
        .into_iter()
        .map(|n| out.join(n))
        .filter(|p| p.is_file())
        .collect())
}

/// Moves `files` (all inside one folder) into `into`, by name.
pub fn move_into(files: &[PathBuf], into: &Path) -> Result<()> {
    for file in files {
        let name = file.file_name().context("a file with a name")?;
        let to = into.join(name);
        fs::rename(file, &to)
            .with_context(|| format!("moving {} to {}", file.display(), to.display()))?;
    }
    Ok(())
}

/// One student's row of an earlier `summary.csv`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EarlierRow {
    /// Points per exercise, as written (`20`, `3.33`); an empty field (a
    /// grading that failed) is left out.
    pub points: BTreeMap<String, f64>,
    pub total: Option<f64>,
}

/// An earlier batch's `summary.csv`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Earlier {
    /// Its exercise columns, in its order.
    pub exercises: Vec<String>,
    pub rows: BTreeMap<String, EarlierRow>,
}

/// The columns of `summary.csv` that are not exercises.
const NOT_EXERCISES: &[&str] = &["student", "total", "status", "previous_total", "change"];

impl Earlier {
    /// Reads a `summary.csv` as any version of the grader wrote it: the
    /// first `student,<exercise>…,total,status`, this one with
    /// `previous_total,change` after `total` when regrading. Columns are
    /// found by name; every column other than those is an exercise. Fails
    /// only without a `student` column.
    pub fn parse(text: &str) -> Result<Earlier> {
        let records = parse_csv(text);
        let Some((header, rows)) = records.split_first() else {
            bail!("it is empty");
        };
        let column = |name: &str| header.iter().position(|h| h == name);
        let Some(student) = column("student") else {
            bail!("its header has no `student` column: {}", header.join(","));
        };
        let total = column("total");
        let exercises: Vec<(usize, String)> = header
            .iter()
            .enumerate()
            .filter(|(_, h)| !NOT_EXERCISES.contains(&h.as_str()))
            .map(|(i, h)| (i, h.clone()))
            .collect();
        let number = |row: &[String], i: usize| row.get(i).and_then(|f| f.trim().parse().ok());
        let mut earlier = Earlier {
            exercises: exercises.iter().map(|(_, e)| e.clone()).collect(),
            rows: BTreeMap::new(),
        };
        for row in rows {
            let Some(name) = row.get(student).filter(|n| !n.is_empty()) else {
                continue;
            };
            earlier.rows.insert(
                name.clone(),
                EarlierRow {
                    points: exercises
                        .iter()
                        .filter_map(|(i, e)| Some((e.clone(), number(row, *i)?)))
                        .collect(),
                    total: total.and_then(|i| number(row, i)),
                },
            );
        }
        Ok(earlier)
    }
}

/// RFC 4180 records: fields split on commas, `"…"` quoting (with `""` for
/// a quote, and line breaks inside), records on `\n` or `\r\n`.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    if !field.is_empty() || !record.is_empty() {
        record.push(field);
        records.push(record);
    }
    records
}

/// One exercise of one student whose points changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub student: String,
    pub exercise: String,
    /// `None`: not graded then (a failed grading, a new exercise or student).
    pub before: Option<f64>,
    /// `None`: not graded now.
    pub after: Option<f64>,
}

/// The exercises whose points differ between `earlier` and `rows`, student
/// by student in `rows`' order, exercises in `exercises`' order then those
/// only the earlier summary had. Points are compared as the CSV shows them
/// (two decimals), so a share of 10/3 is not a change from `3.33`. A
/// student the earlier summary does not have is no change (nothing to
/// compare); one whose grading failed then or now is, for every exercise.
pub fn changes(exercises: &[String], rows: &[Row], earlier: &Earlier) -> Vec<Change> {
    let mut columns: Vec<&String> = exercises.iter().collect();
    columns.extend(earlier.exercises.iter().filter(|e| !exercises.contains(e)));
    let mut found = Vec::new();
    for row in rows {
        let Some(then) = earlier.rows.get(&row.student) else {
            continue;
        };
        for exercise in &columns {
            let after = row
                .points
                .as_ref()
                .and_then(|p| exercises.iter().position(|e| e == *exercise).map(|i| p[i]));
            let before = then.points.get(*exercise).copied();
            if before.map(points) != after.map(points) {
                found.push(Change {
                    student: row.student.clone(),
                    exercise: exercise.to_string(),
                    before,
                    after,
                });
            }
        }
    }
    found
}

/// `changes.csv`: `student,exercise,before,after`, an empty field where
/// there were no points.
pub fn changes_csv(changes: &[Change]) -> String {
    let mut out = String::from("student,exercise,before,after\n");
    for c in changes {
        out.push_str(&format!(
            "{},{},{},{}\n",
            super::batch::field(&c.student),
            super::batch::field(&c.exercise),
            c.before.map(points).unwrap_or_default(),
            c.after.map(points).unwrap_or_default()
        ));
    }
    out
}

/// A change of total as the CSV shows it: `+5`, `-3.33`, `0`.
pub fn signed(change: f64) -> String {
    let shown = points(change);
    if shown.starts_with('-') || shown == "0" {
        shown
    } else {
        format!("+{shown}")
    }
}

/// For `--submission … --out FILE --regrade`: moves an existing FILE to
/// `previous/<UTC time>/` beside it and returns where it went; `None` when
/// there is no earlier FILE.
pub fn keep_report(file: &Path, at: SystemTime) -> Result<Option<PathBuf>> {
    if !file.is_file() {
        return Ok(None);
    }
    let name = file.file_name().context("--out names a file")?;
    let beside = match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = new_keep_dir(beside, at)?;
    let to = dir.join(name);
    fs::rename(file, &to)
        .with_context(|| format!("moving {} to {}", file.display(), to.display()))?;
    Ok(Some(to))
}

/// The total an earlier report in `format` gave, if it says: Gradescope's
/// `score`, the sum of Classroom's tests' `score`s, Markdown's closing
/// `total: X of Y points`. JUnit holds no points: `None`.
pub fn report_total(format: Format, text: &str) -> Option<f64> {
    match format {
        Format::Gradescope => {
            serde_json::from_str::<serde_json::Value>(text).ok()?["score"].as_f64()
        }
        Format::Classroom => {
            let report: serde_json::Value = serde_json::from_str(text).ok()?;
            let tests = report["tests"].as_array()?;
            Some(tests.iter().filter_map(|t| t["score"].as_f64()).sum())
        }
        Format::Markdown => text
            .lines()
            .rev()
            .find_map(|l| l.strip_prefix("total: "))
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok()),
        Format::Junit => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn row(student: &str, points: Option<Vec<f64>>) -> Row {
        Row {
            student: student.into(),
            total: points.as_ref().map(|p| p.iter().sum()),
            points,
            status: "graded".into(),
        }
    }

    #[test]
    fn a_timestamp_is_utc_sortable_and_a_file_name() {
        assert_eq!(
            timestamp(SystemTime::UNIX_EPOCH),
            "1970-01-01T00-00-00Z",
            "the epoch"
        );
        // date -u -d @1796152857 → Tue Dec  1 19:20:57 UTC 2026
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_152_857);
        assert_eq!(timestamp(at), "2026-12-01T19-20-57Z", "as `date -u` says");
        // A leap day.
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(at), "2000-02-29T00-00-00Z", "a leap day");
    }

    #[test]
    fn the_earlier_summary_is_read_as_the_first_grader_wrote_it() {
        // The header and quoting of summary.csv before --regrade existed.
        let text = "student,udp-dict,framing,total,status\n\
                    alice,20,3.33,23.33,graded\n\
                    \"bob, jr\",,,,\"error: the grader failed: \"\"x\"\"\nthen\"\n";
        let earlier = Earlier::parse(text).unwrap();
        assert_eq!(
            earlier.exercises,
            ["udp-dict", "framing"],
            "the exercise columns, in order"
        );
        assert_eq!(earlier.rows["alice"].total, Some(23.33), "alice's total");
        assert_eq!(
            earlier.rows["alice"].points["framing"], 3.33,
            "alice's framing"
        );
        assert_eq!(
            earlier.rows["bob, jr"],
            EarlierRow::default(),
            "a failed row: no points, no total"
        );
        // And as this one writes it when regrading.
        let text =
            "student,udp-dict,total,previous_total,change,status\r\nalice,10,10,20,-10,graded\r\n";
        let earlier = Earlier::parse(text).unwrap();
        assert_eq!(
            earlier.exercises,
            ["udp-dict"],
            "previous_total and change are no exercises"
        );
        assert_eq!(
            earlier.rows["alice"].total,
            Some(10.0),
            "total found by name, not by place"
        );
        assert!(
            Earlier::parse("name,total\nx,1\n").is_err(),
            "no student column"
        );
    }

    #[test]
    fn the_changes_are_the_exercises_whose_points_differ() {
        let earlier = Earlier::parse(
            "student,udp-dict,framing,old-one,total,status\n\
             alice,20,3.33,5,28.33,graded\n\
             bob,,,,,error: it hung\n",
        )
        .unwrap();
        let exercises = vec!["udp-dict".to_string(), "framing".to_string()];
        let rows = vec![
            row("alice", Some(vec![10.0, 10.0 / 3.0])),
            row("bob", Some(vec![20.0, 0.0])),
            row("carol", Some(vec![20.0, 0.0])),
        ];
        let found = changes(&exercises, &rows, &earlier);
        let c = |s: &str, e: &str, before, after| Change {
            student: s.into(),
            exercise: e.into(),
            before,
            after,
        };
        assert_eq!(
            found,
            [
                c("alice", "udp-dict", Some(20.0), Some(10.0)),
                c("alice", "old-one", Some(5.0), None),
                c("bob", "udp-dict", None, Some(20.0)),
                c("bob", "framing", None, Some(0.0)),
            ],
            "3.33 is no change from 10/3; an exercise gone is; carol is new: nothing to compare"
        );
        assert_eq!(
            changes_csv(&found[..2]),
            "student,exercise,before,after\nalice,udp-dict,20,10\nalice,old-one,5,\n"
        );
        assert_eq!(signed(5.0), "+5", "a gain has its sign");
        assert_eq!(signed(-10.0 / 3.0), "-3.33", "a loss, two decimals");
        assert_eq!(signed(0.0001), "0", "no change shows no sign");
    }

    #[test]
    fn earlier_results_move_into_a_new_folder_of_previous_never_an_existing_one() {
        let dir = tempfile::tempdir().unwrap();
        let out = &dir.path().join("out");
        fs::create_dir(out).unwrap();
        fs::write(
            out.join("summary.csv"),
            "student,a,total,status\nold,1,1,graded\n../outside,1,1,graded\n",
        )
        .unwrap();
        fs::write(dir.path().join("outside.md"), "not the batch's").unwrap();
        for f in [
            "old.md",
            "old.log",
            "old.summary.json",
            "alice.md",
            "alice.md.partial",
        ] {
            fs::write(out.join(f), f).unwrap();
        }
        fs::write(out.join("notes.md"), "the teacher's").unwrap();
        let files = earlier_batch_files(out, &["alice".to_string()]).unwrap();
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            names,
            [
                "alice.md",
                "alice.md.partial",
                "old.log",
                "old.md",
                "old.summary.json",
                "summary.csv"
            ],
            "the batch's files, for this batch's students and the earlier summary's; not notes.md"
        );
        let at = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_152_857);
        let first = new_keep_dir(out, at).unwrap();
        move_into(&files, &first).unwrap();
        assert!(
            first.join("summary.csv").is_file() && first.join("old.md").is_file(),
            "the files are in the new folder"
        );
        assert!(
            out.join("notes.md").is_file() && !out.join("summary.csv").exists(),
            "the batch's files left OUT, the teacher's stayed"
        );
        assert!(
            dir.path().join("outside.md").is_file(),
            "a student name of `../outside` in the CSV moves nothing outside OUT"
        );
        let second = new_keep_dir(out, at).unwrap();
        assert_ne!(first, second, "the same second: a new folder");
        assert!(
            second.ends_with("previous/2026-12-01T19-20-57Z-2"),
            "the second of the same second: {}",
            second.display()
        );
        assert!(
            first.join("summary.csv").is_file(),
            "the first is untouched"
        );

        let report = out.join("results.json");
        fs::write(&report, "{\"score\": 12.5}").unwrap();
        let kept = keep_report(&report, at).unwrap().unwrap();
        assert!(
            !report.exists() && kept.starts_with(out.join(PREVIOUS)),
            "the earlier report moved into previous/: {}",
            kept.display()
        );
        assert_eq!(
            report_total(Format::Gradescope, &fs::read_to_string(kept).unwrap()),
            Some(12.5),
            "the kept report is the earlier one"
        );
        assert_eq!(keep_report(&report, at).unwrap(), None, "nothing earlier");
    }

    #[test]
    fn an_earlier_reports_total_is_read_from_each_format_that_has_points() {
        assert_eq!(
            report_total(
                Format::Markdown,
                "# Grade\n\n3 passed, 1 failed\ntotal: 6.67 of 20 points\n"
            ),
            Some(6.67),
            "Markdown's closing total line"
        );
        assert_eq!(
            report_total(
                Format::Classroom,
                r#"{"version": 1, "tests": [{"score": 2.5}, {"score": 0.0}, {"score": 1}]}"#
            ),
            Some(3.5),
            "Classroom's scores, summed"
        );
        assert_eq!(
            report_total(Format::Junit, "<testsuites/>"),
            None,
            "JUnit has no points"
        );
        assert_eq!(
            report_total(Format::Gradescope, "not json"),
            None,
            "an unreadable report has no total"
        );
    }
}
