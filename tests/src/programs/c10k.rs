//! `c10k-server`: TODO(author): what the program does, in one line.

#[allow(unused_imports)]
use crate::kit::ch5::c10k;
use std::io::Write;

/// `c10k-server [INPUT]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TODO(author): the program's arguments (a server takes `--addr`,
    /// default `super::seed_addr()`, and calls `super::announce`).
    #[arg(default_value = "")]
    input: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = (&args.input, std::io::stdout().flush());
    anyhow::bail!("TODO(helper): the program {}", stringify!(c10k))
}
