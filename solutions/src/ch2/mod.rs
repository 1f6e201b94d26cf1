//! Chapter 2: processes and threads (多任务编程).
//!
//! - [`alternate`]: two threads printing `1 2 A 3 4 B …` in turn.
//! - [`bank_transfer`]: transfers between locked accounts that cannot deadlock.
//! - [`chat_client`]: the chat room's client: receive while the user types.
//! - [`chat_protocol`]: the chat room's datagrams: parse requests, format notices.
//! - [`chat_server`]: the chat room's server over UDP (群聊聊天室).
//! - [`copy_dir`]: copy a folder with one process per file, reporting the order of completion.
//! - [`event`]: `threading.Event` rebuilt on `Mutex` and `Condvar`.
//! - [`fork_basics`]: start child processes with `fork`, pass them work, collect exit statuses.
//! - [`frame_pipe`]: framed messages from forked children to their parent, over one socket pair.
//! - [`parallel_primes`]: the prime sum over threads and over processes: Rust without a GIL.
//! - [`prime_sum`]: sum the primes below a limit, sequentially and over worker processes.
//! - [`process_queue`]: a bounded message queue between processes, over a socket pair.
//! - [`reaper`]: reap every child: no zombies (僵尸进程), no orphans (孤儿进程).
//! - [`split_file`]: split a file in two halves, written by two processes at once.
//! - [`ticket_counter`]: windows selling from one stock in a `Mutex`, each ticket exactly once.
//! - [`ticket_office`]: 500 tickets sold by 10 windows, each exactly once.

pub mod alternate;
pub mod bank_transfer;
pub mod chat_client;
pub mod chat_protocol;
pub mod chat_server;
pub mod copy_dir;
pub mod event;
pub mod fork_basics;
pub mod frame_pipe;
pub mod parallel_primes;
pub mod prime_sum;
pub mod process_queue;
pub mod reaper;
pub mod split_file;
pub mod ticket_counter;
pub mod ticket_office;
