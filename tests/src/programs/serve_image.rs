//! `serve-image`: an image for a browser, one client at a time (chapter 4).

use crate::kit::ch4::serve_image;
use anyhow::Context;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::time::Duration;

/// The seed's port for its HTTP servers (its FTP and echo servers use
/// [`super::SEED_PORT`]).
pub const HTTP_PORT: u16 = 8000;

/// The image the kit ships, served when `--image` is not given:
/// `data/serve-image.png` in the kit's folder.
pub const DEFAULT_IMAGE: &str = "serve-image.png";

/// `serve-image [--image FILE] [--addr A]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The image to serve at `/` and at `/NAME` (default: the kit's data/serve-image.png).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = SocketAddr::from((Ipv4Addr::LOCALHOST, HTTP_PORT)))]
    pub addr: SocketAddr,
    /// For the suite: how long a client may take, in milliseconds.
    #[arg(long, hide = true)]
    pub timeout_ms: Option<u64>,
}

/// Binds, announces the address, and serves until `accept` fails.
pub fn run(args: Args) -> anyhow::Result<()> {
    let image = match args.image {
        Some(image) => image,
        None => kit_image()?,
    };
    // Refused before binding: a server that cannot read its one file has
    // nothing to serve.
    std::fs::metadata(&image).with_context(|| format!("reading {}", image.display()))?;
    let timeout = args
        .timeout_ms
        .map_or(serve_image::CLIENT_TIMEOUT, Duration::from_millis);
    let listener = super::listen(args.addr)?;
    serve_image::serve(listener, &image, timeout).context("accepting clients")?;
    Ok(())
}

/// `data/serve-image.png` of the kit around the runner (`KIT/target/debug/
/// netkit`) or around the current folder.
fn kit_image() -> anyhow::Result<PathBuf> {
    let places = [std::env::current_exe().ok(), std::env::current_dir().ok()];
    places
        .iter()
        .flatten()
        .flat_map(|place| place.ancestors())
        .find(|dir| dir.join("kit.toml").is_file())
        .map(|kit| kit.join("data").join(DEFAULT_IMAGE))
        .context("no --image given, and no kit around to take data/serve-image.png from")
}
