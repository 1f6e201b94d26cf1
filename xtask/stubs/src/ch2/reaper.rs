//! # Exercise `reaper`: no zombies, no orphans (book: ch2/reaper.md)
//!
//! A child that has exited stays in the process table as a *zombie* (僵尸进程)
//! until its parent collects its exit status; a child whose parent exits
//! first is an *orphan* (孤儿进程), adopted by another process. A careful
//! parent avoids both: it reaps every child, and it does not exit before
//! its children have.
//!
//! - [`hold`] (given): a child that waits for the parent's word, then exits
//!   with the code it was given; [`Held::release`] says the word.
//! - [`reap_blocking`]: reap every child, blocking in `waitpid` until the
//!   next one ends.
//! - [`reap_polling`]: reap every child with `WNOHANG` polls, doing other
//!   work between them, within a time limit.
//!
//! It starts children with `spawn` and reads statuses with `exit_of`, from
//! the exercise `fork-basics` (`super::fork_basics`).

use super::fork_basics::{Exit, ProcessError, spawn};
use nix::errno::Errno;
use nix::unistd::Pid;
use std::fs::File;
use std::io::{self, Write};
use std::os::fd::AsRawFd;
use std::time::Duration;

// ANCHOR: error
/// Why reaping stopped before every child was reaped.
#[derive(Debug, thiserror::Error)]
pub enum ReapError {
    /// A child could not be started.
    #[error(transparent)]
    Process(#[from] ProcessError),
    /// The pipe to a held child could not be made (too many open files).
    #[error("creating a pipe failed: {0}")]
    Pipe(nix::Error),
    /// `waitpid` failed with something else than "no children left".
    #[error("waitpid failed: {0}")]
    Wait(nix::Error),
    /// [`reap_polling`] ran out of time while children were still running.
    /// The statuses it did collect are here, in the order they were reaped.
    #[error("children were still running after {limit:?} ({} reaped before that)", reaped.len())]
    TimedOut {
        /// The time limit that passed.
        limit: Duration,
        /// The children reaped before it passed.
        reaped: Vec<(Pid, Exit)>,
    },
}
// ANCHOR_END: error

// ANCHOR: hold
/// The exit code of a held child whose pipe closed before its parent said
/// the word: the parent died (or dropped the [`Held`] without releasing it).
pub const ABANDONED_EXIT_CODE: i32 = 99;

/// A child process, started by [`hold`], that is waiting for its parent's
/// word to exit.
#[derive(Debug)]
pub struct Held {
    pid: Pid,
    /// The write end of the pipe the child reads its word from.
    word: File,
}

impl Held {
    /// The child's pid.
    pub fn pid(&self) -> Pid {
        self.pid
    }

    /// Lets the child exit, with the code it was given: writes one byte to
    /// its pipe. The child may end any moment after this returns.
    pub fn release(mut self) -> io::Result<()> {
        self.word.write_all(b"!")
    }
}

/// Starts a child that blocks reading a pipe until the parent calls
/// [`Held::release`], then exits with `code`. The parent decides when each
/// child ends, without any sleep.
///
/// If the parent dies instead (its end of the pipe closes), the child exits
/// with [`ABANDONED_EXIT_CODE`]: it does not linger as an orphan for ever.
pub fn hold(code: i32) -> Result<Held, ReapError> {
    let (read_end, write_end) = nix::unistd::pipe().map_err(ReapError::Pipe)?;
    let write_fd = write_end.as_raw_fd();
    let pid = spawn(move || {
        // The child got a copy of the write end too. Close it: a pipe reads
        // as ended only once *every* copy of its write end is closed.
        // SAFETY: the fd is open in this child (inherited), and nothing else
        // in the child uses or closes it (the child leaves with _exit, which
        // drops nothing).
        unsafe { libc::close(write_fd) };
        let mut word = [0u8; 1];
        loop {
            match nix::unistd::read(&read_end, &mut word) {
                Ok(0) => return ABANDONED_EXIT_CODE,
                Ok(_) => return code,
                Err(Errno::EINTR) => continue,
                Err(_) => return ABANDONED_EXIT_CODE,
            }
        }
    })?;
    // The closure (and its read end) was dropped here, in the parent.
    Ok(Held {
        pid,
        word: File::from(write_end),
    })
}
// ANCHOR_END: hold

// ANCHOR: reap_blocking
/// Reaps every child of this process, whatever its pid, blocking in
/// `waitpid` until the next one ends; returns when no child is left
/// (`waitpid` fails with `ECHILD`). Calls `on_reaped(pid, exit)` right after
/// each child is reaped, and returns the same statuses in the order they
/// were reaped.
///
/// With no children at all, returns an empty list at once.
pub fn reap_blocking(mut on_reaped: impl FnMut(Pid, Exit)) -> Result<Vec<(Pid, Exit)>, ReapError> {
    // TODO: loop on waitpid(None, None) (any child): turn each status into
    // (pid, exit) with exit_of, keep it and call on_reaped; ECHILD means no
    // child is left: return what you reaped. Retry on EINTR.
    let _ = &mut on_reaped;
    todo!("reap every child, blocking until each one ends (book: ch2/reaper.md)")
}
// ANCHOR_END: reap_blocking

// ANCHOR: reap_polling
/// How long [`reap_polling`] pauses after a poll that found no child ended.
pub const POLL_PAUSE: Duration = Duration::from_millis(1);

/// Reaps every child of this process without ever blocking in `waitpid`:
/// polls with `WNOHANG`, and each time no child has ended yet, calls
/// `between()` (the parent's other work) and pauses [`POLL_PAUSE`], so that
/// the loop does not spin. Returns the statuses in the order they were
/// reaped, once no child is left (`ECHILD`).
///
/// Gives up with [`ReapError::TimedOut`], holding the statuses reaped so far,
/// when children are still running after `limit`.
pub fn reap_polling(
    limit: Duration,
    mut between: impl FnMut(),
) -> Result<Vec<(Pid, Exit)>, ReapError> {
    // TODO: compute the deadline once. Loop on waitpid(None, Some(WNOHANG)):
    // StillAlive means none ended yet: give up with TimedOut past the
    // deadline, else call between() and sleep POLL_PAUSE. Any other status
    // goes through exit_of; ECHILD means done.
    let _ = &mut between;
    todo!("reap every child by polling, for at most {limit:?} (book: ch2/reaper.md)")
}
// ANCHOR_END: reap_polling
