//! `pool-server`: the line echo, served by a pool of threads from a bounded
//! queue (chapter 3).

use crate::kit::ch3::pool_server;
use anyhow::Context;
use std::net::SocketAddr;

/// `pool-server [--addr A] [--workers N] [--queue M]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
    /// How many worker threads serve clients (started once, at least 1).
    #[arg(long, default_value_t = 16,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub workers: usize,
    /// How many accepted connections may wait for a worker; one more is
    /// told the server is busy, and closed.
    #[arg(long, default_value_t = 16)]
    pub queue: usize,
}

/// Binds, announces the address, and serves until `accept` fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    let listener = super::listen(args.addr)?;
    pool_server::serve(listener, args.workers, args.queue).context("serving clients")?;
    Ok(())
}
