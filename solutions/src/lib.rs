//! # netkit solutions: the reference implementations
//!
//! The same modules and public API as the `exercises` crate, done, and written
//! to be read by a student who has just finished the exercise: plain names, and
//! the reasons in comments.
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
