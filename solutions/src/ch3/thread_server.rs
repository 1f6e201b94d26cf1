//! # Exercise `thread-server`: a thread per connection (book: ch3/thread-server.md)
//!
//! The seed's multi-threaded model (多线程并发模型): the main thread only
//! accepts; each client gets a thread of its own, which echoes its lines
//! until it leaves. A client that is idle, or slow, holds up only its own
//! thread.
//!
//! - [`serve`]: accept for ever, a thread per connection, each running the
//!   chapter's line echo, [`echo_lines`].

use std::io;
use std::net::TcpListener;
use std::thread;

pub use super::line_echo::{MAX_LINE, echo_lines};

// ANCHOR: serve
/// Accepts clients on `listener` for ever, and serves each on a thread of
/// its own with [`echo_lines`], so that the main thread is back in `accept`
/// at once. A client's failure ends only its thread (it is logged on
/// stderr); a thread the system refuses to start costs only that client.
///
/// Returns only when `accept` itself fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept()?;
        // The Builder, not `thread::spawn`: spawn panics when the system has
        // no thread to give, and the Builder returns that error instead.
        let spawned = thread::Builder::new()
            .name(format!("client {peer}"))
            .spawn(move || {
                if let Err(e) = echo_lines(stream) {
                    eprintln!("thread-server: client {peer}: {e}");
                }
            });
        // The handle is dropped: the thread runs on, detached. Joining it
        // here would wait for this client to leave before accepting the
        // next, which is the iterative server again.
        if let Err(e) = spawned {
            eprintln!("thread-server: no thread for client {peer}: {e}");
        }
    }
}
// ANCHOR_END: serve
