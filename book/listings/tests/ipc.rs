//! The chapter 2 listings about talking between processes print what the
//! page "Talking between processes" shows.

use assert_cmd::Command;
use std::time::Duration;

/// Far longer than the demos take; a demo that hangs (a pipe end left open)
/// fails instead of stopping the test run.
const TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn pipe_demo_shows_separate_memory_then_lines_through_a_pipe() {
    Command::new(env!("CARGO_BIN_EXE_pipe-demo"))
        .timeout(TIMEOUT)
        .assert()
        .success()
        .stdout(
            "child:  counter = 101\n\
             parent: counter = 1\n\
             parent got: line 1 from the child\n\
             parent got: line 2 from the child\n\
             parent got: line 3 from the child\n\
             parent: end of pipe (every write end is closed)\n",
        );
}

#[test]
fn pair_demo_asks_and_gets_answers_both_ways() {
    Command::new(env!("CARGO_BIN_EXE_pair-demo"))
        .timeout(TIMEOUT)
        .assert()
        .success()
        .stdout(
            "parent asked \"2 + 3\", the child said \"5\"\n\
             parent asked \"10 + 20\", the child said \"30\"\n",
        );
}
