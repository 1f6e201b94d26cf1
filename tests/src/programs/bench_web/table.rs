//! The figures of `bench-web`: each server's rounds reduced to medians, the
//! ratio kit/nginx against the chapter's target, and the markdown table that
//! the program prints and the book includes.

use crate::harness::WrkReport;
use std::fmt::Write as _;
use std::time::Duration;

/// A file of the bench's site, and the ratio kit/nginx the chapter asks for
/// on it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct File {
    pub name: &'static str,
    pub size: usize,
    /// The smallest kit/nginx ratio of requests per second that meets the
    /// target.
    pub target: f64,
}

/// The two files the chapter's targets are set on: a small page, where the
/// cost is per request, and a larger file, where it is per byte.
pub const FILES: [File; 2] = [
    File {
        name: "index.html",
        size: 1024,
        target: 1.0,
    },
    File {
        name: "big.bin",
        size: 100 * 1024,
        target: 0.8,
    },
];

impl File {
    /// `index.html (1 KiB)`.
    pub fn label(&self) -> String {
        format!("{} ({} KiB)", self.name, self.size / 1024)
    }
}

/// What one server did on one file, round after round.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Side {
    /// One report per round that ran.
    pub runs: Vec<WrkReport>,
    /// Why it was not measured (not installed, did not start), or why it
    /// stopped being measured (it died, a wrk run failed).
    pub failure: Option<String>,
}

/// A side's rounds, reduced.
#[derive(Clone, Debug, PartialEq)]
pub struct Summary {
    pub requests_per_sec: f64,
    pub p50: Duration,
    pub p99: Duration,
    /// Added up over the rounds: connect, read, write, timeout, non-2xx/3xx.
    pub errors: [u64; 5],
}

impl Summary {
    pub fn total_errors(&self) -> u64 {
        self.errors.iter().sum()
    }
}

impl Side {
    /// The medians of its rounds (each figure's own median), and its errors
    /// added up; `None` when no round ran.
    pub fn summary(&self) -> Option<Summary> {
        if self.runs.is_empty() {
            return None;
        }
        let of = |f: fn(&WrkReport) -> f64| median(self.runs.iter().map(f).collect());
        let mut errors = [0u64; 5];
        for run in &self.runs {
            let kinds = [
                run.connect_errors,
                run.read_errors,
                run.write_errors,
                run.timeouts,
                run.non_2xx,
            ];
            for (sum, n) in errors.iter_mut().zip(kinds) {
                *sum += n;
            }
        }
        Some(Summary {
            requests_per_sec: of(|r| r.requests_per_sec),
            p50: Duration::from_secs_f64(of(|r| r.p50.as_secs_f64())),
            p99: Duration::from_secs_f64(of(|r| r.p99.as_secs_f64())),
            errors,
        })
    }
}

/// The median: the middle value, or the mean of the two middle ones. Rounds
/// are few, and one slow spell of the machine moves a mean but not this.
pub fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "the median of no values is undefined");
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len() % 2 == 1 {
        values[mid]
    } else {
        (values[mid - 1] + values[mid]) / 2.0
    }
}

/// One file's result: both servers.
#[derive(Clone, Debug, PartialEq)]
pub struct FileResult {
    pub file: File,
    pub kit: Side,
    pub nginx: Side,
}

/// Whether a file's target is met.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Met,
    /// The ratio is below the target.
    Slower,
    /// The ratio may be fine, but the kit's server had errors.
    Errors,
    /// One of the two was not measured: no ratio.
    NotMeasured,
}

impl FileResult {
    /// The ratio kit/nginx of the median requests per second.
    pub fn ratio(&self) -> Option<f64> {
        let kit = self.kit.summary()?;
        let nginx = self.nginx.summary()?;
        (nginx.requests_per_sec > 0.0).then(|| kit.requests_per_sec / nginx.requests_per_sec)
    }

    pub fn verdict(&self) -> Verdict {
        match (self.ratio(), self.kit.summary()) {
            (Some(_), Some(kit)) if kit.total_errors() > 0 => Verdict::Errors,
            (Some(ratio), Some(_)) if ratio >= self.file.target => Verdict::Met,
            (Some(_), Some(_)) => Verdict::Slower,
            _ => Verdict::NotMeasured,
        }
    }
}

/// The table's columns.
pub const COLUMNS: [&str; 9] = [
    "file",
    "server",
    "req/s",
    "p50 ms",
    "p99 ms",
    "errors",
    "kit/nginx",
    "target",
    "met",
];

/// The names of the two servers, as the table calls them.
pub const KIT: &str = "kit web-server";
pub const NGINX: &str = "nginx";

/// A markdown row's cells, trimmed: the inverse of [`table`]'s rows, which
/// the book's file is read back with.
#[cfg(test)]
pub fn cells(line: &str) -> Vec<&str> {
    line.trim()
        .trim_start_matches('|')
        .trim_end_matches('|')
        .split('|')
        .map(str::trim)
        .collect()
}

/// The table: two rows per file, the kit's server first, with the ratio,
/// the target and the verdict on the kit's row. Each column is padded to
/// its widest cell, so that the table reads aligned in a terminal too.
pub fn table(results: &[FileResult]) -> String {
    let mut rows: Vec<Vec<String>> = vec![COLUMNS.map(str::to_string).to_vec()];
    for result in results {
        let ratio = result
            .ratio()
            .map_or_else(|| "-".to_string(), |r| format!("{r:.2}×"));
        let met = match result.verdict() {
            Verdict::Met => "yes",
            Verdict::Slower => "no",
            Verdict::Errors => "no: errors",
            Verdict::NotMeasured => "-",
        };
        let target = format!("≥ {:.1}×", result.file.target);
        let mut kit = side_cells(result.file.label(), KIT, &result.kit);
        kit.extend([ratio, target, met.to_string()]);
        let mut nginx = side_cells(String::new(), NGINX, &result.nginx);
        nginx.extend([String::new(), String::new(), String::new()]);
        rows.extend([kit, nginx]);
    }
    let widths: Vec<usize> = (0..COLUMNS.len())
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let line = |cells: &[String]| {
        let mut line = String::from("|");
        for (cell, width) in cells.iter().zip(&widths) {
            let _ = write!(line, " {cell:<width$} |");
        }
        line
    };
    let mut text = format!("{}\n|", line(&rows[0]));
    for width in &widths {
        let _ = write!(text, "{}|", "-".repeat(width + 2));
    }
    text.push('\n');
    for row in &rows[1..] {
        let _ = writeln!(text, "{}", line(row));
    }
    text
}

/// The cells of one server's row, up to its errors.
fn side_cells(file: String, server: &str, side: &Side) -> Vec<String> {
    let mut cells = vec![file, server.to_string()];
    match side.summary() {
        Some(s) => cells.extend([
            format!("{:.0}", s.requests_per_sec),
            millis(s.p50),
            millis(s.p99),
            errors(&s.errors),
        ]),
        None => cells.extend([
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
            "-".to_string(),
        ]),
    }
    cells
}

/// `0`, or the total with its kinds: `12 (read 10, non-2xx 2)`.
fn errors(counts: &[u64; 5]) -> String {
    const KINDS: [&str; 5] = ["connect", "read", "write", "timeout", "non-2xx"];
    let total: u64 = counts.iter().sum();
    if total == 0 {
        return "0".to_string();
    }
    let kinds: Vec<String> = KINDS
        .iter()
        .zip(counts)
        .filter(|(_, n)| **n > 0)
        .map(|(kind, n)| format!("{kind} {n}"))
        .collect();
    format!("{total} ({})", kinds.join(", "))
}

fn millis(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 10.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.1}")
    }
}

/// What went wrong with a server that is missing from the table, or was
/// measured for fewer rounds than asked: one line per server and reason
/// (a server that did not start is one note, not one per file).
pub fn notes(results: &[FileResult], rounds: usize) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for (name, kit) in [(KIT, true), (NGINX, false)] {
        let mut seen: Vec<&str> = Vec::new();
        for result in results {
            let side = if kit { &result.kit } else { &result.nginx };
            let Some(why) = side.failure.as_deref() else {
                continue;
            };
            let why = why.lines().next().unwrap_or_default();
            if side.runs.is_empty() && seen.contains(&why) {
                continue;
            }
            seen.push(why);
            let what = if side.runs.is_empty() {
                "not measured".to_string()
            } else {
                format!(
                    "{} of {rounds} rounds on {}",
                    side.runs.len(),
                    result.file.name
                )
            };
            notes.push(format!("{name}: {what}: {why}"));
        }
    }
    notes
}

/// The first line of the book's file: which command wrote it, and when.
pub fn measured_by(command: &str, when: &str) -> String {
    format!("Measured by `{command}` on {when}.")
}

/// What [`measured_by`] always starts with, in the book's file.
#[cfg(test)]
pub const MEASURED_BY: &str = "Measured by `cargo xtask bench web";

/// `2026-12-01 23:41 UTC` for a time in seconds since the Unix epoch.
pub fn utc(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60
    )
}

/// The proleptic Gregorian date of a day counted from 1970-01-01 (Howard
/// Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(requests_per_sec: f64, p50_us: u64, p99_us: u64) -> WrkReport {
        WrkReport {
            requests: requests_per_sec as u64,
            requests_per_sec,
            p50: Duration::from_micros(p50_us),
            p99: Duration::from_micros(p99_us),
            connect_errors: 0,
            read_errors: 0,
            write_errors: 0,
            timeouts: 0,
            non_2xx: 0,
        }
    }

    fn side(runs: Vec<WrkReport>) -> Side {
        Side {
            runs,
            failure: None,
        }
    }

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_two_middle_ones() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), 2.0, "odd count: the middle");
        assert_eq!(
            median(vec![4.0, 1.0, 3.0, 2.0]),
            2.5,
            "even count: the mean"
        );
        assert_eq!(median(vec![7.0]), 7.0, "one value is its own median");
        assert_eq!(
            median(vec![10.0, 11.0, 1.0]),
            10.0,
            "one slow round does not move it"
        );
    }

    #[test]
    fn each_figure_has_its_own_median_and_errors_add_up() {
        let mut slow = report(5000.0, 900, 9000);
        slow.read_errors = 2;
        slow.non_2xx = 1;
        let summary = side(vec![
            report(40000.0, 1000, 3000),
            slow,
            report(42000.0, 1100, 2000),
        ])
        .summary()
        .expect("three rounds");
        assert_eq!(summary.requests_per_sec, 40000.0, "median req/s");
        assert_eq!(summary.p50, Duration::from_micros(1000), "median p50");
        assert_eq!(summary.p99, Duration::from_micros(3000), "median p99");
        assert_eq!(summary.errors, [0, 2, 0, 0, 1], "errors added up by kind");
        assert_eq!(Side::default().summary(), None, "no round, no summary");
    }

    #[test]
    fn the_ratio_is_of_the_medians_and_the_verdict_needs_no_errors() {
        let result = |kit: Vec<WrkReport>, nginx: Vec<WrkReport>, file: File| FileResult {
            file,
            kit: side(kit),
            nginx: side(nginx),
        };
        let page = result(
            vec![report(50.0, 1, 1), report(30.0, 1, 1), report(45.0, 1, 1)],
            vec![report(40.0, 1, 1), report(45.0, 1, 1), report(10.0, 1, 1)],
            FILES[0],
        );
        assert_eq!(page.ratio(), Some(45.0 / 40.0), "median 45 over median 40");
        assert_eq!(page.verdict(), Verdict::Met, "1.125 ≥ 1.0");

        let big = result(
            vec![report(79.0, 1, 1)],
            vec![report(100.0, 1, 1)],
            FILES[1],
        );
        assert_eq!(big.verdict(), Verdict::Slower, "0.79 < 0.8");
        let big = result(
            vec![report(80.0, 1, 1)],
            vec![report(100.0, 1, 1)],
            FILES[1],
        );
        assert_eq!(big.verdict(), Verdict::Met, "0.8 meets 0.8");

        let mut erring = report(200.0, 1, 1);
        erring.timeouts = 1;
        let fast_but_wrong = result(vec![erring], vec![report(100.0, 1, 1)], FILES[0]);
        assert_eq!(
            fast_but_wrong.verdict(),
            Verdict::Errors,
            "a timeout fails the target whatever the speed"
        );

        let alone = FileResult {
            file: FILES[0],
            kit: side(vec![report(100.0, 1, 1)]),
            nginx: Side {
                runs: vec![],
                failure: Some("nginx is not installed".to_string()),
            },
        };
        assert_eq!(alone.ratio(), None, "no nginx, no ratio");
        assert_eq!(
            alone.verdict(),
            Verdict::NotMeasured,
            "no nginx, no verdict"
        );
    }

    #[test]
    fn the_table_has_two_aligned_rows_per_file() {
        let mut erring = report(38000.4, 1234, 15678);
        erring.read_errors = 3;
        erring.non_2xx = 2;
        let results = [
            FileResult {
                file: FILES[0],
                kit: side(vec![report(41000.0, 1200, 4300)]),
                nginx: side(vec![report(40000.0, 1300, 5000)]),
            },
            FileResult {
                file: FILES[1],
                kit: side(vec![erring]),
                nginx: Side {
                    runs: vec![],
                    failure: Some("did not start".to_string()),
                },
            },
        ];
        let text = table(&results);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 6, "header, rule, two rows per file:\n{text}");
        assert_eq!(cells(lines[0]), COLUMNS, "the header first");
        assert!(
            lines
                .iter()
                .all(|l| l.chars().count() == lines[0].chars().count()),
            "every row as wide as the header:\n{text}"
        );
        assert_eq!(
            cells(lines[2]),
            [
                "index.html (1 KiB)",
                KIT,
                "41000",
                "1.20",
                "4.30",
                "0",
                "1.02×",
                "≥ 1.0×",
                "yes"
            ],
            "the kit's row of the page:\n{text}"
        );
        assert_eq!(
            cells(lines[3]),
            ["", NGINX, "40000", "1.30", "5.00", "0", "", "", ""],
            "nginx's row of the page:\n{text}"
        );
        assert_eq!(
            cells(lines[4]),
            [
                "big.bin (100 KiB)",
                KIT,
                "38000",
                "1.23",
                "15.7",
                "5 (read 3, non-2xx 2)",
                "-",
                "≥ 0.8×",
                "-"
            ],
            "the kit's row of the big file, errors by kind, no ratio without nginx:\n{text}"
        );
        assert_eq!(
            cells(lines[5]),
            ["", NGINX, "-", "-", "-", "-", "", "", ""],
            "a server not measured has dashes:\n{text}"
        );
        assert_eq!(
            notes(&results, 3),
            ["nginx: not measured: did not start"],
            "the note says why nginx is missing"
        );
    }

    #[test]
    fn times_are_written_as_utc_dates() {
        assert_eq!(utc(0), "1970-01-01 00:00 UTC", "the epoch");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00 UTC", "a leap day");
        assert_eq!(
            utc(1_796_167_380),
            "2026-12-01 23:23 UTC",
            "a time of this project"
        );
        assert!(
            measured_by("cargo xtask bench web --write", "x").starts_with(MEASURED_BY),
            "the header starts as the book's file is checked for"
        );
    }
}
