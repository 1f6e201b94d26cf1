//! Chapter 3: network concurrency models and IO.

mod epoll_server;
mod fork_server;
mod ftp_client;
mod ftp_protocol;
mod ftp_server;
mod iterative_server;
mod line_echo;
mod nonblocking_server;
mod pool_server;
mod select_server;
mod thread_server;
