//! The seed's queue example (进程间通信示例, §2.2.5): a parent sends commands
//! to its child through a queue, and the child carries them out. Here the
//! queue is a socket pair with one command per line. The child answers each
//! line, so the parent knows the command was done; `quit` ends the child, and
//! the parent reaps it.
//!
//! Run it with `cargo xtask run process-commands`, or give your own
//! commands: `cargo xtask run process-commands 1 2 hello`. A `quit` is sent
//! after them.

use nix::sys::wait::waitpid;
use nix::unistd::{ForkResult, fork, getpid};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::os::unix::net::UnixStream;
use std::time::Duration;

/// The longest line either side reads, without its `\n`.
const MAX_LINE: usize = 256;

// ANCHOR: main
fn main() -> io::Result<()> {
    let mut commands: Vec<String> = std::env::args().skip(1).collect();
    if commands.is_empty() {
        commands = ["1", "2", "3"].map(String::from).to_vec();
    }
    commands.push("quit".to_string()); // so that the child always ends

    let (parent_end, child_end) = UnixStream::pair()?;
    let _ = io::stdout().flush();
    // SAFETY: this process has a single thread, so the child is a complete
    // copy of it; the child leaves through `_exit` and never returns here.
    match unsafe { fork() }? {
        ForkResult::Child => {
            drop(parent_end);
            let code = match take_commands(child_end) {
                Ok(()) => 0,
                Err(e) => {
                    eprintln!("child: {e}");
                    1
                }
            };
            let _ = io::stdout().flush();
            // SAFETY: `_exit` ends the process at once; always sound.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => {
            drop(child_end);
            // A child that stops answering must not hang us.
            parent_end.set_read_timeout(Some(Duration::from_secs(5)))?;
            let mut replies = BufReader::new(&parent_end);
            for command in &commands {
                if command.contains('\n') {
                    return Err(io::Error::other("a command must fit on one line"));
                }
                writeln!(&parent_end, "{command}")?;
                let reply = read_line(&mut replies)?.ok_or_else(|| {
                    io::Error::other(format!("the child ended before answering {command:?}"))
                })?;
                println!("parent: sent {command:?}, the child answered {reply:?}");
            }
            let status = waitpid(child, None)?;
            println!("parent {}: child {child} ended: {status:?}", getpid());
        }
    }
    Ok(())
}
// ANCHOR_END: main

// ANCHOR: child
/// The child's side: one command a line, carried out, then answered; `quit`
/// (or the parent's end of the stream) ends it.
fn take_commands(stream: UnixStream) -> io::Result<()> {
    let mut commands = BufReader::new(&stream);
    let mut answers = &stream;
    while let Some(command) = read_line(&mut commands)? {
        let reply = match command.as_str() {
            // The seed's two commands: "完成指令1", command 1 done.
            "1" | "2" => {
                println!(
                    "child {}: 完成指令{command} (command {command} done)",
                    getpid()
                );
                "done".to_string()
            }
            "quit" => {
                writeln!(answers, "bye")?;
                return Ok(());
            }
            other => format!("unknown command {other:?}"),
        };
        writeln!(answers, "{reply}")?;
    }
    Ok(()) // the parent closed its end without a `quit`
}
// ANCHOR_END: child

// ANCHOR: read_line
/// Reads one line of at most [`MAX_LINE`] bytes and returns it without its
/// `\n`; `None` at the end of the stream.
fn read_line(reader: &mut impl BufRead) -> io::Result<Option<String>> {
    let mut line = Vec::new();
    let limit = MAX_LINE as u64 + 1;
    let n = reader.take(limit).read_until(b'\n', &mut line)?;
    if n == 0 {
        return Ok(None);
    }
    if line.pop() != Some(b'\n') {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            "a line too long, or cut short by the end of the stream",
        ));
    }
    String::from_utf8(line)
        .map(Some)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "a line that is not UTF-8"))
}
// ANCHOR_END: read_line
