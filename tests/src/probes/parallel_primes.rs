//! Probes of the exercise `parallel-primes`: `compare` forks (its processes),
//! so it runs in a fresh single-threaded process.
//!
//! - `parallel_primes::compare LIMIT WORKERS`: calls `compare` and prints one
//!   line `row METHOD WORKERS SUM` per timing (or `error TEXT` and
//!   `error_debug DEBUG`), then `children N` and `zombies N`.
//! - `parallel_primes::rendezvous WORKERS`: calls `sum_over_threads(1000 *
//!   WORKERS, WORKERS, work)` with a `work` that returns the length of its
//!   range once every worker has arrived in it (a rendezvous), and prints
//!   `met N` (how many arrived before the first one left), `alone yes|no`
//!   (whether the first left because the rest could never come), and `sum
//!   S` or `error TEXT`.
//!
//! The rendezvous is a probe because it counts the threads of its process:
//! here they are the caller and its workers only.

use crate::harness::{Tid, threads_in_process};
use crate::kit::ch2::parallel_primes;
use anyhow::{Context, bail};
use std::ops::Range;
use std::sync::{Condvar, Mutex, PoisonError};
use std::time::Duration;

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
        "rendezvous" => {
            let [workers] = args else {
                bail!("rendezvous takes WORKERS, got {args:?}");
            };
            let workers: usize = workers.parse().context("WORKERS is not a number")?;
            let meeting = Meeting::new(workers);
            let got = parallel_primes::sum_over_threads(1000 * workers as u64, workers, |range| {
                meeting.attend(range)
            });
            let (met, alone) = meeting.outcome();
            println!("met {met}");
            println!("alone {}", if alone { "yes" } else { "no" });
            match got {
                Ok(sum) => println!("sum {sum}"),
                Err(e) => println!("error {e}"),
            }
            Ok(())
        }
        _ => Err(super::unknown("parallel_primes", probe)),
    }
}

/// Where the workers of one call meet: each waits until all have arrived.
/// A worker that waits in vain is noticed at once, without a timeout: when
/// the caller is blocked (in `join`, say) and every thread of the process
/// but the caller has arrived, nobody else can come.
struct Meeting {
    expected: usize,
    caller: Tid,
    state: Mutex<Attendance>,
    arrived: Condvar,
}

#[derive(Default)]
struct Attendance {
    /// How many workers have arrived.
    count: usize,
    /// How many had arrived when the first one left.
    met: Option<usize>,
    /// Whether it left because the rest could not come.
    alone: bool,
}

impl Meeting {
    /// A meeting of `expected` workers, called from this thread.
    fn new(expected: usize) -> Self {
        Meeting {
            expected,
            caller: Tid::current(),
            state: Mutex::new(Attendance::default()),
            arrived: Condvar::new(),
        }
    }

    /// Arrives, waits for the others (or for the news that they cannot
    /// come), and returns the length of `range`.
    fn attend(&self, range: Range<u64>) -> u64 {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        state.count += 1;
        self.arrived.notify_all();
        while state.met.is_none() {
            if state.count == self.expected {
                state.met = Some(state.count);
                break;
            }
            // Everyone this process has, but the caller, is here, and the
            // caller is blocked: no other worker exists, or can be started.
            if self.caller.is_blocked() && threads_in_process() == 1 + state.count {
                state.met = Some(state.count);
                state.alone = true;
                break;
            }
            // A look every millisecond at the caller: waking early is
            // harmless (the loop looks again), and one who arrives wakes us.
            state = self
                .arrived
                .wait_timeout(state, Duration::from_millis(1))
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        self.arrived.notify_all();
        range.end - range.start
    }

    /// How many met before the first left, and whether it left alone.
    fn outcome(&self) -> (usize, bool) {
        let state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        (state.met.unwrap_or(0), state.alone)
    }
}
