//! Tests of the exercise `alternate`: two threads taking turns, and the
//! seed's `1 2 A 3 4 B … 51 52 Z` (book: ch2/alternate.md).
//!
//! `take_turns` gets closures written by the test, which record who ran,
//! in which round, and on which thread: so the test sees the order and the
//! threads for itself. Everything runs under the watchdog, since the classic
//! mistake here is two threads each waiting for the other's turn.

use netkit_tests::harness::{Program, Report, watchdog};
use netkit_tests::kit::ch2::alternate as kit;
use rstest::rstest;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::thread::{self, ThreadId};
use std::time::Duration;

/// A bound on one call: a thousand turns take milliseconds, and two threads
/// each waiting for the other's turn are told within it.
const LIMIT: Duration = Duration::from_secs(3);

/// Which closure ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    First,
    Second,
}

/// One call of a closure: which one, which round, on which thread.
#[derive(Debug, Clone, Copy)]
struct Call {
    side: Side,
    round: usize,
    thread: ThreadId,
}

/// Calls `take_turns(rounds, …)` with closures that record every call, and
/// returns the calls in the order they happened, and the calling thread.
#[track_caller]
fn record_turns(rounds: usize) -> (Vec<Call>, ThreadId) {
    watchdog(LIMIT, &format!("take_turns({rounds}, …)"), move || {
        let calls = Mutex::new(Vec::new());
        let record = |side, round| {
            calls.lock().unwrap().push(Call {
                side,
                round,
                thread: thread::current().id(),
            })
        };
        kit::take_turns(
            rounds,
            |round| record(Side::First, round),
            |round| record(Side::Second, round),
        );
        (calls.into_inner().unwrap(), thread::current().id())
    })
}

/// The calls a correct `take_turns(rounds, …)` makes, in order.
fn strict_alternation(rounds: usize) -> Vec<(Side, usize)> {
    (0..rounds)
        .flat_map(|round| [(Side::First, round), (Side::Second, round)])
        .collect()
}

/// The seed's sequence, built independently of the code under test.
fn expected_sequence() -> Vec<String> {
    let mut items = Vec::new();
    for (round, letter) in ('A'..='Z').enumerate() {
        items.push((2 * round + 1).to_string());
        items.push((2 * round + 2).to_string());
        items.push(letter.to_string());
    }
    items
}

// --- take_turns ----------------------------------------------------------------

#[rstest]
#[case::no_rounds(0)]
#[case::one_round(1)]
#[case::two_rounds(2)]
#[case::the_seeds_26_rounds(26)]
#[case::a_thousand_rounds(1000)]
fn take_turns_alternates_strictly(#[case] rounds: usize) {
    for run in 0..20 {
        let (calls, _) = record_turns(rounds);
        let got: Vec<(Side, usize)> = calls.iter().map(|c| (c.side, c.round)).collect();
        let expected = strict_alternation(rounds);
        if got != expected {
            let first_difference = got
                .iter()
                .zip(&expected)
                .position(|(g, e)| g != e)
                .unwrap_or(got.len().min(expected.len()));
            Report::sent(format!(
                "take_turns({rounds}, first, second), run {}",
                run + 1
            ))
            .expected(format!(
                "{} calls: (First, 0), (Second, 0), (First, 1), …",
                expected.len()
            ))
            .got(format!(
                "{} calls, differing from call {first_difference} on: {:?}",
                got.len(),
                &got[first_difference..got.len().min(first_difference + 6)]
            ))
            .cause(
                "a thread must wait for its turn before each call, and hand the turn \
                     over only after the call has returned",
            )
            .fail();
        }
    }
}

#[test]
fn take_turns_runs_each_closure_on_a_thread_of_its_own() {
    let (calls, caller) = record_turns(10);
    let threads_of = |side| -> Vec<ThreadId> {
        calls
            .iter()
            .filter(|c| c.side == side)
            .map(|c| c.thread)
            .collect()
    };
    let (first, second) = (threads_of(Side::First), threads_of(Side::Second));
    if first.len() != 10 || second.len() != 10 {
        Report::sent("take_turns(10, first, second)")
            .expected("10 calls of `first` and 10 of `second`")
            .got(format!(
                "{} calls of `first` and {} of `second`",
                first.len(),
                second.len()
            ))
            .cause("each closure is called once per round, for every round")
            .fail();
    }
    let one_thread = |threads: &[ThreadId]| threads.iter().all(|t| *t == threads[0]);
    if !one_thread(&first) || !one_thread(&second) {
        Report::sent("take_turns(10, …), recording thread::current().id() in each call")
            .expected("every call of `first` on one thread, every call of `second` on one thread")
            .got(format!("first on {first:?}; second on {second:?}"))
            .cause("start one thread per closure, once, and let it play all its rounds")
            .fail();
    }
    if first[0] == second[0] || first[0] == caller || second[0] == caller {
        Report::sent("take_turns(10, …), recording thread::current().id() in each call")
            .expected(format!(
                "two threads, different from each other and from the caller ({caller:?})"
            ))
            .got(format!(
                "first on {:?}, second on {:?}",
                first[0], second[0]
            ))
            .cause("each closure runs on a new thread of its own, not on the caller's")
            .fail();
    }
}

#[rstest]
#[case::first_in_round_0(Side::First, 0)]
#[case::second_in_round_0(Side::Second, 0)]
#[case::first_in_round_3(Side::First, 3)]
#[case::second_in_round_3(Side::Second, 3)]
fn take_turns_panics_instead_of_hanging_when_a_closure_panics(
    #[case] dies: Side,
    #[case] in_round: usize,
) {
    let what = format!("take_turns(10, …) whose {dies:?} closure panics in round {in_round}");
    let (outcome, calls) = watchdog(LIMIT, &what, move || {
        let calls = Mutex::new(Vec::new());
        let play = |side: Side, round: usize| {
            if side == dies && round == in_round {
                panic!("boom: the test's closure panics on purpose");
            }
            calls
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push((side, round));
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            kit::take_turns(
                10,
                |round| play(Side::First, round),
                |round| play(Side::Second, round),
            )
        }));
        let calls = calls.into_inner().unwrap_or_else(|p| p.into_inner());
        (outcome, calls)
    });

    let Err(payload) = outcome else {
        Report::sent(&what)
            .expected("take_turns to panic too, once both threads have stopped")
            .got("it returned normally")
            .cause("a panic in a thread must reach the caller: leaving thread::scope does that")
            .fail()
    };
    let message = netkit_tests::harness::server::panic_text(&*payload);
    if !message.contains("boom") && !message.contains("a scoped thread panicked") {
        Report::sent(&what)
            .expected("a panic that passes on the closure's (\"boom: …\", or thread::scope's \"a scoped thread panicked\")")
            .got(format!("the panic {message:?}"))
            .cause("take_turns itself panicked, before or instead of calling the closures")
            .fail();
    }
    // Every call before the fatal one, and none after it.
    let mut expected = strict_alternation(10);
    let fatal = expected
        .iter()
        .position(|&call| call == (dies, in_round))
        .expect("the fatal call is one of the rounds");
    expected.truncate(fatal);
    if calls != expected {
        Report::sent(&what)
            .expected(format!(
                "the {fatal} calls before the panic, in turn, and no more"
            ))
            .got(format!("{calls:?}"))
            .cause("after a panic, the other side's turn never comes: it must stop, not play on")
            .fail();
    }
}

// --- alternate ------------------------------------------------------------------

#[test]
fn the_sequence_is_two_numbers_then_a_letter() {
    let got = watchdog(LIMIT, "alternate()", kit::alternate);
    let expected = expected_sequence();
    if got != expected {
        Report::sent("alternate()")
            .expected(format!("{} items: {}", expected.len(), expected.join(" ")))
            .got(format!("{} items: {}", got.len(), got.join(" ")))
            .cause(
                "26 rounds; in round r the first closure prints 2r+1 and 2r+2, the second \
                 the letter LETTERS[r]",
            )
            .fail();
    }
}

#[test]
fn the_sequence_is_exact_in_every_one_of_200_runs() {
    let expected = expected_sequence();
    for run in 0..200 {
        let got = watchdog(
            LIMIT,
            &format!("alternate(), run {}", run + 1),
            kit::alternate,
        );
        if got != expected {
            Report::sent(format!("alternate(), run {} of 200", run + 1))
                .expected(expected.join(" "))
                .got(got.join(" "))
                .cause(
                    "the order must not depend on the scheduler: each thread waits for its \
                     turn before it prints, and hands the turn over only after",
                )
                .fail();
        }
    }
}

// --- the runner's program ------------------------------------------------------------

#[test]
fn the_program_prints_the_sequence_on_one_line() {
    let program = Program::start(&["alternate"]);
    let finished = program.finish();
    let expected = expected_sequence().join(" ");
    if !finished.status.success() || finished.stdout != [expected.clone()] {
        Report::sent("`netkit alternate`")
            .expected(format!("exit status 0 and one line: {expected}"))
            .got(format!(
                "{} and {:?}; stderr: {}",
                finished.status, finished.stdout, finished.stderr
            ))
            .cause("the program prints alternate()'s items, separated by spaces")
            .fail();
    }
}
