//! The line echo of one connection, given: the kit's copy of what you write
//! in the exercise `iterative-server` (book: ch3/iterative-server.md).
//!
//! Every model of chapter 3 serves the same protocol. The blocking models
//! after the first (a thread per connection, a process per connection, a
//! pool) each run [`echo_lines`] for every client they accept; they call
//! this copy rather than yours, so that each exercise stands on its own: a
//! thread server is not failed by an iterative server you have not finished.
//! (This file is not an exercise: it is the same in `exercises/` and
//! `solutions/`. Write your own `echo_lines` first, then compare.)

use std::io::{self, BufRead, BufReader, BufWriter, Read, Write};
use std::net::TcpStream;

/// The longest line, in bytes, not counting its `\n`: 8 KiB. A longer line
/// closes its connection.
pub const MAX_LINE: usize = 8 * 1024;

/// The size of the read and write buffers: a whole line of [`MAX_LINE`],
/// and its `\n`, fits in one.
const BUFFER: usize = 16 * 1024;

/// Sends back every line the client sends, unchanged and in order, until the
/// client closes its side (then `Ok(())`) or a line is longer than
/// [`MAX_LINE`] (then `Ok(())` too, without echoing any of that line: the
/// connection closes when the stream is dropped). What follows the last `\n`
/// when the client closes is echoed as well. Errors are the connection's.
pub fn echo_lines(stream: TcpStream) -> io::Result<()> {
    let mut reader = BufReader::with_capacity(BUFFER, &stream);
    let mut writer = BufWriter::with_capacity(BUFFER, &stream);
    let limit = MAX_LINE as u64 + 1;
    let mut line = Vec::with_capacity(MAX_LINE + 1);
    loop {
        // About to read: if nothing is buffered, the read may wait for the
        // client, so first send what we owe it. Lines that arrived together
        // go back in one write; none waits in our buffer while we wait.
        if reader.buffer().is_empty() {
            writer.flush()?;
        }
        line.clear();
        // At most MAX_LINE + 1 bytes, however long the client's line is.
        let n = (&mut reader).take(limit).read_until(b'\n', &mut line)?;
        if n == 0 {
            // End of file: the client has closed its side.
            return writer.flush();
        }
        if !line.ends_with(b"\n") && n as u64 == limit {
            // The limit stopped the read before any '\n': too long. Send the
            // lines before it, none of this one, and close.
            return writer.flush();
        }
        // A whole line with its '\n' (or the last piece before end of file).
        writer.write_all(&line)?;
    }
}
