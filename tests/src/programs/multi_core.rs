//! `multi-core-server`: chapter 5's lean web server with one event loop per
//! core, each on its own `SO_REUSEPORT` listener of one port.

use crate::kit::ch5::multi_core;
use anyhow::Context;

/// `multi-core-server --root DIR [--addr A] [--loops N] [--max-connections N] [--idle-ms MS]`
/// (`--max-connections` is per loop; by default the loops share out the
/// limit on open files)
#[derive(Debug, clap::Args)]
// c10k's Args, flattened in, already names a group `Args`.
#[group(id = "MultiCoreArgs")]
pub struct Args {
    #[command(flatten)]
    pub server: super::c10k::Args,
    /// Event loops, each a thread with its own listener (default: one per
    /// core).
    #[arg(long)]
    pub loops: Option<usize>,
}

/// Raises the limit on open files, loads the site, opens one listener per
/// loop, announces the address, and serves until a loop fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    let server = &args.server;
    anyhow::ensure!(
        server.root.is_dir(),
        "the root {} is not a folder",
        server.root.display()
    );
    let loops = args
        .loops
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    anyhow::ensure!(loops > 0, "--loops must be at least 1");
    let (site, config) = super::c10k::prepare(server, loops)?;
    let listeners = multi_core::listeners(server.addr, loops)
        .with_context(|| format!("opening {loops} listeners on {}", server.addr))?;
    super::announce(listeners[0].local_addr()?)?;
    multi_core::serve(listeners, site, &config).context("serving the site")?;
    Ok(())
}
