//! # Exercise `iterative-server`: the iterative server (book: ch3/iterative-server.md)
//!
//! The first model of chapter 3, the seed's loop server (循环模型): one
//! thread accepts a client, echoes its lines until it leaves, and only then
//! accepts the next.
//!
//! - [`echo_lines`]: the line echo of one connection (the protocol of the
//!   whole chapter, with its limit of [`MAX_LINE`] bytes);
//! - [`serve`]: the loop that serves clients one after another.

use std::io;
use std::net::{TcpListener, TcpStream};

pub use super::line_echo::MAX_LINE;

// ANCHOR: echo_lines
/// Sends back every line the client sends on `stream`, unchanged and in
/// order: the bytes up to and including each `\n`, whatever pieces they
/// arrive in. Returns `Ok(())` when the client closes its side (what follows
/// its last `\n` is echoed first), and `Ok(())` when a line is longer than
/// [`MAX_LINE`] bytes before its `\n`: none of that line is echoed, and the
/// connection closes as `stream` is dropped. Errors are the connection's.
pub fn echo_lines(stream: TcpStream) -> io::Result<()> {
    // TODO: a BufReader over &stream; in a loop, read one line with
    // read_until, bounded by take(MAX_LINE as u64 + 1); 0 bytes: the client
    // closed; MAX_LINE + 1 bytes and no '\n': too long, stop; otherwise
    // write the line back, '\n' included.
    let peer = stream.peer_addr()?;
    todo!(
        "echo the lines of the client at {peer}, at most MAX_LINE bytes each (book: ch3/iterative-server.md)"
    )
}
// ANCHOR_END: echo_lines

// ANCHOR: serve
/// Accepts clients on `listener` one at a time, for ever: each is served by
/// [`echo_lines`] until it leaves, and only then is the next one accepted.
/// A client whose connection fails is logged on stderr; the server goes on.
///
/// Returns only when `accept` itself fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    // TODO: loop { accept; echo_lines(stream); log an error with eprintln! }
    let addr = listener.local_addr()?;
    todo!(
        "accept clients on {addr} and serve them one after another (book: ch3/iterative-server.md)"
    )
}
// ANCHOR_END: serve
