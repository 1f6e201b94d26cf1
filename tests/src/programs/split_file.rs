//! `split-file`.

use std::path::PathBuf;

/// `split-file`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to split.
    pub file: PathBuf,
    /// The folder the two halves are written into.
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("split-file is not written yet")
}
