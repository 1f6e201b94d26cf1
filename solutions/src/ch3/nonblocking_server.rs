//! # Exercise `nonblocking-server`: many clients, non-blocking, without select (book: ch3/nonblocking-server.md)
//!
//! The seed's non-blocking accept loop, grown into a server for many
//! clients on one thread: every socket is non-blocking, and one loop tries
//! the listener and then each client in turn. `WouldBlock` means "nothing
//! yet", never "gone". Each connection keeps the bytes it has read and the
//! bytes it still owes its client; a short write keeps the rest for the next
//! pass. When a whole pass finds nothing to do, the loop sleeps [`PAUSE`]
//! (it never spins), and, at most once every [`LOG_EVERY`], writes a line to
//! its log: the work it does while nobody comes.
//!
//! - [`serve`]: the loop, for ever.

use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::{Duration, Instant};

pub use super::line_echo::MAX_LINE;

/// How long the loop sleeps after a pass that found nothing to do: the most
/// a new client, or a new line, waits before the loop looks again.
pub const PAUSE: Duration = Duration::from_millis(10);

/// How often, at most, the idle loop writes its line to the log.
pub const LOG_EVERY: Duration = Duration::from_secs(1);

/// How the idle line starts (the rest says how many clients are connected,
/// and how many passes found nothing since the last line).
pub const IDLE_LINE: &str = "idle:";

/// The most output a connection may owe its client before the loop stops
/// reading from it: a client that sends without reading cannot make the
/// server hold more than this for it.
const MAX_OWED: usize = 64 * 1024;

/// How much one read takes at most.
const CHUNK: usize = 16 * 1024;

// ANCHOR: serve
/// Serves the line echo to every client of `listener` at once, on the
/// calling thread only, without blocking anywhere but in a short sleep:
/// the listener and every accepted socket are non-blocking.
///
/// Each pass accepts every connection waiting, then gives each client a
/// turn: write what it is owed, read what it sent, echo its whole lines. A
/// line over [`MAX_LINE`] closes that connection (after the lines before
/// it). A pass that finds nothing to do sleeps [`PAUSE`], and writes one
/// line starting with [`IDLE_LINE`] to `log` if the last was at least
/// [`LOG_EVERY`] ago. A client's error ends only its connection (it is
/// logged too).
///
/// Returns only when `accept` itself fails, or the log cannot be written.
pub fn serve(listener: TcpListener, log: &mut dyn Write) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut clients: Vec<Client> = Vec::new();
    let mut last_line = Instant::now();
    let mut empty_passes: u64 = 0;
    loop {
        let mut progress = accept_all(&listener, &mut clients)?;
        // Each client's turn; keep those that are not finished.
        clients.retain_mut(|client| match client.turn() {
            Ok(Turn { moved, done }) => {
                progress |= moved;
                !done
            }
            Err(e) => {
                // Its error is its own: log it, drop it (which closes it).
                let _ = writeln!(log, "nonblocking-server: client {}: {e}", client.peer);
                progress = true;
                false
            }
        });
        if progress {
            continue;
        }
        // Nothing to do anywhere: the other work, then a pause, not a spin.
        empty_passes += 1;
        if last_line.elapsed() >= LOG_EVERY {
            writeln!(
                log,
                "{IDLE_LINE} {} client(s) connected, {empty_passes} passes found nothing in the \
                 last {} ms",
                clients.len(),
                last_line.elapsed().as_millis()
            )?;
            log.flush()?;
            last_line = Instant::now();
            empty_passes = 0;
        }
        thread::sleep(PAUSE);
    }
}
// ANCHOR_END: serve

// ANCHOR: accept
/// Accepts every connection waiting in the listener's queue, each made
/// non-blocking; returns whether there was any.
fn accept_all(listener: &TcpListener, clients: &mut Vec<Client>) -> io::Result<bool> {
    let mut any = false;
    loop {
        match listener.accept() {
            Ok((stream, peer)) => {
                // A socket accepted from a non-blocking listener is itself
                // blocking (Linux does not pass the flag on): one read on it
                // would wait for that client, and everyone would wait.
                stream.set_nonblocking(true)?;
                clients.push(Client::new(stream, peer));
                any = true;
            }
            // Nobody waiting: that is "nothing yet", not an error.
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(any),
            // A client that gave up before we took it; or a signal.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionAborted | ErrorKind::Interrupted
                ) => {}
            Err(e) => return Err(e),
        }
    }
}
// ANCHOR_END: accept

// ANCHOR: client
/// One connection and its two buffers.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read but not yet a whole line (never a `\n` among them).
    input: Vec<u8>,
    /// Whole lines not yet written back: what the client is owed.
    owed: Vec<u8>,
    /// False once the client has closed its side, or sent a line too long:
    /// nothing more is read, and the connection ends when `owed` is empty.
    reading: bool,
}

/// What a turn did: whether any byte moved, and whether the connection is
/// finished (then dropping it closes it).
struct Turn {
    moved: bool,
    done: bool,
}
// ANCHOR_END: client

impl Client {
    fn new(stream: TcpStream, peer: SocketAddr) -> Client {
        Client {
            stream,
            peer,
            input: Vec::new(),
            owed: Vec::new(),
            reading: true,
        }
    }

    // ANCHOR: turn
    /// Gives this client its turn: write what it is owed, read what has
    /// come, write again. Never waits: each call stops at `WouldBlock`.
    fn turn(&mut self) -> io::Result<Turn> {
        let mut moved = self.write_owed()?;
        // Read only while the client takes its echo: a client that sends
        // and never reads makes us stop reading, not grow `owed` for ever.
        while self.reading && self.owed.len() < MAX_OWED {
            let mut chunk = [0u8; CHUNK];
            match self.stream.read(&mut chunk) {
                Ok(0) => {
                    // End of file: what is left without a '\n' is echoed too.
                    self.owed.append(&mut self.input);
                    self.reading = false;
                    moved = true;
                }
                Ok(n) => {
                    self.take_lines(&chunk[..n]);
                    moved = true;
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        moved |= self.write_owed()?;
        let done = !self.reading && self.owed.is_empty();
        Ok(Turn { moved, done })
    }

    /// Writes as much of `owed` as the socket takes now; the rest stays for
    /// the next pass. Returns whether anything was written.
    fn write_owed(&mut self) -> io::Result<bool> {
        let mut written = 0;
        while written < self.owed.len() {
            match self.stream.write(&self.owed[written..]) {
                Ok(0) => return Err(ErrorKind::WriteZero.into()),
                Ok(n) => written += n,
                // The send buffer is full: a short write. Keep the rest.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        self.owed.drain(..written);
        Ok(written > 0)
    }
    // ANCHOR_END: turn

    // ANCHOR: lines
    /// Adds `bytes` to the input; every whole line moves to `owed`. A line
    /// longer than [`MAX_LINE`] (with its `\n` or still without one) stops
    /// the reading: none of it is echoed, and the connection ends when the
    /// lines before it are written.
    fn take_lines(&mut self, bytes: &[u8]) {
        self.input.extend_from_slice(bytes);
        // `start`: where the first line not yet moved begins.
        let mut start = 0;
        while let Some(at) = self.input[start..].iter().position(|&b| b == b'\n') {
            if at > MAX_LINE {
                return self.too_long(start);
            }
            start += at + 1;
        }
        if self.input.len() - start > MAX_LINE {
            return self.too_long(start);
        }
        self.owed.extend_from_slice(&self.input[..start]);
        self.input.drain(..start);
    }

    /// The line at `start` of the input is too long: the lines before it
    /// are owed, nothing of it is, and nothing more is read.
    fn too_long(&mut self, start: usize) {
        self.owed.extend_from_slice(&self.input[..start]);
        self.input.clear();
        self.reading = false;
    }
    // ANCHOR_END: lines
}
