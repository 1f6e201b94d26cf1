//! `ftp-client`: the file server's client (chapter 3). With a subcommand it
//! does that one thing and exits; without one it shows the seed's menu.

use crate::kit::ch3::ftp_client::{self, Connection};
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;

/// `ftp-client --server A [list | get NAME [--to DIR] [--force] | put FILE]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file server's address.
    #[arg(long)]
    pub server: SocketAddr,
    /// One thing to do; without it, the menu reads choices from stdin.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// What the client does, once.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Print the server's file names, one per line.
    List,
    /// Download a file (into --to, by default the current folder).
    Get {
        /// The file's name on the server.
        name: String,
        /// The folder to save it in.
        #[arg(long, default_value = ".")]
        to: PathBuf,
        /// Replace a local file of that name.
        #[arg(long)]
        force: bool,
    },
    /// Upload a file, under its base name.
    Put {
        /// The file to upload.
        file: PathBuf,
    },
}

/// Runs the one command, or the menu; an error exits non-zero with one line
/// on stderr.
pub fn run(args: Args) -> anyhow::Result<()> {
    let Some(command) = args.command else {
        let mut input = std::io::stdin().lock();
        let mut output = std::io::stdout().lock();
        ftp_client::menu(
            args.server,
            std::path::Path::new("."),
            &mut input,
            &mut output,
        )
        .context("the menu's session ended")?;
        return Ok(());
    };
    let mut connection = Connection::connect(args.server)
        .with_context(|| format!("connecting to {}", args.server))?;
    match command {
        Command::List => {
            for name in connection.list().context("listing")? {
                println!("{name}");
            }
        }
        Command::Get { name, to, force } => {
            let size = connection
                .get(&name, &to, force)
                .with_context(|| format!("downloading {name}"))?;
            println!("saved {} ({size} bytes)", to.join(&name).display());
        }
        Command::Put { file } => {
            let size = connection
                .put(&file)
                .with_context(|| format!("uploading {}", file.display()))?;
            println!("uploaded {} ({size} bytes)", file.display());
        }
    }
    connection.quit().context("saying goodbye")?;
    Ok(())
}
