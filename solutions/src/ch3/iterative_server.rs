//! # Exercise `iterative-server`: the iterative server (book: ch3/iterative-server.md)
//!
//! The first model of chapter 3, the seed's loop server (循环模型): one
//! thread accepts a client, echoes its lines until it leaves, and only then
//! accepts the next. Simple, and no client waits for a thread or a process
//! to start; but while one client is connected, every other one waits.
//!
//! - [`echo_lines`]: the line echo of one connection (the protocol of the
//!   whole chapter, with its limit of [`MAX_LINE`] bytes);
//! - [`serve`]: the loop that serves clients one after another.

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::{TcpListener, TcpStream};

pub use super::line_echo::MAX_LINE;

/// The size of the read and write buffers: a whole line and its `\n` fit.
const BUFFER: usize = 16 * 1024;

// ANCHOR: echo_lines
/// Sends back every line the client sends on `stream`, unchanged and in
/// order: the bytes up to and including each `\n`, whatever pieces they
/// arrive in. Returns `Ok(())` when the client closes its side (what follows
/// its last `\n` is echoed first), and `Ok(())` when a line is longer than
/// [`MAX_LINE`] bytes before its `\n`: none of that line is echoed, and the
/// connection closes as `stream` is dropped. Errors are the connection's.
pub fn echo_lines(stream: TcpStream) -> io::Result<()> {
    // Both halves over `&TcpStream`: it implements Read and Write.
    let mut reader = BufReader::with_capacity(BUFFER, &stream);
    let mut writer = BufWriter::with_capacity(BUFFER, &stream);
    // One byte more than a line may hold: reading it means "too long".
    let limit = MAX_LINE as u64 + 1;
    let mut line = Vec::with_capacity(MAX_LINE + 1);
    loop {
        // Nothing buffered: the next read may wait for the client, so send
        // what we owe it first. Lines that came in one read go back in one
        // write, and no line sits in our buffer while we wait.
        if reader.buffer().is_empty() {
            writer.flush()?;
        }
        line.clear();
        // `take` bounds the read: one endless line costs us MAX_LINE + 1
        // bytes, never all our memory. Bytes, not a String: any byte but
        // '\n' may be in a line.
        let n = (&mut reader).take(limit).read_until(b'\n', &mut line)?;
        if n == 0 {
            return writer.flush(); // the client closed its side
        }
        if !line.ends_with(b"\n") && n as u64 == limit {
            // The limit stopped the read before any '\n': the line is too
            // long. The lines before it go back; this one does not.
            return writer.flush();
        }
        // The line with its '\n' (or the client's last piece, at its end).
        writer.write_all(&line)?;
    }
}
// ANCHOR_END: echo_lines

// ANCHOR: serve
/// Accepts clients on `listener` one at a time, for ever: each is served by
/// [`echo_lines`] until it leaves, and only then is the next one accepted.
/// A client whose connection fails is logged on stderr; the server goes on.
///
/// Returns only when `accept` itself fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    loop {
        let (stream, peer) = listener.accept()?;
        // One client's trouble (a reset, say) is that client's, not the
        // server's: log it, and accept the next.
        if let Err(e) = echo_lines(stream) {
            eprintln!("iterative-server: client {peer}: {e}");
        }
    }
}
// ANCHOR_END: serve
