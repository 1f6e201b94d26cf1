//! `chat-server` and `chat-client`: the UDP chat room.

use std::net::SocketAddr;

/// `chat-server [--addr A]`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = super::SEED_ADDR)]
    pub addr: SocketAddr,
}

/// `chat-client --server A [--name NAME]`
#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// The chat server's address.
    #[arg(long)]
    pub server: SocketAddr,
    /// Your name in the room; asked for at a prompt when not given.
    #[arg(long)]
    pub name: Option<String>,
}

pub fn server(_args: ServerArgs) -> anyhow::Result<()> {
    anyhow::bail!("chat-server is not written yet")
}

pub fn client(_args: ClientArgs) -> anyhow::Result<()> {
    anyhow::bail!("chat-client is not written yet")
}
