//! # Exercise `upload-header`: the upload's header line (book: ch1/upload-header.md)
//!
//! The first half of the file upload (`tcp-upload` is the second): the line
//! that opens every upload, and the rules that keep a client's file name
//! inside the server's folder. Pure functions: no sockets, and every test is
//! a table of lines.
//!
//! ## The protocol
//!
//! One upload per connection:
//!
//! ```text
//! client → server   UPLOAD <size> <name>\n      the header line, at most 1024 bytes
//!                   <exactly size bytes>        the file's content, any bytes at all
//!                   (end of file)               the client closes its writing half
//! server → client   OK <size>\n                 the file is saved under <name>
//!              or   ERR <reason>\n              nothing was saved
//! ```
//!
//! - `<size>` is the content's length in decimal bytes (digits only).
//! - `<name>` is the rest of the line: a plain file name, UTF-8, 1 to 255
//!   bytes, with no `/`, `\`, control character (NUL included), no leading
//!   `.` (so no `.`, `..` or hidden file), no space at either end.
//!
//! - [`check_name`]: the name rules;
//! - [`parse_header`]: the line, once read;
//! - [`read_header`]: reading the line from a stream, never more than
//!   [`MAX_HEADER`] bytes, and nothing past its `\n`.

use std::io::{self, BufRead, Read};

// ANCHOR: types
/// The longest header line the server reads, `\n` included. A longer one is
/// refused: a server never lets a client decide how much memory it uses.
pub const MAX_HEADER: usize = 1024;

/// The longest file name, in bytes (the usual limit of Linux file systems).
pub const MAX_NAME: usize = 255;

/// A parsed header line: `UPLOAD <size> <name>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    /// How many bytes of content follow the header.
    pub size: u64,
    /// The plain file name to save the content under.
    pub name: String,
}

/// What can be wrong with a header line. The server sends the `Display`
/// text after `ERR ` (see `tcp_upload`, which wraps this in its own error).
#[derive(Debug, thiserror::Error)]
pub enum HeaderError {
    /// The header line is not `UPLOAD <size> <name>`.
    #[error("bad header: {0}")]
    BadHeader(String),
    /// The header line did not end within [`MAX_HEADER`] bytes.
    #[error("bad header: longer than {MAX_HEADER} bytes")]
    HeaderTooLong,
    /// The name is not a plain file name (see the module's rules).
    #[error("bad name {name:?}: {why}")]
    BadName { name: String, why: &'static str },
    /// Reading the header line failed (the connection was reset, or timed out).
    #[error("network error: {0}")]
    Network(io::Error),
}
// ANCHOR_END: types

// ANCHOR: check_name
/// Checks that `name` is a plain file name that stays inside the upload folder:
/// UTF-8 (a `&str` already is), 1 to [`MAX_NAME`] bytes, no `/` or `\`, no
/// control character (NUL, tab, newline…), no leading `.` (which also rules
/// out `.` and `..`), no space at the start or the end.
///
/// Errors: [`HeaderError::BadName`], with the name and the rule it breaks.
pub fn check_name(name: &str) -> Result<(), HeaderError> {
    let bad = |why| {
        Err(HeaderError::BadName {
            name: name.to_string(),
            why,
        })
    };
    if name.is_empty() {
        return bad("empty");
    }
    if name.len() > MAX_NAME {
        return bad("longer than 255 bytes");
    }
    // A separator would let the name climb out of the folder (`../x`) or
    // into another one (`/etc/passwd`); `\` is a separator on Windows.
    if name.contains(['/', '\\']) {
        return bad("contains a path separator");
    }
    if name.chars().any(char::is_control) {
        return bad("contains a control character");
    }
    // `.` and `..` are the folder itself and its parent; other dot names
    // are hidden files, and the server's own temporary files look like that.
    if name.starts_with('.') {
        return bad("starts with a dot");
    }
    if name.starts_with(' ') || name.ends_with(' ') {
        return bad("starts or ends with a space");
    }
    Ok(())
}
// ANCHOR_END: check_name

// ANCHOR: parse_header
/// Parses one header line, given without its `\n`: `UPLOAD <size> <name>`,
/// one space between the fields, `<size>` in decimal digits only, `<name>`
/// the rest of the line (it may contain spaces), checked by [`check_name`].
///
/// Errors: [`HeaderError::BadHeader`] when the line is not of that shape or
/// the size is not a number that fits a `u64`; [`HeaderError::BadName`].
pub fn parse_header(line: &str) -> Result<Header, HeaderError> {
    let bad = |why: &str| Err(HeaderError::BadHeader(why.to_string()));
    // At most three pieces: the name is everything after the second space.
    let mut fields = line.splitn(3, ' ');
    if fields.next() != Some("UPLOAD") {
        return bad("expected `UPLOAD <size> <name>`");
    }
    let (Some(size), Some(name)) = (fields.next(), fields.next()) else {
        return bad("expected `UPLOAD <size> <name>`");
    };
    // `u64::from_str` would also take "+5"; the protocol says digits only.
    if size.is_empty() || !size.bytes().all(|b| b.is_ascii_digit()) {
        return bad("the size is not a decimal number");
    }
    let Ok(size) = size.parse::<u64>() else {
        return bad("the size is too large");
    };
    check_name(name)?;
    Ok(Header {
        size,
        name: name.to_string(),
    })
}
// ANCHOR_END: parse_header

// ANCHOR: read_header
/// Reads the header line from `reader` and parses it. Reads at most
/// [`MAX_HEADER`] bytes and nothing past the `\n`: what follows is content,
/// and stays in `reader`.
///
/// Errors: [`HeaderError::HeaderTooLong`] when no `\n` comes within
/// [`MAX_HEADER`] bytes; [`HeaderError::BadHeader`] when the input ends
/// before the `\n`, or the line is not UTF-8; [`HeaderError::Network`] on a
/// failed read; and whatever [`parse_header`] returns.
pub fn read_header(reader: &mut impl BufRead) -> Result<Header, HeaderError> {
    let mut line = Vec::new();
    // `take` puts a ceiling on what `read_until` may collect: without it, a
    // client that never sends `\n` would make the server buffer forever.
    reader
        .take(MAX_HEADER as u64)
        .read_until(b'\n', &mut line)
        .map_err(HeaderError::Network)?;
    if line.pop() != Some(b'\n') {
        return Err(if line.len() + 1 >= MAX_HEADER {
            HeaderError::HeaderTooLong
        } else {
            HeaderError::BadHeader("the connection ended before the header line did".to_string())
        });
    }
    let Ok(line) = String::from_utf8(line) else {
        return Err(HeaderError::BadHeader("not UTF-8".to_string()));
    };
    parse_header(&line)
}
// ANCHOR_END: read_header
