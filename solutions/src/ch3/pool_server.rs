//! # Exercise `pool-server`: a pool of threads (book: ch3/pool-server.md)
//!
//! A fixed number of worker threads, started once, and a bounded queue of
//! accepted connections between them and the accepting thread. The
//! accepting thread never waits for a worker: when the queue is full, the
//! new client is told so in one line, [`BUSY`], and its connection is
//! closed (load shedding). However many clients come, the server has
//! `workers` threads and holds at most `workers + queue` connections.
//!
//! - [`serve`]: start the workers, then accept for ever, handing each
//!   connection to the queue or turning it away.

use std::io::{self, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{Receiver, TrySendError, sync_channel};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

pub use super::line_echo::{MAX_LINE, echo_lines};

// ANCHOR: busy
/// The one line a client gets when every worker is busy and the queue is
/// full, just before its connection is closed.
pub const BUSY: &[u8] = b"busy: try again later\n";
// ANCHOR_END: busy

/// A connection accepted and not yet served, with its peer's address.
type Accepted = (TcpStream, SocketAddr);

// ANCHOR: serve
/// Starts `workers` threads, then accepts clients on `listener` for ever.
/// Each connection goes into a queue of at most `queue` connections, from
/// which the workers take them, one at a time each, and serve them with
/// [`echo_lines`]. When the queue is full, the connection gets [`BUSY`] and
/// is closed at once: the accepting thread never waits for a worker, and
/// the server never holds more than `workers + queue` clients.
///
/// Returns an error when `workers` is 0 (`InvalidInput`), when a worker
/// cannot be started, when `accept` fails, or when every worker has
/// stopped.
pub fn serve(listener: TcpListener, workers: usize, queue: usize) -> io::Result<()> {
    if workers == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a pool needs at least one worker",
        ));
    }
    // The queue: a channel that holds at most `queue` connections. The
    // receiving end is shared by every worker, behind a lock.
    let (to_workers, from_acceptor) = sync_channel::<Accepted>(queue);
    let from_acceptor = Arc::new(Mutex::new(from_acceptor));
    // Every worker is started now, once: no thread is started per client.
    for n in 1..=workers {
        let from_acceptor = Arc::clone(&from_acceptor);
        thread::Builder::new()
            .name(format!("worker {n}"))
            .spawn(move || work(&from_acceptor))?;
    }
    loop {
        let (stream, peer) = listener.accept()?;
        // try_send, never send: send would wait for room in the queue, and
        // while it waits nobody accepts.
        match to_workers.try_send((stream, peer)) {
            Ok(()) => {}
            Err(TrySendError::Full((stream, peer))) => turn_away(stream, peer),
            Err(TrySendError::Disconnected(_)) => {
                return Err(io::Error::other("every worker has stopped"));
            }
        }
    }
}
// ANCHOR_END: serve

/// A worker: takes the next connection from the queue, serves it to the
/// end, and takes the next, until the queue is gone.
fn work(from_acceptor: &Mutex<Receiver<Accepted>>) {
    loop {
        // The lock's guard is a temporary of this statement: the lock is let
        // go as soon as `recv` returns, before the client is served, so that
        // the other workers can take the next connections meanwhile.
        let next = from_acceptor
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok((stream, peer)) = next else {
            // The sending end is gone: the server has stopped accepting.
            return;
        };
        if let Err(e) = echo_lines(stream) {
            eprintln!("pool-server: client {peer}: {e}");
        }
    }
}

/// Tells a client that the server is busy, and closes its connection (by
/// dropping the stream). The write must not wait either: the socket is made
/// non-blocking first. A new connection's send buffer is empty, so the line
/// fits; a client that has gone already just misses it.
fn turn_away(mut stream: TcpStream, peer: SocketAddr) {
    let told = stream
        .set_nonblocking(true)
        .and_then(|()| stream.write_all(BUSY));
    if let Err(e) = told {
        eprintln!("pool-server: client {peer}, turned away: {e}");
    }
}
