//! Tests of the exercise `fork-basics`: start children with `fork`, collect
//! their exit statuses (book: ch2/fork-basics.md).
//!
//! `exit_of` is a pure function, tested here directly. Everything that forks
//! runs in a probe (`netkit probe fork_basics::…`, see `tests/src/probes`), a
//! fresh single-threaded process: the test reads what it printed.

use netkit_tests::harness::{ProbeRun, Program, Report, probe};
use netkit_tests::kit::ch2::fork_basics::{self as kit, Exit, PANIC_EXIT_CODE};
use nix::sys::signal::Signal;
use nix::sys::wait::WaitStatus;
use nix::unistd::Pid;
use rstest::rstest;

// --- exit_of: no fork -------------------------------------------------------

#[rstest]
#[case::exited_with_0(WaitStatus::Exited(Pid::from_raw(42), 0), Some(Exit::Exited(0)))]
#[case::exited_with_3(WaitStatus::Exited(Pid::from_raw(42), 3), Some(Exit::Exited(3)))]
#[case::killed(
    WaitStatus::Signaled(Pid::from_raw(42), Signal::SIGKILL, false),
    Some(Exit::Signaled(Signal::SIGKILL))
)]
#[case::killed_with_a_core_dump(
    WaitStatus::Signaled(Pid::from_raw(42), Signal::SIGSEGV, true),
    Some(Exit::Signaled(Signal::SIGSEGV))
)]
#[case::stopped(WaitStatus::Stopped(Pid::from_raw(42), Signal::SIGSTOP), None)]
#[case::continued(WaitStatus::Continued(Pid::from_raw(42)), None)]
fn exit_of_says_how_a_child_ended(#[case] status: WaitStatus, #[case] expected: Option<Exit>) {
    let got = kit::exit_of(status);
    let expected = expected.map(|exit| (Pid::from_raw(42), exit));
    if got != expected {
        Report::sent(format!("exit_of({status:?})"))
            .expected(format!("{expected:?}"))
            .got(format!("{got:?}"))
            .cause(
                "Exited and Signaled are ends (keep the child's pid with them); a stopped or \
                 continued child is still alive, so that is None",
            )
            .fail();
    }
}

#[test]
fn exit_of_a_child_still_running_is_none() {
    let got = kit::exit_of(WaitStatus::StillAlive);
    if got.is_some() {
        Report::sent("exit_of(WaitStatus::StillAlive)")
            .expected("None")
            .got(format!("{got:?}"))
            .cause(
                "StillAlive is what a WNOHANG wait returns while no child has ended: no end, \
                 so None",
            )
            .fail();
    }
}

// --- run_all, spawn and wait_for, in probes ---------------------------------

/// Runs `run_all` in a probe with one job per spec (see the probe's doc:
/// `exit:N`, `raise:SIGNAL`, `panic`, `echo:WORD`).
fn run_jobs(specs: &[&str]) -> ProbeRun {
    probe("fork_basics::run_all", specs)
}

/// The probe's own pid.
fn probe_pid(run: &ProbeRun) -> i32 {
    number(run, run.value("probe_pid"))
}

#[track_caller]
fn number(run: &ProbeRun, text: &str) -> i32 {
    text.parse()
        .unwrap_or_else(|_| panic!("{text:?} is not a number, in {:?}", run.lines))
}

/// The `status I PID EXIT` lines: (pid, exit as `exited N` / `signaled SIG`),
/// in job order.
fn statuses(run: &ProbeRun) -> Vec<(i32, String)> {
    run.values("status")
        .iter()
        .map(|line| {
            let mut parts = line.splitn(3, ' ');
            let _index = parts.next();
            let pid = number(run, parts.next().unwrap_or(""));
            (pid, parts.next().unwrap_or("").to_string())
        })
        .collect()
}

/// The `child I pid P ppid Q` lines the children printed: (I, P, Q).
fn children_said(run: &ProbeRun) -> Vec<(usize, i32, i32)> {
    run.values("child")
        .iter()
        .filter_map(|line| {
            let words: Vec<&str> = line.split(' ').collect();
            match words.as_slice() {
                [index, "pid", pid, "ppid", ppid] => {
                    Some((index.parse().ok()?, number(run, pid), number(run, ppid)))
                }
                _ => None,
            }
        })
        .collect()
}

/// The cause to report when a child went on running the probe's code after
/// `spawn` (the probe's values were dropped by another process than itself).
fn child_ran_callers_code(run: &ProbeRun) -> Option<String> {
    let parent = run.value("probe_pid");
    let stranger = run
        .values("dropped_by")
        .into_iter()
        .find(|&pid| pid != parent)?;
    Some(format!(
        "the child {stranger} went on past spawn into the caller's code (it dropped the \
         caller's values). In the child, run the work, then end the process with \
         libc::_exit(code): never return from spawn, not even after a panic"
    ))
}

/// Fails unless the exits reported, in job order, are `expected`.
#[track_caller]
fn expect_exits(specs: &[&str], run: &ProbeRun, expected: &[&str], cause: &str) {
    let got: Vec<String> = statuses(run).into_iter().map(|(_, exit)| exit).collect();
    if got != expected {
        Report::sent(format!("run_all with the jobs {specs:?}"))
            .expected(format!("the exits {expected:?}, in the order of the jobs"))
            .got(format!("{got:?}; the probe printed {:?}", run.lines))
            .cause(child_ran_callers_code(run).unwrap_or_else(|| cause.to_string()))
            .fail();
    }
}

/// Fails unless the probe's parent printed `done` exactly once and reported
/// no child left behind.
#[track_caller]
fn expect_clean_end(what: &str, run: &ProbeRun) {
    let done = run.values("done").len();
    if done != 1 {
        Report::sent(what)
            .expected(
                "the caller's code after run_all to run once, in the parent (`done` printed once)",
            )
            .got(format!(
                "`done` printed {done} times; the probe printed {:?}",
                run.lines
            ))
            .cause(
                "a child went on past spawn into the caller's code. In the child, run the work \
                 and end the process (libc::_exit): never return, not even after a panic",
            )
            .fail();
    }
    let left = run.value("children");
    if left != "0" {
        Report::sent(what)
            .expected("no child left in /proc afterwards (no zombie)")
            .got(format!("{left} children still there"))
            .cause("every child must be waited for (waitpid reaps it), even one that failed")
            .fail();
    }
}

#[rstest]
#[case::one_child_that_succeeds(&["exit:0"], &["exited 0"])]
#[case::three_codes(&["exit:0", "exit:3", "exit:42"], &["exited 0", "exited 3", "exited 42"])]
#[case::the_largest_code(&["exit:255", "exit:1"], &["exited 255", "exited 1"])]
fn run_all_reports_each_childs_exit_code(#[case] specs: &[&str], #[case] expected: &[&str]) {
    let run = run_jobs(specs);
    expect_exits(
        specs,
        &run,
        expected,
        "each child should exit with what its job returned (libc::_exit(code)), and the \
         parent read it back with waitpid: WaitStatus::Exited(pid, code)",
    );
    expect_clean_end(&format!("run_all with the jobs {specs:?}"), &run);
}

#[rstest]
#[case::sigkill(&["raise:SIGKILL"], &["signaled SIGKILL"])]
#[case::sigterm_between_two_that_exit(
    &["exit:1", "raise:SIGTERM", "exit:2"],
    &["exited 1", "signaled SIGTERM", "exited 2"]
)]
fn run_all_reports_a_child_killed_by_a_signal(#[case] specs: &[&str], #[case] expected: &[&str]) {
    let run = run_jobs(specs);
    expect_exits(
        specs,
        &run,
        expected,
        "a child killed by a signal never exits by itself: waitpid says \
         WaitStatus::Signaled(pid, signal, core_dumped), which is Exit::Signaled(signal)",
    );
    expect_clean_end(&format!("run_all with the jobs {specs:?}"), &run);
}

#[test]
fn wait_for_reports_a_child_the_parent_killed() {
    let run = probe("fork_basics::killed", &[]);
    let got = run.value("status");
    if got != "signaled SIGKILL" {
        Report::sent(
            "spawn a child that waits for ever (pause), kill(child, SIGKILL), wait_for(child)",
        )
        .expected("Exit::Signaled(SIGKILL)")
        .got(got)
        .cause("wait_for should turn WaitStatus::Signaled into Exit::Signaled (see exit_of)")
        .fail();
    }
    expect_clean_end("spawn, kill, wait_for", &run);
}

#[test]
fn each_child_is_a_separate_process_whose_parent_is_the_caller() {
    let specs = ["exit:0", "exit:0", "exit:0"];
    let run = run_jobs(&specs);
    let parent = probe_pid(&run);
    let said = children_said(&run);
    let reported = statuses(&run);
    let sent = format!(
        "run_all with {specs:?} from the process {parent}; each child prints its pid and ppid"
    );
    if said.len() != specs.len() || reported.len() != specs.len() {
        Report::sent(&sent)
            .expected("3 `child I pid P ppid Q` lines and 3 statuses")
            .got(format!("{:?}", run.lines))
            .cause("run_all should run every job once, each in its own child")
            .fail();
    }
    let mut pids: Vec<i32> = said.iter().map(|&(_, pid, _)| pid).collect();
    for &(index, pid, ppid) in &said {
        if pid == parent || ppid != parent {
            Report::sent(&sent)
                .expected(format!(
                    "child {index} to run in a new process (pid not {parent}) whose parent is {parent}"
                ))
                .got(format!("pid {pid}, parent pid {ppid}"))
                .cause(if pid == parent {
                    "the job ran in the calling process itself: fork first, and run the job only in the child"
                } else {
                    "the child's parent should be the process that called fork"
                })
                .fail();
        }
        let returned = reported.get(index).map(|&(pid, _)| pid);
        if returned != Some(pid) {
            Report::sent(&sent)
                .expected(format!(
                    "run_all to return the pid {pid} for job {index}, the child that ran it"
                ))
                .got(format!("{returned:?}"))
                .cause("return the pids fork gave the parent, in the order of the jobs")
                .fail();
        }
    }
    pids.sort_unstable();
    pids.dedup();
    if pids.len() != specs.len() {
        Report::sent(&sent)
            .expected(format!("{} different pids, one per job", specs.len()))
            .got(format!(
                "{} different pids; the children said {said:?}",
                pids.len()
            ))
            .cause("each job runs in a process of its own: fork once per job")
            .fail();
    }
}

#[test]
fn arguments_reach_each_child() {
    let specs = ["echo:apple", "echo:bridge", "echo:network"];
    let run = run_jobs(&specs);
    let got: Vec<&str> = run
        .values("child")
        .into_iter()
        .filter(|l| l.contains(" got "))
        .collect();
    let mut got_sorted = got.clone();
    got_sorted.sort_unstable();
    let expected = ["0 got apple", "1 got bridge", "2 got network"];
    if got_sorted != expected {
        Report::sent(format!(
            "run_all with jobs that each print the word they captured: {specs:?}"
        ))
        .expected(format!(
            "the lines `child {{…}}` {expected:?}, in any order"
        ))
        .got(format!("{got:?}"))
        .cause("each job is a closure that owns its word; the child runs that closure")
        .fail();
    }
    expect_exits(
        &specs,
        &run,
        &["exited 5", "exited 6", "exited 7"],
        "each job returns the length of its word as its exit code",
    );
}

#[test]
fn a_panicking_child_exits_with_101_and_the_parent_carries_on() {
    let specs = ["exit:1", "panic", "exit:2"];
    let run = run_jobs(&specs);
    let panicked = format!("exited {PANIC_EXIT_CODE}");
    expect_exits(
        &specs,
        &run,
        &["exited 1", &panicked, "exited 2"],
        "run the job under std::panic::catch_unwind in the child, and exit with \
         PANIC_EXIT_CODE when it panicked: the panic must not unwind out of spawn",
    );
    expect_clean_end(&format!("run_all with the jobs {specs:?}"), &run);
    let dropped_by = run.values("dropped_by");
    let parent = run.value("probe_pid");
    if dropped_by != [parent] {
        Report::sent(format!(
            "run_all with the jobs {specs:?}, from a function holding a value whose Drop \
             prints `dropped_by PID`"
        ))
        .expected(format!("that value dropped once, by the parent {parent}"))
        .got(format!("dropped by {dropped_by:?}"))
        .cause(
            "the panic unwound out of spawn in the child, running the parent's destructors \
             there (think of a temp folder deleted by a child): catch it with catch_unwind \
             in the child, then _exit",
        )
        .fail();
    }
}

#[test]
fn run_all_starts_every_job_before_waiting_for_any() {
    let run = probe("fork_basics::together", &[]);
    let got: Vec<String> = statuses(&run).into_iter().map(|(_, exit)| exit).collect();
    if got != ["exited 0", "exited 0"] {
        Report::sent(
            "run_all with two jobs: job 0 waits for a byte through a pipe (for at most 5 s), \
             job 1 sends it",
        )
        .expected("both to exit with 0")
        .got(format!("{got:?}"))
        .cause(if got.first().is_some_and(|e| e == "signaled SIGALRM") {
            "job 0 waited 5 s in vain: job 1 had not started. Start every job first, \
             then wait for them; waiting right after each start runs them one by one"
        } else {
            "both jobs must run, at the same time, each in its own child"
        })
        .fail();
    }
}

#[test]
fn refuses_to_fork_from_a_process_with_threads() {
    let run = probe("fork_basics::threaded", &[]);
    let threads = run.value("threads");
    match run.values("refused").first() {
        Some(&n) if n == threads => {}
        _ => Report::sent(format!(
            "spawn(|| 0) in a process that runs {threads} threads"
        ))
        .expected(format!(
            "Err(ProcessError::Threaded {{ threads: {threads} }}), and no fork"
        ))
        .got(format!("{:?}", run.lines))
        .cause(
            "fork copies only the calling thread: check thread_count() before forking, \
                 and refuse when it is more than 1",
        )
        .fail(),
    }
}

#[test]
fn output_is_neither_lost_nor_printed_twice() {
    let run = probe("fork_basics::buffered", &[]);
    let expected = "parent-before-fork|child-unterminated|parent-after-wait";
    let printed: Vec<&String> = run.lines.iter().filter(|l| l.contains("parent-")).collect();
    if printed.len() != 1 || printed[0] != expected {
        let twice = run
            .lines
            .iter()
            .any(|l| l.matches("parent-before-fork").count() > 1);
        Report::sent(
            "print!(\"parent-before-fork\") (no newline), then spawn a child that does \
             print!(\"|child-unterminated\") and returns, then wait_for it and println!(\"|parent-after-wait\")",
        )
        .expected(format!("one line {expected:?}"))
        .got(format!("{printed:?}"))
        .cause(if twice {
            "the child printed the parent's unwritten text again: flush stdout *before* fork, \
             so that the child's copy of the buffer is empty"
        } else {
            "the child's text was lost: flush stdout in the child before _exit \
             (_exit does not flush Rust's buffers)"
        })
        .fail();
    }
}

// --- the program -------------------------------------------------------------

#[test]
fn program_prints_each_childs_pid_parent_and_exit_code() {
    let finished = Program::run_ok(&["fork-basics", "--children", "3"]);
    let parent = finished.pid.to_string();
    let command = &finished.command_line;
    for index in 0..3 {
        // `child 1: pid 4102, parent 4101, chore: sleep`
        let said = finished.stdout.iter().find_map(|line| {
            let rest = line.strip_prefix(&format!("child {index}: pid "))?;
            let (pid, rest) = rest.split_once(", parent ")?;
            let (ppid, _) = rest.split_once(',')?;
            Some((pid.to_string(), ppid.to_string()))
        });
        let sent = format!("`{command}`");
        let Some((pid, ppid)) = said else {
            Report::sent(&sent)
                .expected(format!("a line `child {index}: pid P, parent Q, …`"))
                .got(format!("{:?}", finished.stdout))
                .cause("each child prints its own pid and its parent's, then does its chore")
                .fail()
        };
        if ppid != parent {
            Report::sent(&sent)
                .expected(format!(
                    "child {index}'s parent to be the program, pid {parent}"
                ))
                .got(format!("child {index} says its parent is {ppid}"))
                .cause("getppid() in the child is the pid of the process that forked it")
                .fail();
        }
        let status = format!("child {index} (pid {pid}) exited with {index}");
        if !finished.stdout.contains(&status) {
            Report::sent(&sent)
                .expected(format!("the line {status:?}"))
                .got(format!("{:?}", finished.stdout))
                .cause("the parent waits for each child and prints how it ended")
                .fail();
        }
    }
}
