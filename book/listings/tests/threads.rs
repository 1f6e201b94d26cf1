//! The chapter-2 thread listings do what the page `ch2/threads.md` says, and
//! the deadlock demonstration really deadlocks, and is stopped by its
//! detector instead of hanging. Each program is run to its end, within a
//! time limit; what is checked does not depend on how the threads interleave.

use assert_cmd::Command;
use std::time::Duration;

/// Generous: the slowest listing pauses for about a second in all.
const TIMEOUT: Duration = Duration::from_secs(20);

/// Runs a listing to its end and returns its status and stdout lines.
fn run(program: &str) -> (std::process::ExitStatus, Vec<String>) {
    let output = Command::new(program)
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let lines = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    (output.status, lines)
}

/// The lines, sorted: for output whose order depends on the scheduler.
fn sorted(mut lines: Vec<String>) -> Vec<String> {
    lines.sort();
    lines
}

#[test]
fn thread_basics_shares_one_pid_and_one_memory() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_thread-basics"));
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(lines.first().map(String::as_str), Some("music: a = 1"));
    assert_eq!(lines.last().map(String::as_str), Some("main: a = 10000"));
    let pids: Vec<&str> = lines
        .iter()
        .filter(|l| l.contains(" playing: "))
        .filter_map(|l| l.split(' ').next())
        .collect();
    assert_eq!(
        pids.len(),
        7,
        "3 songs from the thread, 4 from main: {lines:?}"
    );
    assert!(pids.iter().all(|p| *p == pids[0]), "one process: {lines:?}");
}

#[test]
fn thread_args_joins_five_named_threads() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_thread-args"));
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(
        lines.last().map(String::as_str),
        Some("all 5 threads are done")
    );
    for i in 0..5 {
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with(&format!("T-{i} started"))
                    && l.ends_with(&format!("named Some(\"T-{i}\")"))),
            "T-{i} says its name: {lines:?}"
        );
        assert!(lines.contains(&format!("T-{i} done")), "{lines:?}");
    }
}

#[test]
fn thread_struct_runs_run_on_its_own_thread() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_thread-struct"));
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(
        sorted(lines),
        [
            "playing: 凉凉",
            "playing: 凉凉",
            "playing: 凉凉",
            "started; main goes on meanwhile",
            "the player is done",
        ]
    );
}

#[test]
fn daemon_threads_end_with_main() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_daemon-threads"));
    assert!(status.success(), "{status}: {lines:?}");
    assert!(
        lines.contains(&"main: returning without joining".to_string()),
        "{lines:?}"
    );
    // A detached thread may have printed that it started; none finished.
    assert!(
        lines.iter().all(|l| !l.ends_with(" done")),
        "the threads were stopped with the process: {lines:?}"
    );
}

#[test]
fn scoped_threads_borrow_and_sum() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_scoped-threads"));
    assert!(status.success(), "{status}: {lines:?}");
    assert_eq!(
        lines,
        [
            "the sum of 1..=1000000 is 500000500000",
            "and numbers still has 1000000 elements",
        ]
    );
}

#[test]
fn deadlock_demo_deadlocks_and_the_detector_stops_it() {
    let (status, lines) = run(env!("CARGO_BIN_EXE_deadlock-demo"));
    assert_eq!(
        status.code(),
        Some(1),
        "the detector exits with 1: {lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("deadlock detected: 2 threads")),
        "{lines:?}"
    );
    // Both threads are blocked on their second lock, inside `transfer`.
    let in_transfer = lines
        .iter()
        .filter(|l| l.trim().starts_with("transfer, line"))
        .count();
    assert_eq!(in_transfer, 2, "{lines:?}");
    assert!(!lines.iter().any(|l| l.ends_with(": done")), "{lines:?}");
}

#[test]
fn python_gil_experiment_finds_one_answer_three_ways() {
    // The page gil.md shows this script's output; it needs a python3 on the
    // PATH, which a Rust toolchain does not bring: without one, skip.
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/python/gil_experiment.py");
    let output = match std::process::Command::new("python3")
        .args([script, "3000", "3"])
        .output()
    {
        Ok(output) => output,
        Err(e) => {
            eprintln!("skipped: no python3 to run {script}: {e}");
            return;
        }
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // The sum of the primes below 3000 is 593823.
    let rows: Vec<&str> = stdout
        .lines()
        .filter(|l| l.split_whitespace().nth(2) == Some("593823"))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert_eq!(rows, ["sequential", "threads", "processes"], "{stdout}");
}
