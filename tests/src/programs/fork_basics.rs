//! `fork-basics`.

use crate::kit::ch2::fork_basics::{self, Exit};
use nix::unistd::{getpid, getppid};

/// `fork-basics [--children N]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many children to start.
    #[arg(long, default_value_t = 3)]
    pub children: usize,
}

/// The seed's chores, handed out to the children in turn.
const CHORES: [&str; 3] = ["eat", "sleep", "play"];

/// Starts N children at once; child I prints its pid and its parent's, does
/// a chore, and exits with code I. The parent prints how each one ended.
pub fn run(args: Args) -> anyhow::Result<()> {
    if args.children > 255 {
        anyhow::bail!("at most 255 children: child I exits with code I, and codes stop at 255");
    }
    println!("parent {} starts {} children", getpid(), args.children);
    let jobs: Vec<Box<dyn FnOnce() -> i32>> = (0..args.children)
        .map(|index| {
            let chore = CHORES[index % CHORES.len()];
            // `index` and `chore` are copied into the child with the rest of
            // the parent's memory: that is how arguments reach a child.
            Box::new(move || {
                println!(
                    "child {index}: pid {}, parent {}, chore: {chore}",
                    getpid(),
                    getppid()
                );
                index as i32
            }) as Box<dyn FnOnce() -> i32>
        })
        .collect();
    let ended = fork_basics::run_all(jobs)?;
    let mut failed = 0;
    for (index, (pid, exit)) in ended.iter().enumerate() {
        println!("child {index} (pid {pid}) {exit}");
        if *exit != Exit::Exited(index as i32) {
            failed += 1;
        }
    }
    println!("all {} children reaped", ended.len());
    if failed > 0 {
        anyhow::bail!("{failed} children did not exit with their own number");
    }
    Ok(())
}
