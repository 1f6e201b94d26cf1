//! # Exercise `ftp-client`: the file client (book: ch3/ftp-client.md)
//!
//! The client of the chapter's file server, over the protocol of
//! [`ftp_protocol`](super::ftp_protocol): one [`Connection`] is one session
//! of requests. A download lands like an upload does on the server: in a
//! hidden temporary file of the target folder, renamed only when complete,
//! and never over an existing file unless asked.
//!
//! - [`Connection::connect`], [`Connection::list`], [`Connection::get`],
//!   [`Connection::put`], [`Connection::quit`]: one request each.
//! - [`menu`]: the seed's menu (1 list, 2 download, 3 upload, 4 quit), read
//!   from any input, printed to any output.

// You will need more from the protocol: Reply, Request, check_name,
// copy_exact, read_reply and write_request.
use super::ftp_protocol::{NameError, ProtocolError, Status};
use std::io::{self, BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::time::Duration;

// ANCHOR: types
/// How long the client waits for the server: to connect, and for each read
/// or write.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// The longest listing the client accepts from a server: a hostile server
/// cannot make it allocate more.
pub const MAX_LISTING: u64 = 1 << 20;

/// The first bytes of a download in progress: hidden, like the server's
/// uploads.
pub const DOWNLOAD_PREFIX: &str = ".download-";

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The name breaks the protocol's rules: nothing was sent.
    #[error("bad name: {0}")]
    BadName(NameError),
    /// `get` would replace this local file, and `force` was not given.
    #[error("{} exists already (use --force to replace it)", .0.display())]
    LocalExists(PathBuf),
    /// A local file could not be read or written.
    #[error("{}: {error}", path.display())]
    LocalFile { path: PathBuf, error: io::Error },
    /// The server answered with this status (NotFound, Exists, Busy…).
    #[error("the server refused: {status:?}: {message}")]
    Refused { status: Status, message: String },
    /// The server's answer broke the protocol.
    #[error("bad reply from the server: {0}")]
    BadReply(String),
    /// Connecting, sending or receiving failed.
    #[error("network error: {0}")]
    Network(#[from] io::Error),
}

// Not `#[from]` on `BadName`: that would make the name's error its source
// too, and a report of the whole chain (`{:#}`) would say it twice.
impl From<NameError> for ClientError {
    fn from(error: NameError) -> Self {
        ClientError::BadName(error)
    }
}

impl From<ProtocolError> for ClientError {
    fn from(e: ProtocolError) -> Self {
        match e {
            ProtocolError::Io(e) => ClientError::Network(e),
            other => ClientError::BadReply(other.to_string()),
        }
    }
}

/// One session with the server.
#[derive(Debug)]
pub struct Connection {
    stream: TcpStream,
    reader: BufReader<TcpStream>,
}
// ANCHOR_END: types

impl Connection {
    // ANCHOR: connect
    /// Connects to `server` within [`TIMEOUT`], and bounds every later read
    /// and write by it.
    pub fn connect(server: SocketAddr) -> Result<Connection, ClientError> {
        // TODO: TcpStream::connect_timeout with TIMEOUT; set the read and write
        // timeouts; the reader is a BufReader over `stream.try_clone()?`.
        todo!("connect to {server} (book: ch3/ftp-client.md)")
    }
    // ANCHOR_END: connect

    // ANCHOR: list
    /// The names of the server's files: a List, an `Ok` with the listing's
    /// size (at most [`MAX_LISTING`], or [`ClientError::BadReply`]), then
    /// that many bytes, one name per line.
    pub fn list(&mut self) -> Result<Vec<String>, ClientError> {
        // TODO: write_request(List), read_reply (not Ok: Refused), refuse a
        // size over MAX_LISTING, copy_exact that many bytes into a Vec, split
        // its lines.
        let _ = self;
        todo!("list the server's files (book: ch3/ftp-client.md)")
    }
    // ANCHOR_END: list

    // ANCHOR: get
    /// Downloads `name` into the folder `dir`, and returns its size. Checks
    /// the name, and refuses an existing `dir/name` unless `force`, before
    /// sending anything. Streams the bytes into a hidden temporary file in
    /// `dir` ([`DOWNLOAD_PREFIX`]…), syncs it, then renames it to `name`:
    /// without replacing anything, or replacing the old file if `force`.
    /// Any error leaves `dir` as it was.
    pub fn get(&mut self, name: &str, dir: &Path, force: bool) -> Result<u64, ClientError> {
        // TODO: check_name; LocalExists unless `force` (symlink_metadata);
        // Get, and an Ok reply; a tempfile::Builder with DOWNLOAD_PREFIX in
        // `dir`; copy_exact; sync_all; persist_noclobber (persist if `force`).
        let _ = self;
        todo!("download {name:?} into {dir:?}, force {force} (book: ch3/ftp-client.md)")
    }
    // ANCHOR_END: get

    // ANCHOR: put
    /// Uploads the regular file `file` under its base name, and returns the
    /// size the server saved. Checks the name and opens the file before
    /// sending anything; sends Put with the size, and the bytes only after
    /// `Ready`, [`CHUNK`](super::ftp_protocol::CHUNK) at a time; then reads
    /// the final reply.
    pub fn put(&mut self, file: &Path) -> Result<u64, ClientError> {
        // TODO: the base name (file_name, to_str) and check_name; open the file
        // and take its size from its metadata; Put, and a Ready reply;
        // copy_exact the file to the stream; then the final reply.
        let _ = self;
        todo!("upload {file:?} (book: ch3/ftp-client.md)")
    }
    // ANCHOR_END: put

    // ANCHOR: quit
    /// Sends Quit and closes the connection.
    pub fn quit(self) -> Result<(), ClientError> {
        // TODO: write_request(Quit); dropping `self` closes the connection.
        let _ = (&self.stream, &self.reader);
        todo!("say goodbye (book: ch3/ftp-client.md)")
    }
    // ANCHOR_END: quit
}

// ANCHOR: menu
/// The seed's menu, for a person: prints the four choices and `choice: `,
/// reads a line from `input`; `1` prints the names (or `(no files)`), `2`
/// asks `file to download: ` and saves it into `dir` (never replacing a
/// file), `3` asks `file to upload: `, `4` or the end of `input` sends Quit
/// and returns. Anything else prints `please choose 1, 2, 3 or 4`. A
/// refusal or a local error is printed as one line and the menu goes on; a
/// lost connection (a network error, a bad reply) ends it with that error.
pub fn menu(
    server: SocketAddr,
    dir: &Path,
    input: &mut impl BufRead,
    output: &mut impl Write,
) -> Result<(), ClientError> {
    // TODO: connect; loop: print the four lines and `choice: `, read a
    // line (0 bytes: the end), act on it, print one line; `4` or the end:
    // quit. Print a refusal and go on; return a Network or BadReply error.
    let _ = (input, output);
    todo!("the menu for {server}, downloads into {dir:?} (book: ch3/ftp-client.md)")
}
// ANCHOR_END: menu
