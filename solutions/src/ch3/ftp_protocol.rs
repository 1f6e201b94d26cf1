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
        use Status::*;
        [
            Ok,
            Ready,
            NotFound,
            BadName,
            Exists,
            BadRequest,
            TooLong,
            ServerError,
            Busy,
        ]
        .into_iter()
        .find(|status| *status as u8 == code)
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
    if name.is_empty() {
        return Err(NameError::Empty);
    }
    if name.len() > MAX_NAME {
        return Err(NameError::TooLong { len: name.len() });
    }
    let bytes = name.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    if name.starts_with(['/', '\\']) || drive {
        return Err(NameError::Absolute);
    }
    if let Some(separator) = name.chars().find(|c| matches!(c, '/' | '\\')) {
        return Err(NameError::Separator(separator));
    }
    if name == "." || name == ".." {
        return Err(NameError::Dots);
    }
    if name.starts_with('.') {
        return Err(NameError::Hidden);
    }
    if name.contains('\0') {
        return Err(NameError::Nul);
    }
    if let Some(control) = name.chars().find(|c| c.is_control()) {
        return Err(NameError::Control(control));
    }
    Ok(())
}
// ANCHOR_END: check_name

// ANCHOR: frames
/// Writes one frame: the payload's length as a big-endian `u32`, then the
/// payload, with one `write_all` (then `flush`).
///
/// Errors: `InvalidInput`, with nothing written, when the payload is over
/// [`MAX_FRAME`]; the write's error.
fn write_frame(writer: &mut impl Write, payload: &[u8]) -> io::Result<()> {
    if payload.len() > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("a payload of {} bytes is over MAX_FRAME", payload.len()),
        ));
    }
    let mut frame = Vec::with_capacity(4 + payload.len());
    frame.extend_from_slice(&(payload.len() as u32).to_be_bytes());
    frame.extend_from_slice(payload);
    writer.write_all(&frame)?;
    writer.flush()
}

/// Reads one frame and returns its payload; `Ok(None)` when the stream ends
/// before the frame's first byte (a clean end).
///
/// A `read` may return fewer bytes than asked, however few were sent: every
/// part is read to its end (`read_exact`), never taken from one `read`.
fn read_frame(reader: &mut impl Read) -> Result<Option<Vec<u8>>, ProtocolError> {
    let mut prefix = [0u8; 4];
    // The first byte alone: end of file here is a clean end.
    loop {
        match reader.read(&mut prefix[..1]) {
            Ok(0) => return Ok(None),
            Ok(_) => break,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e.into()),
        }
    }
    reader.read_exact(&mut prefix[1..])?;
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_FRAME {
        return Err(ProtocolError::TooLong { len: len as u64 });
    }
    let mut payload = vec![0u8; len];
    reader.read_exact(&mut payload)?;
    Ok(Some(payload))
}
// ANCHOR_END: frames

/// Splits a payload into its code, its size and the rest.
fn split_header(payload: &[u8]) -> Option<(u8, u64, &[u8])> {
    if payload.len() < HEADER_LEN {
        return None;
    }
    let size = u64::from_be_bytes(payload[1..HEADER_LEN].try_into().ok()?);
    Some((payload[0], size, &payload[HEADER_LEN..]))
}

// ANCHOR: write_request
/// Writes `request` as one frame. List and Quit are one byte, their code;
/// Get is `b'G'` then the name; Put is `b'P'`, the size, then the name.
///
/// Errors: `InvalidInput`, with nothing written, when a name breaks
/// [`check_name`]; the write's error.
pub fn write_request(writer: &mut impl Write, request: &Request) -> io::Result<()> {
    let refuse = |e: NameError| io::Error::new(io::ErrorKind::InvalidInput, e);
    let payload = match request {
        Request::List => vec![b'L'],
        Request::Quit => vec![b'Q'],
        Request::Get { name } => {
            check_name(name).map_err(refuse)?;
            [b"G", name.as_bytes()].concat()
        }
        Request::Put { name, size } => {
            check_name(name).map_err(refuse)?;
            [&b"P"[..], &size.to_be_bytes(), name.as_bytes()].concat()
        }
    };
    write_frame(writer, &payload)
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
    let Some(payload) = read_frame(reader)? else {
        return Ok(None);
    };
    let malformed = |why: &str| Err(ProtocolError::Malformed(why.to_string()));
    let Some((&code, rest)) = payload.split_first() else {
        return malformed("an empty frame");
    };
    let name = |bytes: &[u8]| -> Result<String, ProtocolError> {
        let name = std::str::from_utf8(bytes)
            .map_err(|_| ProtocolError::Malformed("the name is not UTF-8".to_string()))?;
        // The name is checked here, once, for every caller: a Request never
        // holds a name that could leave the folder.
        check_name(name)?;
        Ok(name.to_string())
    };
    match code {
        b'L' | b'Q' if !rest.is_empty() => malformed("bytes after a one-byte request"),
        b'L' => Ok(Some(Request::List)),
        b'Q' => Ok(Some(Request::Quit)),
        b'G' => Ok(Some(Request::Get { name: name(rest)? })),
        b'P' => match split_header(&payload) {
            Some((_, size, bytes)) => Ok(Some(Request::Put {
                name: name(bytes)?,
                size,
            })),
            None => malformed("a put without its 8-byte size"),
        },
        other => Err(ProtocolError::Malformed(format!(
            "unknown request code {other:#04x}"
        ))),
    }
}
// ANCHOR_END: read_request

// ANCHOR: write_reply
/// Writes `reply` as one frame: the status's byte, the size, the message,
/// the message cut (at a character's boundary) to fit [`MAX_FRAME`].
pub fn write_reply(writer: &mut impl Write, reply: &Reply) -> io::Result<()> {
    let mut message = reply.message.as_str();
    while HEADER_LEN + message.len() > MAX_FRAME {
        let mut end = MAX_FRAME - HEADER_LEN;
        while !message.is_char_boundary(end) {
            end -= 1;
        }
        message = &message[..end];
    }
    let payload = [
        &[reply.status as u8][..],
        &reply.size.to_be_bytes(),
        message.as_bytes(),
    ]
    .concat();
    write_frame(writer, &payload)
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
    let Some(payload) = read_frame(reader)? else {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "the server closed the connection without a reply",
        )
        .into());
    };
    let Some((code, size, message)) = split_header(&payload) else {
        return Err(ProtocolError::Malformed(format!(
            "a reply of {} bytes, shorter than {HEADER_LEN}",
            payload.len()
        )));
    };
    let Some(status) = Status::from_code(code) else {
        return Err(ProtocolError::Malformed(format!(
            "unknown status {code:#04x}"
        )));
    };
    Ok(Reply {
        status,
        size,
        message: String::from_utf8_lossy(message).into_owned(),
    })
}
// ANCHOR_END: read_reply

// ANCHOR: copy_exact
/// Copies exactly `size` bytes from `from` to `to`, at most [`CHUNK`] at a
/// time, and never reads beyond them (what follows is the next frame).
///
/// Errors: `UnexpectedEof`, saying how many bytes came, when `from` ends
/// first; the error of a read or a write.
pub fn copy_exact(from: &mut impl Read, to: &mut impl Write, size: u64) -> io::Result<()> {
    let mut buf = vec![0u8; CHUNK.min(size as usize).max(1)];
    let mut done: u64 = 0;
    while done < size {
        let want = (size - done).min(buf.len() as u64) as usize;
        let n = match from.read(&mut buf[..want]) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!("the stream ended after {done} of {size} bytes"),
                ));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        to.write_all(&buf[..n])?;
        done += n as u64;
    }
    to.flush()
}
// ANCHOR_END: copy_exact
