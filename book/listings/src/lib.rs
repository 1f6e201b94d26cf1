//! The book's demonstration programs, one file each in `src/bin/`. The book
//! includes them by anchor (`// ANCHOR: name` … `// ANCHOR_END: name`), so
//! every listing on a page is code that compiles, and `tests/` proves it
//! runs.
//!
//! Every server takes an optional address (default `127.0.0.1:8888`) and
//! prints `listening on IP:PORT` as its first line; every client takes the
//! server's address.
//!
//! ## Chapter 1
//!
//! - `udp-echo-server`, `udp-echo-client`: datagrams and `Thanks` (§1.2.3).
//! - `tcp-echo-server`, `tcp-echo-client`: one connection per client, one
//!   reply per line, clients served one after another (§1.3.2–1.3.3, example 01).
//! - `tcp-short-server`, `tcp-short-client`: one short connection per message,
//!   ended by a half close (§1.3.3, example 02).
//! - `marker-breaks`: why the seed's `##` end marker breaks a file upload
//!   (§1.3.3, the picture upload); it prints `output/marker-breaks.txt`.
//!
//! ## Chapter 2: processes (ch2/processes.md)
//!
//! - `fork-demo`: the seed's first process (§2.2.2, example 01): a child
//!   changes a global variable, and the parent does not see it.
//! - `fork-many`: three children at once, their pids, exit codes and `waitpid`
//!   (§2.2.3).
//! - `shared-offset`: a file opened before `fork` shares its offset between
//!   parent and child (the big-file split, §2.2.3).
//! - `zombie`: a child that exited and was not yet reaped, seen in `/proc`.
//! - `process-struct`: a process as a type with a `run` method, `start` and
//!   `join` (§2.2.4).
//! - `process-args`: a child started with arguments, and the `daemon` flag:
//!   a child tied to its parent by `PR_SET_PDEATHSIG`, and one that outlives
//!   it (§2.2.2, example 02).
//!
//! ## Chapter 2: talking between processes (ch2/ipc.md)
//!
//! - `pipe-demo`: a forked child changes a variable the parent does not see,
//!   then sends lines through a pipe (§2.2.5).
//! - `pair-demo`: a parent and its child talk both ways over a socket pair.
//! - `process-commands`: a parent sends commands to its child, one line each,
//!   until `quit` (§2.2.5).
//!
//! ## Chapter 2: locks (ch2/locks.md)
//!
//! - `lock-demo`: the seed's `a == b` check, without a lock and with a `Mutex`.
//! - `event-demo`: the seed's password at the gate, on a `Mutex` and a `Condvar`.
//! - `poison-demo`: a thread panics while holding a lock.
//!
//! `broken/` holds listings that must NOT compile (not part of the crate):
//! the book shows the compiler's error for each, captured into `output/` by
//! `broken/capture.sh`; `tests/broken.rs` checks that they still fail so.
//!
//! ## Chapter 2: threads, deadlock, the GIL (ch2/threads.md, bank-transfer.md, gil.md)
//!
//! - `thread-basics`: a thread beside the main thread, one pid, one memory,
//!   `join` (§2.3.2, example 01).
//! - `thread-args`: threads created in a loop, with arguments, names and ids
//!   (§2.3.2, example 02).
//! - `thread-struct`: a thread as a type with a `run` method (§2.3.3).
//! - `scoped-threads`: threads that borrow, with `thread::scope`.
//! - `daemon-threads`: threads still running when `main` returns.
//! - `deadlock-demo`: the seed's deadlock (§2.3.5), stopped by
//!   `parking_lot`'s deadlock detector.
//! - `python/gil_experiment.py` (not Rust): the seed's GIL experiment in
//!   CPython, to compare with `cargo xtask run parallel-primes`.
//!
//! ## Chapter 3: blocking IO, select, epoll (ch3/blocking-io.md, select.md, epoll.md)
//!
//! - `nonblocking-accept`: the seed's non-blocking accept loop and its
//!   timeout variant (§3.3.3): `WouldBlock` as "nobody yet", other work meanwhile,
//!   a bounded wait between passes; it drives its own four clients.
//! - `busy-loop`: what waiting costs, measured: the CPU time of a busy loop,
//!   of a sleeping loop and of a blocked `accept`, and how long a client
//!   waits to be accepted by each.
//! - `select-demo`: the seed's select demonstration (§3.3.4): a listener, a
//!   UDP socket and a pipe watched at once; writable sockets and regular
//!   files always ready; a descriptor at `FD_SETSIZE` refused.
//! - `epoll-demo`: the same sources with epoll, then level-triggered (or,
//!   with `--edge`, edge-triggered) wake-ups of a reader that does not
//!   drain, and one that drains until `WouldBlock`.
