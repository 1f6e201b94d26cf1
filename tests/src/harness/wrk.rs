//! [`wrk`]: a load run by the HTTP benchmarking tool `wrk`, bounded, and
//! its report ([`WrkReport`]) parsed from what it prints.
//!
//! The captures in `wrk_output/` are real wrk 4 output (Debian's wrk)
//! against nginx and against a server that closes every connection; the
//! parser's unit tests read them.

use super::{Program, TIMEOUT};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

/// What one wrk run measured.
#[derive(Clone, Debug, PartialEq)]
pub struct WrkReport {
    /// Responses completed in the run.
    pub requests: u64,
    pub requests_per_sec: f64,
    /// Latency percentiles.
    pub p50: Duration,
    pub p99: Duration,
    /// Socket errors: connections that failed to open, reads and writes
    /// that failed (a server closing on a client counts as a read error),
    /// requests that got no answer within wrk's timeout.
    pub connect_errors: u64,
    pub read_errors: u64,
    pub write_errors: u64,
    pub timeouts: u64,
    /// Responses whose status was not 2xx or 3xx.
    pub non_2xx: u64,
}

impl WrkReport {
    /// Every kind of error, added up.
    pub fn errors(&self) -> u64 {
        self.connect_errors + self.read_errors + self.write_errors + self.timeouts + self.non_2xx
    }
}

/// Runs `wrk -t1 -c{connections} -d{seconds}s --latency URL` with the wrk
/// at `wrk` (from [`Tool::find`](super::tools::Tool::find)), killed if it
/// takes [`TIMEOUT`] longer than asked; fails the test if wrk fails or its
/// report cannot be read.
#[track_caller]
pub fn wrk(wrk: &Path, url: &str, connections: u32, seconds: u32) -> WrkReport {
    wrk_threads(wrk, url, 1, connections, seconds)
}

/// [`wrk`] on `threads` threads (`-t{threads}`).
#[track_caller]
pub fn wrk_threads(
    wrk: &Path,
    url: &str,
    threads: u32,
    connections: u32,
    seconds: u32,
) -> WrkReport {
    let args = [
        format!("-t{threads}"),
        format!("-c{connections}"),
        format!("-d{seconds}s"),
        "--latency".to_string(),
        url.to_string(),
    ];
    let mut command = Command::new(wrk);
    command.args(&args);
    let finished = Program::start_command(format!("wrk {}", args.join(" ")), command)
        .finish_within(Duration::from_secs(seconds.into()) + TIMEOUT);
    let text = finished.stdout.join("\n");
    match (finished.status.success(), parse(&text)) {
        (true, Ok(report)) => report,
        (_, result) => panic!(
            "`{}` exited with {}: {}\nstdout:\n{text}\nstderr: {}",
            finished.command_line,
            finished.status,
            result.err().unwrap_or_default(),
            finished.stderr
        ),
    }
}

/// Reads wrk's report (with `--latency`).
pub fn parse(text: &str) -> Result<WrkReport, String> {
    let mut requests = None;
    let mut requests_per_sec = None;
    let (mut p50, mut p99) = (None, None);
    let mut socket = [0u64; 4];
    let mut non_2xx = 0;
    for line in text.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            requests_per_sec = rest.trim().parse::<f64>().ok();
        } else if let Some(rest) = line.strip_prefix("50%") {
            p50 = Some(duration(rest.trim())?);
        } else if let Some(rest) = line.strip_prefix("99%") {
            p99 = Some(duration(rest.trim())?);
        } else if let Some((n, _)) = line.split_once(" requests in ") {
            requests = n.trim().parse::<u64>().ok();
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            // `connect 0, read 7542, write 0, timeout 0`
            for (i, part) in rest.split(',').enumerate().take(4) {
                let n = part.split_whitespace().nth(1).and_then(|n| n.parse().ok());
                socket[i] = n.ok_or_else(|| format!("unreadable socket errors: {line:?}"))?;
            }
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            non_2xx = rest
                .trim()
                .parse()
                .map_err(|_| format!("unreadable count: {line:?}"))?;
        }
    }
    let missing = |what: &str| format!("no {what} in wrk's output");
    Ok(WrkReport {
        requests: requests.ok_or_else(|| missing("`N requests in` line"))?,
        requests_per_sec: requests_per_sec.ok_or_else(|| missing("`Requests/sec:` line"))?,
        p50: p50.ok_or_else(|| missing("50% latency (was --latency given?)"))?,
        p99: p99.ok_or_else(|| missing("99% latency (was --latency given?)"))?,
        connect_errors: socket[0],
        read_errors: socket[1],
        write_errors: socket[2],
        timeouts: socket[3],
        non_2xx,
    })
}

/// wrk's durations: `614.00us`, `0.96ms`, `1.39s`, `2.00m`.
fn duration(text: &str) -> Result<Duration, String> {
    let split = text
        .find(|c: char| c.is_ascii_alphabetic())
        .ok_or_else(|| format!("a latency without a unit: {text:?}"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("unreadable latency: {text:?}"))?;
    let seconds = match unit {
        "us" => number / 1e6,
        "ms" => number / 1e3,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("unknown unit in latency {text:?}")),
    };
    Ok(Duration::from_secs_f64(seconds))
}

#[cfg(test)]
mod tests {
    use super::super::nginx_or_skip;
    use super::super::tools::Tool;
    use super::*;

    /// A folder with a 1 KiB page and a 100 KiB file: what chapter 4's
    /// speed targets are measured on.
    fn bench_site() -> tempfile::TempDir {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let mut rng = super::super::XorShift::new(12);
        std::fs::write(dir.path().join("index.html"), page(1024)).expect("write the page");
        std::fs::write(dir.path().join("big.bin"), rng.bytes(100 * 1024)).expect("write the file");
        dir
    }

    /// An HTML page of exactly `size` bytes.
    fn page(size: usize) -> Vec<u8> {
        let head = b"<!DOCTYPE html><html><body><p>";
        let tail = b"</p></body></html>\n";
        let mut page = head.to_vec();
        page.resize(size - tail.len(), b'x');
        page.extend_from_slice(tail);
        page
    }

    #[test]
    fn wrk_loads_nginx_without_errors() {
        let Some(wrk_path) = Tool::Wrk.or_skip("wrk loads nginx") else {
            return;
        };
        let site = bench_site();
        let Some(nginx) = nginx_or_skip("wrk loads nginx", site.path()) else {
            return;
        };
        let report = wrk(&wrk_path, &nginx.url(""), 4, 1);
        assert!(report.requests > 0, "wrk made requests: {report:?}");
        assert_eq!(
            report.errors(),
            0,
            "nginx answered every request: {report:?}"
        );
        assert!(report.p50 <= report.p99, "p50 ≤ p99: {report:?}");
    }

    fn us(n: u64) -> Duration {
        Duration::from_micros(n)
    }

    #[test]
    fn a_clean_run_against_nginx_is_read_whole() {
        let report = parse(include_str!("wrk_output/ok.txt")).expect("the capture parses");
        assert_eq!(
            report,
            WrkReport {
                requests: 12557,
                requests_per_sec: 12547.18,
                p50: us(610),
                p99: us(5530),
                connect_errors: 0,
                read_errors: 0,
                write_errors: 0,
                timeouts: 0,
                non_2xx: 0,
            },
            "every figure of the clean run"
        );
        assert_eq!(report.errors(), 0, "a clean run has no errors");
    }

    #[test]
    fn responses_that_are_not_2xx_or_3xx_are_counted() {
        let report = parse(include_str!("wrk_output/not_found.txt")).expect("the capture parses");
        assert_eq!(report.non_2xx, 23303, "every 404 counts");
        assert_eq!(report.requests, 23303, "all of them were 404s");
        assert_eq!(report.p50, us(374), "p50 in microseconds");
        assert_eq!(report.errors(), 23303, "404s are errors");
    }

    #[test]
    fn socket_errors_are_read_by_kind() {
        let report = parse(include_str!("wrk_output/read_errors.txt")).expect("the capture parses");
        assert_eq!(
            (
                report.connect_errors,
                report.read_errors,
                report.write_errors,
                report.timeouts
            ),
            (0, 7542, 0, 0),
            "a server closing every connection makes read errors"
        );
        assert!(
            (report.requests_per_sec - 6856.91).abs() < 1e-9,
            "requests/s read as written"
        );
    }

    #[test]
    fn every_unit_of_wrk_is_understood() {
        for (text, expected) in [
            ("614.00us", us(614)),
            ("0.96ms", us(960)),
            ("1.39ms", us(1390)),
            ("1.50s", Duration::from_millis(1500)),
            ("2.00m", Duration::from_secs(120)),
        ] {
            let got = duration(text).expect("a known unit");
            let diff = got.abs_diff(expected);
            assert!(
                diff < Duration::from_nanos(10),
                "{text} is {expected:?}, read {got:?}"
            );
        }
        assert!(duration("12").is_err(), "a latency needs its unit");
        assert!(duration("1.0ns").is_err(), "wrk has no ns unit");
    }

    #[test]
    fn output_without_latency_percentiles_is_refused() {
        let text = include_str!("wrk_output/ok.txt")
            .lines()
            .filter(|l| !l.trim_start().starts_with("50%"))
            .collect::<Vec<_>>()
            .join("\n");
        let error = parse(&text).expect_err("no p50");
        assert!(
            error.contains("50%"),
            "the error names what is missing: {error}"
        );
    }
}
