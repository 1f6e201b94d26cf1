//! Tests of the exercise `reaper`: reap every child, blocking or polling; no
//! zombie (僵尸进程) and no orphan (孤儿进程) left (book: ch2/reaper.md).
//!
//! Everything forks, so everything runs in probes (`netkit probe reaper::…`).
//! The children are *held* (`reaper::hold`): each waits for the probe's word
//! on a pipe, so the probe decides when, and in which order, they end.

use netkit_tests::harness::{ProbeRun, Program, Report, probe, probe_allowing_failure};
use rstest::rstest;

/// The lines `KEY PID EXIT` as (pid, exit), in order.
fn ended(run: &ProbeRun, key: &str) -> Vec<(i32, String)> {
    run.values(key)
        .iter()
        .map(|line| {
            let (pid, exit) = line.split_once(' ').unwrap_or((line, ""));
            let pid = pid
                .parse()
                .unwrap_or_else(|_| panic!("`{key} {line}`: no pid, in {:?}", run.lines));
            (pid, exit.to_string())
        })
        .collect()
}

/// The pids of the held children, by index (`child I PID` lines).
fn child_pids(run: &ProbeRun) -> Vec<i32> {
    run.values("child")
        .iter()
        .map(|line| {
            let (_, pid) = line.split_once(' ').unwrap_or(("", line));
            pid.parse()
                .unwrap_or_else(|_| panic!("`child {line}`: no pid, in {:?}", run.lines))
        })
        .collect()
}

/// How the probe shows the end of a child with this spec.
fn exit_of_spec(spec: &str) -> String {
    match spec {
        "kill" => "signaled SIGKILL".to_string(),
        code => format!("exited {code}"),
    }
}

/// Fails unless no child was left behind.
#[track_caller]
fn expect_no_children_left(what: &str, run: &ProbeRun) {
    let left = run.value("children");
    if left != "0" {
        Report::sent(what)
            .expected("no child left in /proc afterwards: every one reaped, no zombie")
            .got(format!(
                "{left} children still there; the probe printed {:?}",
                run.lines
            ))
            .cause("keep waiting until waitpid fails with ECHILD: only then is no child left")
            .fail();
    }
}

#[rstest]
#[case::no_children_at_all("", "")]
#[case::one_child("3", "0")]
#[case::in_the_order_they_started("0,1,2", "0,1,2")]
#[case::last_to_first("10,11,12,13", "3,2,1,0")]
#[case::shuffled("0,3,42,7,255", "3,0,4,1,2")]
#[case::one_killed_among_them("1,kill,2", "1,2,0")]
fn reap_blocking_reaps_each_child_as_it_ends(#[case] specs: &str, #[case] order: &str) {
    let run = probe("reaper::blocking", &[specs, order]);
    let specs: Vec<&str> = specs.split(',').filter(|s| !s.is_empty()).collect();
    let order: Vec<usize> = order
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|i| i.parse().expect("an index"))
        .collect();
    let pids = child_pids(&run);
    // The probe ends one child at a time, and the next only once one was
    // reaped: the reap order must be the order it ended them in.
    let expected: Vec<(i32, String)> = order
        .iter()
        .map(|&i| (pids[i], exit_of_spec(specs[i])))
        .collect();
    let sent = format!(
        "{} held children with the specs {specs:?}, ended one at a time in the order {order:?}, \
         the next each time reap_blocking reports one",
        specs.len()
    );
    let reported = ended(&run, "reaped");
    if reported != expected {
        Report::sent(&sent)
            .expected(format!("on_reaped called with {expected:?}, in that order"))
            .got(format!("{reported:?}"))
            .cause(
                "waitpid(None, None) waits for any child and returns the next one to end; \
                 call on_reaped for each, with exit_of's pid and Exit",
            )
            .fail();
    }
    let returned = ended(&run, "returned");
    if returned != expected {
        Report::sent(&sent)
            .expected(format!("reap_blocking to return {expected:?}"))
            .got(format!("{returned:?}"))
            .cause("return every status, in the order reaped, once waitpid fails with ECHILD")
            .fail();
    }
    expect_no_children_left(&sent, &run);
}

#[rstest]
#[case::in_order("0,1,2", "0,1,2")]
#[case::shuffled("5,6,7,8,9", "4,2,0,3,1")]
#[case::one_killed_among_them("1,kill,3", "2,0,1")]
fn reap_polling_reaps_every_child_once_while_doing_other_work(
    #[case] specs: &str,
    #[case] order: &str,
) {
    let run = probe("reaper::polling", &[specs, order]);
    let specs: Vec<&str> = specs.split(',').collect();
    let pids = child_pids(&run);
    let mut expected: Vec<(i32, String)> = pids
        .iter()
        .zip(&specs)
        .map(|(&pid, spec)| (pid, exit_of_spec(spec)))
        .collect();
    let sent = format!(
        "{} held children with the specs {specs:?}; each call of between() ends the next one \
         (order {order}); reap_polling(8 s, between)",
        specs.len()
    );
    let mut returned = ended(&run, "returned");
    expected.sort();
    returned.sort();
    if returned != expected {
        Report::sent(&sent)
            .expected(format!(
                "every child once, with its status: {expected:?} (in any order)"
            ))
            .got(format!("{returned:?}"))
            .cause(
                "poll with waitpid(None, Some(WaitPidFlag::WNOHANG)); StillAlive means none \
                 ended yet (call between, pause), any other status goes through exit_of",
            )
            .fail();
    }
    let calls: usize = run.value("between").parse().expect("a count");
    if calls < specs.len() {
        Report::sent(&sent)
            .expected(format!("between() called at least {} times", specs.len()))
            .got(format!("{calls} calls"))
            .cause("call between() after each poll that found no child ended")
            .fail();
    }
    expect_no_children_left(&sent, &run);
}

#[test]
fn reap_polling_gives_up_after_its_limit_and_keeps_what_it_reaped() {
    let sent = "two held children (codes 4 and 5); the first released, the second not; \
                reap_polling(100 ms, between does nothing)";
    let run = probe_allowing_failure("reaper::polling_limit", &[]);
    if let Some(late) = run.values("overran").first() {
        Report::sent(sent)
            .expected("Err(ReapError::TimedOut { .. }) once 100 ms have passed")
            .got(format!(
                "it still polled (called between) {late} times after the 100 ms had passed, \
                 and was stopped"
            ))
            .cause(
                "compute the deadline once, before the loop (Instant::now() + limit); when a \
                 poll says StillAlive and the deadline has passed, return TimedOut",
            )
            .fail();
    }
    let run = run.expect_success();
    let pids = child_pids(&run);
    if run.values("timed_out").is_empty() {
        Report::sent(sent)
            .expected("Err(ReapError::TimedOut { .. }) once 100 ms have passed")
            .got(format!("{:?}", run.lines))
            .cause(
                "compute the deadline once, before the loop; when a poll says StillAlive \
                 and the deadline has passed, return TimedOut with the statuses reaped so far",
            )
            .fail();
    }
    // The first child may or may not have ended within the 100 ms, but each
    // child must be reported exactly once: by the timed-out poll, or later.
    let mut all = ended(&run, "early");
    all.extend(ended(&run, "late"));
    all.sort();
    let mut expected = vec![
        (pids[0], "exited 4".to_string()),
        (pids[1], "exited 5".to_string()),
    ];
    expected.sort();
    if all != expected {
        Report::sent(sent)
            .expected(format!(
                "each child reported once: before the timeout (in TimedOut's `reaped`) or by \
                 the reap_blocking after it: {expected:?}"
            ))
            .got(format!(
                "early {:?}, late {:?}",
                ended(&run, "early"),
                ended(&run, "late")
            ))
            .cause("a status reaped before the timeout must be in TimedOut { reaped }: waitpid returns it only once")
            .fail();
    }
    expect_no_children_left(sent, &run);
}

#[test]
fn an_exited_child_is_a_zombie_until_it_is_reaped() {
    let run = probe("reaper::zombie", &[]);
    let before = run.value("before");
    let status = run.value("status");
    let after = run.value("after");
    if (before, status, after) != ("Z", "exited 7", "gone") {
        Report::sent(
            "spawn(|| 7); waitid(WEXITED | WNOWAIT) until it has exited, without reaping it; \
             its state in /proc; then wait_for it; its state again",
        )
        .expected("state Z (zombie) before, `exited 7` from wait_for, and gone from /proc after")
        .got(format!("before {before}, status {status}, after {after}"))
        .cause(
            "an exited child stays in the process table (a zombie) until its parent collects \
             its status: wait_for must call waitpid, which reaps it",
        )
        .fail();
    }
}

#[test]
fn an_orphan_is_adopted_and_reaped_by_its_new_parent() {
    let run = probe("reaper::orphan", &[]);
    let parent: i32 = run.value("probe_pid").parse().expect("a pid");
    let child: i32 = run.value("child").parse().expect("a pid");
    let sent = "a child starts a grandchild and exits without waiting for it; the probe \
                (a child subreaper, like init) reaps the child";
    // `adopted PID PPID STATE`: the probe's children after the child was reaped.
    let adopted: Vec<Vec<&str>> = run
        .values("adopted")
        .iter()
        .map(|l| l.split(' ').collect())
        .collect();
    let grandchild = match adopted.as_slice() {
        [one] if one.len() == 3 && one[0] != child.to_string() && one[1] == parent.to_string() => {
            one[0].parse::<i32>().expect("a pid")
        }
        _ => Report::sent(sent)
            .expected(format!(
                "one orphan left, the grandchild, now a child of the probe ({parent})"
            ))
            .got(format!("{:?}", run.lines))
            .cause(
                "the child should exit right after starting the grandchild (spawn returns at \
                 once in the parent), and wait_for should reap the child",
            )
            .fail(),
    };
    let reaped = ended(&run, "reaped");
    if reaped != [(grandchild, "exited 5".to_string())] {
        Report::sent(format!(
            "{sent}; then the grandchild is released (it exits with 5) and reap_blocking runs"
        ))
        .expected(format!(
            "[({grandchild}, \"exited 5\")]: the adopted orphan, reaped by its new parent"
        ))
        .got(format!("{reaped:?}"))
        .cause("reap_blocking waits for *any* child (waitpid(None, …)), adopted ones too")
        .fail();
    }
    expect_no_children_left(sent, &run);
}

// --- the program -------------------------------------------------------------

#[test]
fn program_reaps_every_child_in_both_styles_and_leaves_no_zombie() {
    let finished = Program::run_ok(&["reaper", "--children", "4"]);
    let command = &finished.command_line;
    let reaped: Vec<&String> = finished
        .stdout
        .iter()
        .filter(|l| l.trim_start().starts_with("reaped "))
        .collect();
    let sent = format!("`{command}`");
    if reaped.len() != 8 {
        Report::sent(&sent)
            .expected("8 lines `reaped PID: …`: 4 children reaped in each style")
            .got(format!(
                "{} such lines: {:?}",
                reaped.len(),
                finished.stdout
            ))
            .cause("both styles start 4 children and reap each one once")
            .fail();
    }
    // Blocking, released last to first: child I exits with I, so 3, 2, 1, 0.
    let blocking: Vec<&str> = reaped[..4]
        .iter()
        .map(|l| l.rsplit(' ').next().unwrap_or(""))
        .collect();
    if blocking != ["3", "2", "1", "0"] {
        Report::sent(&sent)
            .expected("the blocking style to reap the exit codes 3, 2, 1, 0 in that order")
            .got(format!("{blocking:?}; it printed {:?}", finished.stdout))
            .cause("the children are released last to first: reap each as it ends")
            .fail();
    }
    if finished.stdout.last().map(String::as_str) != Some("no zombies left") {
        Report::sent(&sent)
            .expected("the last line `no zombies left`")
            .got(format!("{:?}", finished.stdout))
            .cause("the program checks /proc for zombies after both styles")
            .fail();
    }
}
