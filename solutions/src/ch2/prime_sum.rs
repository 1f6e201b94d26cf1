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

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, pipe};
use std::fs::File;
use std::io::{self, Read, Write};
use std::ops::Range;

// ANCHOR: is_prime
/// Whether `n` is a prime: a whole number greater than 1 whose only divisors
/// are 1 and itself. `0` and `1` are not primes; `2` is the only even one.
///
/// Trial division: try the divisors up to the square root of `n` only (if
/// `n = a × b` with `a ≤ b`, then `a × a ≤ n`, so a divisor that small
/// exists). Must work for any `u64` without overflowing.
pub fn is_prime(n: u64) -> bool {
    if n < 2 {
        return false;
    }
    if n.is_multiple_of(2) {
        return n == 2;
    }
    // Odd divisors only: an odd n has no even divisor. `d <= n / d` says
    // `d * d <= n` without computing `d * d`, which could overflow a u64
    // when n is close to u64::MAX.
    let mut divisor = 3;
    while divisor <= n / divisor {
        if n.is_multiple_of(divisor) {
            return false;
        }
        divisor += 2;
    }
    true
}
// ANCHOR_END: is_prime

// ANCHOR: prime_sum
/// The sum of the primes in `range` (start included, end excluded): the
/// primes below 10 are `prime_sum(0..10)` = 2 + 3 + 5 + 7 = 17.
pub fn prime_sum(range: Range<u64>) -> u64 {
    range.filter(|&n| is_prime(n)).sum()
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
    if parts == 0 {
        return Vec::new();
    }
    let parts_u64 = parts as u64;
    let base = limit / parts_u64;
    // The remainder is spread one by one over the first ranges.
    let longer = limit % parts_u64;
    let mut start = 0;
    let mut ranges = Vec::with_capacity(parts);
    for index in 0..parts_u64 {
        let len = if index < longer { base + 1 } else { base };
        ranges.push(start..start + len);
        // Each range starts where the one before it ended: no gap, no overlap.
        start += len;
    }
    ranges
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
    let (read_end, write_end) = pipe()?;
    // SAFETY: the kit calls this only in single-threaded processes (the
    // runner's programs and the suite's probes), so the child is a complete
    // copy of the parent, locks and all, and may run ordinary Rust. The child
    // never returns into the caller's code: it ends in `_exit` below.
    match unsafe { fork() }? {
        ForkResult::Child => {
            // The child does not read its own answer.
            drop(read_end);
            let mut pipe = File::from(write_end);
            // A panic must not unwind out of this function: it would return
            // into the caller's code, and the parent's work (starting the
            // other workers, collecting answers) would run twice, once in this
            // second process. Catch it; the panic message is already on stderr.
            let outcome = std::panic::catch_unwind(move || {
                let sum = prime_sum(range);
                pipe.write_all(&sum.to_be_bytes())
            });
            let status = match outcome {
                Ok(Ok(())) => 0,
                _ => 1,
            };
            // `_exit`, not `std::process::exit`: it ends the process at once,
            // without running the parent's exit handlers or flushing buffers
            // that were copied from the parent (they would be written twice).
            // SAFETY: `_exit` is always safe to call; it is `unsafe` only
            // because it is a C function.
            unsafe { libc::_exit(status) }
        }
        ForkResult::Parent { child } => {
            // The parent must close its copy of the write end: the reader
            // sees end of file only when every write end is closed, and this
            // one would otherwise stay open for ever. (It also keeps the
            // workers started after this one from inheriting it.)
            drop(write_end);
            Ok(Worker {
                index,
                pid: child,
                range,
                answer: File::from(read_end),
            })
        }
    }
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
    let Worker {
        index,
        pid,
        mut answer,
        ..
    } = worker;
    // End of file comes when the worker's write end closes: when it exits.
    let mut bytes = Vec::new();
    let read = answer.read_to_end(&mut bytes);
    // Reap before looking at anything, so that no error path leaves a zombie.
    let status = wait_for(pid)?;
    read?;

    let failed = |why: String| PrimeSumError::WorkerFailed { index, pid, why };
    match status {
        WaitStatus::Exited(_, 0) => {}
        WaitStatus::Exited(_, code) => return Err(failed(format!("it exited with status {code}"))),
        WaitStatus::Signaled(_, signal, _) => {
            return Err(failed(format!("it was killed by {signal}")));
        }
        other => return Err(failed(format!("it ended as {other:?}"))),
    }
    let answer: [u8; 8] = bytes
        .as_slice()
        .try_into()
        .map_err(|_| failed(format!("it wrote {} bytes, not 8", bytes.len())))?;
    Ok(u64::from_be_bytes(answer))
}

/// `waitpid(pid)`, tried again when a signal interrupts the wait.
fn wait_for(pid: Pid) -> Result<WaitStatus, nix::Error> {
    loop {
        match waitpid(pid, None) {
            Err(nix::Error::EINTR) => continue,
            other => return other,
        }
    }
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
    if workers == 0 {
        return Err(PrimeSumError::NoWorkers);
    }
    let mut started = Vec::with_capacity(workers);
    let mut first_error = None;
    for (index, range) in split_range(limit, workers).into_iter().enumerate() {
        match start_worker(index, range) {
            Ok(worker) => started.push(worker),
            // Starting more would likely fail too; but those already running
            // must still be collected, so no early return here.
            Err(e) => {
                first_error = Some(e);
                break;
            }
        }
    }
    let mut total = 0;
    for worker in started {
        match finish_worker(worker) {
            Ok(sum) => total += sum,
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    match first_error {
        Some(e) => Err(e),
        None => Ok(total),
    }
}
// ANCHOR_END: prime_sum_processes
