//! The runner's programs: what a person runs by hand, and what the suite
//! starts as child processes. Each calls into [`crate::kit`], so
//! `cargo xtask run udp-dict-server` runs the student's server and
//! `cargo xtask run --solutions udp-dict-server` the reference.
//!
//! Names and flags are a contract (the book, the grader and users' scripts
//! rely on them). Every server takes `--addr` (default: the seed's port on
//! 127.0.0.1) and prints `listening on IP:PORT` as its first line of stdout.
//!
//! - [`udp_dict`]: `udp-dict-server`, `udp-dict-client`
//! - [`tcp_upload`]: `tcp-upload-server`, `tcp-upload-client`
//! - [`chatbot`]: `chatbot-server`, `chatbot-client`
//! - [`fork_basics`], [`split_file`], [`reaper`], [`prime_sum`], [`copy_dir`]:
//!   chapter 2's process programs, each named like its exercise
//! - [`chat`]: `chat-server`, `chat-client`
//! - [`ticket_office`], [`alternate`], [`bank_transfer`], [`parallel_primes`]:
//!   chapter 2's thread programs
//! - [`iterative_server`], [`fork_server`], [`thread_server`], [`pool_server`],
//!   [`nonblocking_server`], [`select_server`], [`epoll_server`]: chapter 3's
//!   servers, each named like its exercise
//! - [`compare_models`]: `compare-models`, chapter 3's servers measured side
//!   by side
//! - [`ftp_server`]: `ftp-server`, the chapter's file server
//! - [`ftp_client`]: `ftp-client`, the file server's client
//! - [`serve_image`]: `serve-image`, chapter 4's image for a browser
//! - [`web_server`]: `web-server`, chapter 4's static web server
//! - [`bench_web`]: `bench-web`, chapter 4's web server against nginx, with
//!   wrk (`cargo xtask bench web`)
//! - [`bench_models`]: `bench-models`, every model of chapters 3 to 5 (and
//!   nginx) under the kit's load generator, with charts (`cargo xtask bench`)
//! - [`bench_failover`]: `bench-failover`, two instances behind nginx while
//!   one dies and comes back, with and without retries (`cargo xtask bench
//!   failover`)
//! - [`load_balance`]: `load-balance`, web-server instances behind nginx,
//!   supervised
//! - [`load_gen`]: `load-gen`, chapter 5's load generator (and the hidden
//!   `fixture-http`, the HTTP server its tests stop with SIGSTOP)
//! - [`c10k`]: the program `c10k-server`
//! - [`multi_core`]: the program `multi-core-server`
//! - [`mixed_model`]: the program `mixed-server`
//! - [`load_balance`]: the program `load-balance`
//!
//! The hidden `book-in-browser` ([`book_in_browser`]) loads every page of a
//! built book offline in headless Chromium, for `cargo xtask test`.
//!
//! The hidden `probe` program runs a [`crate::probes`] function in a fresh,
//! single-threaded process: the suite's way to call code that forks.
//! [`failure`] says how every program reports an error: in one line.

pub mod alternate;
pub mod bank_transfer;
pub mod bench_failover;
pub mod bench_models;
pub mod bench_web;
pub mod book_in_browser;
pub mod c10k;
pub mod chat;
pub mod chatbot;
pub mod compare_models;
pub mod copy_dir;
pub mod epoll_server;
pub mod failure;
pub mod fork_basics;
pub mod fork_server;
pub mod ftp_client;
pub mod ftp_server;
pub mod iterative_server;
pub mod load_balance;
pub mod load_gen;
pub mod mixed_model;
pub mod multi_core;
pub mod nonblocking_server;
pub mod parallel_primes;
pub mod pool_server;
pub mod prime_sum;
pub mod reaper;
pub mod select_server;
pub mod serve_image;
pub mod split_file;
pub mod tcp_upload;
pub mod thread_server;
pub mod ticket_office;
pub mod udp_dict;
pub mod web_server;

use std::io::Write;
use std::net::SocketAddr;

/// Every program of the runner, as `netkit PROGRAM [ARGS…]`.
#[derive(Debug, clap::Subcommand)]
pub enum Program {
    /// Chapter 1: answer word lookups over UDP from a SQLite dictionary.
    UdpDictServer(udp_dict::ServerArgs),
    /// Chapter 1: ask the dictionary server for words typed at a `Word:` prompt.
    UdpDictClient(udp_dict::ClientArgs),
    /// Chapter 1: receive uploaded files into a folder.
    TcpUploadServer(tcp_upload::ServerArgs),
    /// Chapter 1: upload one file to the upload server.
    TcpUploadClient(tcp_upload::ClientArgs),
    /// Chapter 1: answer questions, many clients at once.
    ChatbotServer(chatbot::ServerArgs),
    /// Chapter 1: ask the chatbot questions typed at a prompt.
    ChatbotClient(chatbot::ClientArgs),
    /// Chapter 2: start worker processes and report their exit statuses.
    ForkBasics(fork_basics::Args),
    /// Chapter 2: split a file into two halves with two processes.
    SplitFile(split_file::Args),
    /// Chapter 2: start children that exit at different times and reap them all.
    Reaper(reaper::Args),
    /// Chapter 2: time the prime sum, sequential and over worker processes.
    PrimeSum(prime_sum::Args),
    /// Chapter 2: copy a folder, one process per file.
    CopyDir(copy_dir::Args),
    /// Chapter 2: the UDP chat room's server; the lines of stdin are announcements.
    ChatServer(chat::ServerArgs),
    /// Chapter 2: join the chat room; incoming messages show while you type.
    ChatClient(chat::ClientArgs),
    /// Chapter 2: sell tickets from many windows and show who sold which.
    TicketOffice(ticket_office::Args),
    /// Chapter 2: two threads print `1 2 A 3 4 B … 51 52 Z` in turn.
    Alternate(alternate::Args),
    /// Chapter 2: random transfers between locked accounts, and the total after.
    BankTransfer(bank_transfer::Args),
    /// Chapter 2: time the prime sum: sequential, threads, processes.
    ParallelPrimes(parallel_primes::Args),
    /// Chapter 3: the line echo, one client at a time (循环模型).
    IterativeServer(iterative_server::Args),
    /// Chapter 3: the line echo, a process per connection.
    ForkServer(fork_server::Args),
    /// Chapter 3: the line echo, a thread per connection.
    ThreadServer(thread_server::Args),
    /// Chapter 3: the line echo, a pool of threads and a bounded queue.
    PoolServer(pool_server::Args),
    /// Chapter 3: the line echo, many clients on one thread, non-blocking sockets, no select.
    NonblockingServer(nonblocking_server::Args),
    /// Chapter 3: the line echo, many clients in one thread with select.
    SelectServer(select_server::Args),
    /// Chapter 3: the line echo, many clients in one thread with epoll (`--edge`: edge-triggered).
    EpollServer(epoll_server::Args),
    /// Chapter 3: drive every model with 1 to 1 000 clients and print a table of what each costs.
    CompareModels(compare_models::Args),
    /// Chapter 3: the file server: list, download and upload the files of `--root`.
    FtpServer(ftp_server::Args),
    /// Chapter 3: the file client: `list`, `get NAME`, `put FILE`, or the seed's menu.
    FtpClient(ftp_client::Args),
    /// Chapter 4: serve one image to a browser, one client at a time, with its Content-Type.
    ServeImage(serve_image::Args),
    /// Chapter 4: the static web server of `--root`, keep-alive and pipelining, on mio.
    WebServer(web_server::Args),
    /// Chapter 4: the web server against nginx, loaded by wrk (`cargo xtask bench web` runs it).
    BenchWeb(bench_web::Args),
    /// Chapter 5: every server model and nginx under the kit's load generator, with charts (`cargo xtask bench`).
    BenchModels(bench_models::Args),
    /// Chapter 5: two web-server instances behind nginx while one is killed and restarted, with and without retries (`cargo xtask bench failover`).
    BenchFailover(bench_failover::Args),
    /// Chapter 5: load a server with keep-alive requests, closed or open loop, and report latencies.
    LoadGen(load_gen::Args),
    /// Chapter 5: a site held in memory, served by one event loop to ten thousand connections.
    C10kServer(c10k::Args),
    /// Chapter 5: the c10k server with one event loop per core, each on its own SO_REUSEPORT listener.
    MultiCoreServer(multi_core::Args),
    /// Chapter 5: the event-loop web server in pre-forked workers sharing one listener, under a supervisor.
    MixedServer(mixed_model::Args),
    /// For the kit's check: every page of a built book loaded offline in headless Chromium (`cargo xtask test`).
    #[command(hide = true)]
    BookInBrowser(book_in_browser::Args),
    /// For the suite: a fixed HTTP keep-alive answer, the server load-gen's tests stop with SIGSTOP.
    #[command(hide = true)]
    FixtureHttp(load_gen::FixtureArgs),
    /// Chapter 5: TODO(author): what `load-balance` does, in one line.
    LoadBalance(load_balance::Args),
    /// For the suite: run a probe (code that forks) in this fresh process.
    #[command(hide = true)]
    Probe(crate::probes::ProbeArgs),
}

impl Program {
    /// Runs the chosen program to its end.
    pub fn run(self) -> anyhow::Result<()> {
        match self {
            Program::UdpDictServer(args) => udp_dict::server(args),
            Program::UdpDictClient(args) => udp_dict::client(args),
            Program::TcpUploadServer(args) => tcp_upload::server(args),
            Program::TcpUploadClient(args) => tcp_upload::client(args),
            Program::ChatbotServer(args) => chatbot::server(args),
            Program::ChatbotClient(args) => chatbot::client(args),
            Program::ForkBasics(args) => fork_basics::run(args),
            Program::SplitFile(args) => split_file::run(args),
            Program::Reaper(args) => reaper::run(args),
            Program::PrimeSum(args) => prime_sum::run(args),
            Program::CopyDir(args) => copy_dir::run(args),
            Program::ChatServer(args) => chat::server(args),
            Program::ChatClient(args) => chat::client(args),
            Program::TicketOffice(args) => ticket_office::run(args),
            Program::Alternate(args) => alternate::run(args),
            Program::BankTransfer(args) => bank_transfer::run(args),
            Program::ParallelPrimes(args) => parallel_primes::run(args),
            Program::IterativeServer(args) => iterative_server::run(args),
            Program::ForkServer(args) => fork_server::run(args),
            Program::ThreadServer(args) => thread_server::run(args),
            Program::PoolServer(args) => pool_server::run(args),
            Program::NonblockingServer(args) => nonblocking_server::run(args),
            Program::SelectServer(args) => select_server::run(args),
            Program::EpollServer(args) => epoll_server::run(args),
            Program::CompareModels(args) => compare_models::run(args),
            Program::FtpServer(args) => ftp_server::run(args),
            Program::FtpClient(args) => ftp_client::run(args),
            Program::ServeImage(args) => serve_image::run(args),
            Program::WebServer(args) => web_server::run(args),
            Program::BenchWeb(args) => bench_web::run(args),
            Program::BenchModels(args) => bench_models::run(args),
            Program::BenchFailover(args) => bench_failover::run(args),
            Program::LoadGen(args) => load_gen::run(args),
            Program::C10kServer(args) => c10k::run(args),
            Program::MultiCoreServer(args) => multi_core::run(args),
            Program::MixedServer(args) => mixed_model::run(args),
            Program::BookInBrowser(args) => book_in_browser::run(args),
            Program::FixtureHttp(args) => load_gen::fixture_http(args),
            Program::LoadBalance(args) => load_balance::run(args),
            Program::Probe(args) => crate::probes::run(args),
        }
    }
}

/// Prints `listening on IP:PORT`, the first line of every server, and flushes
/// it: a caller that started the server with port 0 reads the real port here.
pub fn announce(addr: SocketAddr) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "listening on {addr}")?;
    out.flush()?;
    Ok(())
}

/// Binds a TCP listener to `addr` and announces it ([`announce`]): how every
/// TCP server of the runner starts.
pub fn listen(addr: SocketAddr) -> anyhow::Result<std::net::TcpListener> {
    use anyhow::Context;
    let listener = std::net::TcpListener::bind(addr).with_context(|| format!("binding {addr}"))?;
    announce(listener.local_addr()?)?;
    Ok(listener)
}

/// Raises this process's soft limit on open files to the hard one, as a
/// server for many clients does: each connection is a descriptor, and the
/// usual soft limit (1024) is the first wall such a server meets. Only the
/// soft limit: the hard one is the administrator's. A limit that cannot be
/// raised is left as it is, with one line on stderr, and the server runs.
pub fn raise_open_file_limit(program: &str) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    if let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE)
        && soft < hard
        && let Err(e) = setrlimit(Resource::RLIMIT_NOFILE, hard, hard)
    {
        eprintln!("{program}: cannot raise the limit on open files from {soft} to {hard}: {e}");
    }
}

/// The port of the seed's servers.
pub const SEED_PORT: u16 = 8888;

/// The default address of every server: the seed's port, on loopback.
pub fn seed_addr() -> SocketAddr {
    SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, SEED_PORT))
}
