//! # Exercise `c10k`: ten thousand connections (book: ch5/c10k.md)
//!
//! A lean static web server on one mio event loop, built to hold ten
//! thousand idle keep-alive connections in little memory. The site is held
//! in memory ([`Site`]): a request path is only looked up in a map, never
//! opened, so no path can lead out of the site. An idle connection holds
//! its socket, its token, its deadline and a few flags, and no buffer: the
//! loop reads into one scratch buffer of its own, a connection keeps only
//! the unanswered leftover of a request cut in pieces, and a page goes out
//! straight from the site's shared bytes.
//!
//! - [`Site::load`], [`Site::from_files`]: the site.
//! - [`serve`]: the event loop.

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
    /// its names joined with `/`, starting with `/`.
    pub fn load(root: &Path) -> io::Result<Site> {
        let mut files = Vec::new();
        walk(root, &[], &mut files)?;
        Ok(Site::from_files(files))
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
        if path.ends_with(b"/") {
            let mut index = path.to_vec();
            index.extend_from_slice(b"index.html");
            return self.pages.get(&index);
        }
        self.pages.get(path).or_else(|| {
            let mut index = path.to_vec();
            index.extend_from_slice(b"/index.html");
            self.pages.get(&index)
        })
    }
}

/// Adds the regular files under `folder` (at `prefix`, the names between
/// the root and it) to `files`.
fn walk(folder: &Path, prefix: &[u8], files: &mut Vec<(Vec<u8>, Vec<u8>)>) -> io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let entry = entry?;
        // The entry's own type: a symbolic link is a link, not what it
        // points to.
        let kind = entry.file_type()?;
        let mut name = prefix.to_vec();
        name.extend_from_slice(entry.file_name().as_bytes());
        if kind.is_dir() {
            name.push(b'/');
            walk(&entry.path(), &name, files)?;
        } else if kind.is_file() {
            // O_NOFOLLOW: if the file was swapped for a link since
            // read_dir, the open fails; O_NONBLOCK: a FIFO swapped in does
            // not block the open.
            let Ok(mut file) = std::fs::OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
                .open(entry.path())
            else {
                continue;
            };
            if !file.metadata()?.is_file() {
                continue;
            }
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes)?;
            files.push((name, bytes));
        }
    }
    Ok(())
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

/// The listener's token; connection `i` of the table gets `i + 1`.
const LISTENER: Token = Token(0);

/// How long a connection that is closing waits for its peer's close.
const LINGER: Duration = Duration::from_secs(2);

// ANCHOR: connection
/// A piece of output: bytes of the connection's own (heads, error pages),
/// or a page's body, shared with the site (no copy).
enum Chunk {
    Own(Vec<u8>),
    Shared(Arc<[u8]>),
}

impl Chunk {
    fn bytes(&self) -> &[u8] {
        match self {
            Chunk::Own(bytes) => bytes,
            Chunk::Shared(bytes) => bytes,
        }
    }
}

/// One connection: all it holds while idle is its socket, its deadline, its
/// id and its flags; `input` and `output` are empty, with no capacity.
struct Connection {
    stream: TcpStream,
    /// The leftover of a request that came in pieces (empty when none).
    input: Vec<u8>,
    /// What is still to be sent, in order; `sent` bytes of the first chunk
    /// are gone already.
    output: VecDeque<Chunk>,
    sent: usize,
    /// Bytes in `output`, less `sent`.
    pending: usize,
    /// `input` may hold whole requests, not answered yet.
    backlog: bool,
    /// Whether the last read or write stopped at WouldBlock: the socket is
    /// edge-triggered, so the loop remembers what epoll said once.
    can_read: bool,
    can_write: bool,
    /// The peer sent its FIN.
    read_closed: bool,
    /// Close once the output is out.
    closing: bool,
    /// Output out, our FIN sent: what comes is read and dropped until the
    /// peer closes, so that our close does not reset the last answer.
    lingering: bool,
    deadline: Instant,
    /// Which connection this is, of all since the start (slots are reused).
    id: u64,
}
// ANCHOR_END: connection

impl Connection {
    /// Frees the buffers of a connection with nothing to do: `clear()`
    /// would keep their capacity, ten thousand times.
    fn release(&mut self) {
        if self.input.is_empty() && self.input.capacity() > 0 {
            self.input = Vec::new();
        }
        if self.output.is_empty() && self.output.capacity() > 0 {
            self.output = VecDeque::new();
        }
    }
}

// ANCHOR: serve
/// Serves `site` on `listener`, in this thread, until an error of the
/// listener or of the poll. One event loop (mio); keep-alive; pipelined
/// requests answered in order; an idle connection holds no buffer.
pub fn serve(listener: TcpListener, site: Arc<Site>, config: &Config) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut server = Server {
        poll: Poll::new()?,
        listener: MioListener::from_std(listener),
        connections: Vec::new(),
        free: Vec::new(),
        live: 0,
        deadlines: BinaryHeap::new(),
        next_id: 0,
        site,
        config: config.clone(),
        clock: Clock::default(),
        spare: File::open("/dev/null").ok(),
    };
    server
        .poll
        .registry()
        .register(&mut server.listener, LISTENER, Interest::READABLE)?;
    server.run()
}
// ANCHOR_END: serve

struct Server {
    poll: Poll,
    listener: MioListener,
    /// The connection table; a closed connection leaves `None`, its slot
    /// waits in `free`.
    connections: Vec<Option<Connection>>,
    free: Vec<usize>,
    live: usize,
    /// (deadline, id, slot), the earliest first. An entry is not moved when
    /// its connection is active: when it comes up, a connection whose own
    /// deadline is later is put back at it.
    deadlines: BinaryHeap<Reverse<(Instant, u64, usize)>>,
    next_id: u64,
    site: Arc<Site>,
    config: Config,
    clock: Clock,
    /// A descriptor in reserve for EMFILE: closed to accept and drop one
    /// waiting client, so a full process is not woken for it forever.
    spare: Option<File>,
}

impl Server {
    fn run(&mut self) -> io::Result<()> {
        let mut events = Events::with_capacity(1024);
        let mut scratch = vec![0u8; SCRATCH];
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
                    self.accept_all()?;
                    continue;
                }
                let index = event.token().0 - 1;
                let Some(Some(connection)) = self.connections.get_mut(index) else {
                    continue;
                };
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

    // ANCHOR: accept
    /// Accepts every waiting client (edge-triggered: until WouldBlock).
    fn accept_all(&mut self) -> io::Result<()> {
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => self.add(stream),
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                Err(e) if e.raw_os_error() == Some(libc::EMFILE) => {
                    self.spare = None;
                    drop(self.listener.accept());
                    self.spare = File::open("/dev/null").ok();
                    if self.spare.is_none() {
                        return Ok(());
                    }
                }
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                    ) =>
                {
                    // No room anywhere: the client waits in the queue, and
                    // the next event (or a close) tries again.
                    return Ok(());
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                // That client is gone before it was accepted; others wait.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::ECONNABORTED | libc::EPROTO | libc::EPERM | libc::ETIMEDOUT)
                    ) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn add(&mut self, mut stream: TcpStream) {
        if self.live >= self.config.max_connections {
            // A fresh socket's send buffer is empty: this write does not
            // block, and the drop closes it.
            drop(stream.write(&error_page(503, &mut self.clock, false)));
            return;
        }
        drop(stream.set_nodelay(true));
        let index = self.free.pop().unwrap_or_else(|| {
            self.connections.push(None);
            self.connections.len() - 1
        });
        // Readable and writable, edge-triggered, for the connection's
        // life: no epoll_ctl per request.
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
        let deadline = Instant::now() + self.config.idle;
        self.connections[index] = Some(Connection {
            stream,
            input: Vec::new(),
            output: VecDeque::new(),
            sent: 0,
            pending: 0,
            backlog: false,
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
    // ANCHOR_END: accept

    // ANCHOR: drive
    /// Does all connection `index` can do now: write, read, answer, until
    /// nothing moves; then frees its buffers if it is idle, or closes it.
    fn drive(&mut self, index: usize, scratch: &mut [u8]) {
        let Some(connection) = self.connections[index].as_mut() else {
            return;
        };
        let mut alive = true;
        loop {
            let mut moved = match flush(connection) {
                Ok(moved) => moved,
                Err(_) => {
                    alive = false;
                    break;
                }
            };
            if connection.closing && !connection.lingering && connection.pending == 0 {
                drop(connection.stream.shutdown(std::net::Shutdown::Write));
                connection.lingering = true;
                connection.deadline = Instant::now() + LINGER.min(self.config.idle);
            }
            // Requests read before and not answered yet (answering had
            // stopped at the high-water mark).
            if connection.backlog && connection.pending < HIGH_WATER {
                let mut input = std::mem::take(&mut connection.input);
                let used = answer(connection, &input, &self.site, &mut self.clock);
                input.drain(..used);
                connection.input = input;
                moved = true;
            }
            // Backpressure: no read while much output is pending, or
            // requests wait to be answered.
            if connection.can_read
                && !connection.read_closed
                && (!connection.closing || connection.lingering)
                && connection.pending < HIGH_WATER
                && !connection.backlog
            {
                match connection.stream.read(scratch) {
                    Ok(0) => connection.read_closed = true,
                    Ok(_) if connection.lingering => {}
                    Ok(n) => {
                        if connection.input.is_empty() {
                            // The usual case: whole requests in one read,
                            // parsed where they lie; only a leftover is
                            // copied into the connection.
                            let input = &scratch[..n];
                            let used = answer(connection, input, &self.site, &mut self.clock);
                            connection.input.extend_from_slice(&input[used..]);
                        } else {
                            let mut input = std::mem::take(&mut connection.input);
                            input.extend_from_slice(&scratch[..n]);
                            let used = answer(connection, &input, &self.site, &mut self.clock);
                            input.drain(..used);
                            connection.input = input;
                        }
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
            if !moved {
                break;
            }
            if !connection.lingering {
                connection.deadline = Instant::now() + self.config.idle;
            }
        }
        connection.release();
        if !alive || (connection.pending == 0 && connection.read_closed) {
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
                continue;
            }
            if connection.deadline <= now {
                self.close(index);
            } else {
                self.deadlines
                    .push(Reverse((connection.deadline, id, index)));
            }
        }
    }
    // ANCHOR_END: expire
}

// ANCHOR: flush
/// Writes the pending output until it is out or WouldBlock, several chunks
/// a call (`writev`). Whether a byte went.
fn flush(connection: &mut Connection) -> io::Result<bool> {
    let mut moved = false;
    while connection.can_write && connection.pending > 0 {
        let mut slices = [IoSlice::new(&[]); 16];
        let mut count = 0;
        for (i, chunk) in connection.output.iter().take(slices.len()).enumerate() {
            let bytes = chunk.bytes();
            slices[i] = IoSlice::new(if i == 0 {
                &bytes[connection.sent..]
            } else {
                bytes
            });
            count = i + 1;
        }
        match connection.stream.write_vectored(&slices[..count]) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(mut n) => {
                moved = true;
                connection.pending -= n;
                // Drop the chunks that went whole; a short write keeps the
                // rest for the next writable event.
                while n > 0 {
                    let left = connection.output[0].bytes().len() - connection.sent;
                    if n >= left {
                        n -= left;
                        connection.output.pop_front();
                        connection.sent = 0;
                    } else {
                        connection.sent += n;
                        n = 0;
                    }
                }
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => connection.can_write = false,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(moved)
}
// ANCHOR_END: flush

// ANCHOR: answer
/// Answers the whole requests at the start of `input`, in order, while the
/// output is under [`HIGH_WATER`]; sets `backlog` when it stopped there
/// with a whole request left. How many bytes of `input` it used up (all of
/// them once the connection is closing).
fn answer(connection: &mut Connection, input: &[u8], site: &Site, clock: &mut Clock) -> usize {
    let mut at = 0;
    connection.backlog = false;
    while !connection.closing {
        if connection.pending >= HIGH_WATER {
            connection.backlog = at < input.len();
            break;
        }
        match parse(&input[at..]) {
            Parsed::Partial => break,
            Parsed::Request(request, length) => {
                at += length;
                respond(connection, &request, site, clock);
            }
            Parsed::Refused(status) => {
                // After a broken request, nothing can be trusted to start
                // the next: answer, then close.
                push(connection, Chunk::Own(error_page(status, clock, false)));
                connection.closing = true;
            }
        }
    }
    if connection.closing { input.len() } else { at }
}

/// What `parse` found at the start of the input.
enum Parsed<'a> {
    /// No whole head yet.
    Partial,
    /// A request, and the bytes its head took.
    Request(Request<'a>, usize),
    /// A request this server refuses, with its status; the connection
    /// closes after the answer.
    Refused(u16),
}

/// A request's head, read.
struct Request<'a> {
    head_only: bool,
    /// GET or HEAD: other methods get 405.
    allowed: bool,
    target: &'a [u8],
    keep_alive: bool,
}

/// Reads one request head from the start of `input`: the request line
/// `METHOD SP TARGET SP HTTP/1.x`, then `Name: value` lines, up to an
/// empty line; each line ends in CRLF (a bare LF is 400). This server
/// takes no bodies: a `Content-Length` other than 0 or any
/// `Transfer-Encoding` is 400. A head longer than [`MAX_HEAD`] is 431.
fn parse(input: &[u8]) -> Parsed<'_> {
    let window = &input[..input.len().min(MAX_HEAD)];
    let Some(end) = window.windows(4).position(|w| w == b"\r\n\r\n") else {
        if input.len() >= MAX_HEAD {
            return Parsed::Refused(431);
        }
        if window.contains(&b'\n') && bare_lf(window) {
            return Parsed::Refused(400);
        }
        return Parsed::Partial;
    };
    let head = &input[..end];
    if bare_lf(head) {
        return Parsed::Refused(400);
    }
    // Every LF has its CR (checked above): a line is what lies between.
    let mut lines = head
        .split(|&b| b == b'\n')
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l));
    let line = lines.next().unwrap_or(b"");
    let mut parts = line.split(|&b| b == b' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Parsed::Refused(400);
    };
    if method.is_empty() || !method.iter().all(u8::is_ascii_uppercase) || target.is_empty() {
        return Parsed::Refused(400);
    }
    let http11 = match version {
        b"HTTP/1.1" => true,
        b"HTTP/1.0" => false,
        _ => return Parsed::Refused(400),
    };
    let (mut close, mut keep) = (false, false);
    for line in lines.take_while(|l| !l.is_empty()) {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            return Parsed::Refused(400);
        };
        let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
        if name.is_empty() || name.iter().any(|b| b.is_ascii_whitespace()) {
            return Parsed::Refused(400);
        }
        if name.eq_ignore_ascii_case(b"content-length") {
            if value != b"0" {
                return Parsed::Refused(400);
            }
        } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
            return Parsed::Refused(400);
        } else if name.eq_ignore_ascii_case(b"connection") {
            for option in value.split(|&b| b == b',') {
                let option = option.trim_ascii();
                close |= option.eq_ignore_ascii_case(b"close");
                keep |= option.eq_ignore_ascii_case(b"keep-alive");
            }
        }
    }
    let request = Request {
        head_only: method == b"HEAD",
        allowed: method == b"GET" || method == b"HEAD",
        target,
        // HTTP/1.1 keeps the connection unless told to close; 1.0 closes
        // it unless told to keep it.
        keep_alive: if http11 { !close } else { keep && !close },
    };
    Parsed::Request(request, end + 4)
}

/// Whether a LF comes without its CR.
fn bare_lf(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .enumerate()
        .any(|(i, &b)| b == b'\n' && (i == 0 || bytes[i - 1] != b'\r'))
}

/// Queues the answer to one request.
fn respond(connection: &mut Connection, request: &Request, site: &Site, clock: &mut Clock) {
    let keep = request.keep_alive;
    if !request.allowed {
        push(connection, Chunk::Own(error_page(405, clock, keep)));
        connection.closing = !keep;
        return;
    }
    let page = decode(request.target).and_then(|path| site.get(&path));
    let Some(page) = page else {
        let mut bytes = error_page(404, clock, keep);
        if request.head_only {
            let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(0);
            bytes.truncate(end + 4);
        }
        push(connection, Chunk::Own(bytes));
        connection.closing = !keep;
        return;
    };
    let mut head = Vec::with_capacity(160);
    write_head(
        &mut head,
        200,
        page.content_type,
        page.body.len(),
        keep,
        clock,
    );
    push(connection, Chunk::Own(head));
    if !request.head_only && !page.body.is_empty() {
        push(connection, Chunk::Shared(Arc::clone(&page.body)));
    }
    connection.closing = !keep;
}

/// The path of a target: its query and fragment dropped, percent-decoded
/// once; `None` when it is no path (then nothing is found: 404).
fn decode(target: &[u8]) -> Option<Vec<u8>> {
    let end = target
        .iter()
        .position(|&b| b == b'?' || b == b'#')
        .unwrap_or(target.len());
    let path = &target[..end];
    if !path.starts_with(b"/") {
        return None;
    }
    let mut decoded = Vec::with_capacity(path.len());
    let mut i = 0;
    while i < path.len() {
        if path[i] == b'%' {
            let hex = |at: usize| path.get(at).and_then(|&b| (b as char).to_digit(16));
            decoded.push((hex(i + 1)? * 16 + hex(i + 2)?) as u8);
            i += 3;
        } else {
            decoded.push(path[i]);
            i += 1;
        }
    }
    Some(decoded)
}

/// Adds a chunk to the output, joining a connection's own bytes to the
/// last chunk when it is its own too (fewer slices for `writev`).
fn push(connection: &mut Connection, chunk: Chunk) {
    connection.pending += chunk.bytes().len();
    // (Appending to the first chunk while it is being sent is fine: the
    // bytes already sent stay where they were.)
    if let (Chunk::Own(bytes), Some(Chunk::Own(last))) = (&chunk, connection.output.back_mut()) {
        last.extend_from_slice(bytes);
        return;
    }
    connection.output.push_back(chunk);
}

/// A response's head.
fn write_head(
    out: &mut Vec<u8>,
    status: u16,
    content_type: &str,
    length: usize,
    keep: bool,
    clock: &mut Clock,
) {
    // `write!` to a Vec cannot fail.
    drop(write!(
        out,
        "HTTP/1.1 {status} {}\r\nServer: netkit\r\nDate: {}\r\nContent-Type: {content_type}\r\nContent-Length: {length}\r\nConnection: {}\r\n",
        reason(status),
        clock.now(),
        if keep { "keep-alive" } else { "close" },
    ));
    if status == 405 {
        out.extend_from_slice(b"Allow: GET, HEAD\r\n");
    }
    out.extend_from_slice(b"\r\n");
}

/// A whole error answer: its head and a small HTML page.
fn error_page(status: u16, clock: &mut Clock, keep: bool) -> Vec<u8> {
    let body = format!(
        "<!doctype html>\n<title>{status} {reason}</title>\n<h1>{status} {reason}</h1>\n",
        reason = reason(status)
    );
    let mut out = Vec::with_capacity(256);
    write_head(
        &mut out,
        status,
        "text/html; charset=utf-8",
        body.len(),
        keep,
        clock,
    );
    out.extend_from_slice(body.as_bytes());
    out
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}
// ANCHOR_END: answer

/// The `Date` of the current second (RFC 9110's IMF-fixdate), made once a
/// second, not once a response.
#[derive(Default)]
struct Clock {
    second: u64,
    text: String,
}

impl Clock {
    fn now(&mut self) -> &str {
        let second = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs());
        if second != self.second || self.text.is_empty() {
            self.second = second;
            self.text = imf_fixdate(second);
        }
        &self.text
    }
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` for a time in seconds since 1970.
fn imf_fixdate(secs: u64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = secs / 86_400;
    let rest = secs % 86_400;
    // Howard Hinnant's civil_from_days, for days since 1970-01-01.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{}, {day:02} {} {year} {:02}:{:02}:{:02} GMT",
        DAYS[(days % 7) as usize],
        MONTHS[(month - 1) as usize],
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}
