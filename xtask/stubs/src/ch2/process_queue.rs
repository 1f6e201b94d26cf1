//! # Exercise `process-queue`: a queue between processes (book: ch2/process-queue.md)
//!
//! Python's `multiprocessing.Queue` (消息队列, message queue), rebuilt from
//! parts you can see: socket pairs made *before* `fork`, so that the parent
//! and its children all hold their ends. A [`Sender`] puts messages in, a
//! [`Receiver`] gets them out, in order, and at most `capacity` of them are
//! ever in flight: a sender that finds the queue full waits.
//!
//! ## Design
//!
//! Three socket pairs (`UnixStream::pair()`), each a two-way byte stream that
//! lives in the kernel:
//!
//! ```text
//!                     data: frames (4-byte length, then the message)
//!   Sender ── put ───────────────────────────────────────────────▶ Receiver
//!          ◀─────────────────────────────────────────────── get ──
//!                     credits: one byte per free slot
//!
//!   pen: one byte, shared by every copy of the Sender (a lock)
//! ```
//!
//! - **Framing.** The data pair is a byte stream, like TCP: the messages are
//!   framed with chapter 1's length prefix. (The few lines are written here
//!   again, rather than calling `ch1::framing`, so that this exercise stands
//!   on its own.)
//! - **Capacity.** The credit pair starts with `capacity` bytes in it. A
//!   sender takes one byte before each put; the receiver gives one back after
//!   each get. With no byte to take, the sender's `read` blocks: the queue is
//!   full. A counting semaphore (信号量) made of bytes, and the kernel keeps
//!   the count, across processes.
//! - **The pen.** After `fork`, every child holds a copy of the same
//!   `Sender`. Two processes writing frames to one stream at the same time
//!   could interleave their bytes, so a sender also takes the *pen*, the one
//!   byte of the pen pair, for the length of one frame: a lock is a semaphore
//!   with one token.
//! - **Closing.** The kernel closes a socket when the *last* descriptor for
//!   it is closed, in any process. When every copy of the `Sender` is gone,
//!   the receiver reads end-of-stream: [`QueueError::Disconnected`], never a
//!   wait for ever. When the `Receiver` is gone, a sender's `put` fails with
//!   [`QueueError::ReceiverGone`]. So after `fork`, each process drops the
//!   half it does not use.
//!
//! A process killed in the middle of a `put` leaves half a frame (the
//! receiver then reports [`QueueError::Truncated`]) or keeps the pen for
//! ever. Python's documentation gives the same warning about its queue.

use std::io::{self, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

// ANCHOR: limits
/// The longest message a queue carries: 1 MiB. `put` refuses a longer one,
/// and `get` refuses a length prefix that announces more.
pub const MAX_MESSAGE: usize = 1024 * 1024;

/// The largest capacity a queue may have. Every free slot is one byte
/// waiting in the credit pair's socket buffer; returned one at a time, each
/// byte costs the kernel a buffer of its own (about 750 bytes), so the count
/// stays far below what one socket buffer holds (about 270 such bytes).
pub const MAX_CAPACITY: usize = 64;

/// The length prefix of a frame: a `u32`, big endian, 4 bytes.
pub const PREFIX_LEN: usize = 4;
// ANCHOR_END: limits

// ANCHOR: error
/// What can go wrong with a queue.
#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// [`queue`] was asked for a capacity of 0, or of more than [`MAX_CAPACITY`].
    #[error("a capacity of {capacity} is not allowed: it must be 1 to {MAX_CAPACITY} messages")]
    BadCapacity { capacity: usize },
    /// A message (or an announced length) is over [`MAX_MESSAGE`].
    #[error("a message of {len} bytes is over the limit of {max} bytes")]
    TooLong { len: usize, max: usize },
    /// Every copy of the [`Sender`], in every process, is gone, and every
    /// message has been taken out: nothing will ever come again.
    #[error("every sender is gone: no more messages will come")]
    Disconnected,
    /// The [`Receiver`] is gone: nobody will ever get this message.
    #[error("the receiver is gone: nobody will get this message")]
    ReceiverGone,
    /// The stream ended inside a message: a sender stopped in the middle of a
    /// `put` (it was killed). The queue cannot be used any more.
    #[error("the queue ended inside a message: a sender stopped in the middle of a put")]
    Truncated,
    /// A socket failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}
// ANCHOR_END: error

// ANCHOR: types
/// The putting side of a queue. Made before `fork`, it is copied into every
/// child; each process that does not put messages should drop its copy.
#[derive(Debug)]
pub struct Sender {
    /// The sender's end of the data pair: frames are written here.
    data: UnixStream,
    /// The sender's end of the credit pair: one byte read = one free slot taken.
    credits: UnixStream,
    /// The pen pair, both ends: read its one byte to take the pen, write it
    /// back to give the pen back.
    pen_take: UnixStream,
    pen_give: UnixStream,
}

/// The getting side of a queue. Only one process should keep it.
#[derive(Debug)]
pub struct Receiver {
    /// The receiver's end of the data pair: frames are read here.
    data: UnixStream,
    /// The receiver's end of the credit pair: one byte written = one slot freed.
    credits: UnixStream,
}
// ANCHOR_END: types

// ANCHOR: tokens
/// Takes one token (one byte) from `stream`, waiting as long as it takes for
/// one to arrive (given). `Ok(false)`: none ever will, because every
/// descriptor of the other end is closed.
pub fn take_token(mut stream: &UnixStream) -> io::Result<bool> {
    let mut token = [0u8; 1];
    match stream.read_exact(&mut token) {
        Ok(()) => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => Ok(false),
        Err(e) => Err(e),
    }
}

/// Puts one token (one byte) into `stream`, for the other end to take (given).
pub fn give_token(mut stream: &UnixStream) -> io::Result<()> {
    stream.write_all(&[1])
}
// ANCHOR_END: tokens

// ANCHOR: queue
/// A new queue holding at most `capacity` messages at a time: its two halves.
/// Call it before `fork`; then each process keeps the half it uses.
///
/// Errors: [`QueueError::BadCapacity`] unless `1 <= capacity <= MAX_CAPACITY`;
/// [`QueueError::Io`] when the sockets cannot be made.
pub fn queue(capacity: usize) -> Result<(Sender, Receiver), QueueError> {
    // TODO: check the capacity; make the three pairs with UnixStream::pair();
    // put `capacity` credits into the credit pair (from the receiver's end)
    // and the one pen token into the pen pair; hand out the two halves.
    todo!(
        "make a queue of capacity {capacity} from three socket pairs (book: ch2/process-queue.md)"
    )
}
// ANCHOR_END: queue

impl Sender {
    // ANCHOR: put
    /// Puts `message` (any bytes, even empty) at the end of the queue. When
    /// `capacity` messages are already in flight, waits until the receiver
    /// gets one. Messages from one sender arrive in the order they were put;
    /// those of senders in different processes never mix their bytes.
    ///
    /// Errors: [`QueueError::TooLong`] (nothing is sent) when the message is
    /// longer than [`MAX_MESSAGE`]; [`QueueError::ReceiverGone`] when the
    /// receiver is gone; [`QueueError::Io`] when a socket fails.
    pub fn put(&mut self, message: &[u8]) -> Result<(), QueueError> {
        // TODO: refuse a message over MAX_MESSAGE; take a credit (if none will
        // ever come, the receiver is gone); take the pen; write the frame
        // (length prefix, then the message) in one write_all; give the pen
        // back, whatever the write did; a BrokenPipe means the receiver is gone.
        let _ = (&self.data, &self.credits, &self.pen_take, &self.pen_give);
        todo!(
            "put a message of {} bytes into the queue (book: ch2/process-queue.md)",
            message.len()
        )
    }
    // ANCHOR_END: put
}

impl Receiver {
    // ANCHOR: get
    /// Takes the oldest message out of the queue, waiting as long as it takes
    /// for one to arrive, and frees its slot for the senders.
    ///
    /// Errors: [`QueueError::Disconnected`] when the queue is empty and every
    /// sender is gone; [`QueueError::Truncated`] when the stream ends inside a
    /// message; [`QueueError::TooLong`] when a prefix announces more than
    /// [`MAX_MESSAGE`] bytes; [`QueueError::Io`] when a socket fails.
    pub fn get(&mut self) -> Result<Vec<u8>, QueueError> {
        // TODO: read a frame from the data pair, with no read timeout (end of
        // stream before its first byte: Disconnected; inside it: Truncated);
        // then give one credit back (a BrokenPipe or a ConnectionReset there
        // is no error: every sender is gone).
        let _ = (&self.data, &self.credits);
        todo!("get the next message from the queue (book: ch2/process-queue.md)")
    }
    // ANCHOR_END: get

    // ANCHOR: get_timeout
    /// Like [`Receiver::get`], but waits at most `timeout` for a message to
    /// *begin* to arrive: `Ok(None)` when none did. (Once a message has
    /// begun, the rest is read to its end: a sender writes a frame in one go.)
    /// A zero `timeout` still takes a message that is already waiting.
    ///
    /// Errors: as for [`Receiver::get`]; an empty queue whose senders are all
    /// gone is [`QueueError::Disconnected`], not `Ok(None)`.
    pub fn get_timeout(&mut self, timeout: Duration) -> Result<Option<Vec<u8>>, QueueError> {
        // TODO: set a read timeout on the data pair for the first read only
        // (set_read_timeout refuses zero: wait at least a millisecond); a
        // WouldBlock or TimedOut error there is Ok(None). Then read the rest
        // of the frame as `get` does, with the timeout off again.
        todo!("get a message, waiting at most {timeout:?} for one (book: ch2/process-queue.md)")
    }
    // ANCHOR_END: get_timeout
}
