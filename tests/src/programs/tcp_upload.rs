//! `tcp-upload-server` and `tcp-upload-client`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// `tcp-upload-server [--addr A] --dir DIR`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = super::SEED_ADDR)]
    pub addr: SocketAddr,
    /// The folder that uploaded files are saved into.
    #[arg(long)]
    pub dir: PathBuf,
}

/// `tcp-upload-client --server A FILE`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The upload server's address.
    #[arg(long)]
    pub server: SocketAddr,
    /// The file to upload.
    pub file: PathBuf,
}

pub fn server(_args: ServerArgs) -> anyhow::Result<()> {
    anyhow::bail!("tcp-upload-server is not written yet")
}

pub fn client(_args: ClientArgs) -> anyhow::Result<()> {
    anyhow::bail!("tcp-upload-client is not written yet")
}
