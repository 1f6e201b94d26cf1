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

use std::io::{self, BufRead};

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
    // TODO: return Err(HeaderError::BadName { name, why }) for the first rule
    // `name` breaks (empty, too long, a separator, a control character, a
    // leading dot, a space at either end); Ok(()) when it breaks none.
    todo!("check that {name:?} is a plain file name (book: ch1/upload-header.md)")
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
    // TODO: split the line into `UPLOAD`, the size and the name (the rest of
    // the line); check that the size is digits only and fits a u64; check the
    // name with `check_name`.
    todo!("parse the header line {line:?} (book: ch1/upload-header.md)")
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
    // TODO: read up to the first `\n`, but never more than MAX_HEADER bytes
    // (`Read::take`, then `BufRead::read_until`); tell a line that is too long
    // from one cut short by end of file; then `parse_header`.
    let _ = reader;
    todo!("read one header line of at most {MAX_HEADER} bytes (book: ch1/upload-header.md)")
}
// ANCHOR_END: read_header
