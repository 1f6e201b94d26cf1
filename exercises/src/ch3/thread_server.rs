//! # Exercise `thread-server`: a thread per connection (book: ch3/thread-server.md)
//!
//! The seed's multi-threaded model (多线程并发模型): the main thread only
//! accepts; each client gets a thread of its own, which echoes its lines
//! until it leaves.
//!
//! - [`serve`]: accept for ever, a thread per connection, each running the
//!   chapter's line echo, [`echo_lines`].

use std::io;
use std::net::TcpListener;

pub use super::line_echo::{MAX_LINE, echo_lines};

// ANCHOR: serve
/// Accepts clients on `listener` for ever, and serves each on a thread of
/// its own with [`echo_lines`], so that the main thread is back in `accept`
/// at once. A client's failure ends only its thread (it is logged on
/// stderr); a thread the system refuses to start costs only that client.
///
/// Returns only when `accept` itself fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // TODO: loop { accept; start a thread (thread::Builder) that runs
    // echo_lines(stream) and logs its error; do not join it }
    let addr = listener.local_addr()?;
    todo!(
        "accept clients on {addr}, each served on a thread of its own (book: ch3/thread-server.md)"
    )
}
// ANCHOR_END: serve
