//! The book's demonstration programs, one file each in `src/bin/`. The book
//! includes them by anchor (`// ANCHOR: name` … `// ANCHOR_END: name`), so
//! every listing on a page is code that compiles, and `tests/` proves it
//! runs.
//!
//! ## Chapter 1
//!
//! - `udp-echo-server`, `udp-echo-client`: datagrams and `Thanks` (§1.2.3).
//! - `tcp-echo-server`, `tcp-echo-client`: one connection per client, one
//!   reply per line, clients served one after another (§1.3.2–1.3.3, example 01).
//! - `tcp-short-server`, `tcp-short-client`: one short connection per message,
//!   ended by a half close (§1.3.3, example 02).
//!
//! ## Chapter 2
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
//! Every server takes an optional address (default `127.0.0.1:8888`) and
//! prints `listening on IP:PORT` as its first line; every client takes the
//! server's address.
