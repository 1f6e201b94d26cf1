//! `bank-transfer`.

/// `bank-transfer`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many threads make transfers.
    #[arg(long, default_value_t = 8)]
    pub threads: usize,
    /// How many transfers each thread makes.
    #[arg(long, default_value_t = 10_000)]
    pub transfers: usize,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("bank-transfer is not written yet")
}
