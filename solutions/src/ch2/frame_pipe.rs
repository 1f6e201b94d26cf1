//! # Exercise `frame-pipe`: messages from a child process (book: ch2/frame-pipe.md)
//!
//! Forked children send messages to their parent over one socket pair
//! (`UnixStream::pair()`, made before the fork). The pair is a byte stream,
//! so each message is framed as in chapter 1: its length (4 bytes, big
//! endian), then its bytes. This is the data half of the next exercise,
//! `process-queue`, on its own: one stream, many writers, one reader, and
//! the end of the stream when the last writer is gone.
//!
//! - [`send_frame`]: write one message as one frame.
//! - [`recv_frame`]: read one frame; `None` at a clean end of the stream.
//! - [`gather`]: fork one child per list of messages, collect every message
//!   in the parent, and reap every child.
//!
//! It starts its children with `spawn` and waits with `wait_for`, from the
//! exercise `fork-basics` (`super::fork_basics`).

use super::fork_basics::{Exit, ProcessError, spawn, wait_for};
use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;

// ANCHOR: limits
/// The longest message a frame may carry: 1 MiB. [`send_frame`] refuses a
/// longer one, and [`recv_frame`] refuses a prefix that announces more.
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// The length prefix of a frame: a `u32`, big endian, 4 bytes.
pub const PREFIX_LEN: usize = 4;
// ANCHOR_END: limits

// ANCHOR: error
/// Why [`gather`] failed.
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    /// A child could not be started (or waited for).
    #[error(transparent)]
    Process(#[from] ProcessError),
    /// Making the pair or reading a frame failed (a frame cut short, a
    /// length over [`MAX_MESSAGE`]).
    #[error("reading the children's messages failed: {0}")]
    Io(#[from] io::Error),
    /// The child number `index` (from 0, in the order of the lists) did not
    /// exit with 0: it could not send its messages.
    #[error("child {index} {exit}")]
    ChildFailed { index: usize, exit: Exit },
}
// ANCHOR_END: error

// ANCHOR: send_frame
/// Writes `message` (any bytes, even none) to `stream` as one frame: its
/// length as a big-endian `u32`, then the message, in one `write_all`.
///
/// Errors: `InvalidInput`, with nothing written, when the message is longer
/// than [`MAX_MESSAGE`]; the error of the write (`BrokenPipe` when the
/// reading end is closed everywhere).
pub fn send_frame(mut stream: &UnixStream, message: &[u8]) -> io::Result<()> {
    if message.len() > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "message over MAX_MESSAGE",
        ));
    }
    // Prefix and message in one buffer, written with one call: two writes
    // would let another child's frame land between them.
    let mut frame = Vec::with_capacity(PREFIX_LEN + message.len());
    frame.extend_from_slice(&(message.len() as u32).to_be_bytes());
    frame.extend_from_slice(message);
    stream.write_all(&frame)
}
// ANCHOR_END: send_frame

// ANCHOR: recv_frame
/// Reads one frame from `stream` and returns its message, waiting as long as
/// it takes. `Ok(None)`: the stream ended cleanly, before the first byte of
/// a frame (every writer has closed its end).
///
/// Errors: `UnexpectedEof` when the stream ends inside a frame (in its
/// prefix or its message); `InvalidData` when the prefix announces more than
/// [`MAX_MESSAGE`] bytes (checked before anything is allocated); any other
/// error of the reads.
pub fn recv_frame(mut stream: &UnixStream) -> io::Result<Option<Vec<u8>>> {
    let mut prefix = [0u8; PREFIX_LEN];
    // One plain read first: 0 bytes is the clean end, before any frame.
    let got = stream.read(&mut prefix)?;
    if got == 0 {
        return Ok(None);
    }
    // A frame has begun. read_exact reads until the buffer is full, and
    // fails with UnexpectedEof if the stream ends first: the right answer.
    stream.read_exact(&mut prefix[got..])?;
    let len = u32::from_be_bytes(prefix) as usize;
    // Before allocating: a broken stream must not make us reserve 4 GiB.
    if len > MAX_MESSAGE {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "frame over MAX_MESSAGE",
        ));
    }
    let mut message = vec![0u8; len];
    stream.read_exact(&mut message)?;
    Ok(Some(message))
}
// ANCHOR_END: recv_frame

// ANCHOR: gather
/// Forks one child per entry of `children`; child `i` sends the messages of
/// `children[i]`, in order, each as one frame, over one socket pair, then
/// exits with 0 (with 1, after printing why on stderr, if a send failed).
/// The parent reads every frame until the stream ends, then reaps every
/// child, and returns the messages in the order they arrived. (The messages
/// of one child arrive in its order; those of different children may come
/// mixed. With several children, keep each message short: see the page.)
///
/// Whatever happens, every child that was started is reaped before
/// `gather` returns. The first error wins: a child that could not be
/// started ([`GatherError::Process`]), a frame that could not be read
/// ([`GatherError::Io`]; the rest of the stream is then read and thrown
/// away, so that no child stays stuck writing), or a child that did not
/// exit with 0 ([`GatherError::ChildFailed`]).
pub fn gather(children: &[Vec<Vec<u8>>]) -> Result<Vec<Vec<u8>>, GatherError> {
    let (reader, writer) = UnixStream::pair()?;
    let mut first_error: Option<GatherError> = None;
    let mut pids = Vec::new();
    for messages in children {
        // What the child runs: its messages, one frame each; 1 if one failed.
        let send_all = || match messages.iter().try_for_each(|m| send_frame(&writer, m)) {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("frame-pipe: a child could not send a message: {e}");
                1
            }
        };
        match spawn(send_all) {
            Ok(pid) => pids.push(pid),
            Err(e) => {
                // Start no more, but still read and reap those started.
                first_error = Some(e.into());
                break;
            }
        }
    }
    // The parent sends nothing. While it held a write end, the stream could
    // never end, and the loop below would wait for ever.
    drop(writer);

    let mut messages = Vec::new();
    loop {
        match recv_frame(&reader) {
            Ok(Some(message)) => messages.push(message),
            Ok(None) => break,
            Err(e) => {
                // Throw the rest away, to the end: a child blocked on a full
                // socket would otherwise never exit.
                let _ = io::copy(&mut &reader, &mut io::sink());
                first_error.get_or_insert(e.into());
                break;
            }
        }
    }
    // Only now, with every child done writing, wait for them: waiting first
    // would leave a child that filled the socket's buffer waiting for us.
    for (index, pid) in pids.into_iter().enumerate() {
        let error = match wait_for(pid) {
            Ok(exit) if exit.success() => continue,
            Ok(exit) => GatherError::ChildFailed { index, exit },
            Err(e) => e.into(),
        };
        first_error.get_or_insert(error);
    }
    first_error.map_or(Ok(messages), Err)
}
// ANCHOR_END: gather
