//! A socket pair (套接字对): a two-way channel between a parent and the child
//! it forks. The parent asks, the child answers, over the same pair. Run it
//! with `cargo xtask run pair-demo`.

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork};
use std::io::{self, BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;

// ANCHOR: pair
fn main() -> io::Result<()> {
    // Two connected sockets: what one writes, the other reads, both ways.
    let (parent_end, child_end) = UnixStream::pair()?;
    // SAFETY: this process has a single thread, so the child is a complete
    // copy of it; the child leaves through `_exit` and never returns here.
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(parent_end);
            let code = match answer_questions(child_end) {
                Ok(()) => 0,
                Err(_) => 1,
            };
            // SAFETY: `_exit` ends the process at once; always sound.
            unsafe { nix::libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(child_end);
            let mut answers = BufReader::new(&parent_end);
            for question in ["2 + 3", "10 + 20"] {
                writeln!(&parent_end, "{question}")?;
                let mut answer = String::new();
                answers.read_line(&mut answer)?;
                println!(
                    "parent asked {question:?}, the child said {:?}",
                    answer.trim()
                );
            }
            // No more questions: closing our end is the child's end of input.
            drop(answers);
            drop(parent_end);
            waitpid(child, None)?;
        }
    }
    Ok(())
}

/// The child's side: one line in, one line out, until the parent closes.
fn answer_questions(stream: UnixStream) -> io::Result<()> {
    let mut writer = &stream;
    for question in BufReader::new(&stream).lines() {
        let question = question?;
        let sum: i64 = question
            .split('+')
            .map(|n| n.trim().parse::<i64>().unwrap_or(0))
            .sum();
        writeln!(writer, "{sum}")?;
    }
    Ok(())
}
// ANCHOR_END: pair
