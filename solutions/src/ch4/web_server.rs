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
        match self {
            Refusal::BadTarget => 400,
            Refusal::Forbidden => 403,
            Refusal::NotFound => 404,
        }
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
    let mut path = target;
    for scheme in ["http://", "https://"] {
        if path.len() >= scheme.len() && path[..scheme.len()].eq_ignore_ascii_case(scheme) {
            let rest = &path[scheme.len()..];
            path = rest.find('/').map_or("/", |slash| &rest[slash..]);
            break;
        }
    }
    let path = path.split(['?', '#']).next().unwrap_or("");
    if !path.starts_with('/') {
        return Err(Refusal::BadTarget);
    }
    let bytes = path.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let byte = if bytes[i] == b'%' {
            let hex = |at: usize| bytes.get(at).and_then(|&b| (b as char).to_digit(16));
            let (Some(high), Some(low)) = (hex(i + 1), hex(i + 2)) else {
                return Err(Refusal::BadTarget);
            };
            i += 3;
            (high * 16 + low) as u8
        } else {
            i += 1;
            bytes[i - 1]
        };
        if byte == 0 {
            return Err(Refusal::BadTarget);
        }
        decoded.push(byte);
    }
    Ok(decoded)
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
    let decoded = decode_target(target)?;
    let mut path = root.to_path_buf();
    for segment in decoded.split(|&b| b == b'/') {
        match segment {
            b"" | b"." => {}
            b".." => return Err(Refusal::Forbidden),
            _ if segment.contains(&b'\\') => return Err(Refusal::Forbidden),
            _ => path.push(OsStr::from_bytes(segment)),
        }
    }
    if decoded.ends_with(b"/") {
        path.push("index.html");
    }
    let mut real = canonical_within(root, &path)?;
    let mut metadata = std::fs::metadata(&real).map_err(|_| Refusal::NotFound)?;
    if metadata.is_dir() {
        real = canonical_within(root, &real.join("index.html"))?;
        metadata = std::fs::metadata(&real).map_err(|_| Refusal::NotFound)?;
    }
    if !metadata.is_file() {
        return Err(Refusal::NotFound);
    }
    Ok(real)
}

/// `path` with every link followed, if it stays under `root`.
fn canonical_within(root: &Path, path: &Path) -> Result<PathBuf, Refusal> {
    let real = std::fs::canonicalize(path).map_err(|e| match e.kind() {
        ErrorKind::PermissionDenied => Refusal::Forbidden,
        _ => Refusal::NotFound,
    })?;
    // `starts_with` compares whole components: /srv/site2 is not under
    // /srv/site.
    if real.starts_with(root) {
        Ok(real)
    } else {
        Err(Refusal::Forbidden)
    }
}
// ANCHOR_END: resolve

// ANCHOR: content_type
/// The `Content-Type` of a file by its extension, ignoring case: the common
/// web types, text ones with `charset=utf-8`; anything else is
/// `application/octet-stream` (bytes the browser saves, never runs).
pub fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(OsStr::to_str).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "xml" => "application/xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "svg" => "image/svg+xml",
        "ico" => "image/x-icon",
        "webp" => "image/webp",
        "wasm" => "application/wasm",
        "woff2" => "font/woff2",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}
// ANCHOR_END: content_type

/// The listener's token; connection `i` of the table gets `i + 1`.
const LISTENER: Token = Token(0);

/// How long a connection that is closing waits for its peer's close,
/// after its last answer is sent.
const LINGER: Duration = Duration::from_secs(2);

/// How many bytes one `read` asks for.
const READ_SIZE: usize = 16 * 1024;

/// The most bytes one `sendfile` call is asked for (1 MiB): a big file goes
/// out in pieces, so one client never holds the loop for long.
const SENDFILE_PIECE: usize = 1024 * 1024;

// ANCHOR: connection
/// A file being sent after the connection's output: `sendfile` from
/// `offset` on, `remaining` bytes still to go.
struct Body {
    file: File,
    offset: libc::off_t,
    remaining: u64,
}

/// One connection's state.
struct Connection {
    stream: TcpStream,
    /// The bytes read and not yet answered.
    parser: Parser,
    /// Bytes fed to the parser since a request last came out of it.
    unparsed: usize,
    /// Bytes to send, from `written` on: heads, small files, error pages.
    output: Vec<u8>,
    written: usize,
    /// A large file to send once `output` is out. While it is there, no
    /// further request is answered: answers go in the order of requests.
    body: Option<Body>,
    /// Whether the last `read` or `write` stopped at `WouldBlock`. The
    /// socket is edge-triggered: epoll says "readable" once when bytes
    /// arrive, not again while they sit there, so the loop remembers.
    can_read: bool,
    can_write: bool,
    /// The peer will send nothing more (a `read` gave 0).
    read_closed: bool,
    /// Close once the output is out (`Connection: close`, or an error).
    closing: bool,
    /// The output is out and our side is shut (`shutdown(Write)`): what
    /// still comes is read and dropped until the peer closes, so that a
    /// `close` with unread bytes does not reset the connection and destroy
    /// the last answer on its way.
    lingering: bool,
    /// When it is closed if nothing happens.
    deadline: Instant,
    /// Which connection this is, of all since the start: an entry of the
    /// deadline heap names a connection by its slot *and* this, since a
    /// slot is reused.
    id: u64,
}
// ANCHOR_END: connection

impl Connection {
    fn pending(&self) -> usize {
        self.output.len() - self.written
    }
}

/// `imf_fixdate` of the current second, made once a second, not once a
/// response.
struct Clock {
    second: u64,
    text: String,
}

impl Clock {
    fn now(&mut self) -> &str {
        let now = SystemTime::now();
        let second = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if second != self.second || self.text.is_empty() {
            self.second = second;
            self.text = imf_fixdate(now);
        }
        &self.text
    }
}

// ANCHOR: serve
/// Serves the files under `config.root` to every client of `listener`, from
/// this one thread, until `epoll` fails. See the module's documentation for
/// what is served; a client's bad request gets its status (and is then
/// closed), and every other client goes on being served.
pub fn serve(listener: std::net::TcpListener, config: Config) -> io::Result<()> {
    let root = std::fs::canonicalize(&config.root)?;
    listener.set_nonblocking(true)?;
    let mut server = Server {
        poll: Poll::new()?,
        listener: TcpListener::from_std(listener),
        connections: Vec::new(),
        free: Vec::new(),
        live: 0,
        deadlines: BinaryHeap::new(),
        next_id: 0,
        root,
        config,
        clock: Clock {
            second: 0,
            text: String::new(),
        },
        spare: File::open("/dev/null").ok(),
    };
    server
        .poll
        .registry()
        .register(&mut server.listener, LISTENER, Interest::READABLE)?;
    server.run()
}
// ANCHOR_END: serve

/// The event loop's state.
struct Server {
    poll: Poll,
    listener: TcpListener,
    /// The connection table; a closed connection leaves `None`, and its
    /// index waits in `free` for the next one.
    connections: Vec<Option<Connection>>,
    free: Vec<usize>,
    live: usize,
    /// (deadline, id, slot), the earliest first: `poll` waits no longer
    /// than the first. An entry is not moved when its connection is active
    /// (that would cost a heap operation per request): when it comes up, a
    /// connection whose own `deadline` is later is put back with it.
    deadlines: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    next_id: u64,
    root: PathBuf,
    config: Config,
    clock: Clock,
    /// A descriptor held in reserve: when `accept` fails with EMFILE (no
    /// descriptor left), closing this one frees one, to accept the waiting
    /// client and close it at once instead of being woken for it forever.
    spare: Option<File>,
}

impl Server {
    // ANCHOR: run
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut scratch = vec![0u8; READ_SIZE];
        loop {
            let timeout = self
                .deadlines
                .peek()
                .map(|Reverse((at, _, _))| at.saturating_duration_since(Instant::now()));
            if let Err(e) = self.poll.poll(&mut events, timeout) {
                if e.kind() == ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            for event in events.iter() {
                if event.token() == LISTENER {
                    self.accept_all();
                    continue;
                }
                let index = event.token().0 - 1;
                let Some(Some(connection)) = self.connections.get_mut(index) else {
                    continue;
                };
                // Error and hang-up events come as readable or writable too:
                // the read or write that follows sees what happened.
                if event.is_readable() || event.is_read_closed() || event.is_error() {
                    connection.can_read = true;
                }
                if event.is_writable() || event.is_write_closed() || event.is_error() {
                    connection.can_write = true;
                }
                self.drive(index, &mut scratch);
            }
            self.expire();
        }
    }
    // ANCHOR_END: run

    /// Accepts every waiting client (edge-triggered: until `WouldBlock`).
    fn accept_all(&mut self) {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => self.add(stream),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return,
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                    // Free the spare, take the client, drop it, take the
                    // spare back.
                    self.spare = None;
                    drop(self.listener.accept());
                    self.spare = File::open("/dev/null").ok();
                    if self.spare.is_none() {
                        return;
                    }
                }
                // ECONNABORTED and the like: that client is gone, others wait.
                Err(_) => {}
            }
        }
    }

    fn add(&mut self, mut stream: TcpStream) {
        if self.live >= self.config.max_connections {
            // A clean refusal: one short answer, then the close. The
            // socket's buffer is empty, so the write does not block.
            let busy = error_page(503, None).to_bytes(false, false, SystemTime::now());
            drop(stream.write(&busy));
            return;
        }
        // The head of a large file and its body go in two calls; without
        // NODELAY, Nagle's algorithm would hold the second until the first
        // is acknowledged (some 40 ms with delayed ACKs).
        drop(stream.set_nodelay(true));
        let index = self.free.pop().unwrap_or_else(|| {
            self.connections.push(None);
            self.connections.len() - 1
        });
        // Readable and writable at once, edge-triggered, for the
        // connection's whole life: epoll reports each change, and the
        // connection's `can_read`/`can_write` remember the state, so no
        // `epoll_ctl` is needed per request.
        if self
            .poll
            .registry()
            .register(
                &mut stream,
                Token(index + 1),
                Interest::READABLE | Interest::WRITABLE,
            )
            .is_err()
        {
            self.free.push(index);
            return;
        }
        let deadline = Instant::now() + self.config.idle_timeout;
        self.connections[index] = Some(Connection {
            stream,
            parser: Parser::new(),
            unparsed: 0,
            output: Vec::new(),
            written: 0,
            body: None,
            can_read: false,
            can_write: false,
            read_closed: false,
            closing: false,
            lingering: false,
            deadline,
            id: self.next_id,
        });
        self.deadlines
            .push(Reverse((deadline, self.next_id, index)));
        self.next_id += 1;
        self.live += 1;
    }

    // ANCHOR: drive
    /// Does everything connection `index` can do now: write what is
    /// pending, read what has come, answer whole requests; again, until
    /// none of it moves. Then closes it if it is finished.
    fn drive(&mut self, index: usize, scratch: &mut [u8]) {
        let Some(connection) = self.connections[index].as_mut() else {
            return;
        };
        let mut alive = true;
        loop {
            let mut moved = false;
            match flush(connection) {
                Ok(progress) => moved |= progress,
                Err(_) => {
                    alive = false;
                    break;
                }
            }
            if connection.closing
                && !connection.lingering
                && connection.pending() == 0
                && connection.body.is_none()
            {
                // All is sent: say so to the peer (FIN), and wait for its
                // close, dropping what it still sends.
                drop(connection.stream.shutdown(std::net::Shutdown::Write));
                connection.lingering = true;
                connection.deadline = Instant::now() + LINGER.min(self.config.idle_timeout);
            }
            // Backpressure: stop reading while much is still to be sent,
            // or a file is: what the client sends meanwhile waits in the
            // kernel's buffer, and then in the client, not in our memory.
            if connection.can_read
                && !connection.read_closed
                && (!connection.closing || connection.lingering)
                && connection.pending() < HIGH_WATER
                && connection.body.is_none()
            {
                match connection.stream.read(scratch) {
                    Ok(0) => connection.read_closed = true,
                    Ok(_) if connection.lingering => {}
                    Ok(n) => {
                        connection.parser.feed(&scratch[..n]);
                        connection.unparsed += n;
                        moved = true;
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => connection.can_read = false,
                    Err(e) if e.kind() == ErrorKind::Interrupted => {}
                    Err(_) => {
                        alive = false;
                        break;
                    }
                }
            }
            moved |= answer(connection, &self.root, &mut self.clock);
            if !moved {
                break;
            }
            if !connection.lingering {
                connection.deadline = Instant::now() + self.config.idle_timeout;
            }
        }
        let idle = connection.pending() == 0 && connection.body.is_none();
        // Closed: on an error; once the peer has closed and all is sent;
        // and after a `Connection: close` answer, when the peer has closed
        // too (or its lingering deadline comes).
        if !alive || (idle && connection.read_closed) {
            self.close(index);
        }
    }
    // ANCHOR_END: drive

    fn close(&mut self, index: usize) {
        if let Some(mut connection) = self.connections[index].take() {
            drop(self.poll.registry().deregister(&mut connection.stream));
            self.free.push(index);
            self.live -= 1;
        }
    }

    // ANCHOR: expire
    /// Closes the connections whose deadline has passed.
    fn expire(&mut self) {
        let now = Instant::now();
        while let Some(&Reverse((at, id, index))) = self.deadlines.peek() {
            if at > now {
                return;
            }
            self.deadlines.pop();
            let Some(connection) = self.connections[index].as_ref() else {
                continue;
            };
            if connection.id != id {
                // The slot's connection closed; this is another one, with
                // its own entry.
                continue;
            }
            if connection.deadline <= now {
                self.close(index);
            } else {
                // Active since: back in the heap, at its own deadline.
                self.deadlines
                    .push(Reverse((connection.deadline, id, index)));
            }
        }
    }
    // ANCHOR_END: expire
}

// ANCHOR: flush
/// Writes the pending output, then the body's file, until done or
/// `WouldBlock`. Whether a byte went; an error means the connection is
/// lost (the peer reset it, or its file failed).
fn flush(connection: &mut Connection) -> io::Result<bool> {
    let mut moved = false;
    while connection.can_write && connection.pending() > 0 {
        match connection
            .stream
            .write(&connection.output[connection.written..])
        {
            Ok(n) => {
                // A short write keeps the rest for the next writable event.
                connection.written += n;
                moved = true;
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => connection.can_write = false,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    if connection.pending() == 0 {
        connection.output.clear();
        connection.written = 0;
    }
    while connection.can_write && connection.pending() == 0 {
        let Some(body) = connection.body.as_mut() else {
            break;
        };
        if body.remaining == 0 {
            connection.body = None;
            break;
        }
        let piece = body.remaining.min(SENDFILE_PIECE as u64) as usize;
        // SAFETY: both descriptors are open for the call, and `offset` is a
        // valid off_t that sendfile advances by what it sent.
        let sent = unsafe {
            libc::sendfile(
                connection.stream.as_raw_fd(),
                body.file.as_raw_fd(),
                &mut body.offset,
                piece,
            )
        };
        match sent {
            // The file is shorter than its Content-Length said (it was cut
            // while being sent): the response cannot be finished.
            0 => return Err(io::Error::from(ErrorKind::UnexpectedEof)),
            n if n > 0 => {
                body.remaining -= n as u64;
                moved = true;
            }
            _ => {
                let e = io::Error::last_os_error();
                match e.kind() {
                    ErrorKind::WouldBlock => connection.can_write = false,
                    ErrorKind::Interrupted => {}
                    _ => return Err(e),
                }
            }
        }
    }
    Ok(moved)
}
// ANCHOR_END: flush

// ANCHOR: answer
/// Answers the whole requests the parser holds, in order, into the output:
/// while no file is being sent (it must go before the next answer) and the
/// output is under [`HIGH_WATER`]. Whether it answered any.
fn answer(connection: &mut Connection, root: &Path, clock: &mut Clock) -> bool {
    let mut answered = false;
    while !connection.closing && connection.body.is_none() && connection.pending() < HIGH_WATER {
        match connection.parser.next_request() {
            Ok(Some(request)) => {
                connection.unparsed = 0;
                let keep = respond(connection, &request, root, clock);
                connection.closing = !keep;
                answered = true;
            }
            Ok(None) if connection.unparsed > MAX_REQUEST => {
                queue(connection, &error_page(413, None), false, false);
                connection.closing = true;
                answered = true;
            }
            Ok(None) => break,
            Err(error) => {
                // The bytes after a broken request cannot be trusted to
                // start a new one: answer, then close.
                queue(connection, &error_page(error.status(), None), false, false);
                connection.closing = true;
                answered = true;
            }
        }
    }
    answered
}

/// Queues the answer to one request; whether the connection stays open.
fn respond(connection: &mut Connection, request: &Request, root: &Path, clock: &mut Clock) -> bool {
    let version = match request.version {
        http_request::Version::Http10 => http_response::Version::Http10,
        http_request::Version::Http11 => http_response::Version::Http11,
    };
    let keep = keep_alive(version, request.header("connection"));
    let head_only = request.method == "HEAD";
    if request.method != "GET" && !head_only {
        let mut page = error_page(405, None);
        page.headers.push(("Allow".into(), "GET, HEAD".into()));
        queue(connection, &page, head_only, keep);
        return keep;
    }
    let found = resolve(root, &request.target).and_then(|path| {
        let file = File::open(&path).map_err(|_| Refusal::NotFound)?;
        let length = file.metadata().map_err(|_| Refusal::NotFound)?.len();
        Ok((path, file, length))
    });
    match found {
        Ok((path, file, length)) => {
            file_head(connection, content_type(&path), length, keep, clock);
            if head_only {
                return keep;
            }
            if length <= SMALL_FILE {
                let start = connection.output.len();
                connection.output.resize(start + length as usize, 0);
                if (&file).read_exact(&mut connection.output[start..]).is_err() {
                    // Cut while we read it: the head promised more bytes
                    // than there are, so the connection must end here.
                    connection.output.truncate(start);
                    return false;
                }
            } else {
                connection.body = Some(Body {
                    file,
                    offset: 0,
                    remaining: length,
                });
            }
            keep
        }
        Err(refusal) => {
            let site_404 = root.join("404.html");
            let custom = (refusal == Refusal::NotFound)
                .then(|| std::fs::read(&site_404).ok())
                .flatten();
            queue(
                connection,
                &error_page(refusal.status(), custom),
                head_only,
                keep,
            );
            keep
        }
    }
}

/// The head of a file's answer, written into the output.
fn file_head(connection: &mut Connection, kind: &str, length: u64, keep: bool, clock: &mut Clock) {
    let connection_field = if keep { "keep-alive" } else { "close" };
    // `write!` to a Vec cannot fail.
    drop(write!(
        connection.output,
        "HTTP/1.1 200 {}\r\nDate: {}\r\nContent-Length: {length}\r\nConnection: {connection_field}\r\nContent-Type: {kind}\r\n\r\n",
        reason(200),
        clock.now(),
    ));
}

/// Queues a built response.
fn queue(connection: &mut Connection, page: &Response, head_only: bool, keep: bool) {
    let bytes = page.to_bytes(head_only, keep, SystemTime::now());
    connection.output.extend_from_slice(&bytes);
}

/// An HTML page for an error status: the site's own (`custom`), or a small
/// one built here.
fn error_page(status: u16, custom: Option<Vec<u8>>) -> Response {
    let body = custom.unwrap_or_else(|| {
        format!(
            "<!doctype html>\n<title>{status} {reason}</title>\n<h1>{status} {reason}</h1>\n",
            reason = reason(status)
        )
        .into_bytes()
    });
    Response {
        status,
        headers: vec![("Content-Type".into(), "text/html; charset=utf-8".into())],
        body,
    }
}
// ANCHOR_END: answer
