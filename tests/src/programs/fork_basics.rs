//! `fork-basics`.

/// `fork-basics`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many children to start.
    #[arg(long, default_value_t = 3)]
    pub children: usize,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("fork-basics is not written yet")
}
