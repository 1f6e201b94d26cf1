//! Chapter 3: network concurrency models and IO.
//!
//! - [`iterative_server`]: the iterative server.
//! - [`line_echo`]: the line echo of one connection, given (not an exercise).
//! - [`thread_server`]: a thread per connection.

pub mod iterative_server;
pub mod line_echo;
pub mod thread_server;
