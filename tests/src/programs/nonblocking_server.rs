//! `nonblocking-server`: the line echo, many clients on one thread, every
//! socket non-blocking and no select (chapter 3).

use crate::kit::ch3::nonblocking_server;
use anyhow::Context;
use std::fs::File;
use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `nonblocking-server [--addr A] [--log FILE]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
    pub addr: SocketAddr,
    /// Where the idle loop writes its lines (created, or emptied); stderr
    /// by default.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

/// Binds, announces the address, and serves until `accept` fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    let mut log: Box<dyn Write> = match &args.log {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("creating the log {}", path.display()))?,
        ),
        None => Box::new(std::io::stderr()),
    };
    let listener = super::listen(args.addr)?;
    nonblocking_server::serve(listener, &mut log).context("serving clients")?;
    Ok(())
}
