//! `alternate`.

/// `alternate`
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("alternate is not written yet")
}
