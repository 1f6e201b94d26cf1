//! Tests of the exercise `mixed-model` (book: ch5/mixed-model.md): the
//! supervisor's processes, as `/proc` shows them.
//!
//! `supervise` forks, so it runs in the probe `mixed_model::supervise`
//! (tests/src/probes/mixed_model.rs), a runner program in a process group of
//! its own: the probe process is the supervisor, and its workers run a body
//! the probe provides (a blocking accept loop that answers `pid N`). The
//! tests watch the supervisor's children in `/proc/PID/task/*/children`, the
//! workers' descriptors in `/proc/PID/fd`, and signal the supervisor; every
//! wait is bounded, and dropping the program kills its whole group.

use netkit_tests::harness::{Liveness, Program, Report, STEP, TcpPeer};
use netkit_tests::probes::procfs;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use std::collections::BTreeSet;
use std::fs;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// How long a correct supervisor needs, at most, to reap and replace a
/// worker, or to stop: it takes milliseconds; the bound is for a loaded
/// machine, and short enough that a wrong one fails within seconds.
const WITHIN: Duration = Duration::from_secs(4);

/// The probe, running: the supervisor and what it printed first.
struct Supervisor {
    program: Program,
    addr: SocketAddr,
    pid: i32,
    /// The listening socket's inode (`socket:[N]` in `/proc/PID/fd`).
    inode: String,
    /// The command line, for reports.
    sent: String,
}

impl Liveness for Supervisor {
    fn check(&self) -> Result<(), String> {
        self.program.check()
    }
}

/// Starts the probe with `workers` workers running `body` (`serve`,
/// `exit-after-K`, `panic`).
fn start(workers: usize, body: &str) -> Supervisor {
    let workers = workers.to_string();
    let mut program = Program::start(&["probe", "mixed_model::supervise", &workers, body]);
    let sent = format!(
        "`{}` (supervise({workers} workers), each worker answering `pid N`)",
        program.command_line()
    );
    let line = program.expect_line("listening on ADDR", |l| l.starts_with("listening on "));
    let addr = line["listening on ".len()..]
        .parse()
        .expect("the probe prints its address");
    let line = program.expect_line("supervisor PID", |l| l.starts_with("supervisor "));
    let pid = line["supervisor ".len()..]
        .parse()
        .expect("the probe prints its pid");
    let line = program.expect_line("listener inode N", |l| l.starts_with("listener inode "));
    let inode = line["listener inode ".len()..].to_string();
    Supervisor {
        program,
        addr,
        pid,
        inode,
        sent,
    }
}

/// The direct children of `parent` (zombies included), from
/// `/proc/PID/task/*/children`.
fn children(parent: i32) -> Vec<procfs::Proc> {
    let Ok(tasks) = fs::read_dir(format!("/proc/{parent}/task")) else {
        return Vec::new();
    };
    let mut pids: Vec<i32> = tasks
        .flatten()
        .filter_map(|t| fs::read_to_string(t.path().join("children")).ok())
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<i32>>()
        })
        .collect();
    pids.sort_unstable();
    pids.into_iter().filter_map(procfs::read).collect()
}

/// The processes below the supervisor's children (the workers' own children).
fn grandchildren(sup: &Supervisor) -> Vec<i32> {
    procfs::family(sup.pid)
        .into_iter()
        .filter(|&p| p != sup.pid)
        .filter(|&p| procfs::read(p).is_some_and(|proc| proc.ppid != sup.pid))
        .collect()
}

/// The children, said for a report.
fn describe(procs: &[procfs::Proc]) -> String {
    if procs.is_empty() {
        return "no child".to_string();
    }
    procs
        .iter()
        .map(|p| match p.state {
            'Z' => format!("pid {} a zombie (ended, never reaped)", p.pid),
            s => format!("pid {} state {s}", p.pid),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// Waits, at most [`WITHIN`], until the supervisor has exactly `n` children,
/// none of them in `gone`, all asleep (`S`), none a zombie, and no
/// grandchild; returns their pids. Fails with a report, saying `after` (what
/// the test did) and `cause`, if that does not come.
#[track_caller]
fn expect_workers(sup: &Supervisor, n: usize, gone: &[i32], after: &str, cause: &str) -> Vec<i32> {
    let start = Instant::now();
    loop {
        if let Err(why) = sup.check() {
            Report::sent(format!("{}; {after}", sup.sent))
                .expected(format!(
                    "{n} workers running, the supervisor waiting for them"
                ))
                .got(why)
                .cause(cause)
                .fail();
        }
        let now = children(sup.pid);
        let below = grandchildren(sup);
        let fine = now.len() == n
            && below.is_empty()
            && now.iter().all(|p| p.state == 'S' && !gone.contains(&p.pid));
        if fine {
            return now.iter().map(|p| p.pid).collect();
        }
        if start.elapsed() > WITHIN {
            let mut got = format!("after {} ms: {}", WITHIN.as_millis(), describe(&now));
            let old: Vec<i32> = now
                .iter()
                .filter(|p| gone.contains(&p.pid))
                .map(|p| p.pid)
                .collect();
            if !old.is_empty() {
                got.push_str(&format!("; still there though they ended: {old:?}"));
            }
            if !below.is_empty() {
                got.push_str(&format!(
                    "; and processes below the workers (a worker forked them): {below:?}"
                ));
            }
            Report::sent(format!("{}; {after}", sup.sent))
                .expected(format!(
                    "exactly {n} workers, children of the supervisor, each asleep in accept \
                     (state S), none of them {gone:?}, no zombie, no process below a worker"
                ))
                .got(got)
                .cause(cause)
                .fail();
        }
        std::thread::park_timeout(STEP);
    }
}

/// Connects, reads the worker's answer `pid N` and returns N.
#[track_caller]
fn answered_by(sup: &Supervisor) -> i32 {
    let mut peer = TcpPeer::connect_watched(sup.addr, sup);
    let line = peer.read_line(sup, "`pid N` from the worker that accepted the connection");
    match line.strip_prefix("pid ").and_then(|n| n.parse().ok()) {
        Some(pid) => pid,
        None => Report::sent(format!("{}; a connection to {}", sup.sent, sup.addr))
            .expected("`pid N`, the probe's worker answer")
            .got(format!("{line:?}"))
            .cause(
                "the workers must run the body supervise was given, on the listener it was given",
            )
            .fail(),
    }
}

/// Sends `signal` to `pid` (a process the test started or its child).
fn signal(pid: i32, signal: Signal) {
    let _ = kill(Pid::from_raw(pid), signal);
}

/// The inodes of the sockets process `pid` holds.
fn socket_inodes(pid: i32) -> Vec<String> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return Vec::new();
    };
    fds.flatten()
        .filter_map(|fd| fs::read_link(fd.path()).ok())
        .filter_map(|link| {
            let link = link.to_string_lossy().into_owned();
            Some(
                link.strip_prefix("socket:[")?
                    .strip_suffix(']')?
                    .to_string(),
            )
        })
        .collect()
}

/// Waits, at most `within`, for the process `pid` to reach `state`.
fn wait_state(pid: i32, within: Duration, done: impl Fn(Option<procfs::Proc>) -> bool) -> bool {
    let start = Instant::now();
    loop {
        if done(procfs::read(pid)) {
            return true;
        }
        if start.elapsed() > within {
            return false;
        }
        std::thread::park_timeout(STEP);
    }
}

const START_CAUSE: &str = "supervise forks `workers` children at once, each running the body \
                           on the listener it was given, and then waits (sigtimedwait or \
                           waitpid), asleep";

#[test]
fn the_workers_are_children_of_the_supervisor_asleep_and_none_a_zombie() {
    let sup = start(3, "serve");
    expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    // The supervisor itself waits, asleep, rather than polling.
    if !wait_state(sup.pid, WITHIN, |p| p.is_some_and(|p| p.state == 'S')) {
        let state = procfs::read(sup.pid).map(|p| p.state);
        Report::sent(&sup.sent)
            .expected("the supervisor asleep (state S) while its workers run")
            .got(format!("state {state:?}"))
            .cause("the supervisor must block (sigtimedwait, waitpid), not loop")
            .fail();
    }
}

#[test]
fn connections_are_answered_by_the_workers_and_by_more_than_one() {
    let sup = start(3, "serve");
    let workers = expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    let mut answered = BTreeSet::new();
    let mut ask = |what: &str| {
        let pid = answered_by(&sup);
        if !workers.contains(&pid) {
            Report::sent(format!("{}; {what}", sup.sent))
                .expected(format!("an answer by one of the workers {workers:?}"))
                .got(format!("an answer by pid {pid}"))
                .cause("the workers are the supervisor's children, and only they accept")
                .fail();
        }
        answered.insert(pid);
        pid
    };
    let first = ask("a connection");
    // The worker that answered, stopped: the next connection can only go
    // to another. (Without the stop, the worker that just answered may
    // take the next one from the queue before a sleeping one wakes.)
    signal(first, Signal::SIGSTOP);
    if !wait_state(first, WITHIN, |p| p.is_some_and(|p| p.state == 'T')) {
        signal(first, Signal::SIGCONT);
        Report::sent(format!("{}; SIGSTOP to worker {first}", sup.sent))
            .expected("the worker stopped (state T)")
            .got("not within the wait")
            .fail();
    }
    let second = ask(&format!("a second connection, with worker {first} stopped"));
    signal(first, Signal::SIGCONT);
    if second == first || answered.len() < 2 {
        Report::sent(format!(
            "{}; a second connection, worker {first} stopped",
            sup.sent
        ))
        .expected("an answer from another of the 3 workers")
        .got(format!("every answer from {answered:?}"))
        .cause("the workers must all accept on the same listener, forked after it was bound")
        .fail();
    }
}

#[test]
fn every_worker_holds_the_supervisors_listener_and_no_other_socket() {
    let sup = start(3, "serve");
    let workers = expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    for pid in workers {
        let inodes = socket_inodes(pid);
        if inodes.is_empty() || inodes.iter().any(|i| *i != sup.inode) {
            Report::sent(&sup.sent)
                .expected(format!(
                    "worker {pid}'s sockets (/proc/{pid}/fd) all the supervisor's listener, \
                     socket:[{}]",
                    sup.inode
                ))
                .got(format!("sockets {inodes:?}"))
                .cause(
                    "a worker must accept on the listener it inherited at the fork, not bind \
                     one of its own",
                )
                .fail();
        }
    }
}

#[test]
fn a_killed_worker_is_reaped_and_replaced() {
    let sup = start(3, "serve");
    let workers = expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    let victim = workers[0];
    signal(victim, Signal::SIGKILL);
    let now = expect_workers(
        &sup,
        3,
        &[victim],
        &format!("SIGKILL to worker {victim}"),
        "the supervisor must reap a dead worker (waitpid) and fork another in its place",
    );
    let pid = answered_by(&sup);
    if !now.contains(&pid) {
        Report::sent(format!(
            "{}; SIGKILL to worker {victim}, then a connection",
            sup.sent
        ))
        .expected(format!("an answer from one of the workers {now:?}"))
        .got(format!("an answer from {pid}"))
        .cause("the new worker must serve the same listener")
        .fail();
    }
}

#[test]
fn three_workers_dead_at_once_are_all_reaped_and_replaced() {
    let sup = start(4, "serve");
    let workers = expect_workers(&sup, 4, &[], "nothing else", START_CAUSE);
    // Stopped, the supervisor sees the three deaths at once when it goes on:
    // SIGCHLD, pending already, does not count three times. (Its wait may
    // also return once with EINTR, on SIGCONT: one more round, still fewer
    // than three.)
    signal(sup.pid, Signal::SIGSTOP);
    let stopped = wait_state(sup.pid, WITHIN, |p| p.is_some_and(|p| p.state == 'T'));
    let victims = [workers[0], workers[1], workers[2]];
    for v in victims {
        signal(v, Signal::SIGKILL);
    }
    let dead = victims
        .iter()
        .all(|&v| wait_state(v, WITHIN, |p| p.is_none_or(|p| p.is_zombie())));
    signal(sup.pid, Signal::SIGCONT);
    if !stopped || !dead {
        Report::sent(&sup.sent)
            .expected("the supervisor stopped by SIGSTOP, and three workers dead by SIGKILL")
            .got(format!("stopped: {stopped}, all three dead: {dead}"))
            .cause("(the test could not set the scene: a loaded machine?)")
            .fail();
    }
    expect_workers(
        &sup,
        4,
        &victims,
        &format!(
            "SIGSTOP to the supervisor, SIGKILL to workers {victims:?}, SIGCONT to the supervisor"
        ),
        "signals of one kind merge: one SIGCHLD may stand for several dead children, so call \
         waitpid(-1, WNOHANG) until it says no more, not once per SIGCHLD",
    );
}

#[test]
fn a_worker_that_ends_by_itself_is_replaced() {
    let sup = start(2, "exit-after-1");
    let mut gone = Vec::new();
    for round in 0..3 {
        let workers = expect_workers(
            &sup,
            2,
            &gone,
            &format!("{round} connection(s), each worker ending after its first"),
            "a worker that returns is replaced; the child must _exit, never return into the \
             supervisor's loop (it would fork workers of its own)",
        );
        let pid = answered_by(&sup);
        if !workers.contains(&pid) {
            Report::sent(&sup.sent)
                .expected(format!("an answer from one of the workers {workers:?}"))
                .got(format!("an answer from {pid}"))
                .cause("only the supervisor's children accept")
                .fail();
        }
        gone.push(pid);
    }
    expect_workers(
        &sup,
        2,
        &gone,
        "3 connections, each worker ending after its first",
        "a worker that returns is replaced; the child must _exit, never return into the \
         supervisor's loop (it would fork workers of its own)",
    );
}

#[test]
fn workers_that_panic_at_once_make_the_supervisor_give_up_without_spinning() {
    let sup = start(2, "panic");
    let sent = sup.sent.clone();
    // Within its bound, the program must stop: a supervisor that restarts a
    // broken worker at once, for ever, never does.
    let finished = sup.program.finish_within(WITHIN);
    let panics = finished.stderr.matches("panics at once").count();
    let result = finished
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("result "))
        .unwrap_or("(none)")
        .to_string();
    let left = finished.stdout.iter().find_map(|l| l.strip_prefix("left "));
    if !result.starts_with("error") || left != Some("0") || panics > 40 {
        Report::sent(format!("{sent}, each worker panicking at once"))
            .expected(
                "supervise returning an error, after a bounded number of restarts with a \
                 growing delay, every worker reaped (`left 0`)",
            )
            .got(format!(
                "result {result:?}, left {left:?}, {panics} worker panic(s); its stderr: {}",
                finished
                    .stderr
                    .lines()
                    .take(6)
                    .collect::<Vec<_>>()
                    .join("\n")
            ))
            .cause(
                "count the workers that die soon after their start; after a few in a row, wait \
                 longer and longer before forking again, and give up after a bound",
            )
            .fail();
    }
}

#[test]
fn sigterm_stops_every_worker_and_the_supervisor_returns_ok() {
    let sup = start(3, "serve");
    let workers = expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    signal(sup.pid, Signal::SIGTERM);
    let sent = format!("{}; SIGTERM to the supervisor", sup.sent);
    let finished = sup.program.finish_within(WITHIN);
    let result = finished
        .stdout
        .iter()
        .find_map(|l| l.strip_prefix("result "));
    let left = finished.stdout.iter().find_map(|l| l.strip_prefix("left "));
    if !finished.status.success() || result != Some("ok") || left != Some("0") {
        Report::sent(sent)
            .expected(format!(
                "supervise returning Ok(()) once its workers {workers:?} are all ended and \
                 reaped (`result ok`, `left 0`)"
            ))
            .got(format!(
                "status {}, result {result:?}, left {left:?} (children not reaped); its stderr: {}",
                finished.status, finished.stderr
            ))
            .cause(
                "on SIGTERM the supervisor sends SIGTERM to every worker and reaps each one \
                 before it returns: otherwise they are orphans that go on serving",
            )
            .fail();
    }
}

#[test]
fn the_workers_die_with_a_killed_supervisor() {
    let sup = start(3, "serve");
    let workers = expect_workers(&sup, 3, &[], "nothing else", START_CAUSE);
    signal(sup.pid, Signal::SIGKILL);
    for &w in &workers {
        if !wait_state(w, WITHIN, |p| p.is_none_or(|p| p.is_zombie())) {
            Report::sent(format!("{}; SIGKILL to the supervisor", sup.sent))
                .expected(format!(
                    "every worker {workers:?} dead within {} ms",
                    WITHIN.as_millis()
                ))
                .got(format!(
                    "worker {w} still running: {:?}",
                    procfs::read(w).map(|p| p.state)
                ))
                .cause(
                    "SIGKILL cannot be caught: each worker must ask the kernel, in the child, \
                     for a signal when its parent dies (prctl(PR_SET_PDEATHSIG, SIGTERM)), \
                     then check that getppid() is still the supervisor",
                )
                .fail();
        }
    }
}
