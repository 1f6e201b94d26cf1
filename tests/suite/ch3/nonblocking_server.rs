//! Tests of the exercise `nonblocking-server` (book: ch3/nonblocking-server.md):
//! the chapter's conformance tests for the line echo, as a concurrent model,
//! and the model's own: it serves from one thread, and while nobody comes it
//! writes its idle line to its log (stderr, or the file of `--log`); idle,
//! it is not even waiting for a CPU (a spin is seen however loaded the
//! machine is); and what a full send buffer did not take is written later,
//! never dropped.

use super::line_echo::{Kind, Model, expect_echo, line_echo_conformance};
use netkit_tests::harness::{
    Liveness, Program, Report, STEP, TIMEOUT, TcpPeer, XorShift, thread_count, unread_by_server,
    wait_for,
};
use netkit_tests::kit::ch3::nonblocking_server::{IDLE_LINE, LOG_EVERY, MAX_LINE, PAUSE};
use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

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
        let text = read();
        // Whole lines only, up to the last '\n': the server may be half-way
        // through writing one.
        let complete = &text[..text.rfind('\n').map_or(0, |end| end + 1)];
        if let Some(line) = complete.lines().find(|l| l.starts_with(IDLE_LINE)) {
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
    let line = expect_idle_line(&program, "its stderr", || program.stderr_raw());
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

/// The time thread `pid` (the server's only thread) has spent on a CPU and
/// waiting for one: the first two fields of `/proc/PID/schedstat`. A thread
/// that sleeps adds to neither; a thread that spins adds to one or the
/// other all the time, whatever else the machine runs.
fn running_or_runnable(pid: u32) -> Result<Duration, String> {
    let path = format!("/proc/{pid}/schedstat");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    let fields: Vec<u64> = text
        .split_whitespace()
        .take(2)
        .filter_map(|n| n.parse().ok())
        .collect();
    match fields[..] {
        [on_cpu, waiting] => Ok(Duration::from_nanos(on_cpu + waiting)),
        _ => Err(format!("{path} holds {text:?}")),
    }
}

/// How many times thread `pid` has given up its CPU to wait (a sleep, a
/// blocking call): `voluntary_ctxt_switches` in `/proc/PID/status`. A
/// thread that spins on non-blocking calls never waits, loaded machine or
/// not; one that sleeps after each empty pass adds one each pass.
fn voluntary_switches(pid: u32) -> Result<u64, String> {
    let path = format!("/proc/{pid}/status");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("reading {path}: {e}"))?;
    text.lines()
        .find_map(|l| l.strip_prefix("voluntary_ctxt_switches:"))
        .and_then(|n| n.trim().parse().ok())
        .ok_or_else(|| format!("{path} has no voluntary_ctxt_switches line"))
}

/// [`running_or_runnable`] and [`voluntary_switches`], or a report that
/// says why they cannot be read.
#[track_caller]
fn awake_and_sleeps(program: &Program) -> (Duration, u64) {
    match (
        running_or_runnable(program.pid()),
        voluntary_switches(program.pid()),
    ) {
        (Ok(awake), Ok(sleeps)) => (awake, sleeps),
        (Err(why), _) | (_, Err(why)) => {
            let story = program.check().err().unwrap_or_default();
            Report::sent("one client idle with half a line")
                .expected("the server's scheduler statistics, in /proc/PID/schedstat and status")
                .got(format!("{why} {story}"))
                .cause("the server stopped, or the kernel does not say")
                .fail()
        }
    }
}

/// How long the spin test watches, and how much of it the server may spend
/// on a CPU or in a run queue: a spinning thread spends all of it there, on
/// any machine; a sleeping one, a little at each of its 30 wake-ups (more on
/// a loaded machine, where a woken thread may wait a few ms for a core).
const IDLE: Duration = Duration::from_millis(300);
const AWAKE_AT_MOST: Duration = Duration::from_millis(200);
/// On a machine so loaded that a woken thread waits in the run queue for
/// most of `IDLE`, a sleeping server is still told from a spinning one by
/// its sleeps: it gives up its CPU at least this often in `IDLE` (about 30
/// times when the machine is idle), a spinning one never.
const SLEEPS_AT_LEAST: u64 = 3;

/// Idle, the loop sleeps between passes: its thread is neither running nor
/// waiting to run for most of the time. (The chapter's CPU test counts only
/// time on a CPU, which a spinning server shares with every other program
/// of a loaded machine; the time it waits in the run queue counts here too.)
#[test]
fn sleeps_between_passes_that_find_nothing() {
    let (program, addr) = Program::start_server(&["nonblocking-server", "--addr", "127.0.0.1:0"]);
    let mut client = TcpPeer::connect_watched(addr, &program);
    round_trip(&mut client, &program, b"hello\n");
    client.send(b"half a line, then nothing");
    let (before, slept_before) = awake_and_sleeps(&program);
    let start = Instant::now();
    // Not a wait for the server: the interval over which it is measured.
    std::thread::sleep(IDLE);
    let wall = start.elapsed();
    program.check().unwrap_or_else(|why| {
        Report::sent(client.sent())
            .expected("the server still running")
            .got(why)
            .cause("see the message above: the server stopped")
            .fail()
    });
    let (awake, slept) = awake_and_sleeps(&program);
    let awake = awake.saturating_sub(before);
    let slept = slept.saturating_sub(slept_before);
    if awake > AWAKE_AT_MOST && slept < SLEEPS_AT_LEAST {
        Report::sent(format!("{}, then nothing", client.sent()))
            .expected(format!(
                "the server asleep between passes (a pass, then {} ms of sleep): running or \
                 waiting to run for less than {} ms, or asleep at least {SLEEPS_AT_LEAST} times",
                PAUSE.as_millis(),
                AWAKE_AT_MOST.as_millis()
            ))
            .got(format!(
                "{} ms running or in the run queue, out of {} ms (/proc/PID/schedstat), and \
                 {slept} sleeps (voluntary context switches, /proc/PID/status)",
                awake.as_millis(),
                wall.as_millis()
            ))
            .cause(
                "a busy loop: a pass that found nothing (every accept and read said WouldBlock) \
                 goes straight into the next. Sleep PAUSE after such a pass",
            )
            .fail();
    }
}

/// A client that sends far more than it reads, and reads only once the
/// server has stopped reading it: the server's send buffer fills, its writes
/// come back short, and what they did not take must be written later. Then
/// the client reads: every byte comes back, in order.
#[test]
fn keeps_what_a_short_write_did_not_send() {
    const TOTAL: usize = 16 * 1024 * 1024;
    let (program, addr) = Program::start_server(&["nonblocking-server", "--addr", "127.0.0.1:0"]);
    let mut rng = XorShift::seeded(0x5e7d);
    let mut sent = Vec::with_capacity(TOTAL + MAX_LINE + 1);
    while sent.len() < TOTAL {
        let len = rng.index(MAX_LINE + 1);
        sent.extend(std::iter::repeat_n(b'a' + (len % 26) as u8, len));
        sent.push(b'\n');
    }
    let stream = TcpStream::connect_timeout(&addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("connecting to {addr} failed: {e}"));
    // (Its receive buffer keeps its default size: a tiny one, unread, closes
    // the window, and on loopback's large segments the reopened window may
    // wait for the sender's next persist probe, seconds later.)
    stream
        .set_write_timeout(Some(STEP))
        .expect("a write timeout");
    stream.set_read_timeout(Some(STEP)).expect("a read timeout");
    let mut writer = stream.try_clone().expect("cloning the client's socket");
    let (done, stalled) = (AtomicBool::new(false), AtomicBool::new(false));
    let got = std::thread::scope(|scope| {
        let writing = scope.spawn(|| {
            let mut at = 0;
            let mut last_progress = Instant::now();
            while at < sent.len() {
                match writer.write(&sent[at..]) {
                    Ok(n) => {
                        at += n;
                        last_progress = Instant::now();
                    }
                    // Nothing taken for a STEP: the server has stopped
                    // reading (a full output, the reference's backpressure).
                    Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                        stalled.store(true, Ordering::SeqCst);
                        if last_progress.elapsed() > TIMEOUT {
                            return Err(format!(
                                "the server took nothing for {} s",
                                TIMEOUT.as_secs()
                            ));
                        }
                    }
                    Err(e) => return Err(e.to_string()),
                }
            }
            let _ = writer.shutdown(Shutdown::Write);
            done.store(true, Ordering::SeqCst);
            Ok(at)
        });
        // Read nothing until everything is sent, or the server has stopped
        // reading with bytes of ours unread: by then its send buffer was
        // full, and its writes short.
        let _ = wait_for(&program, || {
            if done.load(Ordering::SeqCst)
                || (stalled.load(Ordering::SeqCst) && unread_by_server(addr) > 0)
            {
                return Ok(Some(()));
            }
            std::thread::park_timeout(STEP);
            Ok(None)
        });
        let mut reader = &stream;
        let mut got = Vec::with_capacity(sent.len());
        let mut chunk = vec![0u8; 64 * 1024];
        let mut last_progress = Instant::now();
        let ended = loop {
            match reader.read(&mut chunk) {
                Ok(0) => break None,
                Ok(n) => {
                    got.extend_from_slice(&chunk[..n]);
                    last_progress = Instant::now();
                }
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if let Err(died) = program.check() {
                        break Some(died);
                    }
                    if last_progress.elapsed() > TIMEOUT {
                        break Some(format!("nothing more within {} s", TIMEOUT.as_secs()));
                    }
                }
                Err(e) => break Some(e.to_string()),
            }
        };
        let written = writing.join().expect("the test's writer does not panic");
        (got, ended, written)
    });
    let (got, ended, written) = got;
    if got != sent || ended.is_some() || written.is_err() {
        let at = got
            .iter()
            .zip(&sent)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(sent.len()));
        Report::sent(format!(
            "{} bytes of lines, none read back until the server stopped reading (its send \
             buffer full), then all read",
            sent.len()
        ))
        .expected("every byte back, in order, then the end of the connection")
        .got(format!(
            "{} bytes back, the first difference at offset {at}; then {}; sending: {}",
            got.len(),
            ended.unwrap_or_else(|| "the end of the connection".into()),
            match written {
                Ok(n) => format!("all {n} bytes sent"),
                Err(e) => e,
            }
        ))
        .cause(
            "a write on a non-blocking socket may take only part of what it is given: keep \
             the rest (drain only the n bytes written) and write it on a later pass. Clearing \
             the buffer after a short write loses the rest",
        )
        .fail();
    }
}
