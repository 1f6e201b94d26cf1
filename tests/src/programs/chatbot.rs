//! `chatbot-server` and `chatbot-client`.

use std::net::SocketAddr;

/// `chatbot-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = super::SEED_ADDR)]
    pub addr: SocketAddr,
}

/// `chatbot-client --server A`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The chatbot server's address.
    #[arg(long)]
    pub server: SocketAddr,
}

pub fn server(_args: ServerArgs) -> anyhow::Result<()> {
    anyhow::bail!("chatbot-server is not written yet")
}

pub fn client(_args: ClientArgs) -> anyhow::Result<()> {
    anyhow::bail!("chatbot-client is not written yet")
}
