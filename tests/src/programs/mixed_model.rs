//! `mixed-server`: chapter 5's event-loop web server in several pre-forked
//! worker processes that share one listener, under a supervisor.

use crate::kit::ch5::c10k::{self, Config, Site};
use crate::kit::ch5::mixed_model::supervise;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `mixed-server --root DIR [--addr A] [--workers N]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's folder: `/` is its index.html.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, super::web_server::SEED_WEB_PORT)))]
    pub addr: SocketAddr,
    /// Worker processes (default: one per core).
    #[arg(long)]
    pub workers: Option<usize>,
}

/// Connections each worker holds at once.
const MAX_CONNECTIONS: usize = 10_000;

/// How long an idle connection is kept.
const IDLE: Duration = Duration::from_secs(60);

/// Loads the site, binds and announces the listener, then supervises the
/// workers (each one c10k's event loop) until SIGTERM or SIGINT.
pub fn run(args: Args) -> anyhow::Result<()> {
    let site = Arc::new(
        Site::load(&args.root).with_context(|| format!("loading {}", args.root.display()))?,
    );
    let workers = args
        .workers
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    super::raise_open_file_limit("mixed-server");
    // Bound before the fork: every worker inherits this one socket.
    let listener = super::listen(args.addr)?;
    let config = Config {
        max_connections: MAX_CONNECTIONS,
        idle: IDLE,
    };
    supervise(listener, workers, |l| c10k::serve(l, site.clone(), &config))
        .context("supervising the workers")?;
    Ok(())
}
