//! # Exercise `prime-sum`: the prime sum over processes (book: ch2/prime-sum.md)
//!
//! The seed's classroom exercise (随堂练习, §2.2.4): add up the primes (质数)
//! below 100 000, first in one process, then split over several worker
//! processes that each sum a part and send their partial sum back to the
//! parent through a pipe (管道).
//!
//! - [`is_prime`] and [`prime_sum`]: the sequential work.
//! - [`split_range`]: `0..limit` cut into even parts, with no gap and no overlap.
//! - [`start_worker`]: fork one worker that sums its part and writes the
//!   answer into its own pipe.
//! - [`finish_worker`]: read a worker's answer and reap it.
//! - [`prime_sum_processes`]: all of it: start every worker, then collect
//!   every answer and reap every worker.
//!
//! Code that forks must run in a single-threaded process (the runner's
//! `prime-sum` program, or the suite's probes): `fork` copies only the
//! calling thread.

use nix::unistd::Pid;
use std::fs::File;
use std::io;
use std::ops::Range;

// ANCHOR: is_prime
/// Whether `n` is a prime: a whole number greater than 1 whose only divisors
/// are 1 and itself. `0` and `1` are not primes; `2` is the only even one.
///
/// Trial division: try the divisors up to the square root of `n` only (if
/// `n = a × b` with `a ≤ b`, then `a × a ≤ n`, so a divisor that small
/// exists). Must work for any `u64` without overflowing.
pub fn is_prime(n: u64) -> bool {
    // TODO: 0 and 1 are not primes; then try divisors from 2 while
    // divisor * divisor <= n (written so that it cannot overflow).
    todo!("decide whether {n} is a prime (book: ch2/prime-sum.md)")
}
// ANCHOR_END: is_prime

// ANCHOR: prime_sum
/// The sum of the primes in `range` (start included, end excluded): the
/// primes below 10 are `prime_sum(0..10)` = 2 + 3 + 5 + 7 = 17.
pub fn prime_sum(range: Range<u64>) -> u64 {
    // TODO: add up the numbers of the range that are primes.
    todo!("sum the primes in {range:?} (book: ch2/prime-sum.md)")
}
// ANCHOR_END: prime_sum

// ANCHOR: split_range
/// Cuts `0..limit` into exactly `parts` ranges, in order, that together cover
/// every number below `limit` once: no gap, no overlap. Their lengths differ
/// by at most one: the first `limit % parts` ranges are one number longer.
/// When `limit < parts`, the last ranges are empty (`n..n`).
///
/// `split_range(10, 3)` is `[0..4, 4..7, 7..10]`; `split_range(2, 3)` is
/// `[0..1, 1..2, 2..2]`. With `parts == 0` there is nothing to cut into:
/// the result is empty.
pub fn split_range(limit: u64, parts: usize) -> Vec<Range<u64>> {
    // TODO: each range starts where the previous one ended; the first
    // `limit % parts` ranges get one number more than `limit / parts`.
    todo!("cut 0..{limit} into {parts} even ranges (book: ch2/prime-sum.md)")
}
// ANCHOR_END: split_range

// ANCHOR: error
/// What can go wrong when the work is split over processes.
#[derive(Debug, thiserror::Error)]
pub enum PrimeSumError {
    /// Zero workers were asked for: nobody would do the work.
    #[error("at least one worker process is needed, not 0")]
    NoWorkers,
    /// The system refused to make a pipe, fork or wait (too many processes,
    /// too many open files, …).
    #[error("the system refused: {0}")]
    System(#[from] nix::Error),
    /// Reading a worker's answer from its pipe failed.
    #[error("reading a worker's answer failed: {0}")]
    Io(#[from] io::Error),
    /// A worker did not deliver its answer: it exited with a failure status,
    /// was killed by a signal, or wrote something else than 8 bytes.
    #[error("worker {index} (pid {pid}) failed: {why}")]
    WorkerFailed {
        /// The worker's number, from 0.
        index: usize,
        /// Its process id.
        pid: Pid,
        /// What went wrong, in words.
        why: String,
    },
}
// ANCHOR_END: error

// ANCHOR: worker
/// A worker process that was started and has not been reaped yet. Every
/// `Worker` must end in [`finish_worker`], or its process stays a zombie
/// (僵尸进程) until the parent exits.
#[derive(Debug)]
pub struct Worker {
    /// The worker's number, from 0: which part of the range it sums.
    pub index: usize,
    /// Its process id.
    pub pid: Pid,
    /// The numbers it sums.
    pub range: Range<u64>,
    /// The read end of its pipe: its answer arrives here as 8 bytes, the
    /// partial sum as a big-endian `u64`, then end of file.
    answer: File,
}
// ANCHOR_END: worker

// ANCHOR: start_worker
/// Starts worker `index`: makes a pipe, forks, and returns at once in the
/// parent. The child sums the primes in `range`, writes the sum into the
/// pipe as 8 bytes (`u64::to_be_bytes`), and ends with `_exit`: status 0 if
/// the answer was written, 1 if not. The child never returns from this
/// function, even if it panics.
///
/// Call it only in a single-threaded process.
pub fn start_worker(index: usize, range: Range<u64>) -> Result<Worker, PrimeSumError> {
    // TODO: make a pipe, then fork (unsafe: say in a SAFETY comment why it
    // is sound here). In the child: sum the range, write the 8 bytes, and
    // end with libc::_exit, never returning, even if the work panics.
    // In the parent: close the write end and return the Worker.
    todo!("start worker {index} for the primes in {range:?} (book: ch2/prime-sum.md)")
}
// ANCHOR_END: start_worker

// ANCHOR: finish_worker
/// Reads `worker`'s answer (everything up to end of file, which must be
/// exactly 8 bytes) and reaps it with `waitpid`. The worker is reaped in
/// every case, also when its answer is missing or reading fails.
///
/// Errors: [`PrimeSumError::WorkerFailed`] when the worker did not exit with
/// status 0 or did not write exactly 8 bytes; [`PrimeSumError::Io`] or
/// [`PrimeSumError::System`] when reading or waiting failed.
pub fn finish_worker(worker: Worker) -> Result<u64, PrimeSumError> {
    // TODO: read the pipe to its end, then waitpid the worker (always, even
    // if reading failed), then check its exit status and the 8 bytes.
    let _ = &worker.answer;
    todo!(
        "collect the answer of worker {} (pid {}) from its pipe, and reap it (book: ch2/prime-sum.md)",
        worker.index,
        worker.pid
    )
}

// ANCHOR_END: finish_worker

// ANCHOR: prime_sum_processes
/// The sum of the primes below `limit`, computed by `workers` processes:
/// `0..limit` is cut with [`split_range`], every worker is started before
/// any answer is read (so that they run at the same time), then every answer
/// is collected and every worker reaped.
///
/// Fails with [`PrimeSumError::NoWorkers`] for `workers == 0`, before
/// starting anything. On any other error, every worker that was started is
/// still reaped before the first error is returned.
///
/// Call it only in a single-threaded process.
pub fn prime_sum_processes(limit: u64, workers: usize) -> Result<u64, PrimeSumError> {
    // TODO: refuse 0 workers; start one worker per range of split_range;
    // then finish every started worker, adding up the answers, and return
    // the first error only after all of them are reaped.
    todo!("sum the primes below {limit} with {workers} worker processes (book: ch2/prime-sum.md)")
}
// ANCHOR_END: prime_sum_processes
