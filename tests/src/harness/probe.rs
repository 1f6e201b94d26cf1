//! Running a probe: code that forks, in a fresh process (see `crate::probes`).

use super::Program;
use std::process::ExitStatus;

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
}

/// Runs `netkit probe NAME ARGS…` to its end (within the harness timeout)
/// and returns what it printed; fails the test, with the probe's stderr (a
/// stub's `todo!()` message, say), if it exits unsuccessfully.
#[track_caller]
pub fn probe(name: &str, args: &[&str]) -> ProbeRun {
    let run = probe_allowing_failure(name, args);
    if !run.status.success() {
        // The first line is the gist (a stub's `todo!()` message, say);
        // the whole stderr follows for the details.
        panic!(
            "{}\n  the probe `{}` exited with {}\n  its stdout: {:?}\n  its stderr: {}",
            super::stderr_gist(&run.stderr),
            run.command_line,
            run.status,
            run.lines,
            run.stderr
        );
    }
    run
}

/// Like [`probe`], but returns a failed run too, for tests that expect one.
#[track_caller]
pub fn probe_allowing_failure(name: &str, args: &[&str]) -> ProbeRun {
    let mut argv = vec!["probe", name];
    argv.extend_from_slice(args);
    let program = Program::start(&argv);
    let command_line = program.command_line().to_string();
    let finished = program.finish();
    ProbeRun {
        command_line,
        status: finished.status,
        lines: finished.stdout,
        stderr: finished.stderr,
    }
}
