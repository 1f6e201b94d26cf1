//! `c10k-server`: chapter 5's lean web server, a site held in memory served
//! from one event loop to as many connections as the limit on open files
//! allows.

use crate::kit::ch5::c10k::{self, Config, Site};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// `c10k-server --root DIR [--addr A] [--max-connections N] [--idle-ms MS]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's folder, read whole into memory at the start.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, 8000)))]
    pub addr: SocketAddr,
    /// Connections held at once (default: the limit on open files, less a
    /// margin for the process's other descriptors).
    #[arg(long)]
    pub max_connections: Option<usize>,
    /// How long an idle connection is kept, in milliseconds (default 60 s).
    #[arg(long)]
    pub idle_ms: Option<u64>,
}

/// Descriptors kept for what is not a connection: the standard streams,
/// the listener, epoll, the spare for EMFILE, the site's files at load.
pub const FD_MARGIN: u64 = 64;

/// Raises the limit on open files, loads the site, binds, announces the
/// address, and serves until the loop fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.root.is_dir(),
        "the root {} is not a folder",
        args.root.display()
    );
    let (site, config) = prepare(&args, 1)?;
    let listener = super::listen(args.addr)?;
    c10k::serve(listener, site, &config).context("serving the site")?;
    Ok(())
}

/// The site loaded from `args.root`, and the config of each of `loops`
/// loops: by default they share out [`default_max_connections`]. (Shared
/// with `multi-core-server`.)
pub fn prepare(args: &Args, loops: usize) -> anyhow::Result<(Arc<Site>, Config)> {
    let max_connections = args
        .max_connections
        .unwrap_or_else(|| (default_max_connections() / loops.max(1)).max(1));
    let site = Site::load(&args.root)
        .with_context(|| format!("loading the site under {}", args.root.display()))?;
    let mut config = Config {
        max_connections,
        ..Config::default()
    };
    if let Some(ms) = args.idle_ms {
        config.idle = Duration::from_millis(ms);
    }
    Ok((Arc::new(site), config))
}

/// The soft limit on open files, raised to the hard one first, less
/// [`FD_MARGIN`].
pub fn default_max_connections() -> usize {
    use nix::sys::resource::{Resource, getrlimit};
    super::raise_open_file_limit("c10k-server");
    let soft = getrlimit(Resource::RLIMIT_NOFILE).map_or(1024, |(soft, _)| soft);
    soft.saturating_sub(FD_MARGIN).max(1) as usize
}
