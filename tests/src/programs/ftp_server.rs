//! `ftp-server`: the chapter's file server, serving the files of one folder
//! to many clients with a pool of threads (chapter 3).

use crate::kit::ch3::ftp_server::{self, Options};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// The seed's file server listens on port 8880.
pub const FTP_PORT: u16 = 8880;

fn ftp_addr() -> SocketAddr {
    SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, FTP_PORT))
}

/// `ftp-server --root DIR [--addr A] [--workers N] [--queue M] [--idle-timeout-ms T]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder whose files are served, and where uploads land.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = ftp_addr())]
    pub addr: SocketAddr,
    /// How many worker threads serve clients (started once, at least 1).
    #[arg(long, default_value_t = Options::default().workers,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    pub workers: usize,
    /// How many accepted connections may wait for a worker; one more is
    /// told the server is busy, and closed.
    #[arg(long, default_value_t = Options::default().queue)]
    pub queue: usize,
    /// How long, in milliseconds, a client may leave its worker waiting
    /// before it is dropped.
    #[arg(long, default_value_t = Options::default().idle_timeout.as_millis() as u64)]
    pub idle_timeout_ms: u64,
}

/// Checks the root, binds, announces the address, and serves until `accept`
/// fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.root.is_dir(),
        "--root {}: not a folder (create it first)",
        args.root.display()
    );
    let options = Options {
        workers: args.workers,
        queue: args.queue,
        idle_timeout: Duration::from_millis(args.idle_timeout_ms.max(1)),
    };
    let listener = super::listen(args.addr)?;
    ftp_server::serve(listener, &args.root, &options).context("serving clients")?;
    Ok(())
}
