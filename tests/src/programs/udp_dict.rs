//! `udp-dict-server` and `udp-dict-client`.

use std::net::SocketAddr;
use std::path::PathBuf;

/// `udp-dict-server [--addr A] [--db PATH]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = super::SEED_ADDR)]
    pub addr: SocketAddr,
    /// The SQLite dictionary; built from data/words.tsv when it does not exist.
    #[arg(long)]
    pub db: Option<PathBuf>,
}

/// `udp-dict-client --server A`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The dictionary server's address.
    #[arg(long)]
    pub server: SocketAddr,
}

pub fn server(_args: ServerArgs) -> anyhow::Result<()> {
    anyhow::bail!("udp-dict-server is not written yet")
}

pub fn client(_args: ClientArgs) -> anyhow::Result<()> {
    anyhow::bail!("udp-dict-client is not written yet")
}
