//! # Exercise `epoll-server`: many clients with epoll (book: ch3/epoll-server.md)
//!
//! The seed's epoll server (§3.3.4), done right: one thread, one epoll
//! instance, every socket non-blocking, and each connection with its own
//! input and output buffers. Level-triggered by default; edge-triggered
//! ([`Trigger::Edge`]), every accept, read and write goes on until
//! `WouldBlock`.
//!
//! The loop is written once and knows nothing of lines: a [`Handler`] turns
//! the bytes a connection received into the bytes it owes ("bytes in, bytes
//! out"), and [`EventLoop`] does the rest (accepting, reading, writing,
//! `EPOLLOUT` only while output waits, backpressure, closing). The line echo
//! is one handler, [`LineEcho`]; the web server of chapter 4 is another.
//!
//! - [`Handler`]: what a protocol does with the bytes of one connection.
//! - [`LineEcho`]: the chapter's line echo as a handler.
//! - [`EventLoop`]: the connection table, keyed by token, and the loop.
//! - [`serve`]: the line echo, served by an event loop.

use nix::errno::Errno;
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use std::collections::HashMap;
use std::io::{self, ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};

pub use super::line_echo::MAX_LINE;

/// Past this many bytes of pending output (1 MiB), a connection is no
/// longer read: its client sends faster than it reads.
pub const HIGH_WATER: usize = 1024 * 1024;

/// A connection stopped at [`HIGH_WATER`] is read again once its pending
/// output is down to this (256 KiB): two marks, so that it does not flip
/// between reading and not reading at every write.
pub const LOW_WATER: usize = HIGH_WATER / 4;

/// How many bytes one `read` asks for.
const CHUNK: usize = 16 * 1024;

/// The listener's token; connections get 1, 2, 3…
const LISTENER: u64 = 0;

// ANCHOR: handler
/// What a protocol does with the bytes of one connection: bytes in, bytes
/// out. The event loop calls it; it never touches the socket.
pub trait Handler {
    /// New bytes came: `input` holds every byte received and not yet
    /// consumed. Remove from its front what you have dealt with, append
    /// what you owe the peer to `output`, and say whether to go on.
    fn on_input(&mut self, input: &mut Vec<u8>, output: &mut Vec<u8>) -> Next;

    /// The peer closed its side: `input` holds what is left (no more will
    /// come). Append a last reply, if any; the connection closes once its
    /// output is written.
    fn on_end(&mut self, input: &mut Vec<u8>, output: &mut Vec<u8>);
}

/// What a [`Handler`] wants after some input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Go on reading.
    Read,
    /// Read no more: close once the output is written.
    Close,
}
// ANCHOR_END: handler

// ANCHOR: line_echo
/// The line echo as a [`Handler`]: every whole line back, unchanged; a
/// line longer than [`MAX_LINE`] closes the connection (the lines before it
/// echoed, none of it).
#[derive(Debug, Default)]
pub struct LineEcho;

impl Handler for LineEcho {
    fn on_input(&mut self, input: &mut Vec<u8>, output: &mut Vec<u8>) -> Next {
        // Everything up to the last '\n' is whole lines: echo them at once.
        let whole = input.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        // The lines in it must each be short enough; so must the piece after.
        let mut start = 0;
        for end in memchr_all(&input[..whole]) {
            if end - start > MAX_LINE {
                output.extend_from_slice(&input[..start]);
                return Next::Close;
            }
            start = end + 1;
        }
        output.extend_from_slice(&input[..whole]);
        input.drain(..whole);
        if input.len() > MAX_LINE {
            // MAX_LINE + 1 bytes and no '\n' yet: too long, whatever comes.
            return Next::Close;
        }
        Next::Read
    }

    fn on_end(&mut self, input: &mut Vec<u8>, output: &mut Vec<u8>) {
        // The last piece, without its '\n' (already short enough).
        output.append(input);
    }
}

/// The positions of the `\n`s in `bytes`.
fn memchr_all(bytes: &[u8]) -> impl Iterator<Item = usize> + '_ {
    bytes
        .iter()
        .enumerate()
        .filter_map(|(i, &b)| (b == b'\n').then_some(i))
}
// ANCHOR_END: line_echo

/// Level- or edge-triggered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    /// The default: epoll reports a socket at every wait while it is ready.
    Level,
    /// `EPOLLET`: epoll reports a socket when something new happens to it,
    /// once; the loop must then go on until `WouldBlock`.
    Edge,
}

// ANCHOR: connection
/// One connection's state: its socket, its two buffers, its handler, and
/// what it has asked epoll for.
struct Connection<H> {
    stream: TcpStream,
    handler: H,
    /// Received, not yet consumed by the handler.
    input: Vec<u8>,
    /// Owed to the peer: `output[sent..]` is still to write.
    output: Vec<u8>,
    sent: usize,
    /// Backpressure: not read while its output is over the high mark.
    paused: bool,
    /// No more reading: the peer closed its side, or the handler said Close.
    done_reading: bool,
    /// The events registered with epoll now, so that `epoll_ctl` is
    /// called only when they change.
    registered: EpollFlags,
}

/// What one read brought.
enum Got {
    Bytes,
    End,
    WouldBlock,
}

impl<H: Handler> Connection<H> {
    fn pending(&self) -> usize {
        self.output.len() - self.sent
    }

    /// The events this connection needs now: decided here, and only here.
    fn interest(&self, trigger: Trigger) -> EpollFlags {
        let mut flags = EpollFlags::empty();
        if !self.done_reading && !self.paused {
            flags |= EpollFlags::EPOLLIN;
        }
        // EPOLLOUT only while output waits: a socket with room in its send
        // buffer is nearly always writable, and a level-triggered EPOLLOUT
        // left on would wake every wait, a busy loop.
        if self.pending() > 0 {
            flags |= EpollFlags::EPOLLOUT;
        }
        if trigger == Trigger::Edge {
            flags |= EpollFlags::EPOLLET;
        }
        flags
    }

    /// Does all there is to do on this connection now: write what is owed,
    /// read what came, until `WouldBlock` both ways (or the high mark).
    /// `Ok(true)` while it stays open.
    fn service(&mut self) -> io::Result<bool> {
        // ANCHOR: service
        loop {
            self.flush()?;
            if self.pending() > HIGH_WATER {
                self.paused = true;
            } else if self.pending() <= LOW_WATER {
                // Edge-triggered, the bytes left in the socket when it was
                // paused will bring no new event: read them now, here.
                self.paused = false;
            }
            if self.done_reading || self.paused {
                break;
            }
            match self.read_once()? {
                // More may be waiting: read again (edge-triggered, no event
                // would tell us about it), writing in between.
                Got::Bytes => continue,
                Got::End => {
                    self.handler.on_end(&mut self.input, &mut self.output);
                    self.done_reading = true;
                }
                Got::WouldBlock => break,
            }
        }
        // Closed once nothing more will be read and everything is written.
        Ok(!(self.done_reading && self.pending() == 0))
        // ANCHOR_END: service
    }

    /// One read into the input buffer, and the handler on what it brought.
    fn read_once(&mut self) -> io::Result<Got> {
        let mut chunk = [0u8; CHUNK];
        match self.stream.read(&mut chunk) {
            Ok(0) => Ok(Got::End),
            Ok(n) => {
                self.input.extend_from_slice(&chunk[..n]);
                if self.handler.on_input(&mut self.input, &mut self.output) == Next::Close {
                    self.done_reading = true;
                    self.input = Vec::new();
                }
                Ok(Got::Bytes)
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(Got::WouldBlock),
            Err(e) if e.kind() == ErrorKind::Interrupted => Ok(Got::Bytes),
            Err(e) => Err(e),
        }
    }

    // ANCHOR: flush
    /// Writes pending output until it is all written or the socket says
    /// `WouldBlock`. A short write keeps the rest for the next `EPOLLOUT`:
    /// never dropped, never waited for.
    fn flush(&mut self) -> io::Result<()> {
        while self.pending() > 0 {
            match self.stream.write(&self.output[self.sent..]) {
                Ok(n) => self.sent += n,
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        if self.pending() == 0 {
            // All written: the buffer starts again from its front.
            self.output.clear();
            self.sent = 0;
        } else if self.sent >= CHUNK && self.sent >= self.pending() {
            // Written bytes are most of it: move the rest to the front, so
            // that the buffer does not grow by what was already sent.
            self.output.drain(..self.sent);
            self.sent = 0;
        }
        Ok(())
    }
    // ANCHOR_END: flush
}
// ANCHOR_END: connection

// ANCHOR: event_loop
/// The event loop: a listener, an epoll instance, and the connection table,
/// keyed by the token each connection's events carry. `new_handler` makes
/// the handler of each new connection.
pub struct EventLoop<H, F> {
    epoll: Epoll,
    listener: TcpListener,
    trigger: Trigger,
    connections: HashMap<u64, Connection<H>>,
    /// Tokens are never reused: an event still queued for a connection that
    /// was closed finds no entry, instead of a newcomer's.
    next_token: u64,
    new_handler: F,
}

impl<H: Handler, F: FnMut() -> H> EventLoop<H, F> {
    /// Makes the listener non-blocking and registers it.
    pub fn new(listener: TcpListener, trigger: Trigger, new_handler: F) -> io::Result<Self> {
        listener.set_nonblocking(true)?;
        let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC)?;
        let mut flags = EpollFlags::EPOLLIN;
        if trigger == Trigger::Edge {
            flags |= EpollFlags::EPOLLET;
        }
        epoll.add(&listener, EpollEvent::new(flags, LISTENER))?;
        Ok(EventLoop {
            epoll,
            listener,
            trigger,
            connections: HashMap::new(),
            next_token: LISTENER + 1,
            new_handler,
        })
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    /// Waits for events and handles them, for ever. Returns only when
    /// `epoll_wait` or `accept` fails for a reason that is not a client's.
    pub fn run(&mut self) -> io::Result<()> {
        let mut events = vec![EpollEvent::empty(); 256];
        loop {
            let ready = match self.epoll.wait(&mut events, EpollTimeout::NONE) {
                Ok(n) => n,
                Err(Errno::EINTR) => continue,
                Err(e) => return Err(e.into()),
            };
            for event in &events[..ready] {
                match event.data() {
                    LISTENER => self.accept_all()?,
                    token => self.ready(token),
                }
            }
        }
    }

    /// Accepts until `WouldBlock`: one edge-triggered event can stand for
    /// many connections, and those left in the backlog would bring no other.
    fn accept_all(&mut self) -> io::Result<()> {
        loop {
            let stream = match self.listener.accept() {
                Ok((stream, _)) => stream,
                Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
                // A client gone before we accepted it, a signal: not ours.
                Err(e)
                    if matches!(
                        e.kind(),
                        ErrorKind::ConnectionAborted | ErrorKind::Interrupted
                    ) =>
                {
                    continue;
                }
                // Out of descriptors (EMFILE) or memory: the connection
                // waits in the backlog; serve the others meanwhile.
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EMFILE | libc::ENFILE | libc::ENOBUFS | libc::ENOMEM)
                    ) =>
                {
                    eprintln!("epoll-server: accept: {e}");
                    return Ok(());
                }
                Err(e) => return Err(e),
            };
            if let Err(e) = self.add(stream) {
                eprintln!("epoll-server: a new connection: {e}");
            }
        }
    }

    /// A new connection into the table and into epoll.
    fn add(&mut self, stream: TcpStream) -> io::Result<()> {
        stream.set_nonblocking(true)?;
        let token = self.next_token;
        self.next_token += 1;
        let connection = Connection {
            stream,
            handler: (self.new_handler)(),
            input: Vec::new(),
            output: Vec::new(),
            sent: 0,
            paused: false,
            done_reading: false,
            registered: EpollFlags::empty(),
        };
        let flags = connection.interest(self.trigger);
        self.epoll
            .add(&connection.stream, EpollEvent::new(flags, token))?;
        self.connections.insert(
            token,
            Connection {
                registered: flags,
                ..connection
            },
        );
        Ok(())
    }

    /// Events for one connection: whatever they are (readable, writable,
    /// an error, the peer gone), service it; then close it, or bring its
    /// interest up to date.
    fn ready(&mut self, token: u64) {
        let Some(connection) = self.connections.get_mut(&token) else {
            return; // closed earlier in this batch of events
        };
        let open = match connection.service() {
            Ok(open) => open,
            Err(e) => {
                // Reset by the peer, a broken pipe: this client's trouble.
                if !matches!(e.kind(), ErrorKind::ConnectionReset | ErrorKind::BrokenPipe) {
                    eprintln!("epoll-server: client {token}: {e}");
                }
                false
            }
        };
        if !open {
            self.close(token);
            return;
        }
        let wanted = connection.interest(self.trigger);
        if wanted != connection.registered {
            let mut event = EpollEvent::new(wanted, token);
            match self.epoll.modify(&connection.stream, &mut event) {
                Ok(()) => connection.registered = wanted,
                Err(e) => {
                    eprintln!("epoll-server: client {token}: epoll_ctl: {e}");
                    self.close(token);
                }
            }
        }
    }

    // ANCHOR: close
    /// Out of epoll and out of the table; dropping the stream closes it.
    fn close(&mut self, token: u64) {
        if let Some(connection) = self.connections.remove(&token) {
            let _ = self.epoll.delete(&connection.stream);
        }
    }
    // ANCHOR_END: close
}
// ANCHOR_END: event_loop

// ANCHOR: serve
/// Serves the line echo to every client of `listener` from this one thread,
/// with one epoll instance, level- or edge-triggered as `trigger` says.
/// Every client is served at once; a line longer than [`MAX_LINE`] closes
/// its connection; a client that does not read its echo stops being read
/// once [`HIGH_WATER`] bytes wait for it, so that it cannot make the
/// server's memory grow without limit.
///
/// Returns only when epoll or `accept` fails for a reason of the server's.
pub fn serve(listener: TcpListener, trigger: Trigger) -> io::Result<()> {
    EventLoop::new(listener, trigger, LineEcho::default)?.run()
}
// ANCHOR_END: serve
