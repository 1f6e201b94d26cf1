//! `prime-sum`: times the sum of the primes below a limit, once in this
//! process and then over each number of worker processes asked for, and
//! prints a table of the answers and the milliseconds each took.

use crate::kit::ch2::prime_sum;
use std::time::{Duration, Instant};

/// `prime-sum`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sum the primes below this number.
    #[arg(long, default_value_t = 100_000)]
    pub limit: u64,
    /// The worker counts to time, e.g. `1,2,4`.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 2, 4])]
    pub workers: Vec<usize>,
    /// Time each row this many times and show the fastest: other programs
    /// on the machine only ever make a run slower.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // This program is single-threaded, as code that forks must be: nothing
    // here starts a thread.
    let runs = args.runs.max(1);
    println!(
        "the primes below {}, on a machine with {} cores ({} build, best of {runs} runs)",
        args.limit,
        cores(),
        build()
    );
    println!("{}", header());
    let (sum, took) = fastest(runs, || anyhow::Ok(prime_sum::prime_sum(0..args.limit)))?;
    println!("{}", row("sequential", "-", sum, took));
    for &workers in &args.workers {
        let (sum, took) = fastest(runs, || prime_sum::prime_sum_processes(args.limit, workers))?;
        println!("{}", row("processes", &workers.to_string(), sum, took));
    }
    Ok(())
}

/// Runs `work` `runs` times (at least once) and returns its last answer
/// with the shortest wall-clock time it took.
pub fn fastest<T, E>(
    runs: usize,
    mut work: impl FnMut() -> Result<T, E>,
) -> Result<(T, Duration), E> {
    let mut best: Option<(T, Duration)> = None;
    for _ in 0..runs.max(1) {
        let start = Instant::now();
        let value = work()?;
        let took = start.elapsed();
        let shortest = best.as_ref().map_or(took, |(_, b)| took.min(*b));
        best = Some((value, shortest));
    }
    Ok(best.expect("at least one run"))
}

/// The table's header, aligned with [`row`].
pub fn header() -> String {
    format!(
        "{:<12} {:>7} {:>14} {:>10}",
        "method", "workers", "sum", "ms"
    )
}

/// One row of the table: how, with how many workers, the answer, the time.
pub fn row(method: &str, workers: &str, sum: u64, took: Duration) -> String {
    format!(
        "{method:<12} {workers:>7} {sum:>14} {:>10.1}",
        took.as_secs_f64() * 1000.0
    )
}

/// How many cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// `debug` or `release`: timings of a debug build are several times slower.
pub fn build() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}
