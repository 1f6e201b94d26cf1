//! # Exercise `fork-server`: a process per connection (book: ch3/fork-server.md)
//!
//! The seed's multi-process model (多进程并发模型): the parent only accepts;
//! each client gets a child process of its own, a copy of the server made by
//! `fork`, which echoes its lines until the client leaves and then exits.
//! The parent reaps each child soon after it ends, so finished clients
//! leave no zombie behind.
//!
//! - [`serve`]: accept for ever, a child process per connection, each
//!   running the chapter's line echo, [`echo_lines`]; reap finished
//!   children as the loop goes round.

use nix::sys::wait::{WaitPidFlag, WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork};
use std::io::{self, ErrorKind};
use std::net::TcpListener;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

pub use super::line_echo::{MAX_LINE, echo_lines};

/// How long `accept` waits for a client before the loop goes round to reap
/// the children that ended meanwhile: the longest a finished child stays a
/// zombie while no client comes.
const REAP_EVERY: Duration = Duration::from_millis(100);

// ANCHOR: serve
/// Accepts clients on `listener` for ever, and serves each in a child
/// process of its own with [`echo_lines`], so that the parent is back in
/// `accept` at once.
///
/// - The parent closes its copy of each accepted socket right after the
///   fork: the connection closes when the child, its only holder, ends.
/// - The child closes its copy of the listener, serves its one client and
///   exits (`_exit`): it never goes back to the accept loop.
/// - A finished child is reaped within a fraction of a second (`waitpid`
///   with `WNOHANG`, each time `accept` returns, and `accept` waits at most
///   a short while), never with a blocking `wait` that would stop the
///   accepting.
/// - A client's failure ends only its child (logged on stderr); a fork
///   that fails costs only that client.
///
/// Call it from a process that runs one thread (the runner's `fork-server`
/// does). Returns only when `accept` itself fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // Linux lets a read timeout (SO_RCVTIMEO) bound `accept` too: it then
    // fails with WouldBlock when no client came in time.
    socket2::SockRef::from(&listener).set_read_timeout(Some(REAP_EVERY))?;
    loop {
        reap_finished();
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            // No client within REAP_EVERY (or a signal): go round and reap.
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
                continue;
            }
            Err(e) => return Err(e),
        };
        // An accepted socket inherits the listener's options, its timeout
        // among them: the client's reads must wait as long as the client.
        stream.set_read_timeout(None)?;
        // SAFETY: fork is unsafe because a child of a process with several
        // threads gets only the calling thread, and may find locks held by
        // the others for ever. Our caller runs one thread, so the child is a
        // complete copy. It never returns from this match: it ends in _exit.
        match unsafe { fork() } {
            Ok(ForkResult::Child) => {
                // The child accepts nothing: its copy of the listener goes.
                drop(listener);
                // A panic must not unwind out of here, back into the loop:
                // this child would then accept clients as a second server.
                let code = match catch_unwind(AssertUnwindSafe(|| echo_lines(stream))) {
                    Ok(Ok(())) => 0,
                    Ok(Err(e)) => {
                        eprintln!("fork-server: client {peer}: {e}");
                        1
                    }
                    Err(_) => 101,
                };
                // SAFETY: _exit ends this process at once, without running
                // what belongs to the parent's copy of the program (atexit
                // handlers, a second flush of the parent's buffers).
                unsafe { libc::_exit(code) }
            }
            // The child has its own copy of the socket; the parent's must
            // close, or the client never sees the end of the connection.
            Ok(ForkResult::Parent { .. }) => drop(stream),
            Err(e) => eprintln!("fork-server: no process for client {peer}: {e}"),
        }
    }
}

/// Reaps every child that has ended, without waiting for those still
/// serving: `WNOHANG` makes `waitpid` say `StillAlive` instead of blocking.
fn reap_finished() {
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            // No child has ended (StillAlive), or there is no child (ECHILD).
            Ok(WaitStatus::StillAlive) | Err(_) => return,
            Ok(_) => {}
        }
    }
}
// ANCHOR_END: serve
