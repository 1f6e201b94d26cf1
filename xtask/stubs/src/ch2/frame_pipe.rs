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

use super::fork_basics::{Exit, ProcessError};
use std::io;
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
    // TODO: refuse a message over MAX_MESSAGE (io::ErrorKind::InvalidInput)
    // before writing anything; then put the length (u32::to_be_bytes) and the
    // message into one buffer and write it with one write_all (add
    // `use std::io::Write;` at the top).
    let _ = &mut stream;
    todo!(
        "send a frame of {} bytes (book: ch2/frame-pipe.md, \"Your task\")",
        message.len()
    )
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
    // TODO: one `read` into the 4-byte prefix first: 0 bytes is the clean
    // end, Ok(None). Then read_exact the rest of the prefix, check the length
    // against MAX_MESSAGE (io::ErrorKind::InvalidData), and read_exact the
    // message. (read_exact fails with UnexpectedEof when the stream ends
    // inside the frame: that error is the right answer there. Add
    // `use std::io::Read;` at the top.)
    let _ = &mut stream;
    todo!("read one frame (book: ch2/frame-pipe.md, \"Your task\")")
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
    // TODO: make the pair; spawn one child per list, which sends its messages
    // with send_frame and returns 0 (1 if a send failed). Then, in this order:
    // drop the parent's write end, recv_frame until Ok(None), and wait_for
    // every child. Keep the first error, and return it only after the reaping.
    // (Import `spawn` and `wait_for` from super::fork_basics.)
    todo!(
        "fork {} children and gather their messages (book: ch2/frame-pipe.md, \"Your task\")",
        children.len()
    )
}
// ANCHOR_END: gather
