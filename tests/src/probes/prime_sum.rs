//! Probes of the exercise `prime-sum`: the calls that fork, run in a fresh
//! single-threaded process, and the process table afterwards.
//!
//! - `prime_sum::processes LIMIT WORKERS`: calls `prime_sum_processes` and
//!   prints `sum N` (or `error TEXT` and `error_debug DEBUG`), then
//!   `children N` and `zombies N`: the processes it left behind.
//! - `prime_sum::worker START END`: starts one worker for `START..END`,
//!   prints `own_pid P`, `worker_pid P` and `is_child yes|no` while it may
//!   still run, then finishes it and prints `sum N`, `children N`, `zombies N`.

use super::procfs;
use crate::kit::ch2::prime_sum;
use anyhow::{Context, bail};

/// Runs the probe `prime_sum::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match probe {
        "processes" => {
            let [limit, workers] = numbers(args)?;
            match prime_sum::prime_sum_processes(limit, workers as usize) {
                Ok(sum) => println!("sum {sum}"),
                Err(e) => {
                    println!("error {e}");
                    println!("error_debug {e:?}");
                }
            }
            print_leftovers();
            Ok(())
        }
        "worker" => {
            let [start, end] = numbers(args)?;
            let worker = prime_sum::start_worker(0, start..end)?;
            println!("own_pid {}", std::process::id());
            println!("worker_pid {}", worker.pid);
            // Reaped only in finish_worker, so it is still our child here
            // (running, or a zombie if it is done already).
            let is_child = procfs::my_children()
                .iter()
                .any(|p| p.pid == worker.pid.as_raw());
            println!("is_child {}", if is_child { "yes" } else { "no" });
            let sum = prime_sum::finish_worker(worker)?;
            println!("sum {sum}");
            print_leftovers();
            Ok(())
        }
        _ => Err(super::unknown("prime_sum", probe)),
    }
}

/// Prints `children N` and `zombies N`: what is left of this process's
/// children (the probe is a subreaper, so orphaned grandchildren count too).
pub fn print_leftovers() {
    let children = procfs::my_children();
    let zombies = children.iter().filter(|p| p.is_zombie()).count();
    println!("children {}", children.len());
    println!("zombies {zombies}");
}

/// The two numbers of a probe's arguments.
fn numbers(args: &[String]) -> anyhow::Result<[u64; 2]> {
    let [a, b] = args else {
        bail!("this probe takes two numbers, got {args:?}");
    };
    let parse = |s: &String| {
        s.parse::<u64>()
            .with_context(|| format!("{s:?} is not a number"))
    };
    Ok([parse(a)?, parse(b)?])
}
