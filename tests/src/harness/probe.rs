//! Running a probe: code that forks, in a fresh process (see `crate::probes`).

use super::deadlock::DeadlockWatch;
use super::{Program, Report, STEP};
use std::process::ExitStatus;
use std::sync::mpsc::{self, RecvTimeoutError};

/// What a probe printed, and how it ended.
#[derive(Debug)]
pub struct ProbeRun {
    /// The command line, for failure messages.
    pub command_line: String,
    pub status: ExitStatus,
    /// Its stdout, line by line: by convention `key value` lines.
    pub lines: Vec<String>,
    /// Its stderr, quoted (`  | ` before each line).
    pub stderr: String,
    /// Set when the probe and its children were all found waiting on each
    /// other (see [`DeadlockWatch`]), and so were killed: who waited for what.
    pub deadlock: Option<String>,
}

impl ProbeRun {
    /// The values of every line `key …`, in order.
    pub fn values(&self, key: &str) -> Vec<&str> {
        self.lines
            .iter()
            .filter_map(|line| {
                let (k, v) = line.split_once(' ').unwrap_or((line.as_str(), ""));
                (k == key).then_some(v)
            })
            .collect()
    }

    /// The value of the one line `key …`; fails the test if there is none.
    #[track_caller]
    pub fn value(&self, key: &str) -> &str {
        match self.values(key).first() {
            Some(v) => v,
            None => panic!(
                "the probe `{}` printed no line `{key} …`; it printed {:?}",
                self.command_line, self.lines
            ),
        }
    }

    /// Fails the test as [`probe`] does unless the probe ran to its end and
    /// exited with 0: for a test that first looks at a failed run itself.
    #[track_caller]
    pub fn expect_success(self) -> ProbeRun {
        if let Some(deadlock) = &self.deadlock {
            let notes = self.values("note").join("; ");
            Report::sent(format!("`{}`", self.command_line))
                .expected("it to run to its end")
                .got(format!(
                    "a deadlock, so it was killed: {deadlock}; its stdout: {:?}; its stderr: {}",
                    self.lines, self.stderr
                ))
                .headline(
                    "deadlock: the probe and its children were all waiting on each other, \
                     so none could go on",
                )
                .cause(if notes.is_empty() {
                    "a wait that nobody will end: a waitpid for a child that waits for the caller, \
                     or a read from a pipe whose write end is still open (in the reader itself?)"
                        .to_string()
                } else {
                    notes
                })
                .fail();
        }
        if !self.status.success() {
            // The first line is the gist (a stub's `todo!()` message, say);
            // the whole stderr follows for the details.
            panic!(
                "{}\n  the probe `{}` exited with {}\n  its stdout: {:?}\n  its stderr: {}",
                super::stderr_gist(&self.stderr),
                self.command_line,
                self.status,
                self.lines,
                self.stderr
            );
        }
        self
    }
}

/// Runs `netkit probe NAME ARGS…` to its end (within the harness timeout)
/// and returns what it printed; fails the test, with the probe's stderr (a
/// stub's `todo!()` message, say), if it exits unsuccessfully.
///
/// A probe that deadlocks (it and its children all asleep, each waiting on
/// another) fails the test at once, saying who waited for what; the probe's
/// `note …` lines, which say what a hang there means, are the likely cause.
/// So a probe never waits for the test itself.
#[track_caller]
pub fn probe(name: &str, args: &[&str]) -> ProbeRun {
    probe_allowing_failure(name, args).expect_success()
}

/// Like [`probe`], but returns a failed run too, for tests that expect one.
#[track_caller]
pub fn probe_allowing_failure(name: &str, args: &[&str]) -> ProbeRun {
    let mut argv = vec!["probe", name];
    argv.extend_from_slice(args);
    let program = Program::start(&argv);
    let command_line = program.command_line().to_string();
    let (stop, stopped) = mpsc::channel::<()>();
    let pid = program.pid();
    let watcher = std::thread::spawn(move || kill_if_deadlocked(pid, stopped));
    let finished = program.finish();
    drop(stop);
    let deadlock = watcher.join().unwrap_or(None);
    ProbeRun {
        command_line,
        status: finished.status,
        lines: finished.stdout,
        stderr: finished.stderr,
        deadlock,
    }
}

/// Looks at the probe `pid` and its children once per [`STEP`] until told
/// to stop; if they deadlock, kills the probe's process group (so that its
/// stdout closes and the wait for its end returns) and says who waited for
/// what.
fn kill_if_deadlocked(pid: u32, stop: mpsc::Receiver<()>) -> Option<String> {
    let mut watch = DeadlockWatch::new(pid);
    loop {
        match stop.recv_timeout(STEP) {
            Err(RecvTimeoutError::Timeout) => {}
            _ => return None,
        }
        if let Some(blocked) = watch.look() {
            // The probe is blocked, so it has not exited and cannot be reaped
            // meanwhile: its pid is still its process group's id.
            let group = nix::unistd::Pid::from_raw(pid as i32);
            let _ = nix::sys::signal::killpg(group, nix::sys::signal::Signal::SIGKILL);
            return Some(blocked.describe());
        }
    }
}
