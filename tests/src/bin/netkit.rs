//! `netkit`: the runner. Every server, client and demo that a person runs by
//! hand is a subcommand here, built against the implementation under test
//! (`cargo xtask run PROGRAM` for yours, `--solutions` for the reference).

use clap::Parser;
use netkit_tests::harness::measure;
use netkit_tests::programs::{Program, failure};
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(
    name = "netkit",
    about = "Runs the kit's servers and clients against your code (or the reference, built with --features solutions).",
    after_help = "Run through `cargo xtask run PROGRAM [ARGS…]`; add `--solutions` to run the reference."
)]
struct Cli {
    #[command(subcommand)]
    program: Program,
}

fn main() -> ExitCode {
    // The harness asks which implementation this build runs, so that a test
    // never talks to a runner left behind by a build of the other one.
    if std::env::var_os(netkit_tests::harness::program::WHICH_KIT).is_some() {
        println!("{}", netkit_tests::KIT_NAME);
        return ExitCode::SUCCESS;
    }
    let result = Cli::parse().program.run();
    // For tests that check a program streams its data: its own high-water
    // mark, which (unlike the parent's view through wait4) counts only what
    // this program used after exec.
    if std::env::var_os(measure::REPORT_PEAK).is_some() {
        let kib = measure::peak_memory(std::process::id()) / 1024;
        eprintln!("{}{kib} kB", measure::PEAK_LINE);
    }
    // Not `main() -> Result`: that prints the error's Debug form, with a
    // backtrace whenever the user's shell has RUST_BACKTRACE=1.
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{}", failure::report(&error, failure::long_asked()));
            ExitCode::FAILURE
        }
    }
}
