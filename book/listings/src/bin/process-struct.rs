//! The seed's custom process class (§2.2.4, 创建进程类): a `Process` subclass
//! whose `run` method is what the child process does, started with `start()`
//! and waited for with `join()`. As in `thread-struct`, a trait with provided
//! methods does the job of the base class: implement `run`, and `start`
//! comes for free. Here `start` forks, and `run` runs in the child.
//!
//! Run it with `cargo xtask run process-struct`.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork, getpid, getppid};
use std::io::Write;
use std::panic::{AssertUnwindSafe, catch_unwind};

// ANCHOR: process
/// Something that can run in a process of its own: the seed's `Process` base
/// class. Implement `run`; call `start`, then `join` on what it returns.
trait Process: Sized {
    /// What the child process does (the seed's overridden `run`). Its return
    /// value is the child's exit code.
    fn run(self) -> i32;

    /// Forks a child that calls `run` and ends with its exit code; the parent
    /// gets a handle to `join`. `self` moves in, as in `thread-struct`: after
    /// the fork, each process has its own copy, and only the child uses it.
    fn start(self) -> nix::Result<Started> {
        // Text waiting in stdout's buffer would be printed by both copies.
        let _ = std::io::stdout().flush();
        // SAFETY: this program has a single thread, so the child is a
        // complete copy of it; the child never returns from this arm.
        match unsafe { fork() }? {
            ForkResult::Child => {
                // A panic in `run` must not unwind into the parent's code,
                // which the child also holds: catch it, and exit with 101.
                let code = catch_unwind(AssertUnwindSafe(|| self.run())).unwrap_or(101);
                let _ = std::io::stdout().flush();
                // SAFETY: `_exit` ends the child here, running nothing of
                // the parent's (no `atexit` handlers, no destructors).
                unsafe { libc::_exit(code) }
            }
            ForkResult::Parent { child } => Ok(Started { pid: child }),
        }
    }
}

/// A started process: the parent's side of it.
struct Started {
    pid: Pid,
}

impl Started {
    /// Waits for the child to end (`waitpid`), reaps it, and returns how it
    /// ended. `self` is consumed: a child is reaped once.
    fn join(self) -> nix::Result<WaitStatus> {
        waitpid(self.pid, None)
    }
}
// ANCHOR_END: process

// ANCHOR: mine
/// The seed's `MyProcess`: prints a line `value` times.
struct MyProcess {
    value: u32,
}

impl Process for MyProcess {
    fn run(self) -> i32 {
        for round in 1..=self.value {
            println!(
                "child {} (parent {}): custom process, round {round} of {}",
                getpid(),
                getppid(),
                self.value
            );
        }
        0
    }
}

fn main() -> nix::Result<()> {
    let process = MyProcess { value: 3 };
    let started = process.start()?; // forks; `run` runs in the child
    println!("parent {}: started child {}", getpid(), started.pid);
    let status = started.join()?; // blocks until the child has ended
    println!("parent {}: the child ended: {status:?}", getpid());
    Ok(())
}
// ANCHOR_END: mine
