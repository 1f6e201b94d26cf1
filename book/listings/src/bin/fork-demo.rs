//! The seed's first process example (进程创建示例 01), with `fork`: a child
//! process changes a global variable, and its parent does not see the change.
//! Run it with `cargo xtask run fork-demo`.

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, getpid};
use std::io::Write;
use std::sync::atomic::{AtomicI32, Ordering::SeqCst};

// ANCHOR: global
/// The seed's `a = 1`: a global variable. An atomic, so that it can change
/// without `unsafe`. Threads would share it; processes do not.
static A: AtomicI32 = AtomicI32::new(1);
// ANCHOR_END: global

fn main() -> nix::Result<()> {
    println!("parent {}: a = {}", getpid(), A.load(SeqCst));
    // ANCHOR: fork
    // Whatever sits in stdout's buffer would be copied into the child, and
    // printed twice: write it out first.
    let _ = std::io::stdout().flush();
    // SAFETY: this program runs a single thread, so the child is a complete
    // copy of it (see the book: fork in a program with threads).
    match unsafe { fork() }? {
        ForkResult::Child => {
            // The child: a copy of the parent's memory, `A` included.
            println!("child  {}: a = {}", getpid(), A.load(SeqCst));
            A.store(10000, SeqCst);
            println!("child  {}: a = {} now", getpid(), A.load(SeqCst));
            let _ = std::io::stdout().flush();
            // SAFETY: _exit ends the child here and now: it must not go on
            // to run the parent's code below.
            unsafe { libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            println!(
                "parent {}: started child {child}; my own work here",
                getpid()
            );
            waitpid(child, None)?; // blocks until the child has ended
            println!(
                "parent {}: child {child} ended; a = {}",
                getpid(),
                A.load(SeqCst)
            );
        }
    }
    // ANCHOR_END: fork
    Ok(())
}
