//! `mixed-server`: TODO(author): what the program does, in one line.

use crate::kit::ch5::mixed_model;
use std::io::Write;

/// `mixed-server [INPUT]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TODO(author): the program's arguments (a server takes `--addr`,
    /// default `super::seed_addr()`, and calls `super::announce`).
    #[arg(default_value = "")]
    input: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let answer = mixed_model::mixed_model(&args.input);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{answer}")?;
    out.flush()?;
    Ok(())
}
