//! `tcp-upload-server` and `tcp-upload-client`.

use crate::kit;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `tcp-upload-server [--addr A] --dir DIR`
#[derive(Debug, clap::Args)]
pub struct ServerArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value_t = super::seed_addr())]
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

/// Binds `--addr`, announces it, and serves uploads into `--dir` forever.
pub fn server(args: ServerArgs) -> anyhow::Result<()> {
    // Say so now, rather than refusing every upload with a disk error.
    anyhow::ensure!(
        args.dir.is_dir(),
        "--dir {}: not a folder (create it first)",
        args.dir.display()
    );
    let listener = super::listen(args.addr)?;
    kit::ch1::tcp_upload::serve(listener, &args.dir).context("accepting connections")?;
    Ok(())
}

/// Uploads `FILE` and prints the server's confirmation; an `ERR` reply is an
/// error (non-zero exit, the server's reason on stderr).
pub fn client(args: ClientArgs) -> anyhow::Result<()> {
    let size = kit::ch1::tcp_upload::upload(args.server, &args.file)
        .with_context(|| format!("uploading {} to {}", args.file.display(), args.server))?;
    println!(
        "uploaded {}: the server replied OK {size}",
        args.file.display()
    );
    Ok(())
}
