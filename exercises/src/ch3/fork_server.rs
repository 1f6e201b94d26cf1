//! # Exercise `fork-server`: a process per connection (book: ch3/fork-server.md)
//!
//! The seed's multi-process model (多进程并发模型): the parent only accepts;
//! each client gets a child process of its own, a copy of the server made by
//! `fork`, which echoes its lines until the client leaves and then exits.
//! The parent reaps each child soon after it ends.
//!
//! - [`serve`]: accept for ever, a child process per connection, each
//!   running the chapter's line echo, [`echo_lines`]; reap finished
//!   children as the loop goes round.

use std::io;
use std::net::TcpListener;

pub use super::line_echo::{MAX_LINE, echo_lines};

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
    // TODO: give accept a timeout (socket2's set_read_timeout); loop {
    // reap with waitpid(None, WNOHANG) until StillAlive; accept (a timeout
    // goes round); clear the stream's inherited timeout; fork: the child
    // drops the listener, runs echo_lines and _exits; the parent drops the
    // stream }
    let addr = listener.local_addr()?;
    todo!(
        "accept clients on {addr}, each served in a child process of its own, \
         reaped as it ends (book: ch3/fork-server.md)"
    )
}
// ANCHOR_END: serve
