//! `ticket-office`.

/// `ticket-office`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many tickets there are.
    #[arg(long, default_value_t = 500)]
    pub tickets: usize,
    /// How many windows (threads) sell them.
    #[arg(long, default_value_t = 10)]
    pub windows: usize,
}

pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("ticket-office is not written yet")
}
