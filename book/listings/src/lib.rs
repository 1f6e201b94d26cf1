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
//! Every server takes an optional address (default `127.0.0.1:8888`) and
//! prints `listening on IP:PORT` as its first line; every client takes the
//! server's address.
//!
//! ## Chapter 2
//!
//! - `pipe-demo`: a forked child changes a variable the parent does not see,
//!   then sends lines through a pipe (§2.2.5).
//! - `pair-demo`: a parent and its child talk both ways over a socket pair.
