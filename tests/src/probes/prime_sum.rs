//! Probes of the exercise `prime-sum`: the calls that fork, run in a fresh
//! single-threaded process, and the process table afterwards.
//!
//! - `prime_sum::processes LIMIT WORKERS`: calls `prime_sum_processes` and
//!   prints `sum N` (or `error TEXT` and `error_debug DEBUG`), then
//!   `children N` and `zombies N`: the processes it left behind.
//! - `prime_sum::short_of_files LIMIT WORKERS STARTABLE`: the same, in a
//!   process allowed so few open files that only STARTABLE workers get
//!   their pipe: the next `pipe()` fails with EMFILE.
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
            println!(
                "note a worker's answer ends (end of file) only once every copy of its pipe's \
                 write end is closed: the worker's as it exits, and the parent's right after the fork"
            );
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
        "short_of_files" => {
            let (Some(startable), Ok([limit, workers])) =
                (args.get(2), numbers(&args[..2.min(args.len())]))
            else {
                bail!("usage: prime_sum::short_of_files LIMIT WORKERS STARTABLE, not {args:?}");
            };
            let startable: u64 = startable
                .parse()
                .with_context(|| format!("{startable:?} is not a number"))?;
            let restore = allow_only_pipes_for(startable as usize)?;
            let result = prime_sum::prime_sum_processes(limit, workers as usize);
            restore()?;
            match result {
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

/// Lowers this process's limit on open files so that exactly `workers` more
/// workers can get a pipe each: the parent keeps one end per worker, and a
/// `pipe()` needs two free descriptors, so `workers + 1` are left free.
/// Returns what puts the old limit back.
fn allow_only_pipes_for(workers: usize) -> anyhow::Result<impl FnOnce() -> anyhow::Result<()>> {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let open: Vec<i32> = std::fs::read_dir("/proc/self/fd")
        .context("listing /proc/self/fd")?
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse().ok())
        .collect();
    // The listing's own descriptor is among them, closed by now.
    // SAFETY: F_GETFD only reads the descriptor's flags; on a closed one it fails.
    let is_open = |fd: i32| open.contains(&fd) && unsafe { libc::fcntl(fd, libc::F_GETFD) } != -1;
    // Descriptors are handed out lowest first: the limit is the number just
    // above the `workers + 1`-th free one.
    let mut free = 0;
    let mut limit = 0;
    while free < workers + 1 {
        if !is_open(limit) {
            free += 1;
        }
        limit += 1;
    }
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).context("getrlimit")?;
    setrlimit(Resource::RLIMIT_NOFILE, limit as u64, hard).context("setrlimit(RLIMIT_NOFILE)")?;
    Ok(move || setrlimit(Resource::RLIMIT_NOFILE, soft, hard).context("restoring RLIMIT_NOFILE"))
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
