//! # Exercise `tcp-upload`: uploading a file over TCP (book: ch1/tcp-upload.md)
//!
//! A client sends one file to a server, which saves it into a folder. The
//! seed's version ended the file with a `##` marker, which breaks on binary
//! data, and wrote wherever the client's file name pointed. This one is sound.
//! The header line and its checks are the exercise before this one, in
//! [`upload_header`](super::upload_header).
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
//! - The end of the content is known twice: the size says how many bytes to
//!   expect, and the closed writing half (`shutdown(Write)`) says the client
//!   sent everything. End of file before `size` bytes is a broken upload (a
//!   killed client looks just like that); more bytes than `size` is refused.
//! - A name that already exists in the folder is refused with `ERR exists`:
//!   an upload never replaces a file.
//! - The server writes into a temporary file in the target folder and renames
//!   it to `<name>` only when the upload is complete: a failed upload leaves
//!   no file behind, and nothing is ever written outside the folder.

// You will need more from upload_header: check_name, read_header, and
// MAX_HEADER (to bound the reply the client reads).
use super::upload_header::HeaderError;
use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ANCHOR: types
/// How many bytes the server reads from the network at a time.
pub const CHUNK: usize = 64 * 1024;

/// How long either side waits for the other to send something before giving
/// up: a silent client must not hold the (one-at-a-time) server forever.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Everything that can go wrong with an upload. The server sends the
/// `Display` text after `ERR `; the last four happen only to the client.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The header line is wrong (its text is the [`HeaderError`]'s own:
    /// `bad header: …` or `bad name …`).
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The client closed its writing half before sending `expected` bytes.
    #[error("incomplete: got {got} of {expected} bytes")]
    Incomplete { got: u64, expected: u64 },
    /// More bytes came after the `expected` ones.
    #[error("more data than declared: expected {expected} bytes")]
    TooMuchData { expected: u64 },
    /// A file of that name is already in the folder; it is left untouched.
    #[error("exists: {0}")]
    Exists(String),
    /// Writing the file failed on the server.
    #[error("disk error: {0}")]
    Disk(io::Error),
    /// The connection failed (refused, reset, timed out).
    #[error("network error: {0}")]
    Network(io::Error),
    /// The client could not read the file it was asked to upload.
    #[error("cannot read {}: {error}", path.display())]
    LocalFile { path: PathBuf, error: io::Error },
    /// The server answered `ERR <reason>`.
    #[error("the server refused the upload: {0}")]
    Refused(String),
    /// The server's answer was neither `OK <size>` nor `ERR <reason>`.
    #[error("unexpected reply from the server: {0}")]
    BadReply(String),
}
// ANCHOR_END: types

// ANCHOR: receive
/// Receives one upload from `stream` into the folder `dir`, and returns the
/// number of bytes saved. Reads the header ([`read_header`]); refuses a name
/// that already exists in `dir`; streams exactly `size` bytes, [`CHUNK`] by
/// [`CHUNK`], into a temporary file in `dir`; then requires end of file; then
/// saves the file to disk and renames it to its name, never replacing one.
/// Any error leaves `dir` as it was: no file, no temporary file.
///
/// Errors: those of [`read_header`] (as [`UploadError::Header`]); [`UploadError::Exists`];
/// [`UploadError::Incomplete`]; [`UploadError::TooMuchData`];
/// [`UploadError::Disk`]; [`UploadError::Network`].
pub fn receive(stream: &mut TcpStream, dir: &Path) -> Result<u64, UploadError> {
    // TODO: read the header; refuse a name that exists in `dir`; stream exactly
    // `size` bytes, CHUNK at a time, into `tempfile::NamedTempFile::new_in(dir)`;
    // check for end of file; `sync_all`, then `persist_noclobber` to the name.
    let _ = stream;
    todo!("receive one upload into {dir:?} (book: ch1/tcp-upload.md)")
}
// ANCHOR_END: receive

// ANCHOR: serve
/// Serves uploads into `dir`, one connection after the other, forever: for
/// each client, sets a read timeout of [`TIMEOUT`], runs [`receive`], replies
/// `OK <size>\n` or `ERR <reason>\n` (the error's text), logs the outcome to
/// stderr, and closes the connection. A bad client never stops the server.
///
/// Returns only when `accept` fails.
pub fn serve(listener: TcpListener, dir: &Path) -> io::Result<()> {
    // TODO: loop: accept a client, set its read timeout, call `receive`, reply
    // `OK <size>\n` or `ERR <error>\n`, log to stderr, and go on to the next.
    let _ = listener;
    todo!("serve uploads into {dir:?} (book: ch1/tcp-upload.md)")
}
// ANCHOR_END: serve

// ANCHOR: upload
/// Uploads the file at `file` to the server at `server`, under the file's own
/// name, and returns the size the server confirmed. Sends the header line,
/// then the content (streamed, never whole in memory), then closes the
/// writing half; then reads the one-line reply.
///
/// Errors: [`UploadError::Header`] (a bad name) when the file's name breaks the rules
/// (checked before connecting); [`UploadError::LocalFile`];
/// [`UploadError::Network`]; [`UploadError::Refused`] with the reason the
/// server gave after `ERR `; [`UploadError::BadReply`].
pub fn upload(server: SocketAddr, file: &Path) -> Result<u64, UploadError> {
    // TODO: check the file's name; open it and learn its size; connect; send
    // `UPLOAD <size> <name>\n` and the content (`io::copy`); `shutdown(Write)`;
    // read the reply line: `OK <size>` → Ok(size), `ERR <reason>` → Refused.
    todo!("upload {file:?} to {server} (book: ch1/tcp-upload.md)")
}
// ANCHOR_END: upload
