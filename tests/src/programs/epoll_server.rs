//! `epoll-server`: the line echo, many clients in one thread with epoll
//! (chapter 3).

use crate::kit::ch3::epoll_server::{self, Trigger};
use anyhow::Context;
use std::net::{SocketAddr, TcpListener};

/// `epoll-server [--addr A] [--edge]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
    /// Edge-triggered (`EPOLLET`) instead of level-triggered.
    #[arg(long)]
    pub edge: bool,
    /// For the tests: the send buffer of every connection (SO_SNDBUF, set on
    /// the listener, which its connections inherit). A small one makes a
    /// server's writes short, every time, instead of when the kernel's own
    /// sizing happens to make them so.
    #[arg(long, hide = true)]
    pub send_buffer: Option<usize>,
}

/// Raises the limit on open files, binds, announces the address, and
/// serves until epoll or `accept` fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    super::raise_open_file_limit("epoll-server");
    let listener =
        TcpListener::bind(args.addr).with_context(|| format!("binding {}", args.addr))?;
    if let Some(bytes) = args.send_buffer {
        socket2::SockRef::from(&listener)
            .set_send_buffer_size(bytes)
            .context("setting SO_SNDBUF")?;
    }
    super::announce(listener.local_addr()?)?;
    let trigger = if args.edge {
        Trigger::Edge
    } else {
        Trigger::Level
    };
    epoll_server::serve(listener, trigger).context("serving clients")?;
    Ok(())
}
