//! The seed's second process example (进程创建示例 02, §2.2.2): a child
//! started with arguments, and the `daemon` flag ("让子进程随父进程退出",
//! the child exits with its parent).
//!
//! Arguments are easy: the child runs a closure, and the closure captures
//! them. For the flag, Linux has `prctl(PR_SET_PDEATHSIG)`: a child asks the
//! kernel for a signal when its parent ends. The listing starts a parent with
//! two children, one that asked (tied) and one that did not (free), lets
//! the parent exit, and shows what became of each.
//!
//! Run it with `cargo xtask run process-args`.

use nix::sys::prctl;
use nix::sys::signal::Signal;
use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};
use std::error::Error;
use std::io::{BufRead, BufReader, PipeReader, PipeWriter, Read, Write};
use std::panic::{AssertUnwindSafe, catch_unwind};

// ANCHOR: start
/// Forks a child that runs `work` and exits with the code it returns; returns
/// the child's PID. The program has a single thread when it calls this.
fn start(work: impl FnOnce() -> i32) -> nix::Result<Pid> {
    let _ = std::io::stdout().flush(); // nothing buffered to print twice
    // SAFETY: one thread, so the child is a complete copy; it never returns.
    match unsafe { fork() }? {
        ForkResult::Child => {
            let code = catch_unwind(AssertUnwindSafe(work)).unwrap_or(101);
            let _ = std::io::stdout().flush();
            // SAFETY: ends the child at once, running nothing of the parent's.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(child),
    }
}
// ANCHOR_END: start

// ANCHOR: worker
/// The seed's `worker(sec, name)`: the arguments are ordinary parameters.
fn worker(rounds: u32, name: &str) -> i32 {
    for round in 1..=rounds {
        println!("I'm {name}, round {round} of {rounds}: working....");
    }
    0
}
// ANCHOR_END: worker

fn main() -> Result<(), Box<dyn Error>> {
    // ANCHOR: args
    // The seed's `Process(target=worker, args=(2,), kwargs={"name": "Tom"})`:
    // the closure captures the arguments (`move`), and `fork` copies them,
    // with the rest of memory, into the child.
    let (rounds, name) = (3, String::from("Tom"));
    println!(
        "main {}: starting a worker with ({rounds}, {name:?})",
        getpid()
    );
    let worker_pid = start(move || worker(rounds, &name))?;
    let status = waitpid(worker_pid, None)?;
    println!("main {}: worker {worker_pid} ended: {status:?}", getpid());
    // ANCHOR_END: args
    println!();
    tied_and_free()
}

// ANCHOR: reaper
/// Starts a parent that starts a tied child and a free one, then exits; reaps
/// all three and says how each ended.
fn tied_and_free() -> Result<(), Box<dyn Error>> {
    // Orphans below us are given to us, not to PID 1: we can reap them.
    prctl::set_child_subreaper(true)?;
    println!(
        "main {}: a subreaper: orphans below me become mine",
        getpid()
    );
    // The children wait on this pipe: its end of file comes when we close
    // our write end, the only one.
    let (hold_reader, hold_writer) = std::io::pipe()?;
    // The parent writes its children's PIDs here, so that we can name them.
    let (report_reader, report_writer) = std::io::pipe()?;
    let _ = std::io::stdout().flush();
    // SAFETY: one thread, so the child is a complete copy; it ends in `_exit`.
    let parent = match unsafe { fork() }? {
        ForkResult::Child => {
            drop(hold_writer); // or every process below would hold it open
            let code = match parent(report_writer, hold_reader) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("parent: {e}");
                    1
                }
            };
            let _ = std::io::stdout().flush();
            // SAFETY: ends the child at once, running nothing of ours.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => child,
    };
    drop(report_writer); // our copy: only the parent writes
    let mut pids = String::new();
    BufReader::new(report_reader).read_line(&mut pids)?;
    let (tied, free) = pids.trim().split_once(' ').ok_or("no PIDs")?;
    let (tied, free) = (Pid::from_raw(tied.parse()?), Pid::from_raw(free.parse()?));

    // When `waitpid` has reaped the parent, its children are ours, and the
    // kernel has sent the tied one its SIGTERM.
    let parent_status = waitpid(parent, None)?;
    drop(hold_writer); // end of file: the free child goes on, and ends
    let free_status = waitpid(free, None)?;
    let tied_status = waitpid(tied, None)?;
    let me = getpid();
    println!("main {me}: parent {parent}: {parent_status:?}");
    println!("main {me}: free {free}: {free_status:?}");
    println!("main {me}: tied {tied}: {tied_status:?}");
    Ok(())
}
// ANCHOR_END: reaper

// ANCHOR: parent
/// The parent: starts both children, tells `main` their PIDs, and exits
/// without waiting for them.
fn parent(report: PipeWriter, hold: PipeReader) -> Result<(), Box<dyn Error>> {
    let me = getpid();
    println!("parent {me}: starting a tied child and a free one");
    // Each child writes one byte here once it is ready.
    let (mut ready_reader, ready_writer) = std::io::pipe()?;
    let mut children = Vec::new();
    for is_tied in [true, false] {
        let _ = std::io::stdout().flush();
        // SAFETY: one thread; the child ends in `_exit`.
        match unsafe { fork() }? {
            ForkResult::Child => {
                let outcome = if is_tied {
                    tied(me, &ready_writer, hold)
                } else {
                    free(&ready_writer, hold)
                };
                let _ = std::io::stdout().flush();
                // SAFETY: ends the child at once.
                unsafe { libc::_exit(outcome.unwrap_or(1)) }
            }
            ForkResult::Parent { child } => children.push(child),
        }
        // Wait until the child is ready (its signal asked for) before going on.
        ready_reader.read_exact(&mut [0u8; 1])?;
    }
    writeln!(&report, "{} {}", children[0], children[1])?;
    println!("parent {me}: exiting without waiting for them");
    Ok(())
}
// ANCHOR_END: parent

// ANCHOR: tied
/// The tied child: asks for SIGTERM when its parent ends (what `daemon=True`
/// promises, done by the kernel), then waits.
fn tied(parent: Pid, ready: &PipeWriter, mut hold: PipeReader) -> Result<i32, Box<dyn Error>> {
    prctl::set_pdeathsig(Signal::SIGTERM)?;
    // Had the parent ended before that call, no signal would ever come.
    if getppid() != parent {
        return Ok(2);
    }
    let me = getpid();
    println!("tied {me}: PR_SET_PDEATHSIG(SIGTERM): I end when my parent does");
    let _ = std::io::stdout().flush();
    (&*ready).write_all(b"!")?;
    // SIGTERM kills us while we wait here. (Had it not come, `main`'s end
    // of file would end the wait.)
    let _ = hold.read_to_end(&mut Vec::new());
    println!("tied {me}: my parent has ended, and no signal came");
    Ok(1)
}
// ANCHOR_END: tied

// ANCHOR: free
/// The free child: no death signal, so it outlives its parent.
fn free(ready: &PipeWriter, mut hold: PipeReader) -> Result<i32, Box<dyn Error>> {
    let me = getpid();
    println!("free {me}: no death signal: I can outlive my parent");
    let _ = std::io::stdout().flush();
    (&*ready).write_all(b"!")?;
    let _ = hold.read_to_end(&mut Vec::new());
    println!("free {me}: my parent has ended, and I still run");
    Ok(0)
}
// ANCHOR_END: free
