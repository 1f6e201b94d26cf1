//! # Exercise `fork-basics`: fork and wait (book: ch2/fork-basics.md)
//!
//! A parent process starts children with `fork`. Each child runs one function
//! and exits with the function's return value as its exit code; the parent
//! collects every child's exit status with `waitpid`, which also removes the
//! finished child from the process table (it *reaps* it).
//!
//! - [`Exit`]: how a child ended: it exited with a code, or a signal killed it.
//! - [`exit_of`]: a `waitpid` status as an [`Exit`] (or `None`: not an end).
//! - [`spawn`]: fork a child that runs a function and then exits.
//! - [`wait_for`]: wait until one child ends, and reap it.
//! - [`run_all`]: start every job first, then wait for each one.

use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use std::fmt;
use std::io;

// ANCHOR: exit
/// How a child process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// It ended by itself with this exit code (0 to 255; 0 means success).
    Exited(i32),
    /// A signal killed it: `SIGKILL` from `kill -9`, `SIGSEGV` on a bad
    /// memory access, `SIGABRT` from `abort()`, …
    Signaled(Signal),
}

/// The exit code of a child whose work panicked (the code Rust itself uses
/// when `main` panics).
pub const PANIC_EXIT_CODE: i32 = 101;
// ANCHOR_END: exit

impl Exit {
    /// Exited with code 0.
    pub fn success(&self) -> bool {
        *self == Exit::Exited(0)
    }
}

impl fmt::Display for Exit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exit::Exited(code) => write!(f, "exited with {code}"),
            Exit::Signaled(signal) => write!(f, "killed by {signal}"),
        }
    }
}

// ANCHOR: error
/// Why a child could not be started or waited for.
#[derive(Debug, thiserror::Error)]
pub enum ProcessError {
    /// [`spawn`] refuses to fork a process that runs more than one thread.
    #[error(
        "will not fork: this process runs {threads} threads, and the child would get a copy of \
         memory that the other threads may be changing (a lock held, the allocator half-way \
         through an update)"
    )]
    Threaded {
        /// How many threads the process runs.
        threads: usize,
    },
    /// `fork` failed: too many processes (`EAGAIN`), no memory (`ENOMEM`).
    #[error("fork failed: {0}")]
    Fork(nix::Error),
    /// `waitpid` failed: `ECHILD` means no such child (or it was reaped already).
    #[error("waiting for a child failed: {0}")]
    Wait(nix::Error),
    /// Reading `/proc/self/task` to count this process's threads failed.
    #[error("counting this process's threads failed: {0}")]
    Proc(io::Error),
}
// ANCHOR_END: error

// ANCHOR: thread_count
/// How many threads this process runs now: one directory per thread in
/// `/proc/self/task` (Linux).
pub fn thread_count() -> io::Result<usize> {
    Ok(std::fs::read_dir("/proc/self/task")?.count())
}
// ANCHOR_END: thread_count

// ANCHOR: exit_of
/// What a status from `waitpid` says about a child's end: its pid and how it
/// ended, or `None` when the status is no end at all (a child that was stopped
/// or continued, or `StillAlive` from a `WNOHANG` wait).
pub fn exit_of(status: WaitStatus) -> Option<(Pid, Exit)> {
    // TODO: match the status: `Exited` and `Signaled` are ends (keep the pid);
    // everything else (stopped, continued, still alive) is not.
    todo!("say how the child ended from the wait status {status:?} (book: ch2/fork-basics.md)")
}
// ANCHOR_END: exit_of

// ANCHOR: spawn
/// Starts a child process that runs `work` and exits with the value it
/// returns as its exit code (only the low 8 bits reach the parent: use 0 to
/// 255). Returns the child's pid, in the parent only: the child never returns
/// from this function, so it never runs the caller's code after the call.
///
/// - If `work` panics, the child exits with [`PANIC_EXIT_CODE`]; the panic
///   does not unwind out of `spawn` into the caller's code.
/// - The child's output is not lost: it flushes stdout before it exits.
/// - Output the parent had buffered but not yet written is flushed before
///   the fork, so the child's copy of the buffer is empty (nothing printed twice).
/// - In the parent, `work` is dropped without running: whatever it captured
///   by move (a file, the end of a pipe) is closed in the parent.
/// - Fails with [`ProcessError::Threaded`], without forking, when this
///   process runs more than one thread (see [`thread_count`]).
pub fn spawn<F: FnOnce() -> i32>(work: F) -> Result<Pid, ProcessError> {
    // TODO: refuse with ProcessError::Threaded when thread_count() > 1; flush
    // stdout; fork. In the parent, return the child's pid. In the child, run
    // `work` under catch_unwind, flush stdout, and end with libc::_exit(code):
    // never return. Explain each `unsafe` in a `// SAFETY:` comment.
    let _ = work;
    todo!(
        "fork a child that runs the work and exits with what it returns (book: ch2/fork-basics.md)"
    )
}
// ANCHOR_END: spawn

// ANCHOR: wait_for
/// Waits until the child `pid` has ended, reaps it (its entry leaves the
/// process table: no zombie), and says how it ended.
///
/// Fails with [`ProcessError::Wait`] when `pid` is not a child of this
/// process, or was reaped already (`ECHILD`).
pub fn wait_for(pid: Pid) -> Result<Exit, ProcessError> {
    // TODO: waitpid(pid, None) in a loop until exit_of says the child ended;
    // EINTR means "try again", any other error is ProcessError::Wait.
    todo!("wait for the child {pid} to end, and reap it (book: ch2/fork-basics.md)")
}
// ANCHOR_END: wait_for

// ANCHOR: run_all
/// Runs every job in a child process of its own, all at the same time:
/// starts them all first, then waits for each. Returns each child's pid and
/// how it ended, in the order of `jobs`.
///
/// If a child cannot be started, waits for those already started (so none
/// is left a zombie) and returns the error.
pub fn run_all(jobs: Vec<Box<dyn FnOnce() -> i32>>) -> Result<Vec<(Pid, Exit)>, ProcessError> {
    // TODO: spawn every job first, keeping the pids; then wait_for each pid in
    // order. If a spawn fails, wait for the children already started first.
    todo!(
        "start all {} jobs, then wait for each of them (book: ch2/fork-basics.md)",
        jobs.len()
    )
}
// ANCHOR_END: run_all
