//! A runner program (`netkit udp-dict-server …`) as a child process.

use super::{Liveness, Report, TIMEOUT};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Set in the runner's environment, it makes `netkit` print which
/// implementation it was built with (`exercises` or `solutions`) and exit.
pub const WHICH_KIT: &str = "NETKIT_WHICH_KIT";

/// The runner binary, built with the same implementation as this test.
///
/// Cargo builds a package's binaries before its integration tests and puts
/// them one folder above the test executable (`target/debug/netkit` beside
/// `target/debug/deps/suite-…`). `NETKIT_RUNNER` overrides that. Both builds
/// (stubs and reference) share that path, so the first call checks that the
/// runner there was built with the same implementation as this test.
pub fn runner_path() -> PathBuf {
    static CHECKED: OnceLock<PathBuf> = OnceLock::new();
    CHECKED.get_or_init(find_runner).clone()
}

fn find_runner() -> PathBuf {
    let path = match std::env::var_os("NETKIT_RUNNER") {
        Some(path) => PathBuf::from(path),
        None => {
            let exe = std::env::current_exe().expect("the test knows its own path");
            let mut dir = exe
                .parent()
                .expect("an executable lives in a folder")
                .to_path_buf();
            if dir.ends_with("deps") {
                dir.pop();
            }
            dir.join("netkit")
        }
    };
    let which = Command::new(&path).env(WHICH_KIT, "1").output();
    match which {
        Ok(out) if String::from_utf8_lossy(&out.stdout).trim() == crate::KIT_NAME => path,
        Ok(out) => panic!(
            "{} was built against `{}`, but this test runs against `{}`: another build \
             replaced it. Build and run one implementation at a time (`cargo xtask check` does)",
            path.display(),
            String::from_utf8_lossy(&out.stdout).trim(),
            crate::KIT_NAME
        ),
        Err(e) => panic!("cannot run the runner {}: {e}", path.display()),
    }
}

/// How a program ended: what [`Program::finish`] returns.
#[derive(Debug)]
pub struct Finished {
    /// `netkit ARGS…`, for failure messages.
    pub command_line: String,
    /// The program's process id (gone now).
    pub pid: u32,
    pub status: ExitStatus,
    /// Every line it printed to stdout.
    pub stdout: Vec<String>,
    /// Its stderr, quoted as [`Program::stderr_text`] does.
    pub stderr: String,
}

/// A runner program in its own process group: stdout is read line by line,
/// stderr is kept for failure messages, stdin is a pipe. Dropping it kills
/// the whole group (the program and anything it started) and reaps it.
///
/// This is the harness's one way to run a child process: [`probe()`] and
/// [`run_measured`] are built on it, so that every child is started, killed
/// and reaped the same way.
///
/// [`probe()`]: super::probe()
/// [`run_measured`]: super::run_measured
pub struct Program {
    command_line: String,
    /// Reaped only when the program is dropped: see [`Program::try_wait`].
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    /// Every stdout line seen so far, for failure messages.
    seen: Vec<String>,
    stderr: Arc<Mutex<Vec<u8>>>,
    /// Disconnected when the stderr reader has reached the end of the pipe.
    stderr_done: Mutex<Receiver<()>>,
}

impl Program {
    /// Starts `netkit ARGS…`.
    #[track_caller]
    pub fn start(args: &[&str]) -> Self {
        Program::start_with_env(args, &[])
    }

    /// Starts `netkit ARGS…` with the variables `env` (name, value) added to
    /// its environment.
    #[track_caller]
    pub fn start_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        let runner = runner_path();
        let mut command = Command::new(&runner);
        command.args(args).envs(env.iter().copied());
        Program::start_command(format!("netkit {}", args.join(" ")), command)
    }

    /// Starts any program (a real peer: nginx, Chromium, wrk), the same way
    /// as the runner: its own process group, stdout read line by line,
    /// stderr kept, stdin a pipe, the group killed and reaped on drop.
    /// `command_line` is what failure messages call it.
    #[track_caller]
    pub fn start_command(command_line: String, mut command: Command) -> Self {
        adopt_orphans();
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own group, so that Drop can kill everything it started.
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("starting `{command_line}` failed: {e}"));

        let (tx, lines) = mpsc::channel();
        let stdout = child.stdout.take().expect("stdout is piped");
        std::thread::spawn(move || {
            // Lines as `BufRead::lines` cuts them, but bytes that are not
            // UTF-8 are shown, not taken for the end of stdout.
            let mut reader = BufReader::new(stdout);
            let mut line = Vec::new();
            while let Ok(n) = reader.read_until(b'\n', &mut line) {
                if n == 0 {
                    break;
                }
                if line.ends_with(b"\n") {
                    line.pop();
                    if line.ends_with(b"\r") {
                        line.pop();
                    }
                }
                let text = String::from_utf8_lossy(&line).into_owned();
                line.clear();
                if tx.send(text).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&stderr);
        let mut err_pipe = child.stderr.take().expect("stderr is piped");
        let (stderr_tx, stderr_done) = mpsc::channel::<()>();
        std::thread::spawn(move || {
            // Dropped when this thread ends: the whole of stderr is read.
            let _done = stderr_tx;
            let mut buf = [0u8; 4096];
            while let Ok(n) = err_pipe.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .extend_from_slice(&buf[..n]);
            }
        });
        let stdin = child.stdin.take();
        Program {
            command_line,
            child,
            stdin,
            lines,
            seen: Vec::new(),
            stderr,
            stderr_done: Mutex::new(stderr_done),
        }
    }

    /// Starts a server program and waits for its first line,
    /// `listening on IP:PORT`; returns the program and that address.
    #[track_caller]
    pub fn start_server(args: &[&str]) -> (Self, SocketAddr) {
        let mut program = Program::start(args);
        let line = program.expect_line("`listening on IP:PORT` as the first line", |_| true);
        let addr = line
            .strip_prefix("listening on ")
            .and_then(|rest| rest.trim().parse().ok())
            .unwrap_or_else(|| {
                Report::sent(format!("started `{}`", program.command_line))
                    .expected("`listening on IP:PORT` as the first line of stdout")
                    .got(format!("{line:?}"))
                    .cause("a server prints where it listens first, so that callers can learn an ephemeral port")
                    .fail()
            });
        (program, addr)
    }

    /// The command line, as shown in failure messages.
    pub fn command_line(&self) -> &str {
        &self.command_line
    }

    /// Writes one line to the program's stdin.
    #[track_caller]
    pub fn type_line(&mut self, line: &str) {
        let stdin = self
            .stdin
            .as_mut()
            .expect("stdin was closed with close_stdin");
        if let Err(e) = writeln!(stdin, "{line}").and_then(|()| stdin.flush()) {
            let why = self.check().err().unwrap_or_default();
            panic!(
                "typing {line:?} into `{}` failed: {e}. {why}",
                self.command_line
            );
        }
    }

    /// Closes stdin: the program reads end of input.
    pub fn close_stdin(&mut self) {
        self.stdin = None;
    }

    /// Waits for the next stdout line for which `accept` is true, skipping
    /// others; fails with everything seen if the program exits or
    /// [`TIMEOUT`] passes first.
    #[track_caller]
    pub fn expect_line(&mut self, expected: &str, accept: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if accept(&line) {
                        return line;
                    }
                }
                Err(RecvTimeoutError::Timeout) => {
                    self.fail_expecting(expected, "nothing more within the time limit")
                }
                Err(RecvTimeoutError::Disconnected) => {
                    let status = self.wait_exit();
                    self.fail_expecting(
                        expected,
                        &format!("it closed stdout and exited with {status}"),
                    )
                }
            }
        }
    }

    #[track_caller]
    fn fail_expecting(&self, expected: &str, what: &str) -> ! {
        Report::sent(format!("started `{}`", self.command_line))
            .expected(format!("a line of stdout: {expected}"))
            .got(format!(
                "{what}; stdout so far: {:?}; stderr: {}",
                self.seen,
                self.stderr_text()
            ))
            .cause("the program did not print what the book's page says it prints")
            .fail()
    }

    /// Waits for the program to exit (within [`TIMEOUT`]) and returns its status.
    #[track_caller]
    pub fn wait_exit(&self) -> ExitStatus {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let status = self.try_wait();
            match status {
                Ok(Some(status)) => return status,
                Ok(None) if Instant::now() < deadline => {
                    std::thread::park_timeout(super::STEP);
                }
                Ok(None) => panic!(
                    "`{}` did not exit within {} s; stderr: {}",
                    self.command_line,
                    TIMEOUT.as_secs(),
                    self.stderr_text()
                ),
                Err(e) => panic!("waiting for `{}` failed: {e}", self.command_line),
            }
        }
    }

    /// Runs `netkit ARGS…` to its end with empty stdin, and fails the test,
    /// with the program's own panic or error first, unless it exits with 0.
    #[track_caller]
    pub fn run_ok(args: &[&str]) -> Finished {
        let finished = Program::start(args).finish();
        if !finished.status.success() {
            Report::sent(format!("`{}`", finished.command_line))
                .expected("it to run to its end and exit with status 0")
                .got(format!(
                    "{}; stdout: {:?}; stderr: {}",
                    finished.status, finished.stdout, finished.stderr
                ))
                .headline(super::stderr_gist(&finished.stderr))
                .cause("the program calls your code: the first line is what it said")
                .fail();
        }
        finished
    }

    /// Closes stdin and waits (within [`TIMEOUT`]) until the program closes
    /// stdout and exits; returns its exit status, every stdout line, and its
    /// stderr.
    #[track_caller]
    pub fn finish(self) -> Finished {
        self.finish_within(TIMEOUT)
    }

    /// [`Program::finish`], for a program that may take longer than
    /// [`TIMEOUT`] (a 10 s load run): waits up to `limit` instead.
    #[track_caller]
    pub fn finish_within(mut self, limit: Duration) -> Finished {
        let status = self.run_to_end_within(limit);
        Finished {
            command_line: self.command_line.clone(),
            pid: self.pid(),
            status,
            stdout: std::mem::take(&mut self.seen),
            stderr: self.stderr_text(),
        }
    }

    /// What [`Program::finish`] waits for: closes stdin, reads stdout to its
    /// end (into [`Program::stdout_seen`]), and returns the exit status;
    /// fails the test if that takes longer than [`TIMEOUT`] (dropping the
    /// program then kills it).
    #[track_caller]
    pub(super) fn run_to_end(&mut self) -> ExitStatus {
        self.run_to_end_within(TIMEOUT)
    }

    #[track_caller]
    fn run_to_end_within(&mut self, limit: Duration) -> ExitStatus {
        self.close_stdin();
        let deadline = Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => self.seen.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => panic!(
                    "`{}` did not finish within {} s; stdout so far: {:?}; stderr: {}",
                    self.command_line,
                    limit.as_secs(),
                    self.seen,
                    self.stderr_text()
                ),
            }
        }
        self.wait_exit()
    }

    /// Every stdout line read so far.
    pub fn stdout_seen(&self) -> &[String] {
        &self.seen
    }

    /// What the program wrote to stderr so far, each line set off with
    /// `  | ` so that it reads as a quotation inside a failure message (and a
    /// panic quoted from the program is not taken for the test's own).
    pub fn stderr_text(&self) -> String {
        let text = self.stderr_raw();
        let text = text.trim();
        if text.is_empty() {
            return "(empty)".to_string();
        }
        let quoted: Vec<String> = text.lines().map(|l| format!("  | {l}")).collect();
        format!("\n{}", quoted.join("\n"))
    }

    /// What the program wrote to stderr so far, as it wrote it.
    pub fn stderr_raw(&self) -> String {
        // Once the program has exited, its stderr is complete: wait (briefly)
        // for the reader thread to have it all, so that a panic message
        // printed just before the exit is part of the report.
        let exited = matches!(self.try_wait(), Ok(Some(_)));
        if exited {
            let done = self.stderr_done.lock().unwrap_or_else(|p| p.into_inner());
            let _ = done.recv_timeout(std::time::Duration::from_secs(1));
        }
        let bytes = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// Whether it has exited (and its status), without waiting.
    ///
    /// It looks without reaping (`WNOWAIT`): until [`Drop`] reaps it, the
    /// exited program stays a zombie that holds its pid, which is also its
    /// process group's id, so that no other process can be given that id
    /// before `Drop` kills the group.
    fn try_wait(&self) -> std::io::Result<Option<ExitStatus>> {
        use nix::sys::wait::{Id, WaitPidFlag, WaitStatus, waitid};
        use std::os::unix::process::ExitStatusExt;
        let pid = nix::unistd::Pid::from_raw(self.pid() as i32);
        let flags = WaitPidFlag::WEXITED | WaitPidFlag::WNOHANG | WaitPidFlag::WNOWAIT;
        // Raw wait statuses as `waitpid` encodes them: the exit code in the
        // second byte; the signal in the low 7 bits, 0x80 for a core dump.
        match waitid(Id::Pid(pid), flags) {
            Ok(WaitStatus::Exited(_, code)) => Ok(Some(ExitStatus::from_raw((code & 0xff) << 8))),
            Ok(WaitStatus::Signaled(_, signal, core)) => Ok(Some(ExitStatus::from_raw(
                signal as i32 | if core { 0x80 } else { 0 },
            ))),
            Ok(_) => Ok(None),
            Err(errno) => Err(errno.into()),
        }
    }

    /// The program's process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Prints the program's stderr into the test's own output when the
    /// program panicked (a stub's `todo!()`, say).
    ///
    /// libtest keeps what a test prints, its panics and those of threads it
    /// started, and shows it when the test fails; `cargo xtask check` reads
    /// it there to tell "not written yet" from "wrong". A child's stderr is
    /// not part of it: without this copy, a test whose client saw only
    /// "connection reset by peer" from a server program that had panicked on
    /// a `todo!()` would read as wrong code. Called from `Drop`, which runs
    /// before the test ends, also while a failing test unwinds; the program
    /// is dead by then, so its stderr is complete. A passing test's output
    /// is thrown away.
    fn copy_panics_to_test_output(&self) {
        {
            let done = self.stderr_done.lock().unwrap_or_else(|p| p.into_inner());
            let _ = done.recv_timeout(std::time::Duration::from_secs(1));
        }
        let bytes = self.stderr.lock().unwrap_or_else(|p| p.into_inner());
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("panicked at") {
            eprintln!(
                "\n`{}` (pid {}) panicked; its stderr:\n{}",
                self.command_line,
                self.child.id(),
                text.trim_end()
            );
        }
    }
}

impl Liveness for Program {
    fn check(&self) -> Result<(), String> {
        let status = self.try_wait();
        match status {
            Ok(None) => Ok(()),
            Ok(Some(status)) => {
                let stderr = self.stderr_text();
                Err(format!(
                    "`{}` exited with {status}: {}\n  its stderr: {stderr}",
                    self.command_line,
                    super::stderr_gist(&stderr)
                ))
            }
            Err(e) => Err(format!(
                "`{}` could not be waited for: {e}",
                self.command_line
            )),
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        let child = &mut self.child;
        // The group id is the child's pid (process_group(0) above), still
        // ours as long as the child is not reaped (see `try_wait`). Kill the
        // group first, so grandchildren go too, then reap our own child so no
        // zombie is left behind.
        let pgid = nix::unistd::Pid::from_raw(child.id() as i32);
        let _ = nix::sys::signal::killpg(pgid, nix::sys::signal::Signal::SIGKILL);
        let _ = child.wait();
        reap_adopted(pgid);
        self.copy_panics_to_test_output();
    }
}

/// Makes this test process a *child subreaper* (Linux `prctl`), once: when
/// a program's own children outlive it (a fork server killed at the end of
/// a test, with clients still open), they become ours, not xtask's, and
/// [`reap_adopted`] can collect them. Probes, which run student code that
/// forks, are separate processes with their own subreaper.
fn adopt_orphans() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = nix::sys::prctl::set_child_subreaper(true);
    });
}

/// Reaps what is left of the killed group `pgid` once its leader is reaped:
/// its members, killed with it, are re-parented to this process as their
/// parents die. Each is waited for by its own pid, never `waitpid(-1)`, so no
/// other test's child is taken. Bounded by [`TIMEOUT`]; SIGKILL ends every
/// member long before.
fn reap_adopted(pgid: nix::unistd::Pid) {
    let me = std::process::id();
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let members = group_members(pgid.as_raw() as u32);
        if members.is_empty() || Instant::now() >= deadline {
            return;
        }
        let ours: Vec<u32> = members
            .iter()
            .filter(|&&(_, ppid)| ppid == me)
            .map(|&(pid, _)| pid)
            .collect();
        if ours.is_empty() {
            // Their parents, members too, are still dying.
            std::thread::park_timeout(std::time::Duration::from_millis(1));
        }
        for pid in ours {
            let _ = nix::sys::wait::waitpid(nix::unistd::Pid::from_raw(pid as i32), None);
        }
    }
}

/// The processes of the process group `pgrp`, zombies included, each with
/// its parent: `(pid, ppid)`, from `/proc/PID/stat`.
pub(crate) fn group_members(pgrp: u32) -> Vec<(u32, u32)> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter_map(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // `pid (name) state ppid pgrp …`: the name may hold spaces and
            // parentheses, so count the fields after the last `)`.
            let (_, rest) = stat.rsplit_once(')')?;
            let mut fields = rest.split_whitespace().skip(1);
            let ppid = fields.next()?.parse::<u32>().ok()?;
            let group = fields.next()?.parse::<u32>().ok()?;
            (group == pgrp).then_some((pid, ppid))
        })
        .collect()
}
