//! Tests of the exercise `parallel-primes`: the prime sum over threads, and
//! compared with the sequential sum and the processes of `prime-sum` (book:
//! ch2/parallel-primes.md).
//!
//! Correctness only: whether the threads are *faster* depends on the machine
//! and its load, so no test asserts a speed-up. The `parallel-primes` program
//! shows the times.

use super::oracle::sieve_sum;
use netkit_tests::harness::{Program, Report, probe};
use netkit_tests::kit::ch2::parallel_primes::{self as kit, ParallelError};
use rstest::rstest;

#[rstest]
#[case::one_thread(100_000, 1)]
#[case::two_threads(100_000, 2)]
#[case::four_threads(100_000, 4)]
#[case::seven_threads_uneven(10_007, 7)]
#[case::sixteen_threads(50_000, 16)]
#[case::more_threads_than_numbers(5, 8)]
#[case::limit_0(0, 3)]
#[case::limit_1(1, 2)]
#[case::limit_2(2, 1)]
#[case::limit_3(3, 2)]
fn threads_find_the_same_sum_as_one_thread(#[case] limit: u64, #[case] workers: usize) {
    let expected = sieve_sum(limit);
    let got = kit::prime_sum_threads(limit, workers);
    match got {
        Ok(sum) if sum == expected => {}
        other => Report::sent(format!("prime_sum_threads({limit}, {workers})"))
            .expected(format!("Ok({expected})"))
            .got(format!("{other:?}"))
            .cause(
                "one thread per range of split_range(limit, workers), each summing its own \
                 range; join every thread and add up what each returned",
            )
            .fail(),
    }
}

#[test]
fn zero_threads_are_refused_with_an_error() {
    let got = kit::prime_sum_threads(100, 0);
    if !matches!(got, Err(ParallelError::NoWorkers)) {
        Report::sent("prime_sum_threads(100, 0)")
            .expected("Err(ParallelError::NoWorkers)")
            .got(format!("{got:?}"))
            .cause("with no thread nobody does the work: refuse 0 before anything else")
            .fail();
    }
}

#[rstest]
#[case::two_workers(20_000, 2)]
#[case::four_workers(100_000, 4)]
#[case::three_workers_uneven(1_000, 3)]
fn compare_finds_one_answer_three_ways_and_leaves_no_zombies(
    #[case] limit: u64,
    #[case] workers: usize,
) {
    let run = probe(
        "parallel_primes::compare",
        &[&limit.to_string(), &workers.to_string()],
    );
    let sent = format!("compare({limit}, {workers}) in `{}`", run.command_line);
    let sum = sieve_sum(limit);
    let expected = vec![
        format!("sequential 1 {sum}"),
        format!("threads {workers} {sum}"),
        format!("processes {workers} {sum}"),
    ];
    let got = run.values("row");
    if got != expected {
        Report::sent(&sent)
            .expected(format!("three timings (method workers sum): {expected:?}"))
            .got(match run.values("error").first() {
                Some(error) => format!("an error: {error}; stderr: {}", run.stderr),
                None => format!("{got:?}"),
            })
            .cause(
                "sequential (1 worker), then threads, then processes, each with its sum; the \
                 processes are prime_sum_processes from the exercise prime-sum",
            )
            .fail();
    }
    let (children, zombies) = (run.value("children"), run.value("zombies"));
    if children != "0" || zombies != "0" {
        Report::sent(&sent)
            .expected("no child process left once it returned")
            .got(format!(
                "{children} children left, {zombies} of them zombies"
            ))
            .cause("the worker processes must all be reaped (see prime-sum)")
            .fail();
    }
}

#[test]
fn compare_refuses_zero_workers() {
    let run = probe("parallel_primes::compare", &["100", "0"]);
    let got = run.values("error_debug");
    if got.first().map(|e| e.contains("NoWorkers")) != Some(true) {
        Report::sent(format!("compare(100, 0) in `{}`", run.command_line))
            .expected("Err(ParallelError::NoWorkers)")
            .got(format!("rows {:?}, errors {got:?}", run.values("row")))
            .cause("refuse 0 workers before computing anything")
            .fail();
    }
}

#[test]
fn the_program_prints_a_table_with_one_answer_three_times() {
    let finished = Program::run_ok(&[
        "parallel-primes",
        "--limit",
        "10000",
        "--workers",
        "3",
        "--runs",
        "2",
    ]);
    let command = &finished.command_line;
    let labels: Vec<&str> = finished
        .stdout
        .iter()
        .filter(|line| line.contains(" 5736396 "))
        .filter_map(|line| line.split_whitespace().next())
        .collect();
    if labels != ["sequential", "threads", "processes"] {
        Report::sent(format!("`{command}`"))
            .expected("rows `sequential`, `threads`, `processes`, each with the sum 5736396")
            .got(format!("{:?}", finished.stdout))
            .cause("the program prints one row per way of computing, with its answer")
            .fail();
    }
}
