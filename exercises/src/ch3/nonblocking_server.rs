//! # Exercise `nonblocking-server`: many clients, non-blocking, without select (book: ch3/nonblocking-server.md)
//!
//! The seed's non-blocking accept loop, grown into a server for many
//! clients on one thread: every socket is non-blocking, and one loop tries
//! the listener and then each client in turn. `WouldBlock` means "nothing
//! yet", never "gone". Each connection keeps the bytes it has read and the
//! bytes it still owes its client; a short write keeps the rest for the next
//! pass. When a whole pass finds nothing to do, the loop sleeps [`PAUSE`]
//! (it never spins), and, at most once every [`LOG_EVERY`], writes a line to
//! its log: the work it does while nobody comes.
//!
//! - [`serve`]: the loop, for ever.

use std::io::{self, Write};
use std::net::TcpListener;
use std::time::Duration;

pub use super::line_echo::MAX_LINE;

/// How long the loop sleeps after a pass that found nothing to do: the most
/// a new client, or a new line, waits before the loop looks again.
pub const PAUSE: Duration = Duration::from_millis(10);

/// How often, at most, the idle loop writes its line to the log.
pub const LOG_EVERY: Duration = Duration::from_secs(1);

/// How the idle line starts (the rest says how many clients are connected,
/// and how many passes found nothing since the last line).
pub const IDLE_LINE: &str = "idle:";

// ANCHOR: serve
/// Serves the line echo to every client of `listener` at once, on the
/// calling thread only, without blocking anywhere but in a short sleep:
/// the listener and every accepted socket are non-blocking.
///
/// Each pass accepts every connection waiting, then gives each client a
/// turn: write what it is owed, read what it sent, echo its whole lines. A
/// line over [`MAX_LINE`] closes that connection (after the lines before
/// it). A pass that finds nothing to do sleeps [`PAUSE`], and writes one
/// line starting with [`IDLE_LINE`] to `log` if the last was at least
/// [`LOG_EVERY`] ago. A client's error ends only its connection (it is
/// logged too).
///
/// Returns only when `accept` itself fails, or the log cannot be written.
pub fn serve(listener: TcpListener, log: &mut dyn Write) -> io::Result<()> {
    // TODO: set the listener non-blocking; keep a Vec of clients, each with
    // its stream (non-blocking too), its input and what it is owed. Loop:
    // accept until WouldBlock; give each client its turn (write what it is
    // owed, read until WouldBlock, move whole lines to what it is owed, write
    // again); a pass that did nothing logs (at most once per LOG_EVERY) and
    // sleeps PAUSE.
    let addr = listener.local_addr()?;
    let _ = log;
    todo!(
        "serve the clients of {addr} on one thread, every socket non-blocking, pausing {} ms when \
         a pass finds nothing (book: ch3/nonblocking-server.md)",
        PAUSE.as_millis()
    )
}
// ANCHOR_END: serve
