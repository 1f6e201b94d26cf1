//! The line-echo protocol's conformance tests, written once and run against
//! every model of chapter 3 (book: ch3/index.md, "One protocol for every
//! model").
//!
//! A model is a runner program (`iterative-server`, `thread-server`, …) and
//! its [`Kind`]. Each model's own file of the suite runs every test here
//! with one line:
//!
//! ```ignore
//! line_echo_conformance!(concurrent, Model::new(&["thread-server"]));
//! ```
//!
//! which writes one `#[test]` per behaviour in that file's module, so the
//! tests are named for the model's exercise (`ch3::thread_server::…`). The
//! server runs as a program, in a process of its own (a model that forks is
//! no different from one that does not), started on `127.0.0.1:0`.
//!
//! Every wait watches the program (a stub's `todo!()` ends it, and the wait
//! with it); for a concurrent model it also watches the accepting thread
//! ([`Accepting`], with the listener's queue), so a model that serves one
//! client at a time, or joins each client's thread, fails at once rather
//! than at a timeout.

use netkit_tests::harness::{
    Accepting, Liveness, Program, Report, STEP, TIMEOUT, TcpPeer, XorShift, all_threads_blocked,
    group_cpu_time, show, unread_by_server,
};
use netkit_tests::kit::ch3::line_echo::MAX_LINE;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a model serves several clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// One client at a time: a second one waits until the first leaves.
    Iterative,
    /// Every connected client is served at once.
    Concurrent,
}

/// A model under test: the runner's program, with its arguments.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// The program and its own options (`--addr 127.0.0.1:0` is added).
    pub args: &'static [&'static str],
    pub kind: Kind,
}

impl Model {
    pub const fn new(args: &'static [&'static str], kind: Kind) -> Model {
        Model { args, kind }
    }

    /// Starts the model on a free port of loopback.
    #[track_caller]
    pub fn start(&self) -> Running {
        let mut args = self.args.to_vec();
        args.extend(["--addr", "127.0.0.1:0"]);
        let (program, addr) = Program::start_server(&args);
        Running {
            program,
            addr,
            kind: self.kind,
        }
    }
}

/// A model started: the program, where it listens.
pub struct Running {
    pub program: Program,
    pub addr: SocketAddr,
    kind: Kind,
}

/// What a wait watches: the program, and for a concurrent model its
/// accepting thread too.
pub enum Watch<'a> {
    Program(&'a Program),
    Accepting(Accepting<'a, Program>),
}

impl Liveness for Watch<'_> {
    fn check(&self) -> Result<(), String> {
        match self {
            Watch::Program(program) => program.check(),
            Watch::Accepting(accepting) => accepting.check(),
        }
    }
}

impl Running {
    /// The watch for waits while other clients are connected: a concurrent
    /// model must go on accepting meanwhile.
    pub fn watch(&self) -> Watch<'_> {
        match self.kind {
            Kind::Iterative => Watch::Program(&self.program),
            Kind::Concurrent => {
                Watch::Accepting(Accepting::program(&self.program).listening_on(self.addr))
            }
        }
    }

    /// A new client.
    #[track_caller]
    pub fn connect(&self) -> TcpPeer {
        TcpPeer::connect_watched(self.addr, &self.program)
    }

    fn name(&self) -> &str {
        self.program.command_line()
    }
}

/// Reads the echo of `sent` on `peer`: exactly those bytes, or a report.
#[track_caller]
pub fn expect_echo(peer: &mut TcpPeer, watched: &dyn Liveness, sent: &[u8], cause: &str) {
    match peer.try_read_exact(sent.len(), watched) {
        Ok(got) if got == sent => {}
        Ok(got) => Report::sent(peer.sent())
            .expected(format!("the same bytes back: {}", show(sent)))
            .got(show(&got))
            .cause(cause)
            .fail(),
        Err((got, why)) => Report::sent(peer.sent())
            .expected(format!("the same bytes back: {}", show(sent)))
            .got(if got.is_empty() {
                why
            } else {
                format!("{}, then {why}", show(&got))
            })
            .cause(cause)
            .fail(),
    }
}

/// Sends `line` and reads its echo.
#[track_caller]
fn round_trip(peer: &mut TcpPeer, watched: &dyn Liveness, line: &[u8]) {
    peer.send(line);
    expect_echo(
        peer,
        watched,
        line,
        "every line comes back as it was sent, '\\n' included, as soon as it is whole",
    );
}

/// Reads until the server closes the connection, which it must do without
/// sending anything more.
#[track_caller]
pub fn expect_closed_quietly(
    peer: &mut TcpPeer,
    watched: &dyn Liveness,
    expected: &str,
    cause: &str,
) {
    match peer.try_read_exact(1, watched) {
        Err((got, why))
            if got.is_empty() && (why.starts_with("end of file") || why.contains("reset")) => {}
        Ok(got) | Err((got, _)) if !got.is_empty() => {
            let mut more = got;
            more.extend(peer.read_available());
            Report::sent(peer.sent())
                .expected(expected)
                .got(format!("more data: {}", show(&more)))
                .cause(cause)
                .fail()
        }
        Err((_, why)) => Report::sent(peer.sent())
            .expected(expected)
            .got(why)
            .cause(cause)
            .fail(),
        Ok(_) => unreachable!("a read of one byte that succeeded returned a byte"),
    }
}

/// A [`Liveness`] for a client that waits for the server to close its
/// connection (its line was too long): it fails as soon as the server sleeps
/// without having closed it. Every thread of the server asleep, nobody woken
/// between two looks a [`STEP`] apart, and nothing its clients sent left
/// unread: nothing will wake it, so the close it owes will never come. A
/// model whose process has children (the fork server, whose child serves the
/// client) is not judged so, nor one that sleeps with a timeout (its counts
/// change at every look): for them, the wait ends at its timeout.
struct CloseOwed<'a> {
    program: &'a Program,
    addr: SocketAddr,
    first: std::sync::Mutex<Option<AsleepLook>>,
}

/// When the server was first seen asleep, and its threads' counts of
/// context switches then.
type AsleepLook = (Instant, Vec<(i32, u64)>);

impl<'a> CloseOwed<'a> {
    fn new(server: &'a Running) -> Self {
        CloseOwed {
            program: &server.program,
            addr: server.addr,
            first: std::sync::Mutex::new(None),
        }
    }
}

impl Liveness for CloseOwed<'_> {
    fn check(&self) -> Result<(), String> {
        self.program.check()?;
        let pid = self.program.pid();
        let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        let childless = std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children"))
            .is_ok_and(|children| children.trim().is_empty());
        let look = all_threads_blocked(pid).filter(|_| childless);
        let Some(look) = look.filter(|_| unread_by_server(self.addr) == 0) else {
            *first = None;
            return Ok(());
        };
        match first.as_ref() {
            Some((at, seen)) if *seen == look && at.elapsed() >= STEP => Err(format!(
                "`{}` sleeps ({} ms without running), has read everything its clients sent, \
                 and has not closed the connection whose line was too long: nothing will \
                 wake it to close it. Return from the connection's loop (dropping its \
                 stream) or, in an event loop, take it out of the table as well as out of \
                 the watched set",
                self.program.command_line(),
                at.elapsed().as_millis()
            )),
            Some((_, seen)) if *seen == look => Ok(()),
            _ => {
                *first = Some((Instant::now(), look));
                Ok(())
            }
        }
    }
}

// ------------------------------------------------------------------ the tests

/// Lines come back unchanged and in order, one at a time and many at once.
pub fn echoes_each_line_unchanged_and_in_order(model: &Model) {
    let server = model.start();
    let mut peer = server.connect();
    let watch = server.watch();
    let long = format!("{}\n", "0123456789".repeat(300));
    for line in [
        "hello\n",
        "\n",
        "two words\n",
        "你好，世界\n",
        long.as_str(),
    ] {
        round_trip(&mut peer, &watch, line.as_bytes());
    }
    // A hundred lines in one write: they come back in the order sent.
    let many: String = (0..100).map(|i| format!("line {i}\n")).collect();
    peer.send(many.as_bytes());
    expect_echo(
        &mut peer,
        &watch,
        many.as_bytes(),
        "lines come back in the order they were sent, none lost, none twice",
    );
}

/// A line may come in many pieces, and several lines in one read.
pub fn echoes_lines_sent_in_pieces_and_several_per_read(model: &Model) {
    let server = model.start();
    let mut peer = server.connect();
    let watch = server.watch();
    let cause = "a line is the bytes up to a '\\n', whatever pieces the reads return: \
                 collect bytes until the '\\n' (read_until), never one read = one line";
    // One line in three writes (TCP_NODELAY: each its own segment).
    for piece in ["hel", "lo wor", "ld\n"] {
        peer.send(piece.as_bytes());
    }
    expect_echo(&mut peer, &watch, b"hello world\n", cause);
    // Three lines in one write.
    peer.send(b"a\nb\nc\n");
    expect_echo(&mut peer, &watch, b"a\nb\nc\n", cause);
    // Pieces that end in the middle of a line and start another.
    peer.send(b"one\ntw");
    peer.send(b"o\nthree\n");
    expect_echo(&mut peer, &watch, b"one\ntwo\nthree\n", cause);
    // A line of 300 bytes, one byte per write.
    let line: Vec<u8> = (0..299u32)
        .map(|i| b'a' + (i % 26) as u8)
        .chain([b'\n'])
        .collect();
    for byte in &line {
        peer.send(std::slice::from_ref(byte));
    }
    expect_echo(&mut peer, &watch, &line, cause);
}

/// Any byte but `\n` may be in a line: `\0`, `\r`, bytes that are not UTF-8.
pub fn echoes_any_byte_but_newline(model: &Model) {
    let server = model.start();
    let mut peer = server.connect();
    let watch = server.watch();
    let mut every_byte: Vec<u8> = (0..=255u8).filter(|&b| b != b'\n').collect();
    every_byte.push(b'\n');
    let cause = "the line is bytes, not text: read and write Vec<u8>, do not decode it \
                 (from_utf8, read_line) nor trim a '\\r'";
    for line in [
        &every_byte[..],
        b"\r\n",
        b"\xff\xfe\xfd\n",
        b"\0\0\0\n",
        b"a\rb\r\n",
    ] {
        peer.send(line);
        expect_echo(&mut peer, &watch, line, cause);
    }
}

/// What follows the last `\n` when the client closes its side comes back
/// too, then the server closes.
pub fn echoes_a_last_piece_without_newline_then_closes(model: &Model) {
    let server = model.start();
    let mut peer = server.connect();
    let watch = server.watch();
    peer.send(b"whole\nand the rest");
    peer.shutdown_write();
    let got = peer.read_to_end(&watch, "the two pieces back, then the connection closed");
    if got != b"whole\nand the rest" {
        Report::sent(peer.sent())
            .expected(show(b"whole\nand the rest"))
            .got(show(&got))
            .cause(
                "at end of file, read_until returns what it has without a '\\n': echo it, \
                 then return (dropping the stream closes the connection)",
            )
            .fail();
    }
}

/// A line of exactly MAX_LINE bytes is allowed.
pub fn echoes_a_line_of_exactly_max_line_bytes(model: &Model) {
    let server = model.start();
    let mut peer = server.connect();
    let watch = server.watch();
    let mut line = vec![b'm'; MAX_LINE];
    line.push(b'\n');
    peer.send(&line);
    expect_echo(
        &mut peer,
        &watch,
        &line,
        "MAX_LINE bytes and a '\\n' is the longest line allowed: bound the read to \
         MAX_LINE + 1 bytes (the '\\n' is the + 1), not MAX_LINE",
    );
    round_trip(&mut peer, &watch, b"and the next\n");
}

/// A line over MAX_LINE closes that connection, and only that one.
pub fn closes_only_the_connection_whose_line_is_too_long(model: &Model) {
    let server = model.start();
    // For a concurrent model, a client connected before, and idle: it is
    // served afterwards. (An iterative model would serve it first, and
    // nobody else until it leaves: its client comes after.)
    let mut other = (model.kind == Kind::Concurrent).then(|| {
        let mut other = server.connect();
        round_trip(&mut other, &server.watch(), b"before\n");
        other
    });
    for newline in [true, false] {
        let mut long = server.connect();
        round_trip(&mut long, &server.program, b"fine\n");
        let mut line = vec![b'x'; MAX_LINE + 1];
        if newline {
            line.push(b'\n');
        }
        long.send(&line);
        expect_closed_quietly(
            &mut long,
            &CloseOwed::new(&server),
            &format!(
                "a line of {} bytes{}: the connection closed, nothing of the line echoed",
                MAX_LINE + 1,
                if newline { " and '\\n'" } else { ", no '\\n'" }
            ),
            "read each line through take(MAX_LINE as u64 + 1): MAX_LINE + 1 bytes without a \
             '\\n' is a line too long; return then, without echoing it. With no bound, one \
             endless line takes all the server's memory",
        );
    }
    let watch = server.watch();
    if let Some(other) = other.as_mut() {
        round_trip(other, &watch, b"still served\n");
    }
    let mut newcomer = server.connect();
    round_trip(&mut newcomer, &watch, b"and me\n");
}

/// Clients that vanish in the middle of a line, reset, or leave without
/// reading what they are owed, disturb nobody.
pub fn keeps_serving_after_clients_vanish_or_reset(model: &Model) {
    let server = model.start();
    let mut steady = (model.kind == Kind::Concurrent).then(|| {
        let mut steady = server.connect();
        round_trip(&mut steady, &server.watch(), b"before\n");
        steady
    });
    // Half a line, then gone (FIN).
    let mut gone = server.connect();
    gone.send(b"half a li");
    drop(gone);
    // Half a line, then a reset (RST).
    let mut reset = server.connect();
    reset.send(b"half");
    reset.reset();
    // Many lines, then gone without reading the echo: the server's writes fail.
    let mut rude = server.connect();
    rude.send(&b"nobody reads this\n".repeat(5000));
    rude.reset();
    let watch = server.watch();
    if let Some(steady) = steady.as_mut() {
        round_trip(steady, &watch, b"after\n");
    }
    let mut next = server.connect();
    round_trip(&mut next, &watch, b"still serving\n");
}

/// A concurrent model: 40 clients whose lines interleave are all served
/// while another client holds half a line.
pub fn serves_forty_interleaved_clients_while_one_holds_half_a_line(model: &Model) {
    let server = model.start();
    let watch = server.watch();
    let mut first = server.connect();
    round_trip(&mut first, &watch, b"first\n");
    first.send(b"half a ");
    let mut clients: Vec<TcpPeer> = (0..40).map(|_| server.connect()).collect();
    for round in 0..3 {
        for (i, client) in clients.iter_mut().enumerate() {
            client.send(format!("client {i}, round {round}\n").as_bytes());
        }
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let lines: String = (0..3).map(|r| format!("client {i}, round {r}\n")).collect();
        expect_echo(
            client,
            &watch,
            lines.as_bytes(),
            &format!(
                "every connected client is served while client 1 has sent half a line and \
                 waits: {} must not wait for client 1's '\\n' (nor for it to leave) before \
                 serving the others",
                server.name()
            ),
        );
    }
    first.send(b"line\n");
    expect_echo(
        &mut first,
        &watch,
        b"half a line\n",
        "the stalled line completes when its '\\n' comes",
    );
}

/// The iterative model: a second client waits until the first leaves, and
/// is served then.
pub fn serves_a_second_client_only_when_the_first_leaves(model: &Model) {
    let server = model.start();
    let mut first = server.connect();
    round_trip(&mut first, &server.program, b"first\n");
    first.send(b"half a ");
    let mut second = server.connect();
    second.send(b"second\n");
    // Wait until the kernel says the server is blocked reading a client (the
    // first, which owes it the rest of a line): then it cannot be serving
    // the second.
    let accepting = Accepting::program(&server.program);
    let seen = netkit_tests::harness::wait_for(&server.program, || {
        if accepting.serving_one_client().is_some() {
            return Ok(Some(()));
        }
        std::thread::park_timeout(STEP);
        Ok(None)
    });
    if let Err(e) = seen {
        Report::sent(format!("{}; then {}", first.sent(), second.sent()))
            .expected(format!(
                "{} blocked reading the first client, which owes it the rest of a line",
                server.name()
            ))
            .got(e.to_string())
            .cause("the iterative server serves one client until it leaves: accept, then echo_lines on it")
            .fail();
    }
    let early = second.pending();
    if early != 0 {
        Report::sent(format!("{}; then {}", first.sent(), second.sent()))
            .expected("nothing for the second client while the first is connected")
            .got(format!("{early} byte(s) for the second client already"))
            .cause("an iterative server accepts the next client only when the current one leaves")
            .fail();
    }
    first.send(b"line\n");
    expect_echo(
        &mut first,
        &server.program,
        b"half a line\n",
        "the first client's stalled line completes when its '\\n' comes",
    );
    first.shutdown_write();
    expect_closed_quietly(
        &mut first,
        &server.program,
        "the server to close once the first client has closed its side",
        "end of file (a read of 0 bytes) ends echo_lines: return, and serve the next client",
    );
    expect_echo(
        &mut second,
        &server.program,
        b"second\n",
        "when the first client leaves, the server accepts the next one and serves it: \
         loop around accept, do not return from serve after one client",
    );
}

/// 4 MiB of pipelined lines, read back slowly: every byte comes back; and
/// for a concurrent model, once a quarter is back the reader stops reading
/// until another client has had its echo: a server that serves the others
/// only when the big echo is done never answers it (no clock decides).
pub fn echoes_four_mib_to_a_slow_reader(model: &Model) {
    const TOTAL: usize = 4 * 1024 * 1024;
    let server = model.start();
    // First, a client that says hello and leaves: the server is up.
    let mut hello = server.connect();
    round_trip(&mut hello, &server.program, b"ready?\n");
    drop(hello);
    // Lines of random lengths (0 to MAX_LINE bytes) and random bytes.
    let mut rng = XorShift::seeded(0x4d1b);
    let mut sent = Vec::with_capacity(TOTAL + MAX_LINE + 1);
    while sent.len() < TOTAL {
        let len = rng.index(MAX_LINE + 1);
        let start = sent.len();
        sent.extend(rng.bytes(len));
        for byte in &mut sent[start..] {
            if *byte == b'\n' {
                *byte = b' ';
            }
        }
        sent.push(b'\n');
    }
    let big = TcpStream::connect_timeout(&server.addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("connecting to {} failed: {e}", server.addr));
    // A small receive buffer: the server's writes fill it, and wait for us.
    socket2::SockRef::from(&big)
        .set_recv_buffer_size(32 * 1024)
        .expect("setting SO_RCVBUF");
    big.set_write_timeout(Some(TIMEOUT))
        .expect("setting a write timeout");
    big.set_read_timeout(Some(STEP))
        .expect("setting a read timeout");
    let mut writer = big.try_clone().expect("cloning the client's socket");
    let total = sent.len();
    let (progress, progress_seen) = mpsc::channel::<usize>();
    // Concurrent models: the reader pauses at a quarter until told (or
    // until the test's side of the channel is gone, a failure unwinding).
    let pause = model.kind == Kind::Concurrent;
    let (resume, resumed) = mpsc::channel::<()>();
    std::thread::scope(|scope| {
        let to_send = &sent;
        let writing = scope.spawn(move || {
            let written = writer.write_all(to_send);
            let _ = writer.shutdown(std::net::Shutdown::Write);
            written
        });
        // The slow reader: 1 KiB per read, on a thread of its own.
        let reading = scope.spawn(move || {
            let mut reader = big;
            let mut got = Vec::with_capacity(total);
            let mut chunk = [0u8; 1024];
            let mut last_progress = Instant::now();
            let mut told = false;
            loop {
                match reader.read(&mut chunk) {
                    Ok(0) => return Ok(got),
                    Ok(n) => {
                        got.extend_from_slice(&chunk[..n]);
                        last_progress = Instant::now();
                        if !told && got.len() >= total / 4 {
                            told = true;
                            let _ = progress.send(got.len());
                            if pause {
                                let _ = resumed.recv_timeout(TIMEOUT);
                                last_progress = Instant::now();
                            }
                        }
                        if got.len() >= total {
                            return Ok(got);
                        }
                    }
                    Err(e) if netkit_tests::harness::liveness::is_timeout(&e) => {
                        if last_progress.elapsed() > TIMEOUT {
                            return Err((
                                got,
                                format!("nothing more within {} s", TIMEOUT.as_secs()),
                            ));
                        }
                    }
                    Err(e) => return Err((got, e.to_string())),
                }
            }
        });
        if model.kind == Kind::Concurrent {
            // A quarter back: the big echo is under way. Another client now.
            let watch = server.watch();
            let quarter = netkit_tests::harness::wait_for(&watch, || {
                match progress_seen.recv_timeout(STEP) {
                    Ok(n) => Ok(Some(n)),
                    Err(mpsc::RecvTimeoutError::Timeout) => Ok(None),
                    // The reader ended before a quarter: its story comes below.
                    Err(mpsc::RecvTimeoutError::Disconnected) => Ok(Some(0)),
                }
            });
            if let Ok(n) = quarter
                && n > 0
            {
                let mut other = server.connect();
                other.send(b"anyone there?\n");
                expect_echo(
                    &mut other,
                    &watch,
                    b"anyone there?\n",
                    "one client's large echo must not hold up the others: while the first \
                     client reads nothing, the rest of its echo waits (its socket is not \
                     writable), and the server serves the other clients meanwhile",
                );
            }
            let _ = resume.send(());
        }
        let read = reading
            .join()
            .expect("the test's reader thread does not panic");
        let written = writing
            .join()
            .expect("the test's writer thread does not panic");
        let story = |got: &[u8], why: &str| {
            Report::sent(format!(
                "{} bytes of pipelined lines (0 to {MAX_LINE} bytes each), read back 1 KiB at a time",
                total
            ))
            .expected("every byte back, in order")
            .got(format!("{} bytes back, then {why}", got.len()))
            .cause(
                "echo every whole line, and keep reading while the client is slow to read: a \
                 server that stops (or drops what it could not write) loses bytes",
            )
            .fail()
        };
        match read {
            Ok(got) if got == sent => {}
            Ok(got) => {
                let at = got
                    .iter()
                    .zip(&sent)
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.len().min(sent.len()));
                story(
                    &got,
                    &format!(
                        "the end of the connection; the bytes differ from what was sent at offset {at}"
                    ),
                )
            }
            Err((got, why)) => {
                if let Err(died) = server.program.check() {
                    story(&got, &died)
                }
                story(&got, &why)
            }
        }
        if let Err(e) = written {
            Report::sent(format!("{total} bytes of pipelined lines"))
                .expected("the server to read them all")
                .got(format!("sending failed: {e}"))
                .cause("the server stopped reading while the client still sent")
                .fail();
        }
    });
}

/// `compare-models` measures this model: run on it alone with two clients,
/// it prints the model's row, and the row says both clients were served (at
/// most one for the iterative model, whose second client waits), none
/// refused, with counts of threads and processes. No number of the row is
/// judged but these: the rest are timings, which a test must not assert.
pub fn compare_models_measures_it(model: &Model) {
    let program = model.args[0];
    // The row of this model as compare-models names it: the program, and
    // `--edge` for the edge-triggered epoll (other options are the test's).
    let name = if model.args.contains(&"--edge") {
        format!("{program} --edge")
    } else {
        program.to_string()
    };
    // A concurrent model's clients settle when both are answered; the
    // iterative one's second client never is, so it settles after a pause
    // with no new client answered.
    let settle = match model.kind {
        Kind::Iterative => "300",
        Kind::Concurrent => "10000",
    };
    let finished = Program::run_ok(&[
        "compare-models",
        "--models",
        program,
        "--clients",
        "2",
        "--millis",
        "50",
        "--settle-millis",
        settle,
    ]);
    let command = &finished.command_line;
    let row = finished.stdout.iter().find_map(|line| {
        let rest = line.strip_prefix(name.as_str())?;
        rest.starts_with("  ")
            .then(|| rest.split_whitespace().collect::<Vec<_>>())
    });
    let Some(cells) = row else {
        Report::sent(format!("`{command}`"))
            .expected(format!("a row that starts with `{name}`"))
            .got(format!("{:#?}", finished.stdout))
            .cause("compare-models prints one row per model and client count")
            .fail()
    };
    // clients, served, refused, lines/s, p99, worst, KiB/client, threads, procs
    let served_ok = match model.kind {
        Kind::Iterative => matches!(cells.get(1), Some(&"0/2" | &"1/2")),
        Kind::Concurrent => cells.get(1) == Some(&"2/2"),
    };
    let counted = |i: usize| cells.get(i).and_then(|c| c.parse::<usize>().ok());
    let well_formed = cells.len() == 9
        && counted(2) == Some(0)
        && counted(7).is_some_and(|n| n >= 1)
        && counted(8).is_some_and(|n| n >= 1);
    if !served_ok || !well_formed {
        let expected = match model.kind {
            Kind::Iterative => "served `0/2` or `1/2` (the second client waits), refused 0",
            Kind::Concurrent => "served `2/2`, refused 0",
        };
        Report::sent(format!("`{command}`"))
            .expected(format!(
                "the row `{name}  2  …`: {expected}, then lines/s, p99 ms, worst ms, \
                 KiB/client, threads ≥ 1, processes ≥ 1"
            ))
            .got(format!("{cells:?} in {:#?}", finished.stdout))
            .cause(match model.kind {
                Kind::Iterative => {
                    "an iterative server serves its first client until it leaves; \
                     a row with an error says why the model could not be measured"
                }
                Kind::Concurrent => {
                    "a concurrent server answers every connected client; a row with an \
                     error says why the model could not be measured"
                }
            })
            .fail();
    }
}

/// How long the idle test watches, and how much CPU it allows meanwhile.
const IDLE: Duration = Duration::from_millis(300);
const IDLE_CPU: Duration = Duration::from_millis(30);

/// With nothing to do, the server uses no CPU.
pub fn uses_no_cpu_while_idle(model: &Model) {
    let server = model.start();
    let watch = server.watch();
    let mut awake = server.connect();
    round_trip(&mut awake, &watch, b"wake up\n");
    awake.send(b"half a line, and then nothing");
    let mut idle = (model.kind == Kind::Concurrent).then(|| server.connect());
    if let Some(idle) = idle.as_mut() {
        round_trip(idle, &watch, b"me too\n");
    }
    let group = server.program.pid();
    let before = group_cpu_time(group);
    // Not a wait for the server: the interval over which its CPU time is
    // measured, while every client is idle.
    std::thread::sleep(IDLE);
    let used = group_cpu_time(group).saturating_sub(before);
    server.program.check().unwrap_or_else(|why| {
        Report::sent("two clients, then nothing for a while")
            .expected("the server still running")
            .got(why)
            .cause("see the message above: the server stopped")
            .fail()
    });
    if used > IDLE_CPU {
        Report::sent(format!(
            "{}, then nothing for {} ms",
            awake.sent(),
            IDLE.as_millis()
        ))
        .expected(format!(
            "the server asleep, using less than {} ms of CPU",
            IDLE_CPU.as_millis()
        ))
        .got(format!(
            "{} ms of CPU time in {} ms (from /proc/PID/task/*/schedstat)",
            used.as_millis(),
            IDLE.as_millis()
        ))
        .cause(
            "a busy loop: the server keeps trying (a non-blocking read or accept that returns \
             WouldBlock, again and again) instead of waiting in the kernel. Block in accept, \
             read, select or epoll_wait, or at least sleep between passes",
        )
        .fail();
    }
}

/// Writes the conformance tests into the calling module, for `$model`
/// (a [`Model`]): `line_echo_conformance!(iterative, MODEL)` or
/// `line_echo_conformance!(concurrent, MODEL)`.
macro_rules! line_echo_conformance {
    (@common $model:expr) => {
        #[test]
        fn echoes_each_line_unchanged_and_in_order() {
            super::line_echo::echoes_each_line_unchanged_and_in_order(&$model);
        }
        #[test]
        fn echoes_lines_sent_in_pieces_and_several_per_read() {
            super::line_echo::echoes_lines_sent_in_pieces_and_several_per_read(&$model);
        }
        #[test]
        fn echoes_any_byte_but_newline() {
            super::line_echo::echoes_any_byte_but_newline(&$model);
        }
        #[test]
        fn echoes_a_last_piece_without_newline_then_closes() {
            super::line_echo::echoes_a_last_piece_without_newline_then_closes(&$model);
        }
        #[test]
        fn echoes_a_line_of_exactly_max_line_bytes() {
            super::line_echo::echoes_a_line_of_exactly_max_line_bytes(&$model);
        }
        #[test]
        fn closes_only_the_connection_whose_line_is_too_long() {
            super::line_echo::closes_only_the_connection_whose_line_is_too_long(&$model);
        }
        #[test]
        fn keeps_serving_after_clients_vanish_or_reset() {
            super::line_echo::keeps_serving_after_clients_vanish_or_reset(&$model);
        }
        #[test]
        fn echoes_four_mib_to_a_slow_reader() {
            super::line_echo::echoes_four_mib_to_a_slow_reader(&$model);
        }
        #[test]
        fn uses_no_cpu_while_idle() {
            super::line_echo::uses_no_cpu_while_idle(&$model);
        }
        #[test]
        fn compare_models_measures_it() {
            super::line_echo::compare_models_measures_it(&$model);
        }
    };
    (iterative, $model:expr) => {
        line_echo_conformance!(@common $model);
        #[test]
        fn serves_a_second_client_only_when_the_first_leaves() {
            super::line_echo::serves_a_second_client_only_when_the_first_leaves(&$model);
        }
    };
    (concurrent, $model:expr) => {
        line_echo_conformance!(@common $model);
        #[test]
        fn serves_forty_interleaved_clients_while_one_holds_half_a_line() {
            super::line_echo::serves_forty_interleaved_clients_while_one_holds_half_a_line(
                &$model,
            );
        }
    };
}
pub(crate) use line_echo_conformance;
