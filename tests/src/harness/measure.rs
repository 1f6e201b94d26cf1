//! How much memory a process used, for tests that check that a program
//! streams its data instead of holding it all; and the gist of what a
//! program said on stderr.

use super::program::runner_path;
use super::{STEP, TIMEOUT};
use std::io::Read;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, ExitStatus, Stdio};
use std::time::Instant;

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

/// A runner program that ran to its end.
#[derive(Debug)]
pub struct Measured {
    /// `netkit ARGS…`, for failure messages.
    pub command_line: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// The most resident memory it ever used, in bytes (`ru_maxrss`).
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
/// Takes stderr as printed, or quoted as [`Program`](super::Program) quotes it.
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

/// Runs `netkit ARGS…` to its end, with stdin empty, in its own process
/// group, and returns its status, output and peak memory. Killed (with its
/// group) if it runs longer than [`TIMEOUT`]; the test then fails.
///
/// The peak memory comes from `wait4`, which reaps the child and returns its
/// resource usage in one step: read at any other moment, it could be missed
/// (a short-lived program is gone before anyone looks at `/proc`).
#[track_caller]
// Clippy cannot see that `wait4` below reaps the child.
#[allow(clippy::zombie_processes)]
pub fn run_measured(args: &[&str]) -> Measured {
    let runner = runner_path();
    let command_line = format!("netkit {}", args.join(" "));
    let mut child = Command::new(&runner)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .spawn()
        .unwrap_or_else(|e| panic!("starting {} failed: {e}", runner.display()));
    let pid = child.id() as libc::pid_t;
    let drain = |mut pipe: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = pipe.read_to_end(&mut bytes);
            String::from_utf8_lossy(&bytes).into_owned()
        })
    };
    let stdout = drain(Box::new(child.stdout.take().expect("stdout is piped")));
    let stderr = drain(Box::new(child.stderr.take().expect("stderr is piped")));

    let deadline = Instant::now() + TIMEOUT;
    let mut timed_out = false;
    let (status, usage) = loop {
        let flags = if timed_out { 0 } else { libc::WNOHANG };
        let mut status: libc::c_int = 0;
        // SAFETY: an all-zero rusage is a valid value of this plain C struct.
        let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
        // SAFETY: wait4 writes only into the two pointers, which point to
        // live locals of the right types; `pid` is our own child, which no
        // one else waits for (std's `Child` only waits when asked).
        let reaped = unsafe { libc::wait4(pid, &mut status, flags, &mut usage) };
        if reaped == pid {
            break (ExitStatus::from_raw(status), usage);
        }
        if reaped < 0 {
            panic!(
                "waiting for `{command_line}` failed: {}",
                std::io::Error::last_os_error()
            );
        }
        if Instant::now() >= deadline {
            // Kill it with anything it started, then reap it (blocking).
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
            timed_out = true;
        } else {
            std::thread::park_timeout(STEP);
        }
    };
    // Anything it left behind in its group would keep the pipes open.
    let _ = nix::sys::signal::killpg(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    );
    let finished = Measured {
        command_line,
        status,
        stdout: stdout.join().unwrap_or_default(),
        stderr: stderr.join().unwrap_or_default(),
        // Linux counts ru_maxrss in KiB.
        peak_memory: usage.ru_maxrss as u64 * 1024,
    };
    if timed_out {
        panic!(
            "`{}` did not finish within {} s and was killed; stdout: {:?}; stderr: {:?}",
            finished.command_line,
            TIMEOUT.as_secs(),
            finished.stdout,
            finished.stderr
        );
    }
    finished
}
