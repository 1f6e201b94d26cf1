//! Several children at once (the seed's 创建多个子进程): each prints its own
//! pid and its parent's, and exits with its own number as exit code; the
//! parent starts all three, then waits for each and reads how it ended.
//! Run it with `cargo xtask run fork-many`.

use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, fork, getpid, getppid};
use std::io::Write;

/// The seed's three chores: 吃饭, 睡觉, 打豆豆.
const CHORES: [&str; 3] = ["eat", "sleep", "play"];

fn main() -> nix::Result<()> {
    println!("parent {}", getpid());
    // ANCHOR: start
    let mut children = Vec::new();
    for (number, chore) in CHORES.into_iter().enumerate() {
        let _ = std::io::stdout().flush();
        // SAFETY: a single-threaded program (see fork-demo).
        match unsafe { fork() }? {
            ForkResult::Child => {
                println!("{chore}: pid {}, parent {}", getpid(), getppid());
                let _ = std::io::stdout().flush();
                // SAFETY: the child ends here, with its number as exit code.
                unsafe { libc::_exit(number as i32) }
            }
            // The parent only notes the child's pid, and goes on to start
            // the next: all three run at the same time.
            ForkResult::Parent { child } => children.push((child, chore)),
        }
    }
    // ANCHOR_END: start
    // ANCHOR: wait
    for (child, chore) in children {
        match waitpid(child, None)? {
            WaitStatus::Exited(pid, code) => println!("{chore} ({pid}) exited with {code}"),
            WaitStatus::Signaled(pid, signal, _) => println!("{chore} ({pid}) killed by {signal}"),
            other => println!("{chore}: {other:?}"),
        }
    }
    println!("all three chores done");
    // ANCHOR_END: wait
    Ok(())
}
