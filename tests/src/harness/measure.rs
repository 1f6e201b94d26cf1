//! How much memory a process used, for tests that check that a program
//! streams its data instead of holding it all; and the gist of what a
//! program said on stderr.

use super::Program;
use std::process::ExitStatus;

/// The peak resident memory (`VmHWM`, "high water mark") of the running
/// process `pid`, in bytes, from `/proc/<pid>/status`.
#[track_caller]
pub fn peak_memory(pid: u32) -> u64 {
    let path = format!("/proc/{pid}/status");
    let status =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path} failed: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("no `VmHWM: N kB` line in {path}"))
}

/// The resident memory now (`VmRSS`) of the running process `pid`, in
/// bytes, from `/proc/<pid>/status`.
#[track_caller]
pub fn resident_memory(pid: u32) -> u64 {
    let path = format!("/proc/{pid}/status");
    let status =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path} failed: {e}"));
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kib| kib.trim().parse::<u64>().ok())
        .map(|kib| kib * 1024)
        .unwrap_or_else(|| panic!("no `VmRSS: N kB` line in {path}"))
}

/// A runner program that ran to its end.
#[derive(Debug)]
pub struct Measured {
    /// `netkit ARGS…`, for failure messages.
    pub command_line: String,
    pub status: ExitStatus,
    /// Its stdout, each line ended by `\n`.
    pub stdout: String,
    /// Its stderr as printed, without the peak memory report.
    pub stderr: String,
    /// The most resident memory it ever used, in bytes (its own `VmHWM`).
    pub peak_memory: u64,
}

impl Measured {
    /// Its stderr on one line: see [`stderr_gist`].
    pub fn stderr_gist(&self) -> String {
        stderr_gist(&self.stderr)
    }
}

/// A program's stderr on one line, for the first line of a failure message:
/// a panic's own message first (`not yet implemented: …`), no backtrace.
/// Takes stderr as printed, or quoted as [`Program`] quotes it.
pub fn stderr_gist(stderr: &str) -> String {
    let lines: Vec<&str> = stderr
        .lines()
        .map(|l| l.trim_start().strip_prefix("| ").unwrap_or(l).trim())
        .take_while(|l| !l.to_ascii_lowercase().starts_with("stack backtrace"))
        .filter(|l| !l.is_empty() && !l.starts_with("note: run with `RUST_BACKTRACE"))
        .collect();
    // A panic prints `thread 'main' (N) panicked at FILE:LINE:COL:`, then
    // its message.
    if let Some(at) = lines.iter().position(|l| l.contains("panicked at"))
        && let Some(message) = lines.get(at + 1)
    {
        return format!("{message} ({})", lines[at].trim_end_matches(':'));
    }
    if lines.is_empty() {
        "nothing on stderr".to_string()
    } else {
        lines.join(" / ")
    }
}

/// Set in a runner program's environment, it makes `netkit` print its own
/// peak memory as its last line of stderr: `netkit: peak memory N kB`.
pub const REPORT_PEAK: &str = "NETKIT_REPORT_PEAK_MEMORY";

/// The line prefix of that report.
pub const PEAK_LINE: &str = "netkit: peak memory ";

/// Runs `netkit ARGS…` to its end, with stdin empty, as a [`Program`] (in
/// its own process group), and returns its status, output and peak memory.
/// Killed (with its group) if it runs longer than [`TIMEOUT`]; the test
/// then fails.
///
/// The peak memory is the program's own `VmHWM`, which it reports as it
/// exits (see [`REPORT_PEAK`]). Not `ru_maxrss` from `wait4`: Linux carries
/// the pre-`exec` high-water mark into it, and a child forked from this big,
/// busy test process starts out with the test process's memory counted.
///
/// [`TIMEOUT`]: super::TIMEOUT
#[track_caller]
pub fn run_measured(args: &[&str]) -> Measured {
    let mut program = Program::start_with_env(args, &[(REPORT_PEAK, "1")]);
    let status = program.run_to_end();
    let (stderr, peak_memory) = split_peak_report(&program.stderr_raw());
    let stdout: String = program
        .stdout_seen()
        .iter()
        .map(|line| format!("{line}\n"))
        .collect();
    let finished = Measured {
        command_line: program.command_line().to_string(),
        status,
        stdout,
        stderr,
        peak_memory,
    };
    if finished.peak_memory == 0 {
        panic!(
            "`{}` did not report its peak memory (a `{PEAK_LINE}N kB` line on stderr); stderr: {:?}",
            finished.command_line, finished.stderr
        );
    }
    finished
}

/// Takes the runner's `netkit: peak memory N kB` line out of its stderr;
/// returns the rest and the peak in bytes (0 when there was no such line).
fn split_peak_report(stderr: &str) -> (String, u64) {
    let mut peak = 0;
    let mut rest = String::new();
    for line in stderr.lines() {
        match line
            .strip_prefix(PEAK_LINE)
            .and_then(|v| v.strip_suffix(" kB"))
            .and_then(|v| v.trim().parse::<u64>().ok())
        {
            Some(kib) => peak = kib * 1024,
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    (rest, peak)
}
