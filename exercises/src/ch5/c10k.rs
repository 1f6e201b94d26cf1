//! # Exercise `c10k`: ten thousand connections (book: ch5/c10k.md)
//!
//! A lean static web server on one mio event loop, built to hold ten
//! thousand idle keep-alive connections in little memory. The site is held
//! in memory ([`Site`]): a request path is only looked up in a map, never
//! opened, so no path can lead out of the site. An idle connection holds
//! its socket, its token, its deadline and a few flags, and no buffer.
//!
//! You write:
//!
//! - [`Site::load`]: every regular file under a folder, into memory.
//! - [`Site::get`]: the page of a URL path (`/` and `dir/` are their
//!   `index.html`).
//! - [`serve`]: the event loop, the state of a connection, and the parsing
//!   of a request's head (by hand: the head is small).

// The imports are the reference's, for your code to use; until it does, rustc
// would warn that most of them are unused.
#![allow(unused_imports)]

use mio::net::{TcpListener as MioListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, VecDeque};
use std::fs::File;
use std::io::{self, ErrorKind, IoSlice, Read, Write};
use std::net::TcpListener;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

// ANCHOR: limits
/// The most bytes of a request's head (8 KiB, as nginx's default
/// `large_client_header_buffers` line): more is answered 431 and closed.
pub const MAX_HEAD: usize = 8 * 1024;

/// The loop's one read buffer (64 KiB), shared by every connection.
pub const SCRATCH: usize = 64 * 1024;

/// Past this many bytes of pending output (64 KiB), a connection is not
/// read and its requests are not answered: a client that pipelines faster
/// than it reads must not make the server's memory grow.
pub const HIGH_WATER: usize = 64 * 1024;

/// How long a connection may do nothing before it is closed, by default.
pub const IDLE: Duration = Duration::from_secs(60);
// ANCHOR_END: limits

// ANCHOR: site
/// One file of the site: its bytes, shared by every answer that sends it,
/// and its `Content-Type`.
#[derive(Debug, Clone)]
pub struct Page {
    pub body: Arc<[u8]>,
    pub content_type: &'static str,
}

/// A site held in memory: each regular file under a folder, by its URL path
/// (`/index.html`, `/img/logo.png`), with its `Content-Type`.
#[derive(Debug, Clone, Default)]
pub struct Site {
    pages: HashMap<Vec<u8>, Page>,
}

impl Site {
    /// Reads every regular file under `root` (symbolic links are skipped)
    /// into memory. `/` is served as `/index.html`.
    ///
    /// Folders are walked without following a link; each file is opened
    /// with `O_NOFOLLOW` and kept only if what was opened is a regular
    /// file (not a FIFO, a device or a socket), so that nothing outside
    /// `root` is ever read. A file's URL path is its path under `root`,
    /// its names joined with `/`, starting with `/`. An error reading a
    /// folder or a file is returned.
    pub fn load(root: &Path) -> io::Result<Site> {
        // TODO: walk `root` (std::fs::read_dir, the entry's own file_type),
        // then build the site with `Site::from_files`.
        todo!("c10k: Site::load({root:?}) (book: ch5/c10k.md, \"The site in memory\")")
    }

    /// A site of the given files: (URL path without its leading `/`,
    /// bytes). The `Content-Type` comes from the name's extension.
    pub fn from_files<N: AsRef<[u8]>, B: Into<Vec<u8>>>(
        files: impl IntoIterator<Item = (N, B)>,
    ) -> Site {
        let pages = files
            .into_iter()
            .map(|(name, bytes)| {
                let mut path = vec![b'/'];
                path.extend_from_slice(name.as_ref());
                let content_type = content_type(&path);
                let body: Arc<[u8]> = bytes.into().into();
                (path, Page { body, content_type })
            })
            .collect();
        Site { pages }
    }

    /// How many files the site holds.
    pub fn len(&self) -> usize {
        self.pages.len()
    }

    /// Whether the site holds no file.
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }

    /// The page at a URL path (already decoded, without its query), `/`
    /// and `dir/` as their `index.html`, and `dir` too when it has one.
    pub fn get(&self, path: &[u8]) -> Option<&Page> {
        // TODO: look `path` up in `self.pages`, as the doc comment says.
        todo!("c10k: Site::get({path:?}) (book: ch5/c10k.md, \"The site in memory\")")
    }
}

/// The `Content-Type` of a path by its extension, ignoring case.
fn content_type(path: &[u8]) -> &'static str {
    let name = path.rsplit(|&b| b == b'/').next().unwrap_or(b"");
    let extension = match name.iter().rposition(|&b| b == b'.') {
        Some(0) | None => &b""[..],
        Some(dot) => &name[dot + 1..],
    };
    match extension.to_ascii_lowercase().as_slice() {
        b"html" | b"htm" => "text/html; charset=utf-8",
        b"css" => "text/css; charset=utf-8",
        b"js" | b"mjs" => "text/javascript; charset=utf-8",
        b"json" => "application/json",
        b"txt" => "text/plain; charset=utf-8",
        b"xml" => "application/xml",
        b"png" => "image/png",
        b"jpg" | b"jpeg" => "image/jpeg",
        b"gif" => "image/gif",
        b"svg" => "image/svg+xml",
        b"ico" => "image/x-icon",
        b"webp" => "image/webp",
        b"wasm" => "application/wasm",
        b"pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
// ANCHOR_END: site

// ANCHOR: config
/// How the server behaves.
#[derive(Debug, Clone)]
pub struct Config {
    /// Connections held at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// A connection idle for this long is closed.
    pub idle: Duration,
}

impl Default for Config {
    /// 10 000 connections, idle for at most [`IDLE`].
    fn default() -> Config {
        Config {
            max_connections: 10_000,
            idle: IDLE,
        }
    }
}
// ANCHOR_END: config

// ANCHOR: serve
/// Serves `site` on `listener`, in this thread, until an error of the
/// listener or of the poll. One event loop (mio); keep-alive; pipelined
/// requests answered in order; an idle connection holds no buffer.
///
/// The contract the tests check:
///
/// - GET and HEAD of a page: 200 with `Server: netkit`, `Date`,
///   `Content-Type`, `Content-Length`, `Connection`; a HEAD has no body.
///   Unknown path: 404. Another method: 405 with `Allow: GET, HEAD`.
/// - A head ends at an empty line; each line ends in CRLF. A broken
///   request line, a bare LF, a `Content-Length` other than 0 or any
///   `Transfer-Encoding` (this server takes no bodies): 400 and close. A
///   head over [`MAX_HEAD`] bytes: 431 and close.
/// - Keep-alive: HTTP/1.1 unless `Connection: close`; HTTP/1.0 only with
///   `Connection: keep-alive`. Pipelined requests answered in order. A
///   request may come in any number of pieces.
/// - Past `config.max_connections` connections, a new one gets 503 and is
///   closed; once one leaves, a new one is served. A connection idle for
///   `config.idle` is closed. EMFILE does not make the loop spin.
/// - A client that does not read its answers does not stop the others;
///   past [`HIGH_WATER`] bytes of its pending output, it is not read.
/// - An idle connection holds no buffer: read into one scratch buffer of
///   the loop ([`SCRATCH`]), keep only a leftover in the connection, send
///   a page from the site's shared bytes, and free (`Vec::new()`, not
///   `clear()`) a connection's buffers when they empty.
pub fn serve(listener: TcpListener, site: Arc<Site>, config: &Config) -> io::Result<()> {
    // TODO: the loop (poll, accept until WouldBlock, read and write until
    // WouldBlock), the state of a connection, and the parsing of a head.
    todo!(
        "c10k: serve {listener:?} ({} files, {config:?}) (book: ch5/c10k.md, \"What an idle connection holds\")",
        site.len()
    )
}
// ANCHOR_END: serve
