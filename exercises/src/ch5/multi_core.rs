//! # Exercise `multi-core`: one event loop per core (book: ch5/multi-core.md)
//!
//! One listening socket per loop, all on one port: each has `SO_REUSEPORT`
//! set before it is bound, so the kernel deals every new connection to one
//! of them (by a hash of the connection's addresses and ports), and each is
//! served by its own [`c10k::serve`] on its own thread. No lock, no queue
//! and no cross-thread wake-up stand between a connection and its loop.
//!
//! You write [`listeners`] and [`serve`]; the loop itself is your `c10k`.

// The imports are the reference's, for your code to use; until it does, rustc
// would warn that most of them are unused.
#![allow(unused_imports)]

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
    // TODO: refuse count == 0; then for each: a socket2 Socket, SO_REUSEADDR and
    // SO_REUSEPORT, bind (the first to addr, the rest to the first's
    // local_addr()), listen(BACKLOG), and TcpListener::from.
    todo!("multi-core: listeners({addr}, {count}) (book: ch5/multi-core.md, \"Your task\")")
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
    // TODO: refuse no listener; spawn one thread `loop-N` per listener running
    // c10k::serve, each sending its result on a channel; return the first.
    let _ = (&listeners, &site, config);
    todo!(
        "multi-core: serve on {} listeners (book: ch5/multi-core.md, \"Your task\")",
        listeners.len()
    )
}
// ANCHOR_END: serve
