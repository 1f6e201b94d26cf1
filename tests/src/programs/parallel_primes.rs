//! `parallel-primes`: the seed's GIL experiment in Rust. Times the prime sum
//! sequentially, over threads and over processes, and prints a table.

use super::prime_sum::{build, cores, header, row};
use crate::kit::ch2::parallel_primes::{self, Method};

/// `parallel-primes`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Sum the primes below this number.
    #[arg(long, default_value_t = 1_000_000)]
    pub limit: u64,
    /// How many threads, and how many processes.
    #[arg(long, default_value_t = 4)]
    pub workers: usize,
    /// Time everything this many times and show the fastest of each row:
    /// other programs on the machine only ever make a run slower.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
}

pub fn run(args: Args) -> anyhow::Result<()> {
    // `compare` forks: this program starts no thread of its own, and the
    // threads of the "threads" row are all joined before the processes start.
    let runs = args.runs.max(1);
    let mut timings = parallel_primes::compare(args.limit, args.workers)?;
    for _ in 1..runs {
        let again = parallel_primes::compare(args.limit, args.workers)?;
        for (best, new) in timings.iter_mut().zip(again) {
            best.elapsed = best.elapsed.min(new.elapsed);
        }
    }
    println!(
        "the primes below {}, on a machine with {} cores ({} build, best of {runs} runs)",
        args.limit,
        cores(),
        build()
    );
    println!("{}  {:>8}", header(), "speed-up");
    let sequential = timings
        .iter()
        .find(|t| t.method == Method::Sequential)
        .map(|t| t.elapsed.as_secs_f64());
    for t in &timings {
        let workers = match t.method {
            Method::Sequential => "-".to_string(),
            _ => t.workers.to_string(),
        };
        // How many times faster than sequential: measured, never promised.
        let speed_up = match sequential {
            Some(base) if t.elapsed.as_secs_f64() > 0.0 => {
                format!("{:.2}x", base / t.elapsed.as_secs_f64())
            }
            _ => "-".to_string(),
        };
        println!(
            "{}  {speed_up:>8}",
            row(&t.method.to_string(), &workers, t.sum, t.elapsed)
        );
    }
    Ok(())
}
