//! # Exercise `ftp-protocol`: the file server's protocol (book: ch3/ftp-protocol.md)
//!
//! The messages of the chapter's file server (the seed's "ftp 文件服务器"),
//! framed so that neither side ever guesses where a message ends: no
//! `sleep`, no `##` marker. Every request and every reply is one *frame*:
//!
//! ```text
//! frame     length: u32, big endian     how many bytes follow, at most MAX_FRAME
//!           payload: length bytes       a request or a reply
//! request   code: u8                    b'L' list, b'G' get, b'P' put, b'Q' quit
//!           size: u64, big endian       put only: how many bytes the file has
//!           name: the rest, UTF-8       get and put only: a checked file name
//! reply     status: u8                  a Status
//!           size: u64, big endian       how many bytes follow the frame (or were saved)
//!           message: the rest, UTF-8    for a person: why, in a few words
//! ```
//!
//! A file's bytes (and a listing's) are not framed: they follow a frame that
//! announces their number, so they may hold any bytes at all.
//!
//! - [`check_name`]: the one rule for file names, for both sides.
//! - [`write_request`], [`read_request`]: a request to and from the wire.
//! - [`write_reply`], [`read_reply`]: a reply to and from the wire.
//! - [`copy_exact`]: a file's bytes, exactly `size` of them, a chunk at a time.

use std::io::{self, Read, Write};

// ANCHOR: limits
/// The longest payload a frame may carry. A length prefix over it is refused
/// before anything is allocated: a peer cannot make us reserve 4 GiB.
pub const MAX_FRAME: usize = 1024;

/// The longest file name, in bytes (Linux's `NAME_MAX`).
pub const MAX_NAME: usize = 255;

/// How many bytes [`copy_exact`] moves at a time: a file is never whole in
/// memory, on either side.
pub const CHUNK: usize = 64 * 1024;

/// A request's code and size come before its name; a reply's status and size
/// before its message.
pub const HEADER_LEN: usize = 1 + 8;
// ANCHOR_END: limits

// ANCHOR: request
/// What a client asks for. A name in a `Request` that [`read_request`]
/// returned has passed [`check_name`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// The names of the files the server offers. Code `b'L'`.
    List,
    /// One file's bytes. Code `b'G'`.
    Get { name: String },
    /// Store `size` bytes under `name`: the client sends them after the
    /// server's [`Status::Ready`]. Code `b'P'`.
    Put { name: String, size: u64 },
    /// The client is done; the server closes the connection. Code `b'Q'`.
    Quit,
}
// ANCHOR_END: request

// ANCHOR: status
/// The first byte of every reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Status {
    /// Done. To a list or a get: `size` bytes follow the frame. To a put's
    /// bytes: `size` bytes are saved.
    Ok = 0,
    /// To a put: send your `size` bytes now.
    Ready = 1,
    /// No file of that name.
    NotFound = 2,
    /// The name breaks [`check_name`].
    BadName = 3,
    /// A file of that name exists already: it is never replaced.
    Exists = 4,
    /// Not a request: an unknown code, a payload too short, an empty frame.
    BadRequest = 5,
    /// A frame announced more than [`MAX_FRAME`] bytes; the server closes.
    TooLong = 6,
    /// The server failed (a disk error); nothing was saved.
    ServerError = 7,
    /// Every worker is busy and the queue is full: sent at once to a new
    /// connection, which is then closed. Try again later.
    Busy = 8,
}

impl Status {
    /// The status of byte `code`, if there is one.
    pub fn from_code(code: u8) -> Option<Status> {
        // TODO: the Status whose `as u8` is `code`, or None.
        todo!("the status of the byte {code} (book: ch3/ftp-protocol.md)")
    }
}
// ANCHOR_END: status

// ANCHOR: reply
/// What the server answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub status: Status,
    /// For [`Status::Ok`] and [`Status::Ready`], a number of bytes (see
    /// there); 0 otherwise.
    pub size: u64,
    /// For a person; may be empty. [`write_reply`] cuts it to fit a frame.
    pub message: String,
}
// ANCHOR_END: reply

// ANCHOR: errors
/// Why a file name is refused. The text is what a person reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NameError {
    #[error("the name is empty")]
    Empty,
    #[error("the name has {len} bytes, more than {MAX_NAME}")]
    TooLong { len: usize },
    #[error("an absolute path is not a file name")]
    Absolute,
    #[error("a path separator {0:?} is not allowed in a name")]
    Separator(char),
    #[error("`.` and `..` are folders, not files")]
    Dots,
    #[error("hidden names (starting with `.`) are not served")]
    Hidden,
    #[error("the name contains a NUL byte")]
    Nul,
    #[error("the name contains the control character {0:?}")]
    Control(char),
}

/// Why a request or a reply could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    /// The length prefix announced more than [`MAX_FRAME`] bytes (none of
    /// them were read).
    #[error("a frame of {len} bytes is over the limit of {MAX_FRAME}")]
    TooLong { len: u64 },
    /// A whole frame was read, but it is no request or reply.
    #[error("malformed frame: {0}")]
    Malformed(String),
    /// A whole request was read, with a name that breaks [`check_name`].
    #[error("bad name: {0}")]
    BadName(NameError),
    /// The stream ended inside a frame, or before a reply; or a read failed.
    #[error(transparent)]
    Io(#[from] io::Error),
}

// Not `#[from]` on `BadName`: that would make the name's error its source
// too, and a report of the whole chain (`{:#}`) would say it twice.
impl From<NameError> for ProtocolError {
    fn from(error: NameError) -> Self {
        ProtocolError::BadName(error)
    }
}

impl ProtocolError {
    /// Whether the stream is still at the start of a frame after this error,
    /// so that the connection can go on: true when the whole frame was read.
    pub fn in_sync(&self) -> bool {
        matches!(
            self,
            ProtocolError::Malformed(_) | ProtocolError::BadName(_)
        )
    }

    /// The status a server answers this error with.
    pub fn status(&self) -> Status {
        match self {
            ProtocolError::TooLong { .. } => Status::TooLong,
            ProtocolError::BadName(_) => Status::BadName,
            ProtocolError::Malformed(_) | ProtocolError::Io(_) => Status::BadRequest,
        }
    }
}
// ANCHOR_END: errors

// ANCHOR: check_name
/// Accepts `name` only if it can only mean one file directly inside the
/// server's folder. Refused, in this order: empty; over [`MAX_NAME`] bytes;
/// absolute (starts with `/` or `\`, or a drive like `C:`); containing `/`
/// or `\`; `.` or `..`; hidden (starts with `.`); containing NUL; containing
/// any other control character (`char::is_control`: `\n`, `\t`, DEL…).
pub fn check_name(name: &str) -> Result<(), NameError> {
    // TODO: one `if … { return Err(NameError::…) }` per rule, in the order
    // above. `name.len()` counts bytes; `name.chars().find(…)` finds the first
    // separator or control character; `char::is_control` knows them all.
    todo!("check the file name {name:?} (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: check_name

// ANCHOR: write_request
/// Writes `request` as one frame. List and Quit are one byte, their code;
/// Get is `b'G'` then the name; Put is `b'P'`, the size, then the name.
///
/// Errors: `InvalidInput`, with nothing written, when a name breaks
/// [`check_name`]; the write's error.
pub fn write_request(writer: &mut impl Write, request: &Request) -> io::Result<()> {
    // TODO: build the payload (the code, for Put the size as `to_be_bytes`,
    // the name), refusing a bad name first; then the frame: the payload's
    // length as a big-endian u32, then the payload, in one write_all.
    let _ = writer;
    todo!("write the request {request:?} as one frame (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: write_request

// ANCHOR: read_request
/// Reads one request; `Ok(None)` at a clean end of the stream.
///
/// Errors: [`ProtocolError::TooLong`]; [`ProtocolError::Malformed`] for an
/// empty frame, an unknown code, a Put shorter than its size, bytes after a
/// List or Quit, a name that is not UTF-8; [`ProtocolError::BadName`] when
/// the name breaks [`check_name`]; [`ProtocolError::Io`] (`UnexpectedEof`
/// when the stream ends inside a frame).
pub fn read_request(reader: &mut impl Read) -> Result<Option<Request>, ProtocolError> {
    // TODO: read one frame: the first byte alone (end of file there is
    // Ok(None)), `read_exact` the rest of the prefix, refuse a length over
    // MAX_FRAME, `read_exact` the payload. Then decode it by its first byte,
    // and check every name with check_name.
    let _ = reader;
    todo!("read one request (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: read_request

// ANCHOR: write_reply
/// Writes `reply` as one frame: the status's byte, the size, the message,
/// the message cut (at a character's boundary) to fit [`MAX_FRAME`].
pub fn write_reply(writer: &mut impl Write, reply: &Reply) -> io::Result<()> {
    // TODO: the payload is the status's byte, the size's 8 bytes and the
    // message, cut to fit MAX_FRAME at a char boundary; frame it as
    // write_request does.
    let _ = writer;
    todo!("write the reply {reply:?} as one frame (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: write_reply

// ANCHOR: read_reply
/// Reads one reply. The end of the stream is an error here: a client that
/// asked something is owed an answer.
///
/// Errors: [`ProtocolError::Io`] with `UnexpectedEof` when the stream ends
/// (before or inside the frame); [`ProtocolError::TooLong`];
/// [`ProtocolError::Malformed`] for a payload shorter than
/// [`HEADER_LEN`] or an unknown status (a message that is not UTF-8 is
/// read lossily).
pub fn read_reply(reader: &mut impl Read) -> Result<Reply, ProtocolError> {
    // TODO: read one frame as read_request does (here the end of the stream
    // is UnexpectedEof); split off the status byte and the size; the rest is
    // the message (String::from_utf8_lossy).
    let _ = reader;
    todo!("read one reply (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: read_reply

// ANCHOR: copy_exact
/// Copies exactly `size` bytes from `from` to `to`, at most [`CHUNK`] at a
/// time, and never reads beyond them (what follows is the next frame).
///
/// Errors: `UnexpectedEof`, saying how many bytes came, when `from` ends
/// first; the error of a read or a write.
pub fn copy_exact(from: &mut impl Read, to: &mut impl Write, size: u64) -> io::Result<()> {
    // TODO: a buffer of at most CHUNK bytes; loop until `size` bytes are
    // copied, each read asking for at most what is left; a read of 0 bytes
    // before the end is UnexpectedEof.
    let _ = (from, to);
    todo!("copy exactly {size} bytes (book: ch3/ftp-protocol.md)")
}
// ANCHOR_END: copy_exact
