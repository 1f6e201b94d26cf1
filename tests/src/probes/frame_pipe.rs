//! Probes of the exercise `frame-pipe`: `gather` across a real `fork`.
//!
//! Each probe calls `gather` with lists of messages it makes itself, checks
//! what came back, and prints it; the test judges. Lines:
//!
//! - `received N`, `intact N`, `broken N`, `out_of_order N` (`many`): the
//!   messages that came back, those equal to a message a child sent, the
//!   others, and those that came before an earlier one of the same child;
//! - `message INDEX LEN ok|differs` (`big`): each message against what the
//!   one child sent;
//! - `result ok` | `result error TEXT`: what `gather` returned;
//! - `children N`, `zombies N`: what is left of this process's children.

use super::procfs;
use crate::kit::ch2::frame_pipe::{self as kit, MAX_MESSAGE};
use anyhow::{Context, bail};
use std::collections::HashMap;

/// Runs the probe `frame_pipe::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    println!(
        "note with every process waiting: does the parent still hold its write end of the \
         pair (then the end of the stream never comes), or does it wait for its children \
         before it reads (then a child that filled the socket's buffer waits for the parent)?"
    );
    match probe {
        "many" => many(number(args, 0)?, number(args, 1)?, number(args, 2)?),
        "big" => big(),
        "failing" => failing(),
        "threaded" => threaded(),
        _ => Err(super::unknown("frame_pipe", probe)),
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

/// Prints what `gather` returned, then what is left of the children.
fn result_and_children<T>(result: &Result<T, kit::GatherError>) {
    match result {
        Ok(_) => println!("result ok"),
        Err(e) => println!("result error {e}"),
    }
    let left = procfs::my_children();
    println!("children {}", left.len());
    println!("zombies {}", left.iter().filter(|p| p.is_zombie()).count());
}

/// Message number `seq` of child `child`: a header naming both, then
/// filler that depends on both, `size` bytes in all (at least the header).
pub fn child_message(child: usize, seq: usize, size: usize) -> Vec<u8> {
    let mut message = format!("c{child} n{seq} ").into_bytes();
    let mut j = message.len();
    while message.len() < size {
        message.push(((child * 31 + seq * 17 + j) % 256) as u8);
        j += 1;
    }
    message
}

/// `children` children each send `count` messages of `size` bytes.
fn many(children: usize, count: usize, size: usize) -> anyhow::Result<()> {
    let lists: Vec<Vec<Vec<u8>>> = (0..children)
        .map(|c| (0..count).map(|n| child_message(c, n, size)).collect())
        .collect();
    let result = kit::gather(&lists);
    let got = result.as_ref().map(Vec::as_slice).unwrap_or(&[]);
    let (mut intact, mut broken, mut out_of_order) = (0, 0, 0);
    let mut next_seq: HashMap<usize, usize> = HashMap::new();
    for m in got {
        let header = m.get(..m.len().min(24)).map(String::from_utf8_lossy);
        let header = header.unwrap_or_default();
        let ids = match header.split(' ').collect::<Vec<_>>().as_slice() {
            [c, n, ..] => c
                .strip_prefix('c')
                .and_then(|c| c.parse::<usize>().ok())
                .zip(n.strip_prefix('n').and_then(|n| n.parse::<usize>().ok())),
            _ => None,
        };
        match ids {
            Some((c, n)) if c < children && n < count && *m == lists[c][n] => {
                intact += 1;
                let expected = next_seq.entry(c).or_insert(0);
                if n != *expected {
                    out_of_order += 1;
                }
                *expected = n + 1;
            }
            _ => broken += 1,
        }
    }
    println!("received {}", got.len());
    println!("intact {intact}");
    println!("broken {broken}");
    println!("out_of_order {out_of_order}");
    result_and_children(&result);
    Ok(())
}

/// The messages of the probe `big`, sent by one child: together far more
/// than a socket's buffer holds.
pub fn big_messages() -> Vec<Vec<u8>> {
    let pattern = |len: usize, seed: usize| -> Vec<u8> {
        (0..len)
            .map(|j| ((j * 7 + seed * 13) % 251) as u8)
            .collect()
    };
    vec![
        pattern(MAX_MESSAGE, 1),
        Vec::new(),
        b"\x00\x00\x00\x05hello".to_vec(),
        pattern(300_000, 2),
        b"the last one".to_vec(),
    ]
}

/// One child sends [`big_messages`].
fn big() -> anyhow::Result<()> {
    let expected = big_messages();
    let result = kit::gather(std::slice::from_ref(&expected));
    if let Ok(got) = &result {
        for (index, m) in got.iter().enumerate() {
            let verdict = if expected.get(index) == Some(m) {
                "ok"
            } else {
                "differs"
            };
            println!("message {index} {} {verdict}", m.len());
        }
    }
    result_and_children(&result);
    Ok(())
}

/// Three children; the first one's message is over MAX_MESSAGE, so its
/// send fails and it exits with 1; the other two send `b` and `c`.
fn failing() -> anyhow::Result<()> {
    let lists = vec![
        vec![vec![b'a'; MAX_MESSAGE + 1]],
        vec![b"b".to_vec()],
        vec![b"c".to_vec()],
    ];
    let result = kit::gather(&lists);
    result_and_children(&result);
    Ok(())
}

/// `gather` called from a process that runs a second thread: `spawn`
/// refuses to fork, and no child may be left behind.
fn threaded() -> anyhow::Result<()> {
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let other = std::thread::spawn(move || {
        let _ = stopped.recv();
    });
    let result = kit::gather(&[vec![b"a".to_vec()], vec![b"b".to_vec()]]);
    drop(stop);
    let _ = other.join();
    result_and_children(&result);
    Ok(())
}
