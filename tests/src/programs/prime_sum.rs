//! `prime-sum`.

/// `prime-sum`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sum the primes below this number.
    #[arg(long, default_value_t = 100_000)]
    pub limit: u64,
    /// The worker counts to time, e.g. `1,2,4`.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 4])]
    pub workers: Vec<usize>,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("prime-sum is not written yet")
}
