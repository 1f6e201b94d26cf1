//! # Exercise `mixed-model`: processes, each with an event loop (book: ch5/mixed-model.md)
//!
//! The seed's closing remark made concrete: several processes, each running
//! its own concurrent server (an event loop, or a pool of threads), all
//! accepting on ONE listening socket that they inherited from the process
//! that forked them: *pre-forking*, as nginx's master and workers do. The
//! master, a *supervisor*, serves nobody: it forks the workers, reaps each
//! one that dies and forks another in its place, and stops them all when it
//! is told to stop.
//!
//! You write:
//!
//! - [`supervise`]: fork the workers on a shared listener, keep their number
//!   up, stop them on SIGTERM or SIGINT.

use std::io;
use std::net::TcpListener;
use std::time::Duration;

/// A worker that dies sooner than this after it was forked died *early*: it
/// probably cannot start at all (a panic at once, a missing file), and
/// forking it again at once would only repeat that in a busy loop.
pub const MIN_UPTIME: Duration = Duration::from_secs(1);

/// The delay before the fork that replaces the second early death in a row;
/// it doubles with each further one, up to [`MAX_BACKOFF`]. (The first is
/// replaced at once: one crash is not a pattern.)
pub const FIRST_BACKOFF: Duration = Duration::from_millis(5);

/// The longest delay between two forks while workers keep dying early.
pub const MAX_BACKOFF: Duration = Duration::from_secs(1);

/// The supervisor gives up after this many early *failures* in a row
/// (a worker that panicked, returned an error, or was killed by a signal,
/// within [`MIN_UPTIME`] of its start), rather than restart a broken worker
/// for ever.
pub const MAX_EARLY_FAILURES: u32 = 8;

/// How long the workers have, after the supervisor's SIGTERM, to end by
/// themselves; those still running then get SIGKILL.
pub const STOP_GRACE: Duration = Duration::from_secs(3);

/// Why [`supervise`] stopped without being asked to.
#[derive(Debug, thiserror::Error)]
pub enum SuperviseError {
    /// `workers` was 0: a supervisor of nobody.
    #[error("a supervisor needs at least one worker")]
    NoWorkers,
    /// Blocking the signals the supervisor waits for failed.
    #[error("cannot block the supervisor's signals: {0}")]
    Signals(#[source] io::Error),
    /// Workers kept failing at once: `failures` early failures in a row, the
    /// last one `last` (its exit status, or why it could not be forked).
    /// Every worker left was stopped before this was returned.
    #[error(
        "workers keep failing within {MIN_UPTIME:?} of their start ({failures} in a row, the last: {last}): giving up"
    )]
    CrashLoop { failures: u32, last: String },
    /// `waitpid` or `sigtimedwait` failed with something other than EINTR.
    #[error("the supervisor's wait failed: {0}")]
    Wait(#[source] io::Error),
}

// ANCHOR: supervise
/// Forks `workers` children that each run `work(listener)` on the same
/// listening socket, and keeps them running until SIGTERM or SIGINT.
///
/// - Binds nothing: `listener` exists before the first fork, so every worker
///   inherits the same socket, and the kernel gives each connection to one of
///   the workers blocked in `accept` (or in `epoll_wait` on it).
/// - A worker runs `work` (a panic caught) and ends with `_exit`: 0 if it
///   returned `Ok`, 1 on `Err`, 101 on a panic. It never comes back into the
///   supervisor's loop. It dies with the supervisor (`PR_SET_PDEATHSIG`,
///   SIGTERM), and starts with the caller's signal mask, SIGTERM and SIGINT
///   at their default action.
/// - The supervisor sleeps in `sigtimedwait` for SIGCHLD, SIGTERM and SIGINT
///   (blocked meanwhile, so none is lost between two waits). Each dead worker
///   is reaped (`waitpid(-1, WNOHANG)` until none is left: signals of the same
///   kind merge) and a new one forked in its place: at once, or, after
///   several early deaths in a row (within [`MIN_UPTIME`] of their start),
///   after a delay that doubles from [`FIRST_BACKOFF`] up to [`MAX_BACKOFF`].
/// - After [`MAX_EARLY_FAILURES`] early failures in a row it stops every
///   worker and returns [`SuperviseError::CrashLoop`].
/// - SIGTERM or SIGINT: SIGTERM to every worker, SIGKILL to those still
///   alive [`STOP_GRACE`] later, every one reaped; then `Ok(())`.
///
/// Call it from a process that runs one thread (fork copies only the calling
/// thread). The signal mask is the caller's again when it returns.
pub fn supervise<F>(listener: TcpListener, workers: usize, work: F) -> Result<(), SuperviseError>
where
    F: Fn(TcpListener) -> io::Result<()>,
{
    // TODO: block SIGCHLD, SIGTERM and SIGINT (sigprocmask), fork the
    // workers, then loop: wait for a signal (sigtimedwait), reap every dead
    // child (waitpid(-1, WNOHANG) until none), fork replacements with a
    // growing delay after early deaths; on SIGTERM or SIGINT stop them all.
    // TODO: in each child: prctl(PR_SET_PDEATHSIG, SIGTERM), check getppid(),
    // restore the signal mask, run `work` inside catch_unwind, then _exit.
    let _ = (&listener, &work);
    todo!(
        "mixed-model: supervise {workers} workers on {listener:?} (book: ch5/mixed-model.md, \"Your task\")"
    )
}
// ANCHOR_END: supervise
