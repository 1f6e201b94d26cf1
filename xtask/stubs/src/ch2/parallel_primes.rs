//! # Exercise `parallel-primes`: primes in parallel (book: ch2/parallel-primes.md)
//!
//! The seed's experiment on the GIL (全局解释器锁, §2.3.6): the same
//! CPU-bound work, the prime sum, split over threads and over processes.
//! In CPython the threads are no faster than one thread; in Rust they are,
//! because nothing stops two threads of one process from computing at once.
//!
//! - [`sum_over_threads`]: any work, cut by [`split_range`], over scoped
//!   threads (线程) that all run at once.
//! - [`prime_sum_threads`]: the prime sum over those threads (given).
//! - [`compare`]: the sum computed three ways (sequential, threads,
//!   processes), each timed, for the `parallel-primes` program's table.
//!
//! It builds on the exercise `prime-sum`: [`prime_sum`], [`split_range`] and
//! [`prime_sum_processes`] are yours from there.

use crate::ch2::prime_sum::{PrimeSumError, prime_sum};
use std::fmt;
use std::ops::Range;
use std::time::Duration;
// You will need more: `split_range` and `prime_sum_processes` from
// `crate::ch2::prime_sum` (your exercise `prime-sum`), and
// `std::time::Instant`.

// ANCHOR: error
/// What can go wrong when the work is split.
#[derive(Debug, thiserror::Error)]
pub enum ParallelError {
    /// Zero workers were asked for: nobody would do the work.
    #[error("at least one worker is needed, not 0")]
    NoWorkers,
    /// A worker thread panicked instead of returning its partial sum.
    #[error("worker thread {index} panicked: {message}")]
    ThreadPanicked {
        /// The worker's number, from 0.
        index: usize,
        /// Its panic message.
        message: String,
    },
    /// The processes' run failed (see the exercise `prime-sum`).
    #[error("the worker processes failed: {0}")]
    Processes(#[from] PrimeSumError),
}
// ANCHOR_END: error

// ANCHOR: sum_over_threads
/// Calls `work` once per range of [`split_range`]`(limit, workers)`, each call
/// on a thread of its own, all of them running at once, and adds up what
/// they return. Every thread is joined before this returns.
///
/// Fails with [`ParallelError::NoWorkers`] for `workers == 0`, before any
/// call, and with [`ParallelError::ThreadPanicked`] (the first such thread,
/// by range) when a call of `work` panicked.
pub fn sum_over_threads(
    limit: u64,
    workers: usize,
    work: impl Fn(Range<u64>) -> u64 + Sync,
) -> Result<u64, ParallelError> {
    // TODO: refuse 0 workers; cut the range with split_range; inside
    // std::thread::scope, spawn one thread per range that calls `work` (all
    // of them first: `let work = &work;` lets each `move` closure take the
    // reference), then join every handle, adding up the sums; a join that
    // returns Err means that thread panicked.
    let _ = work;
    todo!("run the work over {limit} numbers on {workers} threads (book: ch2/parallel-primes.md)")
}
// ANCHOR_END: sum_over_threads

// ANCHOR: prime_sum_threads
/// The sum of the primes below `limit`, computed by `workers` threads at
/// once: [`sum_over_threads`] with [`prime_sum`] as the work. Its errors are
/// those of [`sum_over_threads`].
pub fn prime_sum_threads(limit: u64, workers: usize) -> Result<u64, ParallelError> {
    sum_over_threads(limit, workers, prime_sum)
}
// ANCHOR_END: prime_sum_threads

// ANCHOR: timing
/// A way to compute the sum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// One thread does it all: `prime_sum(0..limit)`.
    Sequential,
    /// [`prime_sum_threads`].
    Threads,
    /// [`prime_sum_processes`], from the exercise `prime-sum`.
    Processes,
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Method::Sequential => "sequential",
            Method::Threads => "threads",
            Method::Processes => "processes",
        };
        // `pad`, not `write_str`: so that `{:<12}` aligns it in a table.
        f.pad(name)
    }
}

/// One row of the comparison: how the sum was computed, by how many
/// workers (1 for [`Method::Sequential`]), the answer, and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    pub method: Method,
    pub workers: usize,
    pub sum: u64,
    pub elapsed: Duration,
}
// ANCHOR_END: timing

// ANCHOR: compare
/// Computes the sum of the primes below `limit` three ways, in this order,
/// and times each by the wall clock ([`Instant`]): sequentially, over
/// `workers` threads, over `workers` processes. Returns the three
/// [`Timing`]s in that order. It does not check that the sums agree: that is
/// for whoever reads the table.
///
/// Fails with [`ParallelError::NoWorkers`] for `workers == 0` before
/// computing anything, and with the first error of a way that fails.
///
/// It forks: call it only in a single-threaded process. (The threads of
/// [`prime_sum_threads`] are all joined before the processes start.)
pub fn compare(limit: u64, workers: usize) -> Result<Vec<Timing>, ParallelError> {
    // TODO: refuse 0 workers; then for each way, in order: note
    // Instant::now(), compute the sum, and make a Timing with elapsed().
    todo!(
        "time the sum of the primes below {limit}: sequential, {workers} threads, \
         {workers} processes (book: ch2/parallel-primes.md)"
    )
}
// ANCHOR_END: compare
