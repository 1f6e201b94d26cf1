//! # Exercise `multi-core`: one event loop per core, the reference solution
//!
//! One listening socket per loop, all on one port: each has `SO_REUSEPORT`
//! set before it is bound, so the kernel deals every new connection to one
//! of them (by a hash of the connection's addresses and ports), and each is
//! served by its own [`c10k::serve`] on its own thread. No lock, no queue
//! and no cross-thread wake-up stand between a connection and its loop.

use super::c10k::{self, Config, Site};
use socket2::{Domain, Protocol, Socket, Type};
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, mpsc};
use std::thread;

/// The length of each listener's accept queue (the kernel caps it at
/// `net.core.somaxconn`, 4096 here).
pub const BACKLOG: i32 = 4096;

// ANCHOR: listeners
/// Opens `count` listening TCP sockets on one address, each with
/// `SO_REUSEPORT` (and `SO_REUSEADDR`) set *before* it is bound. The first
/// is bound to `addr`; the others to the first's local address, so that
/// port 0 picks one free port for them all.
///
/// Errors: `count == 0` is `InvalidInput`; a failed `socket`, `setsockopt`,
/// `bind` or `listen` is returned as it is (the sockets opened so far are
/// closed).
pub fn listeners(addr: SocketAddr, count: usize) -> io::Result<Vec<TcpListener>> {
    if count == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a server needs at least one listener",
        ));
    }
    let mut all = Vec::with_capacity(count);
    let mut at = addr;
    for _ in 0..count {
        let socket = Socket::new(Domain::for_address(at), Type::STREAM, Some(Protocol::TCP))?;
        socket.set_reuse_address(true)?;
        // Without this, the second bind to the port fails with EADDRINUSE.
        socket.set_reuse_port(true)?;
        socket.bind(&at.into())?;
        socket.listen(BACKLOG)?;
        let listener = TcpListener::from(socket);
        // Port 0 is now a real port: the next listeners join this one.
        at = listener.local_addr()?;
        all.push(listener);
    }
    Ok(all)
}
// ANCHOR_END: listeners

// ANCHOR: serve
/// Serves `site` with one event loop ([`c10k::serve`]) per listener, each
/// on its own thread named `loop-N`, all at once. `config` applies to each
/// loop: `max_connections` is per loop, as nginx's `worker_connections` is
/// per worker.
///
/// Returns when the first loop ends, with its result, an error named for
/// its loop (a loop only ends on an error of its listener or its poll);
/// the other loops cannot be stopped from outside and go on until the
/// process exits. Errors: no listener is `InvalidInput`; a thread the OS
/// refuses to start is returned as it is.
pub fn serve(listeners: Vec<TcpListener>, site: Arc<Site>, config: &Config) -> io::Result<()> {
    if listeners.is_empty() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a server needs at least one listener",
        ));
    }
    let (ended, first_end) = mpsc::channel();
    for (n, listener) in listeners.into_iter().enumerate() {
        let site = Arc::clone(&site);
        let config = config.clone();
        let ended = ended.clone();
        thread::Builder::new()
            .name(format!("loop-{n}"))
            .spawn(move || {
                let result = c10k::serve(listener, site, &config);
                // The receiver may be gone: another loop ended first.
                drop(ended.send((n, result)));
            })?;
    }
    drop(ended);
    // Wait for whichever loop ends first, not for loop 0: a loop that
    // fails must not go unnoticed behind one that serves on.
    match first_end.recv() {
        Ok((n, result)) => result.map_err(|e| io::Error::new(e.kind(), format!("loop {n}: {e}"))),
        // Every sender is gone and none sent: a loop's thread panicked.
        Err(mpsc::RecvError) => Err(io::Error::other("a loop ended in a panic")),
    }
}
// ANCHOR_END: serve
