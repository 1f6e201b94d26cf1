//! # Exercise `web-server`: the static web server, on an event loop (book: ch4/web-server.md)
//!
//! The seed's web server, made whole: it serves the files under one folder
//! (`/` is `index.html`, a missing file gets the site's own `404.html`) to
//! every browser at once, from one thread, with mio (epoll underneath).
//! Each connection is kept open for the next request (keep-alive), answers
//! pipelined requests in order, streams a large file with `sendfile`
//! instead of reading it whole, and is closed when it has been idle for
//! too long. Nothing outside the folder is ever served.
//!
//! - [`decode_target`]: a request's target as the bytes of a path.
//! - [`resolve`]: the file a target names under the root, or the status that
//!   refuses it (400, 403, 404).
//! - [`content_type`]: the `Content-Type` of a file, by its extension.
//! - [`serve`]: the event loop.
//!
//! It builds on the chapter's two other exercises: requests come from
//! [`super::http_request::Parser`], answers go through
//! [`super::http_response`].

// The imports are the reference's, for your code to use; until it does, rustc
// would warn that most of them are unused.
#![allow(unused_imports)]

use super::http_request::{self, Parser, Request};
use super::http_response::{self, Response, imf_fixdate, keep_alive, reason};
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, ErrorKind, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

// ANCHOR: limits
/// How long a connection may do nothing (no byte read, none written) before
/// it is closed: a browser's idle keep-alive connection, or a client that
/// sent half a request and stopped.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);

/// Past this many bytes of pending output (256 KiB), a connection is no
/// longer read: a client that pipelines requests faster than it reads the
/// answers must not make the server's memory grow.
pub const HIGH_WATER: usize = 256 * 1024;

/// Files up to this size (64 KiB) are read into the output, after their
/// head, and go out in one write; larger ones are sent with `sendfile`,
/// from the page cache to the socket, a piece at a time.
pub const SMALL_FILE: u64 = 64 * 1024;

/// The most bytes a connection may send without a whole request coming
/// out of them (64 KiB): a head is at most some 16 KiB, and this server
/// serves GET and HEAD, which need no body. More gets 413 and a close: a
/// `Content-Length` of many gigabytes would otherwise make the parser hold
/// them all.
pub const MAX_REQUEST: usize = 64 * 1024;

/// The most connections served at once; one more gets a 503 and is closed.
pub const MAX_CONNECTIONS: usize = 10_000;
// ANCHOR_END: limits

/// What [`serve`] is told: the folder it serves, and its limits.
#[derive(Debug, Clone)]
pub struct Config {
    /// The site's folder. [`serve`] makes it canonical once, at the start.
    pub root: PathBuf,
    pub idle_timeout: Duration,
    pub max_connections: usize,
}

impl Config {
    /// The folder `root`, with [`IDLE_TIMEOUT`] and [`MAX_CONNECTIONS`].
    pub fn new(root: impl Into<PathBuf>) -> Config {
        Config {
            root: root.into(),
            idle_timeout: IDLE_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

// ANCHOR: refusal
/// Why a target gets no file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// Not a path this server can read: not starting with `/`, a `%` not
    /// followed by two hex digits, a NUL once decoded.
    #[error("the target is not a path")]
    BadTarget,
    /// A path that tries to leave the root: a `..` segment, a backslash, or
    /// a symbolic link that leads out.
    #[error("the path leads out of the root")]
    Forbidden,
    /// Nothing there, or nothing that is a regular file.
    #[error("no such file")]
    NotFound,
}

impl Refusal {
    /// 400, 403 or 404.
    pub fn status(&self) -> u16 {
        // TODO: BadTarget 400, Forbidden 403, NotFound 404.
        todo!("the status of {self:?} (book: ch4/web-server.md, \"The path rules\")")
    }
}
// ANCHOR_END: refusal

// ANCHOR: decode
/// The path of a request's `target`, percent-decoded exactly once.
///
/// An absolute-form target (`http://host/a/b`, RFC 9112 3.2.2) is cut to
/// its path (`/a/b`; `/` when it has none). The query (`?…`) and a fragment
/// (`#…`) are dropped before decoding, so that an encoded `%3F` stays part
/// of the name. Every `%XX` becomes the byte XX; a `%` without two hex
/// digits after it, a target that does not start with `/`, or a NUL byte
/// once decoded is [`Refusal::BadTarget`]. Decoding twice would turn
/// `%252e` into `.`: a name the client never sent.
pub fn decode_target(target: &str) -> Result<Vec<u8>, Refusal> {
    // TODO: cut an absolute-form target to its path; drop the query and the
    // fragment; then each %XX is one byte, once. Refuse what is no path.
    todo!("the path of {target:?} (book: ch4/web-server.md, \"The path rules\")")
}
// ANCHOR_END: decode

// ANCHOR: resolve
/// The regular file that `target` names under `root`, which must be
/// canonical (as [`std::fs::canonicalize`] gives it).
///
/// The target is decoded once ([`decode_target`]), then split at `/`:
/// empty and `.` segments are skipped, a `..` segment or a backslash is
/// [`Refusal::Forbidden`] (refused, not resolved: a browser never sends
/// one, since it resolves `..` itself). A path ending in `/` names that
/// folder's `index.html`, and so does a folder. The file is then made
/// canonical, every symbolic link followed: if that leads out of `root`, it
/// is Forbidden. Missing, or not a regular file (a FIFO, a device):
/// [`Refusal::NotFound`].
pub fn resolve(root: &Path, target: &str) -> Result<PathBuf, Refusal> {
    // TODO: decode_target, then the segments: skip "" and ".", refuse ".."
    // and backslashes; then fs::canonicalize, and the result must still
    // start with root. A folder gives its index.html.
    todo!("the file of {target:?} under {root:?} (book: ch4/web-server.md, \"The path rules\")")
}
// ANCHOR_END: resolve

// ANCHOR: content_type
/// The `Content-Type` of a file by its extension, ignoring case: the common
/// web types, text ones with `charset=utf-8`; anything else is
/// `application/octet-stream` (bytes the browser saves, never runs).
pub fn content_type(path: &Path) -> &'static str {
    // TODO: a match on the extension, lowercased.
    todo!("the Content-Type of {path:?} (book: ch4/web-server.md, \"Content types\")")
}
// ANCHOR_END: content_type

// ANCHOR: serve
/// Serves the files under `config.root` to every client of `listener`, from
/// this one thread, until `epoll` fails. See the module's documentation for
/// what is served; a client's bad request gets its status (and is then
/// closed), and every other client goes on being served.
pub fn serve(listener: std::net::TcpListener, config: Config) -> io::Result<()> {
    // TODO: the event loop of the page: mio's Poll, the listener as token 0,
    // a table of connections (socket, Parser, output buffer, a file being
    // sent), deadlines; each connection read and written until WouldBlock.
    todo!(
        "serve {:?} on {:?} (book: ch4/web-server.md, \"The event loop\")",
        config.root,
        listener.local_addr()
    )
}
// ANCHOR_END: serve
