//! The listings of the page on locks (ch2/locks.md) run and print what the
//! page says they print.

use assert_cmd::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a listing to its end and returns its stdout.
fn run(program: &str) -> String {
    let output = Command::new(program)
        .timeout(TIMEOUT)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {program}: {err}"));
    assert!(
        output.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the listings print UTF-8")
}

#[test]
fn lock_demo_never_sees_the_pair_differ_under_the_mutex() {
    let out = run(env!("CARGO_BIN_EXE_lock-demo"));
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "two lines of results: {out}");
    assert!(lines[0].starts_with("without a lock: the checker looked "));
    // Whatever the scheduler does, the Mutex version sees no difference.
    assert!(
        lines[1].starts_with("with a Mutex:   the checker looked ")
            && lines[1].ends_with(" saw a != b 0 times"),
        "{}",
        lines[1]
    );
}

#[test]
fn event_demo_lets_the_visitor_in() {
    assert_eq!(
        run(env!("CARGO_BIN_EXE_event-demo")),
        "gate: only the right password lets you in\n\
         visitor: Yang Zirong has come to pay his respects\n\
         gate: 宝塔镇河妖 (\"the pagoda subdues the river demon\")\n\
         gate: right password: you are one of us\n"
    );
}

#[test]
fn poison_demo_recovers_the_data_from_a_poisoned_lock() {
    assert_eq!(
        run(env!("CARGO_BIN_EXE_poison-demo")),
        "the lock is poisoned: a thread panicked while holding it\n\
         the balance it left behind: 70 (half a transfer)\n"
    );
}
