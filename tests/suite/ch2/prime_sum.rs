//! Tests of the exercise `prime-sum`: the sum of the primes below a limit,
//! sequentially and over worker processes (book: ch2/prime-sum.md).
//!
//! First the pure parts (`is_prime`, `prime_sum`, `split_range`), then the
//! processes, which fork and so run in probes (`netkit probe prime_sum::…`,
//! a fresh single-threaded process), and last the runner's program.

use super::oracle::sieve_sum;
use netkit_tests::harness::{Program, Report, STEP, probe, wait_for};
use netkit_tests::kit::ch2::prime_sum as kit;
use netkit_tests::probes::procfs;
use rstest::rstest;
use std::ops::Range;

/// The sums of the primes below 10, 100, … 100 000, known by heart (the last
/// is the seed's exercise).
const KNOWN_SUMS: [(u64, u64); 6] = [
    (10, 17),
    (100, 1_060),
    (1_000, 76_127),
    (10_000, 5_736_396),
    (100_000, 454_396_537),
    (0, 0),
];

/// The sum of the primes below `limit`, from the table, for the tests of the
/// processes (the probe's answer is compared with it, not with the kit's own
/// sequential sum, which might be wrong the same way).
fn known_sum(limit: u64) -> u64 {
    match KNOWN_SUMS.iter().find(|(l, _)| *l == limit) {
        Some((_, sum)) => *sum,
        None => sieve_sum(limit),
    }
}

// --- is_prime, prime_sum: no processes --------------------------------------

#[rstest]
#[case::zero(0, false)]
#[case::one(1, false)]
#[case::two_the_only_even_prime(2, true)]
#[case::three(3, true)]
#[case::four(4, false)]
#[case::nine_a_square(9, false)]
#[case::twenty_five_a_square(25, false)]
#[case::ninety_seven(97, true)]
#[case::a_hundred(100, false)]
#[case::mersenne_2_pow_31_minus_1(2_147_483_647, true)]
#[case::three_times_715_827_883(2_147_483_649, false)]
#[case::the_square_of_the_prime_1_000_003(1_000_003 * 1_000_003, false)]
#[case::the_largest_prime_below_10_pow_12(999_999_999_989, true)]
#[case::u64_max(u64::MAX, false)]
fn is_prime_knows_primes_from_composites(#[case] n: u64, #[case] expected: bool) {
    let got = kit::is_prime(n);
    if got != expected {
        Report::sent(format!("is_prime({n})"))
            .expected(format!("{expected}"))
            .got(format!("{got}"))
            .cause(match (n, expected) {
                (0 | 1, _) => "0 and 1 are not primes: a prime is greater than 1",
                (2, _) => "2 is a prime: its only divisors are 1 and 2",
                (_, false) if n.isqrt() * n.isqrt() == n => {
                    "a square: try divisors up to AND including the square root (<=, not <)"
                }
                (_, true) => "a prime has no divisor between 2 and its square root",
                _ => "try every divisor up to the square root",
            })
            .fail();
    }
}

#[rstest]
#[case::below_10(0..10, 17)]
#[case::below_100(0..100, 1_060)]
#[case::below_100_000_the_seeds_exercise(0..100_000, 454_396_537)]
#[case::empty(5..5, 0)]
#[case::nothing_below_2(0..2, 0)]
#[case::from_10_to_20(10..20, 11 + 13 + 17 + 19)]
#[case::the_end_is_excluded(2..7, 2 + 3 + 5)]
fn prime_sum_adds_the_primes_of_a_range(#[case] range: Range<u64>, #[case] expected: u64) {
    let got = kit::prime_sum(range.clone());
    if got != expected {
        Report::sent(format!("prime_sum({range:?})"))
            .expected(format!("{expected}"))
            .got(format!("{got}"))
            .cause("the start is included and the end excluded, as in any Rust range")
            .fail();
    }
}

// --- split_range: even parts, no gap, no overlap ----------------------------

#[rstest]
#[case::one_part(10, 1, vec![0..10])]
#[case::two_even_parts(10, 2, vec![0..5, 5..10])]
#[case::the_first_part_is_longer(10, 3, vec![0..4, 4..7, 7..10])]
#[case::the_first_two_are_longer(11, 3, vec![0..4, 4..8, 8..11])]
#[case::the_seeds_four_parts(100_000, 4, vec![0..25_000, 25_000..50_000, 50_000..75_000, 75_000..100_000])]
#[case::limit_0(0, 3, vec![0..0, 0..0, 0..0])]
#[case::limit_1(1, 2, vec![0..1, 1..1])]
#[case::limit_2(2, 2, vec![0..1, 1..2])]
#[case::limit_smaller_than_the_parts(2, 4, vec![0..1, 1..2, 2..2, 2..2])]
#[case::no_parts(10, 0, vec![])]
fn split_range_cuts_even_parts(
    #[case] limit: u64,
    #[case] parts: usize,
    #[case] expected: Vec<Range<u64>>,
) {
    let got = kit::split_range(limit, parts);
    if got != expected {
        Report::sent(format!("split_range({limit}, {parts})"))
            .expected(format!("{expected:?}"))
            .got(format!("{got:?}"))
            .cause(
                "exactly `parts` ranges, each starting where the one before ended; the first \
                 `limit % parts` of them one number longer than `limit / parts`",
            )
            .fail();
    }
}

#[test]
fn split_range_covers_every_number_once_for_many_sizes() {
    for limit in (0..40).chain([99_999, 100_000, 100_001]) {
        for parts in 1..=9 {
            let ranges = kit::split_range(limit, parts);
            let sent = format!("split_range({limit}, {parts})");
            let lens: Vec<u64> = ranges.iter().map(|r| r.end - r.start).collect();
            let problem = if ranges.len() != parts {
                Some(format!("{} ranges, not {parts}", ranges.len()))
            } else if ranges.first().map(|r| r.start) != Some(0) {
                Some("the first range does not start at 0".to_string())
            } else if ranges.last().map(|r| r.end) != Some(limit) {
                Some(format!("the last range does not end at {limit}"))
            } else if let Some(pair) = ranges.windows(2).find(|w| w[0].end != w[1].start) {
                Some(format!(
                    "{:?} then {:?}: a gap or an overlap",
                    pair[0], pair[1]
                ))
            } else if lens.iter().max().unwrap_or(&0) - lens.iter().min().unwrap_or(&0) > 1 {
                Some(format!("lengths {lens:?} differ by more than one"))
            } else {
                None
            };
            if let Some(problem) = problem {
                Report::sent(sent)
                    .expected(format!(
                        "{parts} ranges covering 0..{limit} in order, lengths within one"
                    ))
                    .got(format!("{ranges:?}: {problem}"))
                    .cause("each range starts where the previous one ended")
                    .fail();
            }
        }
    }
}

// --- the processes, in probes -------------------------------------------------

/// Runs `prime_sum_processes(limit, workers)` in a probe and checks the sum
/// and that no process is left behind.
#[track_caller]
fn check_processes(limit: u64, workers: usize) {
    let run = probe(
        "prime_sum::processes",
        &[&limit.to_string(), &workers.to_string()],
    );
    let sent = format!(
        "prime_sum_processes({limit}, {workers}) in `{}`",
        run.command_line
    );
    let expected = known_sum(limit);
    if let Some(error) = run.values("error").first() {
        Report::sent(&sent)
            .expected(format!("Ok({expected})"))
            .got(format!("an error: {error}; stderr: {}", run.stderr))
            .cause("every worker should exit with status 0 after writing its 8 bytes")
            .fail();
    }
    let got = run.value("sum");
    if got != expected.to_string() {
        Report::sent(&sent)
            .expected(format!("Ok({expected})"))
            .got(format!("Ok({got})"))
            .cause(
                "every range of split_range summed once: start every worker, then add up every \
                 worker's answer (8 bytes, u64::to_be_bytes)",
            )
            .fail();
    }
    expect_no_leftovers(&run, &sent);
}

/// Fails unless the probe found no child of its own left: no zombie, and
/// no worker still running.
#[track_caller]
fn expect_no_leftovers(run: &netkit_tests::harness::ProbeRun, sent: &str) {
    let (children, zombies) = (run.value("children"), run.value("zombies"));
    if children != "0" || zombies != "0" {
        Report::sent(sent)
            .expected("no child process left once it returned")
            .got(format!(
                "{children} children left, {zombies} of them zombies"
            ))
            .cause(
                "every worker must be reaped with waitpid before returning, also on errors; \
                 a forked child must end in _exit and never return into the caller's code",
            )
            .fail();
    }
}

#[rstest]
#[case::one_worker(100_000, 1)]
#[case::two_workers(100_000, 2)]
#[case::four_workers_as_the_seed(100_000, 4)]
#[case::ten_workers(100_000, 10)]
#[case::an_uneven_split(1_001, 3)]
#[case::more_workers_than_numbers(3, 5)]
#[case::limit_0(0, 2)]
#[case::limit_1(1, 1)]
#[case::limit_2(2, 3)]
fn processes_find_the_same_sum_and_leave_no_zombies(#[case] limit: u64, #[case] workers: usize) {
    check_processes(limit, workers);
}

#[test]
fn a_worker_is_a_child_process_that_is_reaped_when_finished() {
    let run = probe("prime_sum::worker", &["0", "1000"]);
    let sent = format!(
        "start_worker(0, 0..1000), then finish_worker, in `{}`",
        run.command_line
    );
    if run.value("worker_pid") == run.value("own_pid") {
        Report::sent(&sent)
            .expected("a worker with its own process id")
            .got(format!("the caller's own pid {}", run.value("own_pid")))
            .cause("start_worker must fork and return the child's pid")
            .fail();
    }
    if run.value("is_child") != "yes" {
        Report::sent(&sent)
            .expected("the worker to be a child of the caller until finish_worker reaps it")
            .got(format!(
                "pid {} is not among the caller's children",
                run.value("worker_pid")
            ))
            .cause("start_worker returns right after fork; only finish_worker waits for it")
            .fail();
    }
    if run.value("sum") != "76127" {
        Report::sent(&sent)
            .expected("76127, the sum of the primes below 1000")
            .got(run.value("sum"))
            .cause("the worker writes prime_sum(range) as 8 big-endian bytes; finish_worker reads them")
            .fail();
    }
    expect_no_leftovers(&run, &sent);
}

#[test]
fn when_a_worker_fails_the_others_are_still_reaped() {
    // Workers summing the primes below 10^12 would run for hours: they are
    // all still running when the test kills every one of them (SIGKILL), so
    // that worker 0's failure is seen while the others are not reaped yet.
    let limit = "1000000000000";
    let program = Program::start(&["probe", "prime_sum::processes", limit, "4"]);
    let sent = format!(
        "prime_sum_processes(10^12, 4) in `{}`; once its 4 workers run, each is killed \
         with SIGKILL",
        program.command_line()
    );
    let probe_pid = program.pid() as i32;
    let workers = wait_for(&program, || {
        std::thread::park_timeout(STEP);
        let running: Vec<i32> = procfs::children_of(probe_pid)
            .iter()
            .filter(|p| !p.is_zombie())
            .map(|p| p.pid)
            .collect();
        Ok((running.len() == 4).then_some(running))
    })
    .unwrap_or_else(|e| {
        Report::sent(&sent)
            .expected("4 worker processes running at the same time")
            .got(e.to_string())
            .cause("start every worker (fork) before reading any answer")
            .fail()
    });
    for worker in workers {
        // Our grandchildren, not reaped while their parent blocks on them.
        let _ = nix::sys::signal::kill(
            nix::unistd::Pid::from_raw(worker),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    let finished = program.finish();
    let value = |key: &str| {
        finished
            .stdout
            .iter()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix(' '))
            .unwrap_or("(none)")
            .to_string()
    };
    if !value("error").contains("SIGKILL") {
        Report::sent(&sent)
            .expected("Err(WorkerFailed { .. }): a worker was killed by SIGKILL")
            .got(format!(
                "stdout {:?}; stderr: {}",
                finished.stdout, finished.stderr
            ))
            .cause("a worker killed by a signal gave no answer: finish_worker says so")
            .fail();
    }
    let (children, zombies) = (value("children"), value("zombies"));
    if children != "0" {
        Report::sent(&sent)
            .expected("every worker reaped before the error is returned: no child left")
            .got(format!(
                "{children} children left ({zombies} of them zombies) after `error {}`",
                value("error")
            ))
            .cause(
                "the first failed worker is no reason to stop: finish every other worker \
                 too (read and waitpid), keep the first error, and return it at the end",
            )
            .fail();
    }
}

#[test]
fn when_a_worker_cannot_start_those_started_are_still_reaped() {
    // The probe may open so few files that only 2 workers get their pipe.
    let run = probe("prime_sum::short_of_files", &["100000", "4", "2"]);
    let sent = format!(
        "prime_sum_processes(100 000, 4) where only 2 pipes can be made (the 3rd pipe() \
         fails with EMFILE), in `{}`",
        run.command_line
    );
    if let Some(sum) = run.values("sum").first() {
        Report::sent(&sent)
            .expected("an error: the 3rd worker could not be started")
            .got(format!("Ok({sum})"))
            .cause("an error from pipe() or fork() must be returned, not ignored")
            .fail();
    }
    let (children, zombies) = (run.value("children"), run.value("zombies"));
    if children != "0" {
        Report::sent(&sent)
            .expected("the 2 workers started to be reaped before the error is returned")
            .got(format!(
                "{children} children left ({zombies} of them zombies) after `error {}`",
                run.value("error")
            ))
            .cause(
                "when start_worker fails, do not return at once (`?`): finish the workers \
                 already started, then return the error",
            )
            .fail();
    }
}

#[test]
fn zero_workers_are_refused_with_an_error() {
    let run = probe("prime_sum::processes", &["100", "0"]);
    let sent = format!("prime_sum_processes(100, 0) in `{}`", run.command_line);
    let got = run.values("error_debug");
    if got.first().map(|e| e.contains("NoWorkers")) != Some(true) {
        Report::sent(&sent)
            .expected("Err(PrimeSumError::NoWorkers)")
            .got(match run.values("sum").first() {
                Some(sum) => format!("Ok({sum})"),
                None => format!("{got:?}"),
            })
            .cause("with no worker nobody does the work: refuse 0 before starting anything")
            .fail();
    }
    expect_no_leftovers(&run, &sent);
}

// --- the runner's program -----------------------------------------------------

#[test]
fn the_program_prints_the_same_sum_for_every_worker_count() {
    let finished = Program::run_ok(&[
        "prime-sum",
        "--limit",
        "10000",
        "--workers",
        "1,3",
        "--runs",
        "1",
    ]);
    let command = &finished.command_line;
    // One row per method: sequential, then each worker count, with the sum.
    let rows: Vec<&String> = finished
        .stdout
        .iter()
        .filter(|line| line.contains("5736396"))
        .collect();
    let labels = ["sequential", "processes", "processes"];
    let ok = rows.len() == labels.len()
        && rows
            .iter()
            .zip(labels)
            .all(|(row, label)| row.trim_start().starts_with(label));
    if !ok {
        Report::sent(format!("`{command}`"))
            .expected(
                "a table with a row `sequential … 5736396 …`, then a row `processes … 5736396 …` \
                 for 1 and for 3 workers",
            )
            .got(format!("{:?}", finished.stdout))
            .cause("the program prints one row per way of computing, with its answer")
            .fail();
    }
}
