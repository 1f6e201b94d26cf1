//! `multi-core-server`: TODO(author): what the program does, in one line.

use crate::kit::ch5::multi_core;
use std::io::Write;

/// `multi-core-server [INPUT]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TODO(author): the program's arguments (a server takes `--addr`,
    /// default `super::seed_addr()`, and calls `super::announce`).
    #[arg(default_value = "")]
    input: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let answer = multi_core::multi_core(&args.input);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{answer}")?;
    out.flush()?;
    Ok(())
}
