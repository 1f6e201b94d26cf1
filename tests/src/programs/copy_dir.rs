//! `copy-dir`.

use std::path::PathBuf;

/// `copy-dir`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The folder to copy.
    pub from: PathBuf,
    /// Where the copy goes (must not exist yet).
    pub to: PathBuf,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("copy-dir is not written yet")
}
