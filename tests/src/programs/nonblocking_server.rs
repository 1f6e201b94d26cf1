//! `nonblocking-server`: TODO(author): what the program does, in one line.

use crate::kit::ch3::nonblocking_server;
use std::io::Write;

/// `nonblocking-server [INPUT]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TODO(author): the program's arguments (a server takes `--addr`,
    /// default `super::seed_addr()`, and calls `super::announce`).
    #[arg(default_value = "")]
    input: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let answer = nonblocking_server::nonblocking_server(&args.input);
    let mut out = std::io::stdout().lock();
    writeln!(out, "{answer}")?;
    out.flush()?;
    Ok(())
}
