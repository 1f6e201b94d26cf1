//! A parent and a forked child: first proof that they do not share memory,
//! then a pipe (管道) that carries lines from the child to the parent. Run it
//! with `cargo xtask run pipe-demo`.
//!
//! `fork` is only sound here because this program has one thread when it
//! calls it (see the SAFETY comments); each child ends with `_exit`, so that
//! it never runs the parent's code after its own part.

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};
use std::io::{self, BufRead, BufReader, Write};

fn main() -> io::Result<()> {
    separate_memory()?;
    pipe_from_child()?;
    Ok(())
}

// ANCHOR: memory
/// The child changes a variable; the parent's copy does not change.
fn separate_memory() -> io::Result<()> {
    let mut counter = 1;
    // SAFETY: this process has a single thread, so the child is a complete
    // copy of it; the child leaves through `_exit` and never returns here.
    match unsafe { fork() }? {
        ForkResult::Child => {
            counter += 100;
            println!("child:  counter = {counter}");
            // SAFETY: `_exit` ends the process at once; always sound.
            unsafe { nix::libc::_exit(0) }
        }
        ForkResult::Parent { child } => {
            waitpid(child, None)?; // the child has printed and ended
            println!("parent: counter = {counter}");
        }
    }
    Ok(())
}
// ANCHOR_END: memory

// ANCHOR: pipe
/// The child writes three lines into a pipe; the parent reads until the end.
fn pipe_from_child() -> io::Result<()> {
    // Made before the fork, so that both processes hold both ends.
    let (reader, mut writer) = io::pipe()?;
    // SAFETY: as above: one thread, and the child ends in `_exit`.
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(reader); // the child only writes
            // Each line is one write of far less than PIPE_BUF (4096 bytes):
            // the kernel keeps it whole, even if other processes write too.
            let wrote = (1..=3).try_for_each(|n| writeln!(writer, "line {n} from the child"));
            drop(writer); // our write end closes here
            // SAFETY: as above.
            unsafe { nix::libc::_exit(if wrote.is_ok() { 0 } else { 1 }) }
        }
        ForkResult::Parent { child } => {
            // Close our own write end first: the reader sees the end of the
            // pipe only when *every* write end is closed, ours included.
            drop(writer);
            for line in BufReader::new(reader).lines() {
                println!("parent got: {}", line?);
            }
            println!("parent: end of pipe (every write end is closed)");
            waitpid(child, None)?;
        }
    }
    Ok(())
}
// ANCHOR_END: pipe
