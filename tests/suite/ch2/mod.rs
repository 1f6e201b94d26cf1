//! Chapter 2: processes and threads.

mod alternate;
mod bank_transfer;
mod chat_client;
mod chat_protocol;
mod chat_server;
mod copy_dir;
mod event;
mod fork_basics;
mod frame_pipe;
mod oracle;
mod parallel_primes;
mod prime_sum;
mod process_queue;
mod reaper;
mod split_file;
mod ticket_counter;
mod ticket_office;
