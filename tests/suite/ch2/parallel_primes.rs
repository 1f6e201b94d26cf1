//! Tests of the exercise `parallel-primes`: the prime sum over threads, and
//! compared with the sequential sum and the processes of `prime-sum` (book:
//! ch2/parallel-primes.md).
//!
//! Whether the threads are *faster* depends on the machine and its load, so
//! no test asserts a speed-up; the `parallel-primes` program shows the times.
//! That they run *at the same time* is checked without a clock: in a probe,
//! `sum_over_threads` gets a work that waits until every worker has arrived
//! in it, and that sees at once when the caller is blocked while no other
//! worker exists.

use super::oracle::sieve_sum;
use netkit_tests::harness::server::panic_text;
use netkit_tests::harness::{Program, Report, probe};
use netkit_tests::kit::ch2::parallel_primes::{self as kit, ParallelError};
use rstest::rstest;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

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
#[case::two_workers(2)]
#[case::four_workers(4)]
#[case::nine_workers(9)]
fn the_workers_all_run_at_the_same_time(#[case] workers: usize) {
    let run = probe("parallel_primes::rendezvous", &[&workers.to_string()]);
    let sent = format!(
        "sum_over_threads({}, {workers}, work) in `{}`, where each call of `work` waits \
         until all {workers} have started, then returns the length of its range",
        1000 * workers,
        run.command_line
    );
    let (met, alone, sum) = (run.value("met"), run.value("alone"), run.values("sum"));
    let expected_sum = (1000 * workers).to_string();
    if met != workers.to_string() || alone != "no" || sum != [expected_sum.as_str()] {
        Report::sent(sent)
            .expected(format!(
                "all {workers} workers in `work` at the same time, and Ok({expected_sum})"
            ))
            .got(if alone == "yes" {
                format!(
                    "{met} of {workers} had started when the caller was already blocked (in a \
                     join) and no other worker thread existed; then {}",
                    run.lines.join(", ")
                )
            } else {
                run.lines.join(", ")
            })
            .cause(
                "spawn every thread first and keep the handles (collect them into a Vec), \
                 then join them: joining in the loop that spawns, or in a second `.map` of \
                 the same lazy iterator, runs the workers one after another",
            )
            .fail();
    }
}

#[test]
fn a_worker_that_panics_comes_back_as_thread_panicked_once_all_are_joined() {
    let finished = AtomicUsize::new(0);
    let sent = "sum_over_threads(400, 4, work), where the call of `work` for the third \
                range (200..300) panics with \"boom in the third range\"";
    let got = catch_unwind(AssertUnwindSafe(|| {
        kit::sum_over_threads(400, 4, |range| {
            if range.start == 200 {
                panic!("boom in the third range");
            }
            finished.fetch_add(1, Ordering::SeqCst);
            range.end - range.start
        })
    }));
    let finished = finished.load(Ordering::SeqCst);
    let right = matches!(
        &got,
        Ok(Err(ParallelError::ThreadPanicked { index: 2, message }))
            if message == "boom in the third range"
    );
    if !right || finished != 3 {
        Report::sent(sent)
            .expected(
                "Err(ThreadPanicked { index: 2, message: \"boom in the third range\" }), once \
                 the three other calls have returned",
            )
            .got(match got {
                Ok(result) => format!("{result:?}, with {finished} other calls returned"),
                Err(payload) => format!(
                    "sum_over_threads itself panicked: {:?}",
                    panic_text(&*payload)
                ),
            })
            .cause(
                "join every handle and keep the first Err: `join().unwrap()` passes the \
                 worker's panic on to the caller instead of returning it; the index is the \
                 range's, and the message is in the payload (downcast to &str or String)",
            )
            .fail();
    }
}

#[test]
fn zero_workers_are_refused_before_any_work() {
    let calls = AtomicUsize::new(0);
    let got = kit::sum_over_threads(100, 0, |range| {
        calls.fetch_add(1, Ordering::SeqCst);
        range.end - range.start
    });
    let calls = calls.load(Ordering::SeqCst);
    if !matches!(got, Err(ParallelError::NoWorkers)) || calls != 0 {
        Report::sent("sum_over_threads(100, 0, work)")
            .expected("Err(ParallelError::NoWorkers), and no call of `work`")
            .got(format!("{got:?}, after {calls} calls of `work`"))
            .cause("refuse 0 workers first: split_range(100, 0) has no range to give anyone")
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
