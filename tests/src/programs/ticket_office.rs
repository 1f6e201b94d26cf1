//! `ticket-office`: the seed's 500 tickets sold by 10 windows. Prints the log,
//! one sale per line as the seed does (`W3 --- T42`), then how many tickets
//! each window sold.

use crate::kit::ch2::ticket_office;
use std::io::Write;

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

pub fn run(args: Args) -> anyhow::Result<()> {
    if args.windows == 0 {
        anyhow::bail!("--windows must be at least 1: with no window, no ticket is sold");
    }
    let sales = ticket_office::sell(args.tickets, args.windows);

    let mut sold_by = vec![0usize; args.windows];
    let mut out = std::io::stdout().lock();
    for sale in &sales {
        writeln!(out, "{sale}")?;
        if let Some(count) = sold_by.get_mut(sale.window.wrapping_sub(1)) {
            *count += 1;
        }
    }
    let shares: Vec<String> = sold_by
        .iter()
        .enumerate()
        .map(|(index, count)| format!("W{} {count}", index + 1))
        .collect();
    writeln!(
        out,
        "sold {} of {} tickets: {}",
        sales.len(),
        args.tickets,
        shares.join(", ")
    )?;
    out.flush()?;
    Ok(())
}
