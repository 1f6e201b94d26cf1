//! `alternate`: two threads take turns to print `1 2 A 3 4 B … 51 52 Z`.

use crate::kit::ch2::alternate;
use std::io::Write;

/// `alternate`
#[derive(Debug, clap::Args)]
pub struct Args {}

pub fn run(_args: Args) -> anyhow::Result<()> {
    let printed = alternate::alternate();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{}", printed.join(" "))?;
    out.flush()?;
    Ok(())
}
