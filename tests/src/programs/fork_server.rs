//! `fork-server`: the line echo, a process per connection (chapter 3).

use crate::kit::ch3::fork_server;
use anyhow::Context;
use std::net::SocketAddr;

/// `fork-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// Binds, announces the address, and serves until `accept` fails. The
/// program runs one thread, as `serve` requires of a process that forks.
pub fn run(args: Args) -> anyhow::Result<()> {
    let listener = super::listen(args.addr)?;
    fork_server::serve(listener).context("accepting clients")?;
    Ok(())
}
