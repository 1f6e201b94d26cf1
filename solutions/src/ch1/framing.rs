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
    if message.len() > MAX_FRAME {
        return Err(FrameError::TooLong {
            len: message.len(),
            max: MAX_FRAME,
        });
    }
    // The check above makes the length fit in a u32 (MAX_FRAME is far below
    // u32::MAX), so this conversion cannot cut anything off.
    let len = message.len() as u32;
    let mut frame = Vec::with_capacity(PREFIX_LEN + message.len());
    frame.extend_from_slice(&len.to_be_bytes());
    frame.extend_from_slice(message);
    Ok(frame)
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
        // First the prefix: without its 4 bytes we know nothing yet.
        let Some(prefix) = self.buffer.first_chunk::<PREFIX_LEN>() else {
            return Ok(None);
        };
        let len = u32::from_be_bytes(*prefix) as usize;
        // Check the length *before* waiting for the message: a peer that
        // announces 4 GiB must not make us buffer (or allocate) 4 GiB.
        if len > self.max_len {
            return Err(FrameError::TooLong {
                len,
                max: self.max_len,
            });
        }
        let end = PREFIX_LEN + len;
        if self.buffer.len() < end {
            return Ok(None);
        }
        let message = self.buffer[PREFIX_LEN..end].to_vec();
        // Whatever follows (the start of the next frame) stays for next time.
        self.buffer.drain(..end);
        Ok(Some(message))
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
    let mut prefix = [0u8; PREFIX_LEN];
    let got = read_fully(reader, &mut prefix)?;
    if got == 0 {
        return Ok(None);
    }
    if got < PREFIX_LEN {
        return Err(FrameError::UnexpectedEof {
            got,
            expected: PREFIX_LEN,
        });
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > max_len {
        return Err(FrameError::TooLong { len, max: max_len });
    }
    // `take` stops the read at the frame's end. The vector grows with what
    // really arrives, so a peer that announces 1 MiB and sends nothing costs
    // us nothing.
    let mut message = Vec::new();
    reader.by_ref().take(len as u64).read_to_end(&mut message)?;
    if message.len() < len {
        return Err(FrameError::UnexpectedEof {
            got: PREFIX_LEN + message.len(),
            expected: PREFIX_LEN + len,
        });
    }
    Ok(Some(message))
}

/// Reads until `buf` is full or the stream ends; returns how many bytes it
/// got. Unlike `read_exact`, it tells "ended before anything" (0) from "ended
/// half-way" (between 0 and `buf.len()`).
fn read_fully(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            // A signal interrupted the read: nothing went wrong, try again.
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(got)
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
    // Check them all first: a refused batch sends nothing, rather than
    // leaving the receiver with half of it.
    if let Some(index) = records.iter().position(|record| record.contains('\n')) {
        return Err(FrameError::NewlineInRecord { index });
    }
    for record in records {
        write_frame(stream, record.as_bytes())?;
    }
    stream.flush()?;
    Ok(())
}

/// The other end: reads frames (of at most [`MAX_FRAME`] bytes) until the
/// stream ends cleanly, writes each record to `out` followed by `\n`, and
/// returns how many records it wrote.
///
/// Errors: whatever [`read_frame`] reports; [`FrameError::NewlineInRecord`]
/// (index counted from 0) when a record contains `\n`, which would turn one
/// record into two lines; [`FrameError::Io`] when writing to `out` fails.
pub fn receive_records(stream: &mut impl Read, out: &mut impl Write) -> Result<usize, FrameError> {
    let mut count = 0;
    while let Some(record) = read_frame(stream, MAX_FRAME)? {
        // The sender checks this too, but a receiver trusts no sender.
        if record.contains(&b'\n') {
            return Err(FrameError::NewlineInRecord { index: count });
        }
        out.write_all(&record)?;
        out.write_all(b"\n")?;
        count += 1;
    }
    out.flush()?;
    Ok(count)
}
// ANCHOR_END: records
