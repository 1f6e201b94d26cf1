//! `reaper`.

use crate::kit::ch2::fork_basics::Exit;
use crate::kit::ch2::reaper::{self, Held};
use crate::probes::procfs;
use nix::unistd::Pid;
use std::collections::VecDeque;
use std::time::Duration;

/// `reaper [--children N]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many children to start, for each of the two styles.
    #[arg(long, default_value_t = 5)]
    pub children: usize,
}

/// How long the polling style may take before it gives up.
const POLLING_LIMIT: Duration = Duration::from_secs(10);

/// Holds N children (child I will exit with code I) and reaps them in both
/// styles: blocking, releasing them last to first, one each time one is
/// reaped; then polling, releasing one child per poll that found none ended.
/// Prints each status as it is reaped, and checks that no child is left.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.children > 255 {
        anyhow::bail!("at most 255 children: child I exits with code I, and codes stop at 255");
    }

    println!(
        "blocking: {} children wait; releasing them last to first",
        args.children
    );
    let mut waiting: VecDeque<Held> = hold(args.children)?.into_iter().rev().collect();
    release_next(&mut waiting)?;
    let mut failed = None;
    let reaped = reaper::reap_blocking(|pid, exit| {
        print_reaped(pid, exit);
        if let Err(e) = release_next(&mut waiting) {
            failed.get_or_insert(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    println!("blocking: reaped {}", reaped.len());

    println!(
        "polling: {} children wait; releasing one per empty poll",
        args.children
    );
    let mut waiting: VecDeque<Held> = hold(args.children)?.into_iter().collect();
    let mut polls = 0;
    let reaped = reaper::reap_polling(POLLING_LIMIT, || {
        polls += 1;
        if let Err(e) = release_next(&mut waiting) {
            failed.get_or_insert(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    for (pid, exit) in &reaped {
        print_reaped(*pid, *exit);
    }
    println!(
        "polling: reaped {} after {polls} polls that found none ended",
        reaped.len()
    );

    let left = procfs::my_children();
    if left.is_empty() {
        println!("no zombies left");
        Ok(())
    } else {
        for p in &left {
            println!("left behind: pid {} state {}", p.pid, p.state);
        }
        anyhow::bail!("{} children were left behind", left.len())
    }
}

/// Holds `count` children; child I will exit with code I.
fn hold(count: usize) -> anyhow::Result<Vec<Held>> {
    let mut held = Vec::with_capacity(count);
    for index in 0..count {
        let child = reaper::hold(index as i32)?;
        println!("  child {index}: pid {} waits", child.pid());
        held.push(child);
    }
    Ok(held)
}

/// Releases the next waiting child, if any.
fn release_next(waiting: &mut VecDeque<Held>) -> anyhow::Result<()> {
    if let Some(child) = waiting.pop_front() {
        let pid = child.pid();
        child.release()?;
        println!("  released {pid}");
    }
    Ok(())
}

fn print_reaped(pid: Pid, exit: Exit) {
    println!("  reaped {pid}: {exit}");
}
