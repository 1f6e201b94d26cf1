//! `parallel-primes`.

/// `parallel-primes`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sum the primes below this number.
    #[arg(long, default_value_t = 1_000_000)]
    pub limit: u64,
    /// How many threads, and how many processes.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("parallel-primes is not written yet")
}
