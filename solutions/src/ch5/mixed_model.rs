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
//! - [`supervise`]: fork the workers on a shared listener, keep their number
//!   up, stop them on SIGTERM or SIGINT.

use nix::errno::Errno;
use nix::sys::signal::{SigSet, SigmaskHow, Signal, kill, sigprocmask};
use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};
use std::collections::HashMap;
use std::io;
use std::net::TcpListener;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::{Duration, Instant};

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
    if workers == 0 {
        return Err(SuperviseError::NoWorkers);
    }
    let mut waited = SigSet::empty();
    for signal in [Signal::SIGCHLD, Signal::SIGTERM, Signal::SIGINT] {
        waited.add(signal);
    }
    // Blocked, these signals stay pending until sigtimedwait takes them: a
    // SIGTERM that comes while we fork is not lost, and no handler runs.
    let mut old_mask = SigSet::empty();
    sigprocmask(SigmaskHow::SIG_BLOCK, Some(&waited), Some(&mut old_mask))
        .map_err(|e| SuperviseError::Signals(e.into()))?;
    let mut supervisor = Supervisor {
        listener: &listener,
        work: &work,
        old_mask,
        me: getpid(),
        running: HashMap::new(),
    };
    let outcome = supervisor.run(workers, &waited);
    supervisor.stop_all(&waited);
    // A signal that came while we stopped would act once unblocked (a
    // second SIGTERM would kill the caller): we have stopped already.
    while let Ok(Some(_)) = wait_signal(&waited, Some(Duration::ZERO)) {}
    let _ = sigprocmask(SigmaskHow::SIG_SETMASK, Some(&old_mask), None);
    outcome
}

/// The supervisor's state: its workers, by pid, with the time each started.
struct Supervisor<'a, F> {
    listener: &'a TcpListener,
    work: &'a F,
    /// The caller's signal mask, which each worker gets back.
    old_mask: SigSet,
    me: Pid,
    running: HashMap<Pid, Instant>,
}

impl<F> Supervisor<'_, F>
where
    F: Fn(TcpListener) -> io::Result<()>,
{
    /// Keeps `workers` workers running until SIGTERM or SIGINT (`Ok`), or a
    /// crash loop or a failed wait (`Err`). The workers still running are
    /// the caller's to stop.
    fn run(&mut self, workers: usize, waited: &SigSet) -> Result<(), SuperviseError> {
        let mut missing = workers;
        // Early deaths in a row (any status): how long the next fork waits.
        let mut early_deaths: u32 = 0;
        let mut early_failures: u32 = 0;
        let mut next_fork = Instant::now();
        loop {
            while missing > 0 && Instant::now() >= next_fork {
                match self.fork_worker() {
                    Ok(()) => missing -= 1,
                    // No process for now (EAGAIN: too many): as a worker
                    // that died at once.
                    Err(e) => {
                        early_failures += 1;
                        early_deaths += 1;
                        if early_failures >= MAX_EARLY_FAILURES {
                            return Err(SuperviseError::CrashLoop {
                                failures: early_failures,
                                last: format!("fork failed: {e}"),
                            });
                        }
                        next_fork = Instant::now() + backoff(early_deaths);
                    }
                }
            }
            let timeout =
                (missing > 0).then(|| next_fork.saturating_duration_since(Instant::now()));
            match wait_signal(waited, timeout).map_err(SuperviseError::Wait)? {
                Some(Signal::SIGTERM | Signal::SIGINT) => return Ok(()),
                // SIGCHLD, or the backoff is over (None).
                _ => {}
            }
            // Reap every child that has ended: one SIGCHLD may stand for many.
            loop {
                let status = match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                    Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => break,
                    Err(Errno::EINTR) => continue,
                    Err(e) => return Err(SuperviseError::Wait(e.into())),
                    Ok(status) => status,
                };
                let Some(pid) = status.pid() else { continue };
                let Some(started) = self.running.remove(&pid) else {
                    continue;
                };
                missing += 1;
                let failed = !matches!(status, WaitStatus::Exited(_, 0));
                if started.elapsed() < MIN_UPTIME {
                    early_deaths += 1;
                    early_failures = if failed { early_failures + 1 } else { 0 };
                } else {
                    early_deaths = 0;
                    early_failures = 0;
                }
                if early_failures >= MAX_EARLY_FAILURES {
                    return Err(SuperviseError::CrashLoop {
                        failures: early_failures,
                        last: describe(status),
                    });
                }
                next_fork = Instant::now() + backoff(early_deaths);
            }
        }
    }

    /// Forks one worker; in the child, runs it and never returns.
    fn fork_worker(&mut self) -> nix::Result<()> {
        // SAFETY: our caller runs one thread (supervise's contract), so the
        // child is a complete copy, with no lock held by a missing thread.
        match unsafe { fork() }? {
            ForkResult::Parent { child } => {
                self.running.insert(child, Instant::now());
                Ok(())
            }
            ForkResult::Child => {
                let code = self.be_worker();
                // SAFETY: _exit ends this copy at once: it never returns into
                // the supervisor's loop (it would fork workers of its own),
                // nor runs the supervisor's exit handlers.
                unsafe { libc::_exit(code) }
            }
        }
    }

    /// The child's life: set up, run the work, say how it went.
    fn be_worker(&self) -> i32 {
        // Die with the supervisor, even killed by SIGKILL: no orphan keeps
        // serving. If it died before this line ran, we already have a new
        // parent, and the signal will never come: leave now.
        // SAFETY: prctl with these arguments only sets a flag of this process.
        let set = unsafe { libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM, 0, 0, 0) };
        if set != 0 || getppid() != self.me {
            return 1;
        }
        // The worker's signals are ordinary again: SIGTERM ends it.
        if sigprocmask(SigmaskHow::SIG_SETMASK, Some(&self.old_mask), None).is_err() {
            return 1;
        }
        let listener = match self.listener.try_clone() {
            Ok(listener) => listener,
            Err(e) => {
                eprintln!("mixed-model: worker {}: {e}", getpid());
                return 1;
            }
        };
        match catch_unwind(AssertUnwindSafe(|| (self.work)(listener))) {
            Ok(Ok(())) => 0,
            Ok(Err(e)) => {
                eprintln!("mixed-model: worker {}: {e}", getpid());
                1
            }
            // The panic hook has printed the message.
            Err(_) => 101,
        }
    }

    /// SIGTERM to every worker, SIGKILL to those alive after [`STOP_GRACE`];
    /// returns when every one is reaped.
    fn stop_all(&mut self, waited: &SigSet) {
        for pid in self.running.keys() {
            let _ = kill(*pid, Signal::SIGTERM);
        }
        let deadline = Instant::now() + STOP_GRACE;
        while !self.running.is_empty() {
            self.reap_stopped();
            if self.running.is_empty() {
                break;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                for pid in self.running.keys() {
                    let _ = kill(*pid, Signal::SIGKILL);
                }
                for pid in self.running.drain().map(|(pid, _)| pid).collect::<Vec<_>>() {
                    while waitpid(pid, None) == Err(Errno::EINTR) {}
                }
                break;
            }
            // A second SIGTERM meanwhile changes nothing: we are stopping.
            if wait_signal(waited, Some(left)).is_err() {
                // No way to wait for SIGCHLD: a blocking waitpid per worker.
                for pid in self.running.drain().map(|(pid, _)| pid).collect::<Vec<_>>() {
                    while waitpid(pid, None) == Err(Errno::EINTR) {}
                }
            }
        }
    }

    /// Reaps, without waiting, every worker that has ended.
    fn reap_stopped(&mut self) {
        loop {
            match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
                Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return,
                Err(Errno::EINTR) => {}
                Err(_) => return,
                Ok(status) => {
                    if let Some(pid) = status.pid() {
                        self.running.remove(&pid);
                    }
                }
            }
        }
    }
}
// ANCHOR_END: supervise

/// The delay before the fork after `early_deaths` early deaths in a row.
fn backoff(early_deaths: u32) -> Duration {
    match early_deaths {
        0 | 1 => Duration::ZERO,
        n => FIRST_BACKOFF
            .saturating_mul(1 << (n - 2).min(16))
            .min(MAX_BACKOFF),
    }
}

/// Waits for one of the blocked signals `set`, at most `timeout` (for ever
/// when `None`): `Ok(None)` when the time ran out, or a signal interrupted
/// the wait.
fn wait_signal(set: &SigSet, timeout: Option<Duration>) -> io::Result<Option<Signal>> {
    let spec = timeout.map(|t| libc::timespec {
        tv_sec: t.as_secs().min(i32::MAX as u64) as libc::time_t,
        tv_nsec: t.subsec_nanos() as libc::c_long,
    });
    let spec_ptr = spec
        .as_ref()
        .map_or(std::ptr::null(), |s| s as *const libc::timespec);
    // SAFETY: the set and the timespec outlive the call; the siginfo may be null.
    let got = unsafe { libc::sigtimedwait(set.as_ref(), std::ptr::null_mut(), spec_ptr) };
    if got < 0 {
        let e = io::Error::last_os_error();
        return match e.raw_os_error() {
            Some(libc::EAGAIN | libc::EINTR) => Ok(None),
            _ => Err(e),
        };
    }
    Ok(Signal::try_from(got).ok())
}

/// A worker's end, for the crash-loop error.
fn describe(status: WaitStatus) -> String {
    match status {
        WaitStatus::Exited(pid, code) => format!("worker {pid} exited with {code}"),
        WaitStatus::Signaled(pid, signal, _) => format!("worker {pid} killed by {signal}"),
        other => format!("{other:?}"),
    }
}
