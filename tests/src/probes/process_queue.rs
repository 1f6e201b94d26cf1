//! Probes of the exercise `process-queue`: the queue across a real `fork`.
//!
//! Each probe makes a queue, forks writer children, gets in the parent, and
//! prints what it saw; the test judges. Lines:
//!
//! - `got TEXT`: a text message, in the order the parent got it;
//! - `message INDEX LEN ok|differs`: a binary message checked against what
//!   the child put;
//! - `end disconnected` | `end timeout` | `end error TEXT`: how the gets ended
//!   (`timeout`: nothing, not even "disconnected", within [`DRAIN_WAIT`]);
//! - `child exited CODE` | `child killed SIGNAL`: each child's end;
//! - `children N`, `zombies N`: what is left of this process's children.

use super::procfs;
use crate::kit::ch2::process_queue::{self as kit, MAX_MESSAGE, QueueError, Receiver, Sender};
use anyhow::{Context, bail};
use nix::sys::signal::{Signal, raise};
use nix::sys::wait::{WaitStatus, waitpid};
use nix::unistd::{ForkResult, Pid, fork};
use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;

/// How long the parent waits for each message before it calls the queue
/// stuck: far longer than any message takes, far shorter than the harness's
/// limit, so that a hang shows up as `end timeout` with what came before.
pub const DRAIN_WAIT: Duration = Duration::from_secs(5);

/// The capacity of the probes' queues: small, so that writers must wait for
/// the parent's gets, as they would in real use.
const CAPACITY: usize = 4;

/// Runs the probe `process_queue::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match probe {
        "child_puts" => child_puts(number(args, 0)?),
        "child_dies_after" => child_dies_after(number(args, 0)?),
        "binary_messages" => binary_messages(),
        "many_writers" => many_writers(number(args, 0)?, number(args, 1)?, number(args, 2)?),
        _ => Err(super::unknown("process_queue", probe)),
    }
}

/// Argument `index` as a number.
fn number(args: &[String], index: usize) -> anyhow::Result<usize> {
    let Some(text) = args.get(index) else {
        bail!("argument {} is missing", index + 1);
    };
    text.parse()
        .with_context(|| format!("argument {} is not a number: {text:?}", index + 1))
}

/// Forks a child that runs `work` and exits with the code it returns.
///
/// `receiver` is the queue's receiver: the child drops its copy first (a writer keeps
/// only its own half); the parent gets it back untouched.
fn fork_writer(receiver: &mut Option<Receiver>, work: impl FnOnce() -> i32) -> anyhow::Result<Pid> {
    // SAFETY: a probe runs in a fresh, single-threaded process (`netkit
    // probe`): the child is a full copy of the only thread, so no lock in it
    // is held by a thread that did not come along. The child never returns
    // from here: it ends in `_exit`.
    match unsafe { fork() }.context("fork failed")? {
        ForkResult::Child => {
            drop(receiver.take());
            // A panic (a stub's todo!()) must not unwind into the probe's own
            // code and run it twice; its message is on stderr already.
            let code = catch_unwind(AssertUnwindSafe(work)).unwrap_or(101);
            // _exit: no atexit handlers, no second flush of the parent's stdout.
            // SAFETY: _exit ends the process at once; it is always sound.
            unsafe { libc::_exit(code) }
        }
        ForkResult::Parent { child } => Ok(child),
    }
}

/// Makes a queue for the probes.
fn new_queue() -> anyhow::Result<(Sender, Option<Receiver>)> {
    println!(
        "note with both sides waiting, look at the credits and the frames: a put waits for a \
         credit, which the receiver gives back after each get; a get waits until its frame \
         has come whole, and for the end only once every sender is closed"
    );
    let (sender, receiver) = kit::queue(CAPACITY).context("queue(4) failed")?;
    Ok((sender, Some(receiver)))
}

/// Gets until the queue says it is over (or is stuck), passing each message
/// to `each`; prints how it ended.
fn drain(receiver: &mut Receiver, mut each: impl FnMut(Vec<u8>)) {
    loop {
        match receiver.get_timeout(DRAIN_WAIT) {
            Ok(Some(message)) => each(message),
            Ok(None) => {
                println!("end timeout");
                return;
            }
            Err(QueueError::Disconnected) => {
                println!("end disconnected");
                return;
            }
            Err(e) => {
                println!("end error {e}");
                return;
            }
        }
    }
}

/// Reaps `children` and prints how each ended, then what is left.
fn reap_and_count(children: &[Pid]) -> anyhow::Result<()> {
    for &child in children {
        match waitpid(child, None).context("waitpid failed")? {
            WaitStatus::Exited(_, code) => println!("child exited {code}"),
            WaitStatus::Signaled(_, signal, _) => println!("child killed {signal}"),
            other => println!("child other {other:?}"),
        }
    }
    let left = procfs::my_children();
    println!("children {}", left.len());
    println!("zombies {}", left.iter().filter(|p| p.is_zombie()).count());
    Ok(())
}

/// A child puts `message 0` … `message N-1` and exits; the parent prints
/// what it gets.
fn child_puts(count: usize) -> anyhow::Result<()> {
    let (mut sender, mut receiver) = new_queue()?;
    let child = fork_writer(&mut receiver, || {
        for i in 0..count {
            if let Err(e) = sender.put(format!("message {i}").as_bytes()) {
                eprintln!("the child's put number {i} failed: {e}");
                return 2;
            }
        }
        0
    })?;
    // The parent only gets: while it held a sender, the queue would never end.
    drop(sender);
    let mut receiver = receiver.context("the parent keeps the receiver")?;
    drain(&mut receiver, |m| {
        println!("got {}", String::from_utf8_lossy(&m));
    });
    // Gone before the reaping: a child stuck in put then sees ReceiverGone.
    drop(receiver);
    reap_and_count(&[child])
}

/// A child puts `message 0` … `message K-1`, then is killed (SIGKILL) before
/// it puts any more; the parent must see the end, not wait for ever.
fn child_dies_after(count: usize) -> anyhow::Result<()> {
    let (mut sender, mut receiver) = new_queue()?;
    let child = fork_writer(&mut receiver, || {
        for i in 0..count {
            if let Err(e) = sender.put(format!("message {i}").as_bytes()) {
                eprintln!("the child's put number {i} failed: {e}");
                return 2;
            }
        }
        // Die as a crash does: no destructors, no goodbye.
        let _ = raise(Signal::SIGKILL);
        3
    })?;
    drop(sender);
    let mut receiver = receiver.context("the parent keeps the receiver")?;
    drain(&mut receiver, |m| {
        println!("got {}", String::from_utf8_lossy(&m));
    });
    // Gone before the reaping: a child stuck in put then sees ReceiverGone.
    drop(receiver);
    reap_and_count(&[child])
}

/// The messages of [`binary_messages`], the same in both processes.
pub fn binary_payloads() -> Vec<Vec<u8>> {
    let all_bytes: Vec<u8> = (0..=255).collect();
    let pattern = |len: usize, seed: usize| -> Vec<u8> {
        (0..len)
            .map(|j| ((j * 7 + seed * 13) % 251) as u8)
            .collect()
    };
    vec![
        Vec::new(),
        vec![0],
        // Looks like a frame of its own: a length prefix, then "hello".
        b"\x00\x00\x00\x05hello".to_vec(),
        // The seed's end marker, which the framing must not care about.
        b"##".to_vec(),
        all_bytes,
        pattern(300_000, 1),
        pattern(MAX_MESSAGE, 2),
        b"after the big ones".to_vec(),
    ]
}

/// A child puts [`binary_payloads`]; the parent checks each one.
fn binary_messages() -> anyhow::Result<()> {
    let (mut sender, mut receiver) = new_queue()?;
    let child = fork_writer(&mut receiver, || {
        for (i, payload) in binary_payloads().iter().enumerate() {
            if let Err(e) = sender.put(payload) {
                eprintln!("the child's put of message {i} failed: {e}");
                return 2;
            }
        }
        0
    })?;
    drop(sender);
    let mut receiver = receiver.context("the parent keeps the receiver")?;
    let expected = binary_payloads();
    let mut index = 0;
    drain(&mut receiver, |m| {
        let verdict = if expected.get(index) == Some(&m) {
            "ok"
        } else {
            "differs"
        };
        println!("message {index} {} {verdict}", m.len());
        index += 1;
    });
    // Gone before the reaping: a child stuck in put then sees ReceiverGone.
    drop(receiver);
    reap_and_count(&[child])
}

/// The message number `seq` of writer `writer`: a header naming both, then
/// filler that depends on both, `size` bytes in all (at least the header).
pub fn writer_message(writer: usize, seq: usize, size: usize) -> Vec<u8> {
    let mut message = format!("w{writer} n{seq} ").into_bytes();
    let mut j = message.len();
    while message.len() < size {
        message.push(((writer * 31 + seq * 17 + j) % 256) as u8);
        j += 1;
    }
    message
}

/// `writers` children each put `count` messages of `size` bytes at once;
/// the parent checks that every message is whole and each writer's are in
/// order. Prints `received N`, `intact N`, `broken N`, `out_of_order N`.
fn many_writers(writers: usize, count: usize, size: usize) -> anyhow::Result<()> {
    let (mut sender, mut receiver) = new_queue()?;
    let mut children = Vec::new();
    for writer in 0..writers {
        let child = fork_writer(&mut receiver, || {
            for seq in 0..count {
                if let Err(e) = sender.put(&writer_message(writer, seq, size)) {
                    eprintln!("writer {writer}: put number {seq} failed: {e}");
                    return 2;
                }
            }
            0
        })?;
        children.push(child);
    }
    drop(sender);
    let mut receiver = receiver.context("the parent keeps the receiver")?;
    let (mut received, mut intact, mut broken, mut out_of_order) = (0, 0, 0, 0);
    let mut next_seq: HashMap<usize, usize> = HashMap::new();
    drain(&mut receiver, |m| {
        received += 1;
        let header = m.get(..24).map(String::from_utf8_lossy).unwrap_or_default();
        let parsed = header.split(' ').collect::<Vec<_>>();
        let ids = match parsed.as_slice() {
            [w, n, ..] => w
                .strip_prefix('w')
                .and_then(|w| w.parse::<usize>().ok())
                .zip(n.strip_prefix('n').and_then(|n| n.parse::<usize>().ok())),
            _ => None,
        };
        match ids {
            Some((writer, seq)) if m == writer_message(writer, seq, size) => {
                intact += 1;
                let expected = next_seq.entry(writer).or_insert(0);
                if seq != *expected {
                    out_of_order += 1;
                }
                *expected = seq + 1;
            }
            _ => broken += 1,
        }
    });
    println!("received {received}");
    println!("intact {intact}");
    println!("broken {broken}");
    println!("out_of_order {out_of_order}");
    drop(receiver);
    reap_and_count(&children)
}
