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
//! - [`LineEcho`]: the chapter's line echo as a [`Handler`]: `on_input`, `on_end`.
//! - `Connection`: `interest`, `service`, `read_once`, `flush`.
//! - [`EventLoop`]: `new`, `run`, `accept_all`, `add`, `ready`, `close`.
//!
//! [`serve`] is given: it puts the two together.

// The parts below call each other once written; until then, the compiler
// would warn that most of them are unused.
#![allow(dead_code, unused_imports)]

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
        // TODO: append every whole line of `input` (up to and including its
        // '\n') to `output`, and drain them from `input`. A line longer than
        // MAX_LINE (or MAX_LINE + 1 bytes still without '\n'): the lines
        // before it only, then Next::Close.
        todo!(
            "echo the whole lines among {} bytes of input (book: ch3/epoll-server.md, \"Your task\")",
            input.len() + output.len()
        )
    }

    fn on_end(&mut self, input: &mut Vec<u8>, output: &mut Vec<u8>) {
        // TODO: the last piece, without its '\n', goes out too.
        todo!(
            "echo the last {} bytes (book: ch3/epoll-server.md, \"Your task\")",
            input.len() + output.len()
        )
    }
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
    /// How many bytes of output are still to write.
    fn pending(&self) -> usize {
        self.output.len() - self.sent
    }

    /// The events this connection needs now: decided here, and only here.
    /// `EPOLLIN` unless it reads no more or is paused (backpressure);
    /// `EPOLLOUT` only while output is pending; `EPOLLET` when edge-triggered.
    fn interest(&self, trigger: Trigger) -> EpollFlags {
        // TODO: build the flags as the doc comment says.
        todo!(
            "the events of a connection, {trigger:?}-triggered (book: ch3/epoll-server.md, \"Your task\")"
        )
    }

    /// Does all there is to do on this connection now: write what is owed,
    /// read what came, until `WouldBlock` both ways. Past [`HIGH_WATER`]
    /// bytes pending it is paused (not read); at [`LOW_WATER`] or less it is
    /// read again, here and now (edge-triggered, the bytes left in the
    /// socket bring no new event). `Ok(false)` when it is to be closed: it
    /// reads no more and its output is all written.
    fn service(&mut self) -> io::Result<bool> {
        // TODO: loop { flush; pause or resume; stop if paused or done
        // reading; read_once: Bytes → again, End → on_end and done reading,
        // WouldBlock → stop }
        todo!(
            "service a connection with {} bytes pending (book: ch3/epoll-server.md, \"Your task\")",
            self.pending()
        )
    }

    /// One read (of at most `CHUNK` bytes) into the input buffer, and the
    /// handler on what it brought (on `Next::Close`: done reading).
    fn read_once(&mut self) -> io::Result<Got> {
        // TODO: read; 0 → Got::End; n → input, on_input, Got::Bytes;
        // WouldBlock → Got::WouldBlock.
        todo!(
            "read from a connection, {CHUNK} bytes at most (book: ch3/epoll-server.md, \"Your task\")"
        )
    }

    /// Writes pending output until it is all written or the socket says
    /// `WouldBlock`. A short write keeps the rest for the next `EPOLLOUT`:
    /// never dropped, never waited for.
    fn flush(&mut self) -> io::Result<()> {
        // TODO: while pending, write output[sent..] and add what was
        // written to `sent`; WouldBlock → stop. Empty: clear the buffer.
        todo!(
            "write {} pending bytes (book: ch3/epoll-server.md, \"Your task\")",
            self.pending()
        )
    }
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
    /// Makes the listener non-blocking, makes the epoll instance, and
    /// registers the listener (token `LISTENER`).
    pub fn new(listener: TcpListener, trigger: Trigger, new_handler: F) -> io::Result<Self> {
        // TODO: set_nonblocking, Epoll::new, epoll.add(&listener, …).
        let addr = listener.local_addr()?;
        let _ = (trigger, new_handler, HashMap::<u64, Connection<H>>::new());
        todo!(
            "serve the clients of {addr} from one epoll instance (book: ch3/epoll-server.md, \"Your task\")"
        )
    }

    /// How many connections are open.
    pub fn len(&self) -> usize {
        self.connections.len()
    }

    /// Whether no connection is open.
    pub fn is_empty(&self) -> bool {
        self.connections.is_empty()
    }

    /// Waits for events and handles them, for ever: the listener's token
    /// to `accept_all`, any other to `ready`. Returns only when
    /// `epoll_wait` or `accept` fails for a reason that is not a client's.
    pub fn run(&mut self) -> io::Result<()> {
        // TODO: loop { epoll.wait(&mut events, EpollTimeout::NONE); each
        // event by its data(): LISTENER or a connection's token }
        let _ = (&self.epoll, LISTENER, EpollTimeout::NONE, Errno::EINTR);
        todo!("the event loop (book: ch3/epoll-server.md, \"Your task\")")
    }

    /// Accepts until `WouldBlock`, and `add`s each connection: one
    /// edge-triggered event can stand for many.
    fn accept_all(&mut self) -> io::Result<()> {
        // TODO: loop { accept; WouldBlock → return Ok(()); add(stream) }
        todo!(
            "accept from {:?} (book: ch3/epoll-server.md, \"Your task\")",
            self.listener.local_addr()
        )
    }

    /// A new connection, non-blocking, into the table under a new token and
    /// into epoll with its `interest`.
    fn add(&mut self, stream: TcpStream) -> io::Result<()> {
        // TODO: set_nonblocking; a Connection; epoll.add; insert.
        let _ = (stream, self.next_token, &mut self.new_handler);
        todo!("add a connection (book: ch3/epoll-server.md, \"Your task\")")
    }

    /// Events for one connection: `service` it; then `close` it, or bring
    /// its interest up to date (`epoll.modify`, only when it changed).
    fn ready(&mut self, token: u64) {
        // TODO: get_mut(&token) (none: closed already); service; close or
        // modify.
        todo!("events for connection {token} (book: ch3/epoll-server.md, \"Your task\")")
    }

    /// Out of epoll and out of the table; dropping the stream closes it.
    fn close(&mut self, token: u64) {
        // TODO: remove from the table, epoll.delete.
        todo!("close connection {token} (book: ch3/epoll-server.md, \"Your task\")")
    }
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
