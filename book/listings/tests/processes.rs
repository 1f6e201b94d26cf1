//! The book's process listings (chapter 2) run and print what the pages say.
//! Their output lines come from several processes, so the tests check which
//! lines appear, and only the order that the program guarantees.

use assert_cmd::Command;
use std::time::Duration;

const TIMEOUT: Duration = Duration::from_secs(10);

/// Runs a listing to its end; returns its lines of stdout.
fn run(program: &str, args: &[&str]) -> Vec<String> {
    let output = Command::new(program)
        .args(args)
        .timeout(TIMEOUT)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(output)
        .expect("the listings print UTF-8")
        .lines()
        .map(str::to_string)
        .collect()
}

/// The value after `prefix` on the line that starts with it.
fn after<'a>(lines: &'a [String], prefix: &str) -> &'a str {
    lines
        .iter()
        .find_map(|l| l.strip_prefix(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in {lines:?}"))
}

#[test]
fn fork_demo_child_changes_its_own_copy_of_the_global() {
    let lines = run(env!("CARGO_BIN_EXE_fork-demo"), &[]);
    assert_eq!(lines.len(), 5, "{lines:?}");
    assert!(
        lines[0].starts_with("parent ") && lines[0].ends_with(": a = 1"),
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("child ") && l.ends_with(": a = 1")),
        "{lines:?}"
    );
    assert!(
        lines.iter().any(|l| l.ends_with(": a = 10000 now")),
        "{lines:?}"
    );
    // The parent waits for the child, so its last line comes last; and its
    // own `a` is still 1.
    assert!(
        lines[4].starts_with("parent ") && lines[4].ends_with("ended; a = 1"),
        "{lines:?}"
    );
}

#[test]
fn fork_many_children_report_pids_and_exit_codes() {
    let lines = run(env!("CARGO_BIN_EXE_fork-many"), &[]);
    let parent = after(&lines, "parent ");
    for (number, chore) in ["eat", "sleep", "play"].iter().enumerate() {
        let said = after(&lines, &format!("{chore}: pid "));
        let (pid, ppid) = said.split_once(", parent ").expect("pid, parent");
        assert_eq!(ppid, parent, "{chore}'s parent: {lines:?}");
        assert_ne!(
            pid, parent,
            "{chore} runs in a process of its own: {lines:?}"
        );
        let status = format!("{chore} ({pid}) exited with {number}");
        assert!(lines.contains(&status), "no {status:?} in {lines:?}");
    }
    assert_eq!(
        lines.last().map(String::as_str),
        Some("all three chores done")
    );
}

#[test]
fn shared_offset_moves_for_both_processes() {
    let lines = run(env!("CARGO_BIN_EXE_shared-offset"), &[]);
    assert_eq!(
        lines,
        [
            "the file holds 0123456789",
            "shared: the child reads  0123",
            "shared: the parent reads 4567",
            "own:    the child reads  0123",
            "own:    the parent reads 0123",
        ]
    );
}

#[test]
fn zombie_is_a_z_until_reaped_then_gone() {
    let lines = run(env!("CARGO_BIN_EXE_zombie"), &[]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].ends_with("has exited; its state: Z"), "{lines:?}");
    assert!(lines[1].starts_with("reaped: Exited(Pid("), "{lines:?}");
    assert!(lines[1].ends_with(", 7); its state now: gone"), "{lines:?}");
}

#[test]
fn process_struct_runs_run_in_the_child_and_join_reaps_it() {
    let lines = run(env!("CARGO_BIN_EXE_process-struct"), &[]);
    assert_eq!(lines.len(), 5, "{lines:?}");
    let parent = after(&lines, "parent ")
        .split_once(':')
        .expect("parent PID: …")
        .0;
    let child = after(&lines, &format!("parent {parent}: started child "));
    for round in 1..=3 {
        let line = format!("child {child} (parent {parent}): custom process, round {round} of 3");
        assert!(lines.contains(&line), "no {line:?} in {lines:?}");
    }
    // `join` waits, so its line comes last.
    assert_eq!(
        lines[4],
        format!("parent {parent}: the child ended: Exited(Pid({child}), 0)"),
        "{lines:?}"
    );
}

#[test]
fn process_args_passes_arguments_and_ties_one_child_to_its_parent() {
    let lines = run(env!("CARGO_BIN_EXE_process-args"), &[]);
    // PIDs differ from run to run: compare the lines with each PID as "N".
    let shapes: Vec<String> = lines
        .iter()
        .map(|line| {
            let mut shape = String::new();
            let mut in_number = false;
            for c in line.chars() {
                if c.is_ascii_digit() {
                    if !in_number {
                        shape.push('N');
                    }
                    in_number = true;
                } else {
                    shape.push(c);
                    in_number = false;
                }
            }
            shape
        })
        .collect();
    assert_eq!(
        shapes,
        [
            "main N: starting a worker with (N, \"Tom\")",
            "I'm Tom, round N of N: working....",
            "I'm Tom, round N of N: working....",
            "I'm Tom, round N of N: working....",
            "main N: worker N ended: Exited(Pid(N), N)",
            "",
            "main N: a subreaper: orphans below me become mine",
            "parent N: starting a tied child and a free one",
            "tied N: PR_SET_PDEATHSIG(SIGTERM): I end when my parent does",
            "free N: no death signal: I can outlive my parent",
            "parent N: exiting without waiting for them",
            "free N: my parent has ended, and I still run",
            "main N: parent N: Exited(Pid(N), N)",
            "main N: free N: Exited(Pid(N), N)",
            "main N: tied N: Signaled(Pid(N), SIGTERM, false)",
        ],
        "{lines:?}"
    );
    assert_eq!(lines[3], "I'm Tom, round 3 of 3: working....", "{lines:?}");
    // The exit codes: 0 for the worker, the parent and the free child.
    for line in [&lines[4], &lines[12], &lines[13]] {
        assert!(line.ends_with(", 0)"), "exit code 0: {line:?}");
    }
}
