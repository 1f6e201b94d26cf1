//! Message framing (消息分帧), the fix for the sticky-packet problem (粘包): length-prefixed messages over a TCP byte stream.
//!
//! TCP delivers a stream of bytes, not a sequence of messages: one `write` of
//! ten bytes may arrive as three reads, and three writes may arrive as one.
//! To send messages, the sender must say where each one ends. Here every
//! message travels as a *frame*: its length first, then its bytes.
//!
//! ```text
//! +--------------------+--------------------------------+
//! | length: u32, big   | `length` bytes: the message    |
//! | endian (4 bytes)   | (any bytes, even 0x00 or '#')  |
//! +--------------------+--------------------------------+
//! ```
//!
//! - [`encode`] and [`write_frame`] make frames;
//! - [`Decoder`] takes bytes in whatever pieces they arrive and hands back
//!   whole messages;
//! - [`read_frame`] reads exactly one frame from a reader;
//! - [`send_records`] and [`receive_records`] are the seed's exercise, done
//!   right: text records over TCP, one line each in the receiver's file.
//!
//! The book's page: `ch1/framing.md`.

use std::io::{self, Read, Write};

// ANCHOR: format
/// The largest message a frame may carry unless a caller says otherwise:
/// 1 MiB. A receiver refuses a longer length before reading (or allocating)
/// anything more.
pub const MAX_FRAME: usize = 1024 * 1024;

/// The length prefix: a `u32`, big endian (network byte order), 4 bytes.
pub const PREFIX_LEN: usize = 4;

/// What can go wrong while framing.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A message (or an announced length) is over the limit.
    #[error("a frame of {len} bytes is over the limit of {max} bytes")]
    TooLong { len: usize, max: usize },
    /// The stream ended in the middle of a frame: the sender stopped, or the
    /// connection broke. `got` bytes of the frame (prefix included) arrived out
    /// of `expected` (just the prefix's 4 while the prefix is incomplete).
    #[error("the stream ended inside a frame, after {got} of its {expected} bytes")]
    UnexpectedEof { got: usize, expected: usize },
    /// A record holds a `\n`, but the receiver stores one record per line.
    #[error("record {index} contains a newline, but records are stored one per line")]
    NewlineInRecord { index: usize },
    /// The reader or writer underneath failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}
// ANCHOR_END: format

// ANCHOR: encode
/// Makes the frame of `message`: its length as a 4-byte big-endian `u32`,
/// then the message itself. An empty message makes the frame `[0, 0, 0, 0]`.
///
/// Errors: [`FrameError::TooLong`] (with `max` = [`MAX_FRAME`]) when the
/// message is longer than [`MAX_FRAME`].
pub fn encode(message: &[u8]) -> Result<Vec<u8>, FrameError> {
    // TODO: refuse a message over MAX_FRAME; then the length as 4 big-endian
    // bytes (`u32::to_be_bytes`), followed by the message.
    todo!(
        "frame a message of {} bytes: 4-byte big-endian length, then the bytes (book: ch1/framing.md)",
        message.len()
    )
}
// ANCHOR_END: encode

/// Writes the frame of `message` to `writer` (given: [`encode`], then one
/// `write_all`).
pub fn write_frame(writer: &mut impl Write, message: &[u8]) -> Result<(), FrameError> {
    // One write of the whole frame, not one for the prefix and one for the
    // message: two small writes on a TCP socket can wait on each other
    // (Nagle's algorithm holds back the second until the first is acknowledged).
    let frame = encode(message)?;
    writer.write_all(&frame)?;
    Ok(())
}

// ANCHOR: decoder
/// Turns bytes, pushed in whatever pieces they arrived in, back into messages.
///
/// ```text
/// push(b"\0\0")            next_frame() -> Ok(None)        (prefix incomplete)
/// push(b"\0\x02h")         next_frame() -> Ok(None)        (message incomplete)
/// push(b"i\0\0\0\0")       next_frame() -> Ok(Some(b"hi")), then Ok(Some(b"")),
///                          then Ok(None)
/// ```
pub struct Decoder {
    /// Bytes pushed but not yet returned as part of a frame.
    buffer: Vec<u8>,
    /// The longest message this decoder accepts.
    max_len: usize,
}

impl Decoder {
    /// A decoder that accepts messages of at most `max_len` bytes (given).
    pub fn new(max_len: usize) -> Self {
        Decoder {
            buffer: Vec::new(),
            max_len,
        }
    }

    /// Adds bytes just read from the stream (given).
    pub fn push(&mut self, bytes: &[u8]) {
        self.buffer.extend_from_slice(bytes);
    }

    /// How many bytes are pushed but not yet returned (given).
    pub fn buffered(&self) -> usize {
        self.buffer.len()
    }

    /// The next whole message, if the pushed bytes hold one: `Ok(Some(message))`
    /// and its frame is removed from the buffer; `Ok(None)` when more bytes are
    /// needed (call again after the next `push`).
    ///
    /// Errors: [`FrameError::TooLong`] (with `max` = this decoder's `max_len`)
    /// as soon as the 4 length bytes announce more than `max_len`, without
    /// waiting for (or making room for) the message itself.
    pub fn next_frame(&mut self) -> Result<Option<Vec<u8>>, FrameError> {
        // TODO: fewer than 4 bytes buffered? Nothing yet. Otherwise read the
        // length, check it against `self.max_len` at once, and wait until the
        // whole message is buffered; then take the frame out of `self.buffer`.
        todo!(
            "decode the next frame from {} buffered bytes, limit {} (book: ch1/framing.md)",
            self.buffer.len(),
            self.max_len
        )
    }
}
// ANCHOR_END: decoder

// ANCHOR: read_frame
/// Reads exactly one frame from `reader` and returns its message; reads no
/// byte past the frame, so the next call finds the next frame.
///
/// - `Ok(None)`: the stream ended cleanly, before the first byte of a frame
///   (the sender is done).
/// - [`FrameError::UnexpectedEof`]: the stream ended inside a frame (in the
///   prefix or in the message).
/// - [`FrameError::TooLong`] (with `max` = `max_len`): the prefix announces
///   more than `max_len` bytes; nothing more is read.
/// - [`FrameError::Io`]: the reader failed.
///
/// A reader may return any number of bytes per `read`, even one at a time.
pub fn read_frame(reader: &mut impl Read, max_len: usize) -> Result<Option<Vec<u8>>, FrameError> {
    // TODO: read the 4 prefix bytes in a loop (a read may return fewer),
    // telling "ended before the first byte" from "ended half-way"; check the
    // length; then read exactly that many bytes.
    let _ = reader;
    todo!("read one frame of at most {max_len} bytes from the reader (book: ch1/framing.md)")
}
// ANCHOR_END: read_frame

// ANCHOR: records
/// The seed's exercise: sends each record as one frame, then flushes. The
/// receiver knows the records are over when the stream ends (the caller
/// closes it), so no end marker is needed.
///
/// Errors: [`FrameError::NewlineInRecord`] (with the index of the first bad
/// record) when a record contains `\n`, checked before anything is sent;
/// [`FrameError::Io`] when writing fails.
pub fn send_records(stream: &mut impl Write, records: &[&str]) -> Result<(), FrameError> {
    // TODO: check every record for '\n' first, then one frame per record
    // (`write_frame`), then flush.
    let _ = stream;
    todo!("send {records:?} as one frame each (book: ch1/framing.md)")
}

/// The other end: reads frames (of at most [`MAX_FRAME`] bytes) until the
/// stream ends cleanly, writes each record to `out` followed by `\n`, and
/// returns how many records it wrote.
///
/// Errors: whatever [`read_frame`] reports; [`FrameError::NewlineInRecord`]
/// (index counted from 0) when a record contains `\n`, which would turn one
/// record into two lines; [`FrameError::Io`] when writing to `out` fails.
pub fn receive_records(stream: &mut impl Read, out: &mut impl Write) -> Result<usize, FrameError> {
    // TODO: `read_frame` until it returns Ok(None); refuse a record holding
    // '\n'; write each record and a '\n' to `out`; count them.
    let _ = (stream, out);
    todo!("receive framed records and write one line each (book: ch1/framing.md)")
}
// ANCHOR_END: records
