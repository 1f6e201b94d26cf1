//! # Exercise `select-server`: many clients in one thread: select (book: ch3/select-server.md)
//!
//! One thread, one loop, many clients. Every socket is non-blocking, and
//! the thread waits in `select` (nix's `sys::select`) for whichever of them
//! is ready: the listener (a client to accept), a connection with bytes to
//! read, or a connection whose output is waiting and that has room to send
//! it. Each connection keeps what it has read and not yet echoed (its
//! input) and what it owes the client and has not yet sent (its output), so
//! that no call ever waits on one client.
//!
//! - [`serve`]: the event loop.
//! - [`fits_in_fd_set`]: whether a descriptor can be watched by `select`
//!   (given).

use nix::sys::select::FD_SETSIZE;
use std::io;
use std::net::TcpListener;
use std::os::fd::{AsRawFd, BorrowedFd};

pub use super::line_echo::MAX_LINE;

/// How much a connection may owe its client before the server stops reading
/// from it, until it has sent some: a client that sends and never reads
/// cannot make the server hold more than this for it (and a line).
pub const MAX_OUTPUT: usize = 64 * 1024;

// ANCHOR: fits
/// Whether `fd` can go into an `fd_set`: a bit array of `FD_SETSIZE` bits,
/// for descriptors 0 to `FD_SETSIZE - 1`.
pub fn fits_in_fd_set(fd: BorrowedFd<'_>) -> bool {
    usize::try_from(fd.as_raw_fd()).is_ok_and(|fd| fd < FD_SETSIZE)
}
// ANCHOR_END: fits

// ANCHOR: serve
/// Serves the line echo to every client of `listener`, for ever, from the
/// calling thread alone: each line a client sends comes back to it, in
/// order; a line longer than [`MAX_LINE`] closes that connection (without
/// echoing any of it); what follows the last `\n` when the client closes
/// comes back before the connection closes.
///
/// Every socket is non-blocking, and the thread sleeps only in `select`,
/// which watches the listener, every connection that may send (for
/// reading), and every connection with output waiting (for writing). A
/// short write keeps the rest for the next pass. A connection that owes its
/// client [`MAX_OUTPUT`] bytes or more is not read until it has sent some
/// (backpressure: the server stops reading, the client's sends wait). The
/// thread is never woken while every client is idle. A connection whose
/// descriptor is `FD_SETSIZE` or more cannot be watched: it is closed at
/// once, with one line on stderr, and the others are served on.
///
/// Returns only when `select` or the listener fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // TODO: a struct per connection (its stream, input and output buffers,
    // whether it is done reading). listener.set_nonblocking(true); then loop:
    // build both FdSets anew (the listener and each connection that may read;
    // each connection with output, for writing); select with no timeout; then
    // accept until WouldBlock (refuse what !fits_in_fd_set, with a line on
    // stderr), read once from each readable connection (whole lines to the
    // output), write each output until WouldBlock (keep the rest), and drop
    // the connections that are done.
    let addr = listener.local_addr()?;
    todo!(
        "serve the clients of {addr} from one thread, waiting in select \
         (book: ch3/select-server.md, \"Your task\")"
    )
}
// ANCHOR_END: serve
