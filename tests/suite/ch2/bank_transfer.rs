//! Tests of the exercise `bank-transfer`: transfers between accounts that
//! each have their own lock, which never deadlock and never lose money
//! (book: ch2/bank-transfer.md).
//!
//! The two classic races are forced, not hoped for: the test freezes an
//! account ([`Bank::freeze`]), starts a transfer that needs it, and waits
//! until the kernel says that the transfer is blocked on that lock
//! ([`wait_until_blocked`]). Then it looks at what the blocked transfer
//! already holds (the lock order), or lets two such transfers go at once
//! (the funds check). Every other call runs under the harness's watchdog:
//! a transfer that deadlocks fails its test after 5 s with "no progress … a
//! deadlock?", instead of hanging the suite. The random transfers come from
//! a seeded [`XorShift`], so a failing run draws the same transfers when run
//! again.

use netkit_tests::harness::liveness::WaitError;
use netkit_tests::harness::{
    Program, Report, Task, Tid, XorShift, spawn_watched, wait_until_blocked, watchdog,
};
use netkit_tests::kit::ch2::bank_transfer::{Bank, TransferError};
use rstest::rstest;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::time::Duration;

/// How long a test may make no progress before it is called a deadlock.
const LIMIT: Duration = Duration::from_secs(5);

/// The balances of every account of `bank`.
fn balances(bank: &Bank) -> Vec<i64> {
    (0..bank.len())
        .map(|i| bank.balance(i).expect("an account below len() exists"))
        .collect()
}

/// What a batch of transfers came to.
#[derive(Debug, Default, Clone, Copy)]
struct Outcome {
    done: usize,
    refused: usize,
}

/// Makes `count` transfers from `pick(rng)` on `bank`; panics on any error
/// other than insufficient funds (the transfers are all valid otherwise).
fn transfers(
    bank: &Bank,
    seed: u64,
    count: usize,
    mut pick: impl FnMut(&mut XorShift) -> (usize, usize, i64),
) -> Outcome {
    let mut rng = XorShift::seeded(seed);
    let mut outcome = Outcome::default();
    for _ in 0..count {
        let (from, to, amount) = pick(&mut rng);
        match bank.transfer(from, to, amount) {
            Ok(()) => outcome.done += 1,
            Err(TransferError::InsufficientFunds { .. }) => outcome.refused += 1,
            Err(e) => panic!(
                "transfer({from}, {to}, {amount}) was refused with {e:?}, but both accounts \
                 exist, differ, and the amount is positive"
            ),
        }
    }
    outcome
}

/// Chooses each transfer of one thread: `(from, to, amount)`.
type Picker = Box<dyn FnMut(&mut XorShift) -> (usize, usize, i64) + Send>;

/// Runs one thread per picker on a shared bank, `count` transfers each, and
/// waits for them all; a panic in one of them fails the test with its own
/// message. The threads start their transfers together (a barrier), so that
/// they really overlap instead of the first being done before the last starts.
fn run_threads(bank: &Arc<Bank>, count: usize, pickers: Vec<Picker>) -> Outcome {
    let start = Arc::new(Barrier::new(pickers.len()));
    let handles: Vec<_> = pickers
        .into_iter()
        .enumerate()
        .map(|(index, pick)| {
            let (bank, start) = (Arc::clone(bank), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                transfers(&bank, index as u64 + 1, count, pick)
            })
        })
        .collect();
    let mut total = Outcome::default();
    for handle in handles {
        let outcome = handle
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        total.done += outcome.done;
        total.refused += outcome.refused;
    }
    total
}

/// Fails unless the bank still holds `expected` in all, with no negative
/// balance, after `what`.
#[track_caller]
fn expect_money_kept(what: &str, before: &[i64], after: &[i64]) {
    let (total_before, total_after) = (before.iter().sum::<i64>(), after.iter().sum::<i64>());
    if total_after != total_before || after.iter().any(|&b| b < 0) {
        Report::sent(what)
            .expected(format!(
                "the total to stay {total_before}, no balance below 0 (before: {before:?})"
            ))
            .got(format!("a total of {total_after}: balances {after:?}"))
            .cause(
                "hold BOTH accounts' locks from the funds check to the deposit: a balance read, \
                 then changed after the lock was released, loses another thread's update",
            )
            .fail();
    }
}

// --- one thread: the contract ------------------------------------------------

#[rstest]
#[case::an_ordinary_transfer(0, 1, 40, [60, 240, 300, 0])]
#[case::to_a_lower_number(2, 0, 5, [105, 200, 295, 0])]
#[case::the_whole_balance(2, 0, 300, [400, 200, 0, 0])]
#[case::into_an_empty_account(1, 3, 1, [100, 199, 300, 1])]
fn a_transfer_moves_the_amount_from_one_account_to_the_other(
    #[case] from: usize,
    #[case] to: usize,
    #[case] amount: i64,
    #[case] expected: [i64; 4],
) {
    let (result, after) = watchdog(LIMIT, "making one transfer", move || {
        let bank = Bank::new(&[100, 200, 300, 0]);
        let result = bank.transfer(from, to, amount);
        (result, balances(&bank))
    });
    if result.is_err() || after != expected {
        Report::sent(format!(
            "transfer({from}, {to}, {amount}) on balances [100, 200, 300, 0]"
        ))
        .expected(format!("Ok(()), then balances {expected:?}"))
        .got(format!("{result:?}, then balances {after:?}"))
        .cause("take the amount from `from` and add it to `to`; a whole balance may be sent")
        .fail();
    }
}

#[rstest]
#[case::an_unknown_source(5, 0, 10, TransferError::UnknownAccount(5))]
#[case::an_unknown_destination(0, 4, 10, TransferError::UnknownAccount(4))]
#[case::both_unknown_the_source_first(7, 9, 10, TransferError::UnknownAccount(7))]
#[case::the_same_account(1, 1, 10, TransferError::SameAccount(1))]
#[case::a_zero_amount(0, 1, 0, TransferError::InvalidAmount(0))]
#[case::a_negative_amount(0, 1, -50, TransferError::InvalidAmount(-50))]
#[case::one_more_than_the_balance(2, 0, 301, TransferError::InsufficientFunds { account: 2, balance: 300, amount: 301 })]
#[case::from_an_empty_account(3, 0, 1, TransferError::InsufficientFunds { account: 3, balance: 0, amount: 1 })]
fn a_bad_transfer_is_refused_and_moves_nothing(
    #[case] from: usize,
    #[case] to: usize,
    #[case] amount: i64,
    #[case] expected: TransferError,
) {
    let start = [100, 200, 300, 0];
    let what = format!("transfer({from}, {to}, {amount}) on balances {start:?}");
    let (result, after) = watchdog(LIMIT, &what, move || {
        let bank = Bank::new(&start);
        let result = bank.transfer(from, to, amount);
        (result, balances(&bank))
    });
    if result.as_ref().err() != Some(&expected) || after != start {
        Report::sent(what)
            .expected(format!("Err({expected:?}), and balances still {start:?}"))
            .got(format!("{result:?}, then balances {after:?}"))
            .cause(match expected {
                TransferError::SameAccount(_) => {
                    "check from == to before locking: locking the same Mutex twice on one \
                     thread never returns"
                }
                TransferError::InsufficientFunds { .. } => {
                    "check the balance with the locks held, and move nothing when it is short"
                }
                _ => "check the amount, then both account numbers, before touching any lock",
            })
            .fail();
    }
}

#[rstest]
#[case::four_accounts(vec![100, 200, 300, 0], 600)]
#[case::one_account(vec![42], 42)]
#[case::no_account(vec![], 0)]
fn total_adds_up_every_balance(#[case] start: Vec<i64>, #[case] expected: i64) {
    let what = format!("total() of a bank with balances {start:?}");
    let got = watchdog(LIMIT, &what, move || Bank::new(&start).total());
    if got != expected {
        Report::sent(what)
            .expected(format!("{expected}"))
            .got(format!("{got}"))
            .cause("lock every account, then add up every balance")
            .fail();
    }
}

// --- forced interleavings: the test freezes an account ------------------------

/// `bank.transfer(from, to, amount)` on a thread of its own, once it is
/// blocked: fails the test when it returns (or panics) instead of waiting
/// for the account the test has frozen.
#[track_caller]
fn blocked_transfer(
    bank: &Arc<Bank>,
    (from, to, amount): (usize, usize, i64),
    did: &str,
) -> Task<Result<(), TransferError>> {
    let shared = Arc::clone(bank);
    let (task, tid) = spawn_watched("Bank::transfer", move || shared.transfer(from, to, amount));
    expect_blocked(
        &task,
        tid,
        did,
        &format!("transfer({from}, {to}, {amount})"),
    );
    task
}

/// Fails the test unless `task` (the call `call`) blocks.
#[track_caller]
fn expect_blocked<T: std::fmt::Debug>(task: &Task<T>, tid: Tid, did: &str, call: &str) {
    match wait_until_blocked(task, tid) {
        Ok(()) => {}
        Err(WaitError::Died(why)) => Report::sent(did)
            .expected(format!(
                "{call} to wait for the account the test has frozen"
            ))
            .got(why.clone())
            .cause("a transfer locks both of its accounts before it checks or moves anything")
            .headline(why)
            .fail(),
        Err(e) => Report::sent(did)
            .expected(format!(
                "{call} to wait for the account the test has frozen"
            ))
            .got(format!("{e}: it neither blocked nor returned"))
            .cause("a transfer locks both of its accounts, and does nothing else that takes time")
            .fail(),
    }
}

#[rstest]
#[case::from_the_higher_to_the_lower(1, 0)]
#[case::from_the_lower_to_the_higher(0, 1)]
fn a_transfer_locks_the_lower_numbered_account_first(#[case] from: usize, #[case] to: usize) {
    // If a transfer 1 -> 0 held account 1 while it waits for account 0, a
    // transfer 0 -> 1 holding 0 would wait for 1: a deadlock. With account 0
    // frozen, a transfer between 0 and 1 must wait holding nothing.
    let bank = Arc::new(Bank::new(&[100, 100]));
    let frozen = bank.freeze(0).expect("account 0 exists");
    let did = format!("froze account 0; then transfer({from}, {to}, 10) on another thread");
    let transfer = blocked_transfer(&bank, (from, to, 10), &did);

    // It is blocked on account 0. Is account 1 free?
    let shared = Arc::clone(&bank);
    let (look, tid) = spawn_watched("Bank::balance(1)", move || shared.balance(1));
    let did = format!("{did}, which waits for account 0; then balance(1)");
    match wait_until_blocked(&look, tid) {
        // It returned: account 1 was free, as it should be.
        Err(WaitError::Died(_)) => {
            look.join();
        }
        Ok(()) => Report::sent(&did)
            .expected("balance(1) to return at once: the waiting transfer holds no lock yet")
            .got(format!(
                "balance(1) blocked: transfer({from}, {to}, 10) holds account 1 while it \
                 waits for account 0"
            ))
            .cause(
                "lock the lower-numbered account first, whatever the direction: a transfer \
                 that locks `from` then `to` deadlocks with one going the other way, each \
                 holding the lock the other waits for",
            )
            .fail(),
        Err(e) => Report::sent(&did)
            .expected("balance(1) to return at once")
            .got(format!("{e}"))
            .cause("lock the lower-numbered account first, whatever the direction")
            .fail(),
    }
    drop(frozen);
    let got = transfer.join();
    let after = balances(&bank);
    let expected = if from == 0 { [90, 110] } else { [110, 90] };
    if got.is_err() || after != expected {
        Report::sent(format!("{did}; then unfroze account 0"))
            .expected(format!("Ok(()), then balances {expected:?}"))
            .got(format!("{got:?}, then balances {after:?}"))
            .cause("once both locks are free, the transfer goes through")
            .fail();
    }
}

#[test]
fn two_withdrawals_that_each_fit_the_balance_are_not_both_made() {
    // Account 2 holds 10, and two transfers of 10 leave it: one to 0, one to
    // 1. The test freezes 0 and 1, so that each transfer stops at its lower
    // account. Had either checked the balance already (before taking the
    // locks), both checks would have seen 10, and both would withdraw.
    let bank = Arc::new(Bank::new(&[0, 0, 10]));
    let frozen = [0, 1].map(|n| bank.freeze(n).expect("accounts 0 and 1 exist"));
    let did = "balances [0, 0, 10]; froze accounts 0 and 1; on two threads, \
               transfer(2, 0, 10) and transfer(2, 1, 10), each waiting for its frozen account";
    let first = blocked_transfer(&bank, (2, 0, 10), did);
    let second = blocked_transfer(&bank, (2, 1, 10), did);
    drop(frozen);
    let got = [first.join(), second.join()];
    let after = balances(&bank);
    let refused = TransferError::InsufficientFunds {
        account: 2,
        balance: 0,
        amount: 10,
    };
    let done = got.iter().filter(|r| r.is_ok()).count();
    let refused_right = got
        .iter()
        .filter(|r| r.as_ref().err() == Some(&refused))
        .count();
    if done != 1 || refused_right != 1 || after.iter().any(|&b| b < 0) {
        Report::sent(format!("{did}; then unfroze both"))
            .expected(format!(
                "one Ok(()) and one Err({refused:?}), and balances [10, 0, 0] or [0, 10, 0]"
            ))
            .got(format!("{got:?}, then balances {after:?}"))
            .cause(
                "check the funds with both locks held, right before the withdrawal: a \
                 balance checked before locking is stale by the time the money moves, and \
                 two withdrawals that each fit make it negative",
            )
            .fail();
    }
}

#[test]
fn total_sees_no_transfer_half_done() {
    // Account 1 frozen: total() stops there, after account 0. Had it read
    // (and let go of) account 0 already, a transfer 2 -> 0 could run now,
    // and total would count those 50 twice over: not at all in account 2,
    // which it reads last, and never in account 0, which it read before.
    let bank = Arc::new(Bank::new(&[100, 200, 300]));
    let frozen = bank.freeze(1).expect("account 1 exists");
    let shared = Arc::clone(&bank);
    let (total, tid) = spawn_watched("Bank::total", move || shared.total());
    let did = "balances [100, 200, 300]; froze account 1; total() on another thread";
    expect_blocked(&total, tid, did, "total()");

    // Now a transfer 2 -> 0, which must wait for total to finish (total
    // holds account 0), or be done before total reads account 2.
    let shared = Arc::clone(&bank);
    let (transfer, tid) = spawn_watched("Bank::transfer", move || shared.transfer(2, 0, 50));
    let transfer_waited = match wait_until_blocked(&transfer, tid) {
        Ok(()) => true,
        Err(WaitError::Died(_)) => false, // done (or panicked: join says)
        Err(e) => Report::sent(format!(
            "{did}, which waits for account 1; then transfer(2, 0, 50)"
        ))
        .expected("the transfer to wait, or to be done")
        .got(format!("{e}"))
        .cause("a transfer locks both of its accounts, and does nothing else that takes time")
        .fail(),
    };
    drop(frozen);
    let (seen, moved) = (total.join(), transfer.join());
    let did = format!(
        "{did}, which waits for account 1; then transfer(2, 0, 50) on a third thread, which \
         {}; then unfroze account 1",
        if transfer_waited {
            "waited"
        } else {
            "was done at once"
        }
    );
    if seen != 600 || moved.is_err() {
        Report::sent(did)
            .expected("total() = 600, and the transfer Ok(())")
            .got(format!("total() = {seen}, and the transfer {moved:?}"))
            .cause(
                "lock every account first, then add: an account read and let go before the \
                 others are locked can be changed by a transfer while total goes on, and the \
                 money it moves is counted twice, or not at all",
            )
            .fail();
    }
}

// --- many threads: no deadlock, no money lost ---------------------------------

#[test]
fn threads_sending_to_each_other_never_deadlock() {
    // The seed's demonstration: Tom (5000) and Abby (8000) send each other
    // money at the same time, over and over; here two threads each way.
    const EACH: usize = 100_000;
    let what = format!("4 threads each made {EACH} transfers, two 0 -> 1 and two 1 -> 0");
    let (before, after, outcome) = watchdog(LIMIT, &what, move || {
        let bank = Arc::new(Bank::new(&[5_000, 8_000]));
        let before = balances(&bank);
        let pickers: Vec<Picker> = vec![
            Box::new(|_| (0, 1, 7)),
            Box::new(|_| (1, 0, 7)),
            Box::new(|_| (0, 1, 3)),
            Box::new(|_| (1, 0, 3)),
        ];
        let outcome = run_threads(&bank, EACH, pickers);
        (before, balances(&bank), outcome)
    });
    expect_money_kept(&what, &before, &after);
    if outcome.done + outcome.refused != 4 * EACH {
        Report::sent(&what)
            .expected(format!("{} transfers done or refused", 4 * EACH))
            .got(format!("{outcome:?}"))
            .cause("every call of transfer returns, Ok or Err: none may be lost")
            .fail();
    }
}

#[test]
fn many_threads_random_transfers_in_both_directions_keep_the_total() {
    const THREADS: usize = 8;
    const EACH: usize = 5_000;
    let what = format!(
        "{THREADS} threads each made {EACH} random transfers of 1 to 50 between 4 accounts"
    );
    let (before, after, outcome) = watchdog(LIMIT, &what, move || {
        let bank = Arc::new(Bank::new(&[1_000; 4]));
        let before = balances(&bank);
        let pickers = (0..THREADS)
            .map(|_| {
                Box::new(|rng: &mut XorShift| {
                    let from = rng.index(4);
                    let to = (from + 1 + rng.index(3)) % 4; // any other account
                    (from, to, 1 + rng.below(50) as i64)
                }) as Picker
            })
            .collect();
        let outcome = run_threads(&bank, EACH, pickers);
        (before, balances(&bank), outcome)
    });
    expect_money_kept(&what, &before, &after);
    if outcome.done == 0 || outcome.done + outcome.refused != THREADS * EACH {
        Report::sent(&what)
            .expected(format!(
                "{} transfers done or refused, some of them done",
                THREADS * EACH
            ))
            .got(format!("{outcome:?}"))
            .cause("every call of transfer returns, and one with the funds is done")
            .fail();
    }
}

#[test]
fn total_never_changes_while_transfers_run() {
    let what = "total() called over and over while 4 threads make random transfers";
    let (start_total, wrong) = watchdog(LIMIT, what, move || {
        let bank = Arc::new(Bank::new(&[500; 6]));
        let start_total = 3_000;
        let finished = Arc::new(AtomicBool::new(false));
        let observer = {
            let (bank, finished) = (Arc::clone(&bank), Arc::clone(&finished));
            std::thread::spawn(move || {
                let mut wrong = Vec::new();
                // At least a few looks, and then until the transfers end.
                let mut looks = 0;
                while looks < 100 || !finished.load(Ordering::Acquire) {
                    let total = bank.total();
                    if total != start_total && wrong.len() < 5 {
                        wrong.push(total);
                    }
                    looks += 1;
                }
                wrong
            })
        };
        let pickers = (0..4)
            .map(|_| {
                Box::new(|rng: &mut XorShift| {
                    let from = rng.index(6);
                    let to = (from + 1 + rng.index(5)) % 6;
                    (from, to, 1 + rng.below(100) as i64)
                }) as Picker
            })
            .collect();
        run_threads(&bank, 30_000, pickers);
        finished.store(true, Ordering::Release);
        let wrong = observer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (start_total, wrong)
    });
    if !wrong.is_empty() {
        Report::sent(what)
            .expected(format!("{start_total} every time"))
            .got(format!("totals {wrong:?}"))
            .cause(
                "lock every account first, then add: reading the balances one lock at a time \
                 sees some transfers half done",
            )
            .fail();
    }
}

// --- the runner's program -----------------------------------------------------

#[test]
fn the_program_prints_the_same_total_before_and_after() {
    let finished = Program::run_ok(&[
        "bank-transfer",
        "--threads",
        "4",
        "--transfers",
        "2000",
        "--accounts",
        "5",
    ]);
    let command = &finished.command_line;
    let total = |prefix: &str| {
        finished
            .stdout
            .iter()
            .find_map(|line| line.strip_prefix(prefix))
            .map(str::trim)
    };
    let (before, after) = (total("total before:"), total("total after:"));
    if before != Some("5000") || after != Some("5000") {
        Report::sent(format!("`{command}` (5 accounts of 1000)"))
            .expected("`total before: 5000` and `total after:  5000`")
            .got(format!("{:?}", finished.stdout))
            .cause("the transfers move money between accounts; they never make or lose any")
            .fail();
    }
}
