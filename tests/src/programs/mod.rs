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

pub mod chatbot;
pub mod tcp_upload;
pub mod udp_dict;

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

/// The default address of the seed's servers.
pub const SEED_ADDR: &str = "127.0.0.1:8888";
