//! # Exercise `select-server`: many clients in one thread: select (book: ch3/select-server.md)
//!
//! One thread, one loop, many clients. Every socket is non-blocking, and
//! the thread waits in `select` (nix's `sys::select`) for whichever of them
//! is ready: the listener (a client to accept), a connection with bytes to
//! read, or a connection whose output is waiting and that has room to send
//! it. Each connection keeps what it has read and not yet echoed (its
//! input) and what it owes the client and has not yet sent (its output), so
//! that no call ever waits on one client.
//!
//! - [`serve`]: the event loop.
//! - [`fits_in_fd_set`]: whether a descriptor can be watched by `select`.

use nix::errno::Errno;
use nix::sys::select::{FD_SETSIZE, FdSet, select};
use std::io::{self, ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd};

pub use super::line_echo::MAX_LINE;

/// How much a connection may owe its client before the server stops reading
/// from it, until it has sent some: a client that sends and never reads
/// cannot make the server hold more than this for it (and a line).
pub const MAX_OUTPUT: usize = 64 * 1024;

/// The most one `read` takes from a connection.
const CHUNK: usize = 16 * 1024;

// ANCHOR: fits
/// Whether `fd` can go into an `fd_set`: a bit array of `FD_SETSIZE` bits,
/// for descriptors 0 to `FD_SETSIZE - 1`.
pub fn fits_in_fd_set(fd: BorrowedFd<'_>) -> bool {
    usize::try_from(fd.as_raw_fd()).is_ok_and(|fd| fd < FD_SETSIZE)
}
// ANCHOR_END: fits

// ANCHOR: connection
/// One client, as the loop keeps it between passes.
struct Connection {
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read and not yet part of a whole line (at most [`MAX_LINE`]).
    input: Vec<u8>,
    /// Whole lines (and a last piece) owed to the client, not yet sent.
    output: Vec<u8>,
    /// Nothing more is read: the client has closed its side, or sent a line
    /// too long. The connection closes once `output` is sent.
    done_reading: bool,
}

impl Connection {
    /// Watched for reading: while it may still send, and does not owe too much.
    fn wants_read(&self) -> bool {
        !self.done_reading && self.output.len() < MAX_OUTPUT
    }

    /// Watched for writing: only while output waits (a socket with room in its
    /// send buffer is always writable, and `select` would return at once).
    fn wants_write(&self) -> bool {
        !self.output.is_empty()
    }

    /// Finished: nothing more to read and nothing left to send.
    fn finished(&self) -> bool {
        self.done_reading && self.output.is_empty()
    }
}
// ANCHOR_END: connection

// ANCHOR: serve
/// Serves the line echo to every client of `listener`, for ever, from the
/// calling thread alone: each line a client sends comes back to it, in
/// order; a line longer than [`MAX_LINE`] closes that connection (without
/// echoing any of it); what follows the last `\n` when the client closes
/// comes back before the connection closes.
///
/// Every socket is non-blocking, and the thread sleeps only in `select`,
/// which watches the listener, every connection that may send (for
/// reading), and every connection with output waiting (for writing). A
/// short write keeps the rest for the next pass. A connection that owes its
/// client [`MAX_OUTPUT`] bytes or more is not read until it has sent some
/// (backpressure: the server stops reading, the client's sends wait). The
/// thread is never woken while every client is idle. A connection whose
/// descriptor is `FD_SETSIZE` or more cannot be watched: it is closed at
/// once, with one line on stderr, and the others are served on.
///
/// Returns only when `select` or the listener fails.
pub fn serve(listener: TcpListener) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut connections: Vec<Connection> = Vec::new();
    loop {
        // The sets, rebuilt on every pass: select overwrites them with its
        // answer, the descriptors that are ready.
        let mut reads = FdSet::new();
        let mut writes = FdSet::new();
        reads.insert(listener.as_fd());
        for conn in &connections {
            if conn.wants_read() {
                reads.insert(conn.stream.as_fd());
            }
            if conn.wants_write() {
                writes.insert(conn.stream.as_fd());
            }
        }
        // No timeout: sleep until something is ready.
        match select(None, &mut reads, &mut writes, None, None) {
            Ok(_) => {}
            Err(Errno::EINTR) => continue,
            Err(errno) => return Err(errno.into()),
        }
        // What is ready, read out of the sets before the connections change:
        // the sets borrow their descriptors, and are not used after this.
        let listener_ready = reads.contains(listener.as_fd());
        let ready: Vec<(bool, bool)> = connections
            .iter()
            .map(|c| {
                let fd = c.stream.as_fd();
                (reads.contains(fd), writes.contains(fd))
            })
            .collect();

        for (conn, (readable, writable)) in connections.iter_mut().zip(ready) {
            if readable && let Err(e) = read_lines(conn) {
                eprintln!("select-server: client {}: {e}", conn.peer);
                conn.done_reading = true;
                conn.output.clear();
                continue;
            }
            // Try to send at once what this pass produced: the socket is
            // most likely writable, and that saves a pass.
            if (writable || readable)
                && conn.wants_write()
                && let Err(e) = send_output(conn)
            {
                eprintln!("select-server: client {}: {e}", conn.peer);
                conn.done_reading = true;
                conn.output.clear();
            }
        }
        // Dropping a connection closes it.
        connections.retain(|conn| !conn.finished());

        if listener_ready {
            accept_all(&listener, &mut connections)?;
        }
    }
}
// ANCHOR_END: serve

// ANCHOR: accept
/// Accepts every connection waiting in the listener's queue, until
/// `WouldBlock`; refuses those whose descriptor `select` cannot watch.
fn accept_all(listener: &TcpListener, connections: &mut Vec<Connection>) -> io::Result<()> {
    loop {
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            // The client gave up before we accepted it: only its loss.
            Err(e) if e.kind() == ErrorKind::ConnectionAborted => continue,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if !fits_in_fd_set(stream.as_fd()) {
            eprintln!(
                "select-server: refused {peer}: its descriptor {} is at or above FD_SETSIZE \
                 ({FD_SETSIZE}), which select cannot watch",
                stream.as_raw_fd()
            );
            continue; // `stream` is dropped here: the connection is closed
        }
        stream.set_nonblocking(true)?;
        connections.push(Connection {
            stream,
            peer,
            input: Vec::new(),
            output: Vec::new(),
            done_reading: false,
        });
    }
}
// ANCHOR_END: accept

// ANCHOR: read
/// One `read` from a readable connection: each whole line goes to the
/// output; at end of file, so does the last piece. A line over
/// [`MAX_LINE`] ends the reading, and is dropped.
fn read_lines(conn: &mut Connection) -> io::Result<()> {
    let mut chunk = [0u8; CHUNK];
    let n = match (&conn.stream).read(&mut chunk) {
        Ok(n) => n,
        // Not ready after all, or a signal: the next pass will tell.
        Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    if n == 0 {
        // End of file: echo the last piece, then close once it is sent.
        conn.output.append(&mut conn.input);
        conn.done_reading = true;
        return Ok(());
    }
    // Only the bytes just read can hold a '\n': the input had none.
    let mut searched = conn.input.len();
    conn.input.extend_from_slice(&chunk[..n]);
    let mut start = 0;
    while let Some(at) = conn.input[searched..].iter().position(|&b| b == b'\n') {
        let end = searched + at + 1; // just after the '\n'
        if end - 1 - start > MAX_LINE {
            too_long(conn);
            return Ok(());
        }
        conn.output.extend_from_slice(&conn.input[start..end]);
        start = end;
        searched = end;
    }
    conn.input.drain(..start);
    if conn.input.len() > MAX_LINE {
        too_long(conn);
    }
    Ok(())
}

/// A line over [`MAX_LINE`]: nothing of it is echoed, nothing more is read;
/// the lines before it are still sent, then the connection closes.
fn too_long(conn: &mut Connection) {
    conn.input = Vec::new();
    conn.done_reading = true;
}
// ANCHOR_END: read

// ANCHOR: send
/// Sends what the connection owes, as much as the socket takes now; a
/// short write keeps the rest, and the socket stays in the write set.
fn send_output(conn: &mut Connection) -> io::Result<()> {
    while !conn.output.is_empty() {
        match (&conn.stream).write(&conn.output) {
            Ok(0) => return Err(ErrorKind::WriteZero.into()),
            Ok(n) => {
                conn.output.drain(..n);
            }
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Ok(()),
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
// ANCHOR_END: send
