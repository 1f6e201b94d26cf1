//! # Exercise `pool-server`: a pool of threads (book: ch3/pool-server.md)
//!
//! A fixed number of worker threads, started once, and a bounded queue of
//! accepted connections between them and the accepting thread. When the
//! queue is full, a new client gets one line, [`BUSY`], and is closed.
//!
//! - [`serve`]: start the workers, then accept for ever, handing each
//!   connection to the queue or turning it away.

use std::io;
use std::net::TcpListener;

pub use super::line_echo::{MAX_LINE, echo_lines};

// ANCHOR: busy
/// The one line a client gets when every worker is busy and the queue is
/// full, just before its connection is closed.
pub const BUSY: &[u8] = b"busy: try again later\n";
// ANCHOR_END: busy

// ANCHOR: serve
/// Starts `workers` threads, then accepts clients on `listener` for ever.
/// Each connection goes into a queue of at most `queue` connections, from
/// which the workers take them, one at a time each, and serve them with
/// [`echo_lines`]. When the queue is full, the connection gets [`BUSY`] and
/// is closed at once: the accepting thread never waits for a worker, and
/// the server never holds more than `workers + queue` clients.
///
/// Returns an error when `workers` is 0 (`InvalidInput`), when a worker
/// cannot be started, when `accept` fails, or when every worker has
/// stopped.
pub fn serve(listener: TcpListener, workers: usize, queue: usize) -> io::Result<()> {
    // TODO: a sync_channel(queue), its Receiver shared by the workers in an
    // Arc<Mutex<…>>; start `workers` threads, each looping: lock, recv, let
    // go of the lock, echo_lines. Then loop { accept; try_send; when Full,
    // write BUSY (without blocking) and drop the stream }
    let addr = listener.local_addr()?;
    todo!(
        "accept clients on {addr} for {workers} worker thread(s) and a queue of {queue} \
         (book: ch3/pool-server.md, \"Your task\")"
    )
}
// ANCHOR_END: serve
