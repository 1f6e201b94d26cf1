//! A zombie (僵尸进程), seen in `/proc`: a child that has exited, but whose
//! parent has not collected its exit status yet. Run it with
//! `cargo xtask run zombie`; add `--pause` to have it wait for Enter while
//! the zombie exists, so that you can look at it with `ps` in another terminal.

use nix::sys::wait::{Id, WaitPidFlag, waitid, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::io::{self, BufRead, Write};

/// The state letter of a process in `/proc/PID/stat` (`R` running,
/// `S` sleeping, `Z` zombie), or `gone` when there is no such process.
fn state(pid: Pid) -> String {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return "gone".to_string();
    };
    // `PID (NAME) STATE …`; NAME may hold spaces, so look after the last `)`.
    let after_name = stat.rfind(')').map_or("", |i| &stat[i + 1..]);
    after_name
        .split_whitespace()
        .next()
        .unwrap_or("?")
        .to_string()
}

fn main() -> nix::Result<()> {
    let pause = std::env::args().any(|a| a == "--pause");
    let _ = io::stdout().flush();
    // ANCHOR: zombie
    // SAFETY: a single-threaded program (see fork-demo).
    let child = match unsafe { fork() }? {
        // SAFETY: the child exits at once, with code 7.
        ForkResult::Child => unsafe { libc::_exit(7) },
        ForkResult::Parent { child } => child,
    };
    // Wait until the child has exited, but leave it unreaped (WNOWAIT): a
    // parent that is busy elsewhere and has not called waitpid yet.
    waitid(Id::Pid(child), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)?;
    println!("child {child} has exited; its state: {}", state(child));
    // ANCHOR_END: zombie
    if pause {
        println!("try `ps -o pid,ppid,stat,comm -p {child}`, then press Enter");
        let _ = io::stdout().flush();
        let _ = io::stdin().lock().read_line(&mut String::new());
    }
    // ANCHOR: reap
    let status = waitpid(child, None)?; // collects the status: reaps it
    println!("reaped: {status:?}; its state now: {}", state(child));
    // ANCHOR_END: reap
    Ok(())
}
