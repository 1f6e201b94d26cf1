//! The chapter 3 listings about blocking, non-blocking IO, select and epoll
//! print what the pages show, and end by themselves.

use assert_cmd::Command;
use std::time::Duration;

/// Far longer than the demos take (about a second each).
const TIMEOUT: Duration = Duration::from_secs(20);

/// Runs a listing with `args` to its end; its stdout lines, after checking
/// that it succeeded.
fn run(program: &str, args: &[&str]) -> Vec<String> {
    let output = Command::new(program)
        .args(args)
        .timeout(TIMEOUT)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{program} {args:?} ended with {}: stdout {stdout:?}, stderr {:?}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout.lines().map(str::to_string).collect()
}

/// The number in `line` just before `word` ("17775 accept calls").
fn number_before(line: &str, word: &str) -> u64 {
    let before = line
        .split(word)
        .next()
        .unwrap_or_else(|| panic!("{word:?} not in {line:?}"));
    before
        .split_whitespace()
        .last()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no number before {word:?} in {line:?}"))
}

#[test]
fn nonblocking_accept_serves_four_clients_and_logs_while_waiting() {
    let lines = run(env!("CARGO_BIN_EXE_nonblocking-accept"), &[]);
    assert_eq!(lines.len(), 10, "{lines:?}");
    assert!(lines[0].starts_with("listening on 127.0.0.1:"), "{lines:?}");
    for (n, pair) in lines[1..9].chunks(2).enumerate() {
        let kind = if n < 2 {
            "non-blocking: "
        } else {
            "timeout:      "
        };
        assert!(pair[0].starts_with(kind), "client {}: {lines:?}", n + 1);
        assert_eq!(
            pair[1],
            format!("              it sent \"hello from client {}\"", n + 1),
            "each line is read whole, though sent in two pieces: {lines:?}"
        );
    }
    // Each client comes 150 ms after the last: a few passes (20 ms) or
    // timeouts (100 ms) found nobody before it, not thousands.
    let logged = number_before(&lines[9], "lines");
    assert!(
        (4..=100).contains(&logged),
        "bounded waits, not a busy loop: {lines:?}"
    );
}

/// The two numbers of a latency line: "at most 19.7 ms, on average 10.3 ms".
fn latencies(line: &str) -> (f64, f64) {
    let numbers: Vec<f64> = line
        .split_whitespace()
        .filter_map(|word| word.parse().ok())
        .collect();
    match numbers[..] {
        [.., most, average] => (most, average),
        _ => panic!("no latencies in {line:?}"),
    }
}

#[test]
fn busy_loop_burns_cpu_that_the_bounded_waits_do_not() {
    let lines = run(env!("CARGO_BIN_EXE_busy-loop"), &[]);
    assert_eq!(lines.len(), 8, "{lines:?}");
    assert_eq!(lines[0], "waiting 300 ms for nobody:", "{lines:?}");
    let calls: Vec<u64> = lines[1..4]
        .iter()
        .map(|l| number_before(l, " accept calls"))
        .collect();
    let cpu: Vec<u64> = lines[1..4]
        .iter()
        .map(|l| number_before(l, "ms of CPU"))
        .collect();
    assert!(lines[1].starts_with("  busy loop"), "{lines:?}");
    // The busy loop asks thousands of times and uses CPU for much of its
    // 300 ms (less on a loaded machine, but far more than the others).
    assert!(calls[0] > 1000 && cpu[0] >= 20, "{lines:?}");
    // 300 ms / 20 ms = 15 passes; 300 ms / 100 ms = 3 timeouts.
    assert!((2..=16).contains(&calls[1]), "{lines:?}");
    assert!((2..=4).contains(&calls[2]), "{lines:?}");
    assert!(cpu[1] <= 10 && cpu[2] <= 10, "the waits sleep: {lines:?}");
    assert!(lines[4].starts_with("a client connects"), "{lines:?}");
    // Sleeping 20 ms between passes, a client waits for the next pass: 10 ms
    // on average. A blocked accept takes it as soon as it comes.
    let (sleep_most, sleep_average) = latencies(&lines[6]);
    let (_, timeout_average) = latencies(&lines[7]);
    assert!(
        sleep_most >= 10.0 && sleep_average >= 4.0,
        "clients wait for the next pass: {lines:?}"
    );
    assert!(
        timeout_average < sleep_average,
        "a blocked accept wakes when the client comes: {lines:?}"
    );
}

#[test]
fn select_demo_reports_what_is_ready_and_refuses_fd_setsize() {
    let lines = run(env!("CARGO_BIN_EXE_select-demo"), &[]);
    let expected_starts = [
        "nothing sent yet:   []",
        "after a connect:    [\"listener\"]",
        "                    accepted 127.0.0.1:",
        "after a datagram:   [\"udp\"]",
        "                    5 bytes from 127.0.0.1:",
        "after a pipe write: [\"pipe\"]",
        "                    7 bytes from the pipe",
        "all three at once:  [\"listener\", \"udp\", \"pipe\"]",
        "ready to write:     [\"udp\", \"tcp client\"]",
        "a regular file:     [\"file\"]",
        "FD_SETSIZE = 1024",
        "descriptor 1024: at or above FD_SETSIZE, refused and closed",
        "FdSet::insert(1024) panics: \"fd must be in the range 0..FD_SETSIZE\"",
    ];
    // Where the hard limit on open files is 1024, no descriptor can be
    // numbered 1024: the demo says so instead of showing the refusal.
    let limited = lines.len() == 12 && lines[11].starts_with("cannot get a descriptor");
    let expected = if limited {
        &expected_starts[..11]
    } else {
        &expected_starts[..]
    };
    assert_eq!(
        lines.len(),
        expected.len() + usize::from(limited),
        "{lines:?}"
    );
    for (line, start) in lines.iter().zip(expected) {
        assert!(line.starts_with(start), "{start:?} expected: {lines:?}");
    }
}

/// What both modes print first: the seed's three sources.
const THREE: [&str; 3] = [
    "a regular file:  refused, EPERM: Operation not permitted",
    "ready:           [\"listener\", \"pipe\", \"udp\"]",
    "after handling:  0 ready",
];

#[test]
fn epoll_demo_level_triggered_reports_what_is_left() {
    let lines = run(env!("CARGO_BIN_EXE_epoll-demo"), &[]);
    let expected = [
        "level-triggered (EPOLLIN), each wake-up reads at most 4 bytes",
        "sent \"0123456789\"",
        "wait 1: readable, read \"0123\", 6 bytes unread",
        "wait 2: readable, read \"4567\", 2 bytes unread",
        "wait 3: readable, read \"89\", 0 bytes unread",
        "sent \"abc\"",
        "wait 4: readable, read \"abc\", 0 bytes unread",
        "wait 5: no event in 100 ms, 0 bytes unread",
        "sent \"xyz\"",
        "wait 6: readable, drained \"xyz\" until WouldBlock, 0 bytes unread",
        "wait 7: 0 events, 0 bytes unread",
    ];
    assert_eq!(lines, [&THREE[..], &expected[..]].concat(), "{lines:#?}");
}

#[test]
fn epoll_demo_edge_triggered_misses_what_is_left_until_drained() {
    let lines = run(env!("CARGO_BIN_EXE_epoll-demo"), &["--edge"]);
    let expected = [
        "edge-triggered (EPOLLIN | EPOLLET), each wake-up reads at most 4 bytes",
        "sent \"0123456789\"",
        "wait 1: readable, read \"0123\", 6 bytes unread",
        "wait 2: no event in 100 ms, 6 bytes unread",
        "wait 3: no event in 100 ms, 6 bytes unread",
        "sent \"abc\"",
        "wait 4: readable, read \"4567\", 5 bytes unread",
        "wait 5: no event in 100 ms, 5 bytes unread",
        "sent \"xyz\"",
        "wait 6: readable, drained \"89abcxyz\" until WouldBlock, 0 bytes unread",
        "wait 7: 0 events, 0 bytes unread",
    ];
    assert_eq!(lines, [&THREE[..], &expected[..]].concat(), "{lines:#?}");
}
