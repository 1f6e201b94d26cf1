//! Probes of the exercise `mixed-model`: the probe process is the
//! supervisor, and the workers run a body written here (the harness's, not
//! the exercise's), so that the tests see the supervisor alone.

use super::procfs;
use crate::kit::ch5::mixed_model as kit;
use anyhow::{Context, bail};
use std::io::Write;
use std::net::TcpListener;
use std::os::fd::AsRawFd;

/// Runs the probe `mixed_model::PROBE`.
///
/// `mixed_model::supervise WORKERS [BODY]`: binds 127.0.0.1:0, prints
/// `listening on ADDR`, `supervisor PID` (its own) and `listener inode N`
/// (the socket's inode, as `/proc/PID/fd` shows it: `socket:[N]`), then
/// calls `supervise(listener, WORKERS, body)`. The body accepts connections
/// one at a time, writes `pid N\n` (its own pid) to each and closes it.
/// BODY is `serve` (for ever, the default), `exit-after-K` (returns Ok after
/// K connections) or `panic` (panics at once). When `supervise` returns, it
/// prints `result ok` or `result error MESSAGE`, then `left N`: the children
/// still there (zombies included) that `supervise` did not reap.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    match (probe, args) {
        ("supervise", [workers, rest @ ..]) if rest.len() <= 1 => {
            let workers: usize = workers.parse().context("WORKERS is a number")?;
            let body = match rest.first().map(String::as_str) {
                None | Some("serve") => Body::Serve(None),
                Some("panic") => Body::Panic,
                Some(other) => match other.strip_prefix("exit-after-") {
                    Some(k) => Body::Serve(Some(k.parse().context("K is a number")?)),
                    None => bail!("no body {other:?}: serve, exit-after-K or panic"),
                },
            };
            supervise(workers, body)
        }
        ("supervise", _) => {
            bail!("usage: mixed_model::supervise WORKERS [serve|exit-after-K|panic]")
        }
        _ => Err(super::unknown("mixed_model", probe)),
    }
}

/// What each worker does.
#[derive(Debug, Clone, Copy)]
enum Body {
    /// Answers connections; returns Ok after this many, if set.
    Serve(Option<u64>),
    Panic,
}

fn supervise(workers: usize, body: Body) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").context("binding 127.0.0.1:0")?;
    let inode = std::fs::read_link(format!("/proc/self/fd/{}", listener.as_raw_fd()))
        .context("reading the listener's fd link")?;
    let inode = inode.to_string_lossy();
    let inode = inode
        .strip_prefix("socket:[")
        .and_then(|s| s.strip_suffix(']'))
        .unwrap_or("?");
    {
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {}", listener.local_addr()?)?;
        writeln!(out, "supervisor {}", std::process::id())?;
        writeln!(out, "listener inode {inode}")?;
        out.flush()?;
    }
    let result = kit::supervise(listener, workers, move |l| work(l, body));
    match result {
        Ok(()) => println!("result ok"),
        Err(e) => println!("result error {e}"),
    }
    println!("left {}", procfs::my_children().len());
    Ok(())
}

/// The worker's body: a blocking accept loop, `pid N\n` to each client.
fn work(listener: TcpListener, body: Body) -> std::io::Result<()> {
    let limit = match body {
        Body::Panic => panic!("mixed_model probe: this worker panics at once, as asked"),
        Body::Serve(limit) => limit,
    };
    let me = std::process::id();
    let mut served = 0;
    loop {
        if limit.is_some_and(|k| served >= k) {
            return Ok(());
        }
        let (mut stream, _) = listener.accept()?;
        // A client that left early costs only its answer.
        let _ = stream.write_all(format!("pid {me}\n").as_bytes());
        served += 1;
    }
}
