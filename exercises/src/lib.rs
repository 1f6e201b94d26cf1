//! # netkit exercises: your code
//!
//! Every function here whose body is `todo!(…)` is yours to write. The doc
//! comment above it is the contract the tests check; the `// TODO:` marks the
//! place; the book page named in the message explains the idea. Run
//! `cargo xtask check chapter1` to see where you stand, and
//! `cargo xtask hint EXERCISE` when stuck. You never need to edit another file.
//!
//! ## Layout
//!
//! - [`ch1`]: sockets. UDP and TCP, message framing, the TCP header.
//! - [`ch2`]: processes and threads: fork, pipes, reaping, locks, deadlock.
//! - [`ch3`]: network concurrency models and IO
//! - [`ch4`]: HTTP and web servers
//! - [`ch5`]: high concurrency
#![forbid(unsafe_op_in_unsafe_fn)]

pub mod ch1;
pub mod ch2;
pub mod ch3;
pub mod ch4;
pub mod ch5;
