//! `bank-transfer`: many threads make random transfers between the accounts
//! of one bank, in every direction at once; the total is printed before and
//! after. With a transfer that locks in a global order it always ends, and
//! the two totals agree.

use crate::harness::XorShift;
use crate::kit::ch2::bank_transfer::{Bank, TransferError};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::Duration;

/// `bank-transfer`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// How many threads make transfers.
    #[arg(long, default_value_t = 8)]
    pub threads: usize,
    /// How many transfers each thread makes.
    #[arg(long, default_value_t = 10_000)]
    pub transfers: usize,
    /// How many accounts the bank has (each starts with 1000).
    #[arg(long, default_value_t = 10)]
    pub accounts: usize,
}

/// What each account holds at the start.
pub const START_BALANCE: i64 = 1_000;

pub fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.accounts >= 2, "a transfer needs at least 2 accounts");
    let bank = Bank::new(&vec![START_BALANCE; args.accounts]);
    println!("{} accounts of {START_BALANCE} each", bank.len());
    println!("total before: {}", bank.total());

    // Each thread draws its own reproducible sequence of transfers, and
    // reports each one it finishes on `progress`.
    let (progress, finished) = mpsc::channel();
    let (done, refused) = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..args.threads)
            .map(|index| {
                let (bank, progress) = (&bank, progress.clone());
                scope.spawn(move || {
                    random_transfers(bank, index as u64 + 1, args.transfers, progress)
                })
            })
            .collect();
        // Only the workers hold senders now: when the last one ends, the
        // channel disconnects and the watch is over.
        drop(progress);
        watch_for_a_deadlock(&finished);
        workers
            .into_iter()
            .map(|w| w.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .fold((0, 0), |(d, r), (dw, rw)| (d + dw, r + rw))
    });

    println!(
        "{} threads made {} transfers each: {done} done, {refused} refused (insufficient funds)",
        args.threads, args.transfers
    );
    println!("total after:  {}", bank.total());
    Ok(())
}

/// How long the transfers may all stand still before the program calls it a
/// deadlock. Working threads finish thousands of transfers a second.
pub const STALL: Duration = Duration::from_secs(2);

/// Returns once every worker has finished (every sender of `finished` is
/// gone). If none of them finishes a transfer for [`STALL`], they are
/// waiting on each other's locks: says so and ends the program, instead of
/// hanging forever.
fn watch_for_a_deadlock(finished: &Receiver<()>) {
    let mut count = 0usize;
    loop {
        match finished.recv_timeout(STALL) {
            Ok(()) => count += 1,
            Err(RecvTimeoutError::Disconnected) => return,
            Err(RecvTimeoutError::Timeout) => {
                eprintln!(
                    "bank-transfer: no transfer finished in {} s, after {count}: the threads \
                     are waiting on each other's locks (a deadlock). Lock the two accounts in \
                     one order, the lower number first.",
                    STALL.as_secs()
                );
                std::process::exit(1);
            }
        }
    }
}

/// Makes `count` transfers of 1 to 100 between random accounts (never from
/// an account to itself), reporting each on `finished`; returns how many
/// were done and how many refused for want of funds.
fn random_transfers(bank: &Bank, seed: u64, count: usize, finished: Sender<()>) -> (usize, usize) {
    let mut rng = XorShift::new(seed);
    let (mut done, mut refused) = (0, 0);
    for _ in 0..count {
        let from = rng.index(bank.len());
        // Any account but `from`: draw among the others and skip over it.
        let mut to = rng.index(bank.len() - 1);
        if to >= from {
            to += 1;
        }
        let amount = 1 + rng.below(100) as i64;
        match bank.transfer(from, to, amount) {
            Ok(()) => done += 1,
            Err(TransferError::InsufficientFunds { .. }) => refused += 1,
            Err(e) => panic!("transfer({from}, {to}, {amount}) refused: {e}"),
        }
        // The receiver lives until every worker has ended: this cannot fail.
        let _ = finished.send(());
    }
    (done, refused)
}
