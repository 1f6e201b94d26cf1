//! `reaper`.

/// `reaper`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many children to start.
    #[arg(long, default_value_t = 5)]
    pub children: usize,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("reaper is not written yet")
}
