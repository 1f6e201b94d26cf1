//! Probes of the exercise `fork-basics`.
//!
//! Every probe prints `probe_pid PID` first, so that a test can tell the
//! probe's own lines from its children's, and `done` last, from the parent
//! only: a child that returned into the probe's code would print it twice.

use super::procfs;
use crate::kit::ch2::fork_basics::{self as kit, Exit, ProcessError};
use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill, raise};
use nix::unistd::{getpid, getppid};
use std::io::Write;
use std::str::FromStr;

/// Runs the probe `fork_basics::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    println!("probe_pid {}", getpid());
    match probe {
        "run_all" => run_all(args)?,
        "killed" => killed()?,
        "together" => together()?,
        "threaded" => threaded()?,
        "buffered" => buffered()?,
        _ => return Err(super::unknown("fork_basics", probe)),
    }
    println!("done");
    Ok(())
}

/// How an end is printed: `exited 3`, `signaled SIGTERM`.
pub fn show_exit(exit: &Exit) -> String {
    match exit {
        Exit::Exited(code) => format!("exited {code}"),
        Exit::Signaled(signal) => format!("signaled {signal}"),
    }
}

/// `run_all SPEC…`: one job per SPEC, run with `run_all`. Each job prints
/// `child I pid P ppid Q`, then does what its SPEC says:
/// - `exit:N`: returns N;
/// - `raise:SIGNAL`: sends itself SIGNAL;
/// - `panic`: panics;
/// - `echo:WORD`: prints `child I got WORD` and returns the word's length,
///   so the word is an argument that had to reach the child.
///
/// Then the probe prints `status I PID EXIT` per job, in job order, and
/// `children N`: how many children (zombies included) are left.
fn run_all(specs: &[String]) -> anyhow::Result<()> {
    let mut jobs: Vec<Box<dyn FnOnce() -> i32>> = Vec::new();
    for (index, spec) in specs.iter().enumerate() {
        let job = Job::parse(spec)?;
        jobs.push(Box::new(move || {
            println!("child {index} pid {} ppid {}", getpid(), getppid());
            job.run(index)
        }));
    }
    // Dropped when this function ends: in the parent only, once. A child
    // that unwound out of spawn would drop the parent's copy too.
    let guard = Noisy;
    let ended = kit::run_all(jobs)?;
    for (index, (pid, exit)) in ended.iter().enumerate() {
        println!("status {index} {pid} {}", show_exit(exit));
    }
    println!("children {}", procfs::my_children().len());
    drop(guard);
    Ok(())
}

/// What one job of `run_all` does.
enum Job {
    Exit(i32),
    Raise(Signal),
    Panic,
    Echo(String),
}

impl Job {
    fn parse(spec: &str) -> anyhow::Result<Job> {
        let (what, arg) = spec.split_once(':').unwrap_or((spec, ""));
        Ok(match what {
            "exit" => Job::Exit(arg.parse().with_context(|| format!("bad spec {spec:?}"))?),
            "raise" => {
                Job::Raise(Signal::from_str(arg).with_context(|| format!("bad spec {spec:?}"))?)
            }
            "panic" => Job::Panic,
            "echo" => Job::Echo(arg.to_string()),
            _ => bail!("bad spec {spec:?}: exit:N, raise:SIGNAL, panic or echo:WORD"),
        })
    }

    /// Runs in the child.
    fn run(self, index: usize) -> i32 {
        match self {
            Job::Exit(code) => code,
            Job::Raise(signal) => {
                let _ = raise(signal);
                0
            }
            Job::Panic => panic!("job {index} panics on purpose"),
            Job::Echo(word) => {
                println!("child {index} got {word}");
                word.len() as i32
            }
        }
    }
}

/// Prints `dropped_by PID` when dropped.
struct Noisy;

impl Drop for Noisy {
    fn drop(&mut self) {
        println!("dropped_by {}", getpid());
    }
}

/// `killed`: a child that waits for ever (`pause`) is killed with SIGKILL by
/// the probe; prints `status EXIT` from `wait_for`.
fn killed() -> anyhow::Result<()> {
    let pid = kit::spawn(|| {
        loop {
            nix::unistd::pause();
        }
    })?;
    kill(pid, Signal::SIGKILL).context("killing the child")?;
    let exit = kit::wait_for(pid)?;
    println!("status {}", show_exit(&exit));
    println!("children {}", procfs::my_children().len());
    Ok(())
}

/// `together`: two jobs that need each other. Job 0 waits for a byte that
/// job 1 sends through a pipe, so both must run at the same time. Job 0 gives
/// up after 5 s (an alarm kills it with SIGALRM) rather than hang the suite.
fn together() -> anyhow::Result<()> {
    println!(
        "note job 0 waits for a byte that job 1 sends: a run_all that waits for job 0 before \
         starting job 1 waits for ever. Start every job first, then wait for them"
    );
    let (read_end, write_end) = nix::unistd::pipe().context("creating a pipe")?;
    let jobs: Vec<Box<dyn FnOnce() -> i32>> = vec![
        Box::new(move || {
            nix::unistd::alarm::set(5);
            let mut byte = [0u8; 1];
            match nix::unistd::read(&read_end, &mut byte) {
                Ok(1) => 0,
                _ => 1,
            }
        }),
        Box::new(move || match nix::unistd::write(&write_end, b"x") {
            Ok(1) => 0,
            _ => 1,
        }),
    ];
    let ended = kit::run_all(jobs)?;
    for (index, (pid, exit)) in ended.iter().enumerate() {
        println!("status {index} {pid} {}", show_exit(exit));
    }
    Ok(())
}

/// `threaded`: with a second thread running, `spawn` must refuse. Prints
/// `threads N` and `refused MESSAGE`, or `forked EXIT` if it forked anyway.
fn threaded() -> anyhow::Result<()> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || stopped.recv().ok());
    println!("threads {}", kit::thread_count()?);
    match kit::spawn(|| 0) {
        Err(ProcessError::Threaded { threads }) => println!("refused {threads}"),
        Err(e) => println!("error {e}"),
        Ok(pid) => {
            let exit = kit::wait_for(pid).map(|e| show_exit(&e));
            println!("forked {exit:?}");
        }
    }
    drop(stop);
    let _ = other.join();
    Ok(())
}

/// `buffered`: the parent prints `parent-before-fork` without a newline (it
/// stays in stdout's buffer), the child prints `|child-unterminated` without
/// one either and exits, then the parent ends the line. Right: one line
/// `parent-before-fork|child-unterminated|parent-after-wait`.
fn buffered() -> anyhow::Result<()> {
    print!("parent-before-fork");
    let pid = kit::spawn(|| {
        print!("|child-unterminated");
        0
    })?;
    let exit = kit::wait_for(pid)?;
    println!("|parent-after-wait");
    std::io::stdout().flush()?;
    println!("status {}", show_exit(&exit));
    Ok(())
}
