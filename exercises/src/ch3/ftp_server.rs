//! # Exercise `ftp-server`: the file server (book: ch3/ftp-server.md)
//!
//! The seed's file server, done right: a pool of worker threads serves the
//! clients of one folder, the *root*, over the protocol of
//! [`ftp_protocol`](super::ftp_protocol). A client may list the root's files,
//! download one, upload one, as often as it likes on one connection.
//!
//! - [`list_files`]: the regular files of the root, sorted, and nothing else.
//! - [`serve_client`]: one connection's requests, until Quit, the end, an
//!   error that loses the frames' step, or the idle timeout.
//! - [`serve`]: the workers, the bounded queue, and the accept loop.
//!
//! Nothing outside the root is read or written: every name passes
//! `check_name` (in `read_request`), downloads are opened with `O_NOFOLLOW`,
//! and uploads go to a hidden temporary file in the root, renamed to their
//! name only when complete, never over an existing file.

// You will need from the protocol: CHUNK, ProtocolError, Reply, Request,
// Status, check_name, copy_exact, read_request and write_reply.
use std::io;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::time::Duration;

// ANCHOR: options
/// The first bytes of the name of an upload in progress: a hidden name, so
/// [`list_files`] never shows it and no client can ask for it.
pub const TEMP_PREFIX: &str = ".upload-";

/// How the server is sized.
#[derive(Debug, Clone)]
pub struct Options {
    /// Worker threads, started once (at least 1): at most this many clients
    /// are served at a time.
    pub workers: usize,
    /// Accepted connections that may wait for a worker; one more is sent
    /// [`Status::Busy`] and closed.
    pub queue: usize,
    /// The longest a client may keep its worker waiting for its next bytes
    /// (or for room to send it bytes); then it is dropped.
    pub idle_timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            workers: 16,
            queue: 16,
            idle_timeout: Duration::from_secs(30),
        }
    }
}
// ANCHOR_END: options

// ANCHOR: list_files
/// The names of the regular files directly in `root`, sorted (by their
/// bytes). Not listed: folders, symbolic links (whatever they point to),
/// anything else that is not a regular file, and names that break
/// `check_name` (hidden ones, the temporary files of uploads among them).
/// Each entry is looked at with `symlink_metadata`, which does not follow a
/// link. Errors: reading the folder failed.
pub fn list_files(root: &Path) -> io::Result<Vec<String>> {
    // TODO: fs::read_dir; for each entry, the name as a String (skip one that
    // is not UTF-8), kept if check_name accepts it and
    // fs::symlink_metadata(path) says is_file(); then sort.
    todo!("list the regular files of {root:?} (book: ch3/ftp-server.md)")
}
// ANCHOR_END: list_files

// ANCHOR: serve_client
/// Serves the requests of one client on `stream`, in order, until it sends
/// Quit or ends the stream cleanly (then `Ok(())`), or until the stream is
/// lost (then the error): an error that leaves the frames out of step (a
/// frame over the limit gets its [`Status::TooLong`] first), a failed read
/// or write, or no byte for `idle_timeout` (reads and writes both time out).
///
/// - List: `Ok` with the size of the listing, then the listing: each name of
///   [`list_files`] followed by `\n`.
/// - Get: `NotFound` unless the name is a regular file of the root, opened
///   without following a symlink; else `Ok` with its size, then exactly that
///   many bytes, [`CHUNK`] at a time.
/// - Put: `Exists` if the name is taken (a symlink too); else `Ready`, then
///   exactly `size` bytes into a temporary file in the root named
///   [`TEMP_PREFIX`]…, synced, then renamed to the name without replacing
///   anything: `Ok` with the size, or `Exists` if the name was taken
///   meanwhile. A failed upload leaves no file, temporary or not.
/// - A malformed frame or a bad name: its status (`BadRequest`, `BadName`)
///   and the next request. A disk error: `ServerError`.
pub fn serve_client(stream: &TcpStream, root: &Path, idle_timeout: Duration) -> io::Result<()> {
    // TODO: set the read and write timeouts; a BufReader over the stream;
    // loop on read_request and answer each request as listed above. Open a
    // download with OpenOptionsExt::custom_flags(libc::O_NOFOLLOW); upload
    // into tempfile::Builder::new().prefix(TEMP_PREFIX).tempfile_in(root),
    // then persist_noclobber.
    let _ = stream;
    todo!("serve one client from {root:?}, idle timeout {idle_timeout:?} (book: ch3/ftp-server.md)")
}
// ANCHOR_END: serve_client

// ANCHOR: serve
/// Starts `options.workers` threads, then accepts clients on `listener` for
/// ever, as the pool server does: each connection goes into a queue of at
/// most `options.queue`; when it is full, the new connection gets
/// [`Status::Busy`] and is closed at once. Each worker runs
/// [`serve_client`] for one connection at a time, and logs its end to
/// stderr. Nothing a client sends can stop the server.
///
/// Errors: `InvalidInput` when `workers` is 0 or `root` is not a folder; a
/// worker that cannot be started; `accept` failing.
pub fn serve(listener: TcpListener, root: &Path, options: &Options) -> io::Result<()> {
    // TODO: the pool server's shape: a sync_channel(options.queue), the
    // workers (each runs serve_client), then accept and try_send; when the
    // queue is full, a Busy reply and a close.
    let _ = listener;
    todo!("serve {root:?} with {options:?} (book: ch3/ftp-server.md)")
}
// ANCHOR_END: serve
