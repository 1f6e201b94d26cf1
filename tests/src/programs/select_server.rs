//! `select-server`: the line echo, many clients in one thread with `select`
//! (chapter 3).

use crate::kit::ch3::select_server;
use anyhow::Context;
use std::net::SocketAddr;

/// `select-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
}

/// Raises the limit on open files, binds, announces the address, and serves
/// until `select` or the listener fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    // With the usual soft limit of 1024, `accept` fails (EMFILE) before it
    // can return a descriptor at or above FD_SETSIZE; raised, it returns one,
    // and the server must refuse it itself: the case the exercise handles,
    // and its test makes.
    super::raise_open_file_limit("select-server");
    let listener = super::listen(args.addr)?;
    select_server::serve(listener).context("serving clients")?;
    Ok(())
}
