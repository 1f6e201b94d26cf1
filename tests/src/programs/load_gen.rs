//! `load-gen`: TODO(author): what the program does, in one line.

#[allow(unused_imports)]
use crate::kit::ch5::load_gen;
use std::io::Write;

/// `load-gen [INPUT]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// TODO(author): the program's arguments (a server takes `--addr`,
    /// default `super::seed_addr()`, and calls `super::announce`).
    #[arg(default_value = "")]
    input: String,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let _ = (&args.input, std::io::stdout().flush());
    anyhow::bail!("TODO(helper): the program {}", stringify!(load_gen))
}
