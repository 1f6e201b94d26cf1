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

#[test]
fn process_commands_are_carried_out_by_the_child_until_quit() {
    let output = Command::new(env!("CARGO_BIN_EXE_process-commands"))
        .timeout(TIMEOUT)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("the demo prints UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 7, "{lines:?}");
    // The child prints before it answers; the parent prints after the answer.
    assert!(
        lines[0].ends_with(": 完成指令1 (command 1 done)"),
        "{lines:?}"
    );
    assert_eq!(lines[1], "parent: sent \"1\", the child answered \"done\"");
    assert!(
        lines[2].ends_with(": 完成指令2 (command 2 done)"),
        "{lines:?}"
    );
    assert_eq!(lines[3], "parent: sent \"2\", the child answered \"done\"");
    assert_eq!(
        lines[4],
        "parent: sent \"3\", the child answered \"unknown command \\\"3\\\"\""
    );
    assert_eq!(
        lines[5],
        "parent: sent \"quit\", the child answered \"bye\""
    );
    assert!(
        lines[6].contains(" ended: Exited(Pid(") && lines[6].ends_with("), 0)"),
        "the parent reaps the child, which exited with 0: {lines:?}"
    );
}

#[test]
fn process_commands_takes_commands_from_its_arguments() {
    let output = Command::new(env!("CARGO_BIN_EXE_process-commands"))
        .args(["2", "hello"])
        .timeout(TIMEOUT)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).expect("the demo prints UTF-8");
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].ends_with(": 完成指令2 (command 2 done)"),
        "{lines:?}"
    );
    assert_eq!(
        lines[1..4],
        [
            "parent: sent \"2\", the child answered \"done\"",
            "parent: sent \"hello\", the child answered \"unknown command \\\"hello\\\"\"",
            "parent: sent \"quit\", the child answered \"bye\"",
        ],
        "a quit is sent after the commands given: {lines:?}"
    );
}
