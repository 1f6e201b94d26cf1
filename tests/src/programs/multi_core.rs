//! `multi-core-server`: chapter 5's lean web server with one event loop per
//! core, each on its own `SO_REUSEPORT` listener of one port.

use crate::kit::ch5::c10k::{Config, Site};
use crate::kit::ch5::multi_core;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `multi-core-server --root DIR [--addr A] [--loops N] [--max-connections N] [--idle-ms MS]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's folder, read whole into memory at the start.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 8000)))]
    pub addr: SocketAddr,
    /// Event loops, each a thread with its own listener (default: one per
    /// core).
    #[arg(long)]
    pub loops: Option<usize>,
    /// Connections each loop holds at once (default: the limit on open
    /// files, less a margin, shared out between the loops).
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// How long an idle connection is kept, in milliseconds (default 60 s).
    #[arg(long)]
    pub idle_ms: Option<u64>,
}

/// Raises the limit on open files, loads the site, opens one listener per
/// loop, announces the address, and serves until a loop fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.root.is_dir(),
        "the root {} is not a folder",
        args.root.display()
    );
    let loops = args
        .loops
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    anyhow::ensure!(loops > 0, "--loops must be at least 1");
    let max_connections = args
        .max_connections
        .unwrap_or_else(|| (super::c10k::default_max_connections() / loops).max(1));
    let site = Site::load(&args.root)
        .with_context(|| format!("loading the site under {}", args.root.display()))?;
    let listeners = multi_core::listeners(args.addr, loops)
        .with_context(|| format!("opening {loops} listeners on {}", args.addr))?;
    super::announce(listeners[0].local_addr()?)?;
    let mut config = Config {
        max_connections,
        ..Config::default()
    };
    if let Some(ms) = args.idle_ms {
        config.idle = Duration::from_millis(ms);
    }
    multi_core::serve(listeners, Arc::new(site), &config).context("serving the site")?;
    Ok(())
}
