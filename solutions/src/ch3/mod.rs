//! Chapter 3: network concurrency models and IO.
//!
//! - [`epoll_server`]: many clients with epoll.
//! - [`fork_server`]: a process per connection.
//! - [`ftp_client`]: the file client.
//! - [`ftp_protocol`]: the file server's protocol.
//! - [`ftp_server`]: the file server.
//! - [`iterative_server`]: the iterative server.
//! - [`line_echo`]: the line echo of one connection, given (not an exercise).
//! - [`nonblocking_server`]: many clients, non-blocking, without select.
//! - [`pool_server`]: a pool of threads.
//! - [`select_server`]: many clients in one thread: select.
//! - [`thread_server`]: a thread per connection.

pub mod epoll_server;
pub mod fork_server;
pub mod ftp_client;
pub mod ftp_protocol;
pub mod ftp_server;
pub mod iterative_server;
pub mod line_echo;
pub mod nonblocking_server;
pub mod pool_server;
pub mod select_server;
pub mod thread_server;
