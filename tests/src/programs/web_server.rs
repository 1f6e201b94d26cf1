//! `web-server`: the static web server of chapter 4, on mio.

use crate::kit::ch4::web_server::{self, Config};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

/// `web-server --root DIR [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The site's folder: `/` is its index.html, a missing file gets its 404.html.
    #[arg(long)]
    pub root: PathBuf,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, SEED_WEB_PORT)))]
    pub addr: SocketAddr,
    /// For the tests: how long an idle connection is kept, in milliseconds
    /// (the default is the exercise's IDLE_TIMEOUT).
    #[arg(long, hide = true)]
    pub idle_ms: Option<u64>,
}

/// The seed's web server listens on port 8000.
pub const SEED_WEB_PORT: u16 = 8000;

/// Checks the root, raises the limit on open files, binds, announces the
/// address, and serves until epoll fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.root.is_dir(),
        "the root {} is not a folder",
        args.root.display()
    );
    super::raise_open_file_limit("web-server");
    let listener = super::listen(args.addr)?;
    let mut config = Config::new(&args.root);
    if let Some(ms) = args.idle_ms {
        config.idle_timeout = Duration::from_millis(ms);
    }
    web_server::serve(listener, config).context("serving the site")?;
    Ok(())
}
