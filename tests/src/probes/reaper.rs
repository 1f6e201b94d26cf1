//! Probes of the exercise `reaper`.
//!
//! Children are started with the exercise's `hold`, so the probe decides when
//! each one ends: no sleeps. A child SPEC is an exit code (`3`), or `kill`
//! for a child that the probe kills with SIGKILL instead of releasing it.
//! Every probe prints `probe_pid PID` first and `children N` last (the
//! children left behind, zombies included).

use super::fork_basics::show_exit;
use super::procfs;
use crate::kit::ch2::fork_basics::{self as fork, Exit};
use crate::kit::ch2::reaper::{self as kit, Held, ReapError};
use anyhow::{Context, bail};
use nix::sys::signal::{Signal, kill};
use nix::sys::wait::{Id, WaitPidFlag, waitid};
use nix::unistd::{Pid, getpid};
use std::collections::VecDeque;
use std::time::Duration;

/// Runs the probe `reaper::PROBE`.
pub fn run(probe: &str, args: &[String]) -> anyhow::Result<()> {
    println!("probe_pid {}", getpid());
    match (probe, args) {
        ("blocking", [specs, order]) => blocking(&parse_specs(specs)?, &parse_order(order)?)?,
        ("polling", [specs, order]) => polling(&parse_specs(specs)?, &parse_order(order)?)?,
        ("polling_limit", []) => polling_limit()?,
        ("zombie", []) => zombie()?,
        ("orphan", []) => orphan()?,
        ("blocking" | "polling", _) => bail!("usage: reaper::{probe} SPEC,SPEC,… I,I,…"),
        _ => return Err(super::unknown("reaper", probe)),
    }
    println!("children {}", procfs::my_children().len());
    Ok(())
}

/// What the probe does to one held child when its turn comes.
#[derive(Debug, Clone, Copy)]
enum Spec {
    /// Release it: it exits with this code.
    Code(i32),
    /// Kill it with SIGKILL.
    Kill,
}

fn parse_specs(text: &str) -> anyhow::Result<Vec<Spec>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| match s {
            "kill" => Ok(Spec::Kill),
            code => Ok(Spec::Code(
                code.parse().with_context(|| format!("bad spec {s:?}"))?,
            )),
        })
        .collect()
}

fn parse_order(text: &str) -> anyhow::Result<Vec<usize>> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().with_context(|| format!("bad index {s:?}")))
        .collect()
}

/// Children held, and the order in which the probe ends them.
struct Family {
    held: Vec<Option<(Held, Spec)>>,
    order: VecDeque<usize>,
}

impl Family {
    /// Holds one child per spec (`child I PID` each).
    fn hold(specs: &[Spec], order: &[usize]) -> anyhow::Result<Family> {
        let mut held = Vec::new();
        for (index, spec) in specs.iter().enumerate() {
            let code = match spec {
                Spec::Code(code) => *code,
                Spec::Kill => 0,
            };
            let child = kit::hold(code)?;
            println!("child {index} {}", child.pid());
            held.push(Some((child, *spec)));
        }
        if order.len() != specs.len() || order.iter().any(|&i| i >= specs.len()) {
            bail!(
                "the order {order:?} does not name each of {} children",
                specs.len()
            );
        }
        Ok(Family {
            held,
            order: order.iter().copied().collect(),
        })
    }

    /// Ends the next child in the order, if any is left.
    fn end_next(&mut self) {
        let Some(index) = self.order.pop_front() else {
            return;
        };
        let Some((child, spec)) = self.held[index].take() else {
            return;
        };
        let ended = match spec {
            Spec::Code(_) => child.release().map_err(|e| e.to_string()),
            Spec::Kill => kill(child.pid(), Signal::SIGKILL).map_err(|e| e.to_string()),
        };
        if let Err(e) = ended {
            println!("end_error {index} {e}");
        }
    }
}

fn print_all(key: &str, statuses: &[(Pid, Exit)]) {
    for (pid, exit) in statuses {
        println!("{key} {pid} {}", show_exit(exit));
    }
}

/// `blocking SPECS ORDER`: ends the first child in ORDER, then calls
/// `reap_blocking`, ending the next child each time one is reaped: only one
/// child can end at a time, so the reap order is the order given. Prints
/// `reaped PID EXIT` from the callback and `returned PID EXIT` from the result.
fn blocking(specs: &[Spec], order: &[usize]) -> anyhow::Result<()> {
    let mut family = Family::hold(specs, order)?;
    // A reap_blocking that never calls on_reaped leaves the others waiting,
    // and the probe hangs.
    println!(
        "note the next child ends only when on_reaped reports one: a reap_blocking that \
         reaps a child without reporting it (one killed by a signal, say: \
         WaitStatus::Signaled) leaves the others waiting for ever"
    );
    family.end_next();
    let returned = kit::reap_blocking(|pid, exit| {
        println!("reaped {pid} {}", show_exit(&exit));
        family.end_next();
    })?;
    print_all("returned", &returned);
    Ok(())
}

/// `polling SPECS ORDER`: calls `reap_polling` (limit 8 s: only a bound for
/// a loaded machine, below the harness's 10 s); each call of `between` ends
/// the next child in ORDER. Prints `returned PID EXIT` and `between N`, the
/// number of calls.
fn polling(specs: &[Spec], order: &[usize]) -> anyhow::Result<()> {
    let mut family = Family::hold(specs, order)?;
    let mut calls = 0;
    // Children end only from `between`: a reap_polling that blocks in waitpid
    // never gets there, and the probe hangs (seen at once as a deadlock).
    println!(
        "note children end only when between() is called: a reap_polling that blocks in \
         waitpid (no WNOHANG) never calls it"
    );
    let returned = kit::reap_polling(Duration::from_secs(8), || {
        calls += 1;
        family.end_next();
    })?;
    print_all("returned", &returned);
    println!("between {calls}");
    Ok(())
}

/// How many calls of `between` after the limit has passed make `polling_limit`
/// give up on a `reap_polling` that ignores its limit. A poll that checks the
/// clock each time calls it at most once after the limit; one that counts
/// polls instead of the time is late by a few calls.
pub const LATE_POLLS: u32 = 500;

/// `polling_limit`: two held children (codes 4 and 5); child 0 is released
/// first, child 1 not, and `reap_polling` gets 100 ms. Prints `timed_out`
/// and `early PID EXIT` for what the error kept (or `finished`/`error …`),
/// then releases child 1, reaps with `reap_blocking`: `late PID EXIT`.
///
/// A `reap_polling` that still calls `between` [`LATE_POLLS`] times after the
/// limit has passed would poll for ever: the probe prints `overran N` and
/// stops it (a panic from `between`), rather than wait out the harness.
fn polling_limit() -> anyhow::Result<()> {
    let first = kit::hold(4)?;
    let second = kit::hold(5)?;
    println!("child 0 {}", first.pid());
    println!("child 1 {}", second.pid());
    first.release().context("releasing child 0")?;
    let limit = Duration::from_millis(100);
    let started = std::time::Instant::now();
    let mut late = 0;
    let outcome = kit::reap_polling(limit, || {
        if started.elapsed() > limit {
            late += 1;
            if late == LATE_POLLS {
                println!("overran {late}");
                panic!(
                    "reap_polling({limit:?}) still polled {late} times after its limit had passed"
                );
            }
        }
    });
    match outcome {
        Err(ReapError::TimedOut { reaped, .. }) => {
            println!("timed_out");
            print_all("early", &reaped);
        }
        Ok(reaped) => {
            println!("finished");
            print_all("early", &reaped);
        }
        Err(e) => println!("error {e}"),
    }
    second.release().context("releasing child 1")?;
    let late = kit::reap_blocking(|_, _| {})?;
    print_all("late", &late);
    Ok(())
}

/// `zombie`: a child returns 7; `waitid(WNOWAIT)` waits until it has exited
/// *without* reaping it, so it is now a zombie: prints `before STATE` (its
/// state in /proc), then reaps it with `wait_for` (`status EXIT`) and prints
/// `after STATE`, or `after gone`.
fn zombie() -> anyhow::Result<()> {
    let pid = fork::spawn(|| 7)?;
    println!("child {pid}");
    waitid(Id::Pid(pid), WaitPidFlag::WEXITED | WaitPidFlag::WNOWAIT)
        .context("waitid(WNOWAIT) for the child")?;
    let state = |pid: Pid| match procfs::read(pid.as_raw()) {
        Some(p) => p.state.to_string(),
        None => "gone".to_string(),
    };
    println!("before {}", state(pid));
    let exit = fork::wait_for(pid)?;
    println!("status {}", show_exit(&exit));
    println!("after {}", state(pid));
    Ok(())
}

/// `orphan`: a child starts a grandchild (waiting on a pipe of the probe's)
/// and exits without waiting for it. Once the child is reaped, the orphaned
/// grandchild has been adopted by the probe (a child subreaper, as init
/// would): prints `child PID`, `adopted PID PPID STATE` for each child the
/// probe now has, then releases the grandchild (it exits with 5) and reaps it
/// with `reap_blocking`: `reaped PID EXIT`.
fn orphan() -> anyhow::Result<()> {
    let (read_end, write_end) = nix::unistd::pipe().context("creating a pipe")?;
    let child = fork::spawn(move || {
        let grandchild = fork::spawn(move || {
            let mut word = [0u8; 1];
            match nix::unistd::read(&read_end, &mut word) {
                Ok(1) => 5,
                _ => 1,
            }
        });
        // Exit at once, without waiting for the grandchild: it is orphaned.
        if grandchild.is_ok() { 0 } else { 1 }
    })?;
    println!("child {child}");
    let exit = fork::wait_for(child)?;
    println!("child_status {}", show_exit(&exit));
    for p in procfs::my_children() {
        println!("adopted {} {} {}", p.pid, p.ppid, p.state);
    }
    nix::unistd::write(&write_end, b"!").context("releasing the grandchild")?;
    let reaped = kit::reap_blocking(|_, _| {})?;
    print_all("reaped", &reaped);
    Ok(())
}
