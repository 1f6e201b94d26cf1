//! Tests of the exercise `nonblocking-server` (book: ch3/nonblocking-server.md):
//! the chapter's conformance tests for the line echo, as a concurrent model,
//! and the model's own: it serves from one thread, and while nobody comes it
//! writes its idle line to its log (stderr, or the file of `--log`).

use super::line_echo::{Kind, Model, expect_echo, line_echo_conformance};
use netkit_tests::harness::{Program, Report, STEP, TcpPeer, thread_count, wait_for};
use netkit_tests::kit::ch3::nonblocking_server::{IDLE_LINE, LOG_EVERY};
use std::path::Path;

const MODEL: Model = Model::new(&["nonblocking-server"], Kind::Concurrent);

line_echo_conformance!(concurrent, MODEL);

/// Sends `line` on `peer` and reads its echo.
#[track_caller]
fn round_trip(peer: &mut TcpPeer, program: &Program, line: &[u8]) {
    peer.send(line);
    expect_echo(
        peer,
        program,
        line,
        "every line comes back as it was sent, as soon as it is whole",
    );
}

/// Several clients connected, one with half a line: still one thread.
#[test]
fn serves_every_client_from_one_thread() {
    let (program, addr) = Program::start_server(&["nonblocking-server", "--addr", "127.0.0.1:0"]);
    let mut clients: Vec<TcpPeer> = (0..5)
        .map(|_| TcpPeer::connect_watched(addr, &program))
        .collect();
    for (i, client) in clients.iter_mut().enumerate() {
        round_trip(client, &program, format!("client {i}\n").as_bytes());
    }
    clients[0].send(b"half a line");
    round_trip(&mut clients[1], &program, b"still one thread?\n");
    let threads = thread_count(program.pid());
    if threads != 1 {
        Report::sent("five clients, each served a line; the first then sent half a line")
            .expected("the server running one thread (/proc/PID/task has one entry)")
            .got(format!("{threads} threads"))
            .cause(
                "this model serves every client from the thread that accepts them: one loop \
                 over non-blocking sockets, no thread per client (that is thread-server)",
            )
            .fail();
    }
}

/// Waits for a line starting with `IDLE_LINE` in what `read` returns; the
/// wait watches the program and is bounded.
#[track_caller]
fn expect_idle_line(program: &Program, where_: &str, read: impl Fn() -> String) -> String {
    let seen = wait_for(program, || {
        // (Program::stderr_text quotes each line with "  | ".)
        let text = read();
        let mut lines = text.lines().map(|l| l.strip_prefix("  | ").unwrap_or(l));
        if let Some(line) = lines.find(|l| l.starts_with(IDLE_LINE)) {
            return Ok(Some(line.to_string()));
        }
        std::thread::park_timeout(STEP);
        Ok(None)
    });
    seen.unwrap_or_else(|e| {
        Report::sent(format!(
            "one client served a line, then nothing; {where_} watched"
        ))
        .expected(format!(
            "a line starting with {IDLE_LINE:?} in {where_} within about {} ms",
            LOG_EVERY.as_millis()
        ))
        .got(format!("{e}; {where_} holds {:?}", read()))
        .cause(
            "while a pass finds nothing to do, the loop does its other work: at most once every \
             LOG_EVERY, one line to the log, flushed, before the pause",
        )
        .fail()
    })
}

/// Idle, the loop writes its line to stderr (no `--log`).
#[test]
fn logs_a_line_to_stderr_while_idle() {
    let (program, addr) = Program::start_server(&["nonblocking-server", "--addr", "127.0.0.1:0"]);
    let mut client = TcpPeer::connect_watched(addr, &program);
    round_trip(&mut client, &program, b"hello\n");
    let line = expect_idle_line(&program, "its stderr", || program.stderr_text());
    if !line.contains("1 client(s)") {
        Report::sent("one client connected, idle")
            .expected(format!("{IDLE_LINE} 1 client(s) connected, …"))
            .got(line)
            .cause("the idle line says how many clients are connected")
            .fail();
    }
}

/// With `--log FILE`, the idle line goes to that file, not stderr.
#[test]
fn log_option_writes_the_idle_line_to_its_file() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let path = dir.path().join("idle.log");
    let path_text = path.to_str().expect("a UTF-8 temporary path");
    let (program, addr) = Program::start_server(&[
        "nonblocking-server",
        "--addr",
        "127.0.0.1:0",
        "--log",
        path_text,
    ]);
    let mut client = TcpPeer::connect_watched(addr, &program);
    round_trip(&mut client, &program, b"hello\n");
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
    expect_idle_line(&program, "the --log file", || read(&path));
    let stderr = program.stderr_text();
    if stderr.contains(IDLE_LINE) {
        Report::sent(format!("--log {path_text}, then idle"))
            .expected("the idle lines in the file only")
            .got(format!("idle lines on stderr too: {stderr}"))
            .cause("with --log, the log is the file: stderr is only the default")
            .fail();
    }
}
