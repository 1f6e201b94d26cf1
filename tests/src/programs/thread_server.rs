//! `thread-server`: the line echo, a thread per connection (chapter 3).

use crate::kit::ch3::thread_server;
use anyhow::Context;
use std::net::SocketAddr;

/// `thread-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// Binds, announces the address, and serves until `accept` fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    let listener = super::listen(args.addr)?;
    thread_server::serve(listener).context("accepting clients")?;
    Ok(())
}
