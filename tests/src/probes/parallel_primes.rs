//! Probes of the exercise `parallel-primes`: `compare` forks (its processes),
//! so it runs in a fresh single-threaded process.
//!
//! - `parallel_primes::compare LIMIT WORKERS`: calls `compare` and prints one
//!   line `row METHOD WORKERS SUM` per timing (or `error TEXT` and
//!   `error_debug DEBUG`), then `children N` and `zombies N`.

use crate::kit::ch2::parallel_primes;
use anyhow::{Context, bail};

/// Runs the probe `parallel_primes::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match probe {
        "compare" => {
            let [limit, workers] = args else {
                bail!("compare takes LIMIT WORKERS, got {args:?}");
            };
            let limit: u64 = limit.parse().context("LIMIT is not a number")?;
            let workers: usize = workers.parse().context("WORKERS is not a number")?;
            match parallel_primes::compare(limit, workers) {
                Ok(timings) => {
                    for t in timings {
                        println!("row {} {} {}", t.method, t.workers, t.sum);
                    }
                }
                Err(e) => {
                    println!("error {e}");
                    println!("error_debug {e:?}");
                }
            }
            super::prime_sum::print_leftovers();
            Ok(())
        }
        _ => Err(super::unknown("parallel_primes", probe)),
    }
}
