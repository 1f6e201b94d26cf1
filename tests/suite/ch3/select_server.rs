//! Tests of the exercise `select-server` (book: ch3/select-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model;
//! then the model's own: every client is served from one thread, and a
//! connection whose descriptor `select` cannot watch is refused, while the
//! others are served on.

use super::line_echo::{Kind, Model, expect_echo, line_echo_conformance};
use netkit_tests::harness::{
    Liveness, Report, STEP, TIMEOUT, TcpPeer, XorShift, accept_queue, all_threads_blocked, show,
    sockets_held, thread_count, unread_by_server, wait_for,
};
use netkit_tests::kit::ch3::select_server::{MAX_LINE, MAX_OUTPUT};
use nix::sys::resource::{Resource, getrlimit, setrlimit};
use nix::sys::select::FD_SETSIZE;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const MODEL: Model = Model::new(&["select-server"], Kind::Concurrent);

line_echo_conformance!(concurrent, MODEL);

/// Twenty clients connected at once, one of them holding half a line: the
/// server has one thread, the one that runs `serve`.
#[test]
fn serves_every_client_from_one_thread() {
    let server = MODEL.start();
    let watch = server.watch();
    let mut clients: Vec<TcpPeer> = (0..20).map(|_| server.connect()).collect();
    for (i, client) in clients.iter_mut().enumerate() {
        client.send(format!("client {i}\n").as_bytes());
    }
    for (i, client) in clients.iter_mut().enumerate() {
        expect_echo(
            client,
            &watch,
            format!("client {i}\n").as_bytes(),
            "every connected client is served, from the one thread that waits in select",
        );
    }
    clients[0].send(b"half a line");
    let threads = thread_count(server.program.pid());
    if threads != 1 {
        Report::sent("20 clients connected, served, and one of them holding half a line")
            .expected("1 thread in the server (/proc/PID/task): the one that runs serve")
            .got(format!("{threads} threads"))
            .cause(
                "the select server serves every client from the thread that calls serve: \
                 one select for all the sockets, no thread per client, no pool",
            )
            .fail();
    }
}

/// How long the next test watches for the server to fall asleep.
const SETTLE: Duration = Duration::from_millis(500);

/// With every client idle, the server sleeps (in `select`) and nothing
/// wakes it: two looks at its thread 10 ms apart find it asleep, with no
/// context switch in between. A busy loop is never seen asleep. (The
/// conformance test of CPU time says the same, but a loaded machine gives
/// a spinning server little CPU; a thread that never sleeps is seen at once.)
#[test]
fn sleeps_while_every_client_is_idle() {
    let server = MODEL.start();
    let watch = server.watch();
    let mut awake = server.connect();
    awake.send(b"wake up\n");
    expect_echo(
        &mut awake,
        &watch,
        b"wake up\n",
        "every line comes back as it was sent",
    );
    let mut half = server.connect();
    half.send(b"half a line, and then nothing");
    let pid = server.program.pid();
    let start = Instant::now();
    let mut last: Option<Vec<(i32, u64)>> = None;
    loop {
        let now = all_threads_blocked(pid);
        if now.is_some() && now == last {
            return;
        }
        last = now;
        if let Err(why) = server.program.check() {
            Report::sent(format!("{}; then {}", awake.sent(), half.sent()))
                .expected("the server still running")
                .got(why)
                .cause("see the message above: the server stopped")
                .fail();
        }
        if start.elapsed() > SETTLE {
            Report::sent(format!(
                "{}; then {}, and nothing more",
                awake.sent(),
                half.sent()
            ))
            .expected(format!(
                "the server asleep within {} ms, and not woken while its clients are idle",
                SETTLE.as_millis()
            ))
            .got(format!(
                "never seen asleep, or woken again every time (/proc/{pid}/task/*/status): {}",
                match &last {
                    Some(_) => "asleep but woken between looks",
                    None => "running, or ready to run, at every look",
                }
            ))
            .cause(
                "a busy loop: select returns at once on every pass. Give it no timeout \
                     (None), never a timeout of zero, and put a connection in the write set \
                     only while it has output waiting: a socket with room to send is always \
                     writable",
            )
            .fail();
        }
        std::thread::park_timeout(Duration::from_millis(10));
    }
}

/// How many connections the next test opens past `FD_SETSIZE`.
const PAST: usize = 24;
/// How many it connects before waiting for the server to accept them: fewer
/// than the listener's queue holds (128, from Rust's `TcpListener::bind`),
/// so that none is dropped and retried a second later.
const BATCH: usize = 100;

/// Raises this process's soft limit on open files to its hard limit (once,
/// for every test of the process: they share its descriptors), so that this
/// test's thousand connections leave room for the tests running beside it.
/// The hard limit, when it is too low for the test.
fn raise_own_limit(needed: u64) -> Result<(), u64> {
    static RAISED: OnceLock<(u64, u64)> = OnceLock::new();
    let &(soft, hard) = RAISED.get_or_init(|| {
        let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).unwrap_or((1024, 1024));
        if soft < hard && setrlimit(Resource::RLIMIT_NOFILE, hard, hard).is_ok() {
            (hard, hard)
        } else {
            (soft, hard)
        }
    });
    if soft >= needed { Ok(()) } else { Err(hard) }
}

/// What one of the many connections saw.
enum Outcome {
    Echoed,
    Closed,
}

/// More connections at once than an `fd_set` can hold: those whose
/// descriptor is `FD_SETSIZE` or more are closed by the server, which logs
/// a line for each, and serves the others on.
#[test]
fn refuses_connections_past_fd_setsize_and_serves_the_others() {
    let server = MODEL.start();
    let watch = server.watch();
    let mut early: Vec<TcpPeer> = (0..3).map(|_| server.connect()).collect();
    for (i, client) in early.iter_mut().enumerate() {
        client.send(format!("early {i}\n").as_bytes());
        expect_echo(
            client,
            &watch,
            format!("early {i}\n").as_bytes(),
            "every line comes back as it was sent",
        );
    }
    // (The server is started first: a server that does not serve at all
    // fails here on any machine.)
    let total = FD_SETSIZE + PAST;
    if let Err(hard) = raise_own_limit(total as u64 + 256) {
        // No server on this machine can get a descriptor of FD_SETSIZE or
        // more from accept: there is nothing to refuse.
        eprintln!(
            "note: the hard limit on open files is {hard}, too low for {total} connections \
             at once: the refusal past FD_SETSIZE is not tested here"
        );
        return;
    }
    // The many, in batches that the server accepts before the next.
    let mut many: Vec<TcpPeer> = Vec::with_capacity(total);
    while many.len() < total {
        let n = BATCH.min(total - many.len());
        many.extend((0..n).map(|_| server.connect()));
        // Accepted: the server holds a socket for each (cheap to look at), or,
        // past the limit where it refuses them, its listener's queue is empty
        // (slower: /proc/net/tcp lists every TCP socket of the machine).
        let connected = 1 + early.len() + many.len();
        let accepted = wait_for(&server.program, || {
            if sockets_held(server.program.pid()) >= connected
                || accept_queue(server.addr) == Some(0)
            {
                return Ok(Some(()));
            }
            std::thread::park_timeout(Duration::from_millis(2));
            Ok(None)
        });
        if let Err(e) = accepted {
            Report::sent(format!("{} connections at once", many.len() + early.len()))
                .expected("the server to accept each of them")
                .got(e.to_string())
                .cause(
                    "the listener stays in the read set on every pass; accept until \
                     WouldBlock when it is ready",
                )
                .fail();
        }
    }
    for (i, client) in many.iter_mut().enumerate() {
        client.send(format!("many {i}\n").as_bytes());
    }
    let mut outcomes = Vec::with_capacity(total);
    for (i, client) in many.iter_mut().enumerate() {
        let line = format!("many {i}\n");
        outcomes.push(match client.try_read_exact(line.len(), &server.program) {
            Ok(got) if got == line.as_bytes() => Outcome::Echoed,
            Err((got, why))
                if got.is_empty() && (why.starts_with("end of file") || why.contains("reset")) =>
            {
                Outcome::Closed
            }
            Ok(got) | Err((got, _)) => Report::sent(format!(
                "{} connections at once, each sending one line; on connection {}: {}",
                total + early.len(),
                i + 1,
                client.sent()
            ))
            .expected(
                "its line back, or the connection closed (refused: its descriptor was too high)",
            )
            .got(format!(
                "{} then {}",
                show(&got),
                server.program.stderr_text()
            ))
            .cause("a connection is either served or closed, never half")
            .fail(),
        });
    }
    // Close them all now: the descriptors are not kept from the tests
    // beside this one.
    drop(many);
    let echoed = outcomes
        .iter()
        .filter(|o| matches!(o, Outcome::Echoed))
        .count();
    let refused = outcomes.len() - echoed;
    let story = format!(
        "{} connections at once ({} of them first), each sending one line",
        total + early.len(),
        early.len()
    );
    if let Err(why) = server.program.check() {
        Report::sent(&story)
            .expected("the server still running")
            .got(why)
            .cause(
                "a descriptor at or above FD_SETSIZE (1024) does not fit in an fd_set: nix's \
                 FdSet::insert panics on it. Check fits_in_fd_set after accept, and close \
                 the connection instead",
            )
            .fail();
    }
    if refused < PAST {
        Report::sent(&story)
            .expected(format!(
                "at least {PAST} connections closed: the server can watch at most {} \
                 descriptors (0 to {})",
                FD_SETSIZE,
                FD_SETSIZE - 1
            ))
            .got(format!("{echoed} echoed, {refused} closed"))
            .cause("refuse every connection whose descriptor is FD_SETSIZE or more")
            .fail();
    }
    if echoed < FD_SETSIZE - 64 {
        Report::sent(&story)
            .expected(format!(
                "the first {} or so served: their descriptors fit in an fd_set",
                FD_SETSIZE - 8
            ))
            .got(format!("{echoed} echoed, {refused} closed"))
            .cause("refuse only the connections whose descriptor is FD_SETSIZE or more")
            .fail();
    }
    // The line on stderr (its reader may lag behind the program).
    let logged = wait_for(&server.program, || {
        let text = server.program.stderr_text();
        if text.contains("FD_SETSIZE") || text.contains(&FD_SETSIZE.to_string()) {
            return Ok(Some(()));
        }
        std::thread::park_timeout(Duration::from_millis(5));
        Ok(None)
    });
    if logged.is_err() {
        Report::sent(&story)
            .expected(format!(
                "a line on stderr for each connection refused, naming its descriptor \
                 ({FD_SETSIZE}) or FD_SETSIZE"
            ))
            .got(format!("stderr: {}", server.program.stderr_text()))
            .cause("say why a client was turned away: eprintln! before closing it")
            .fail();
    }
    for (i, client) in early.iter_mut().enumerate() {
        client.send(format!("still here {i}\n").as_bytes());
        expect_echo(
            client,
            &watch,
            format!("still here {i}\n").as_bytes(),
            "the clients connected before are served on after the refusals",
        );
    }
    // Once the server has closed the many (it reads their end of file), a
    // newcomer gets a low descriptor again, and is served.
    let held = wait_for(&server.program, || {
        if sockets_held(server.program.pid()) <= early.len() + 1 {
            return Ok(Some(()));
        }
        std::thread::park_timeout(Duration::from_millis(5));
        Ok(None)
    });
    if held.is_err() {
        Report::sent(format!("{story}; then the many closed"))
            .expected(format!(
                "the server to close them too, and hold {} sockets: the listener and the \
                 first clients",
                early.len() + 1
            ))
            .got(format!(
                "{} sockets held",
                sockets_held(server.program.pid())
            ))
            .cause("a read of 0 bytes is the client's end of file: drop its connection")
            .fail();
    }
    let mut newcomer = server.connect();
    newcomer.send(b"and me\n");
    expect_echo(
        &mut newcomer,
        &watch,
        b"and me\n",
        "once the many have gone, a new client is served",
    );
}

/// The most a socket's send buffer grows to (`tcp_wmem`'s last field), with
/// Linux's default when it cannot be read.
fn send_buffer_max() -> usize {
    std::fs::read_to_string("/proc/sys/net/ipv4/tcp_wmem")
        .ok()
        .and_then(|text| text.split_whitespace().nth(2)?.parse().ok())
        .unwrap_or(4 * 1024 * 1024)
}

/// A client that sends a lot and reads nothing fills the server's send
/// buffer: the server's writes come back short, then `WouldBlock`, and what
/// they did not take is kept. Once the client owes it [`MAX_OUTPUT`] or
/// more, the server stops reading that client (backpressure). When the
/// client reads at last, every byte comes back.
#[test]
fn stops_reading_a_client_that_does_not_read_and_loses_no_byte() {
    // More than the server's send buffer holds, so that it fills for sure,
    // in the middle of a write: lines of random lengths end anywhere.
    let total = (send_buffer_max() + 2 * 1024 * 1024).min(16 * 1024 * 1024);
    let server = MODEL.start();
    let mut sent = Vec::with_capacity(total + MAX_LINE);
    let mut rng = XorShift::seeded(0x5e1e);
    while sent.len() < total {
        let start = sent.len();
        let len = MAX_LINE / 2 + rng.index(MAX_LINE / 2);
        sent.extend(rng.bytes(len));
        for byte in &mut sent[start..] {
            if *byte == b'\n' {
                *byte = b'.';
            }
        }
        sent.push(b'\n');
    }
    let client = TcpStream::connect_timeout(&server.addr, TIMEOUT)
        .unwrap_or_else(|e| panic!("connecting to {} failed: {e}", server.addr));
    client
        .set_read_timeout(Some(STEP))
        .expect("setting a read timeout");
    client
        .set_write_timeout(Some(TIMEOUT))
        .expect("setting a write timeout");
    let mut writer = client.try_clone().expect("cloning the client's socket");
    let story = format!(
        "{} bytes of lines in one go, from a client that reads nothing until the server \
         has stopped reading it",
        sent.len()
    );
    std::thread::scope(|scope| {
        let to_send = &sent;
        let writing = scope.spawn(move || {
            let written = writer.write_all(to_send);
            let _ = writer.shutdown(std::net::Shutdown::Write);
            written
        });
        // Wait until the server sleeps while bytes of its client wait unread
        // on its side: it has stopped reading a client it owes too much (its
        // send buffer is full; a select that watched that client for
        // reading would have woken). Its writes have met the full buffer.
        // (One look at /proc/net/tcp per try, between two looks at the
        // server: that file lists every TCP socket of the machine, and is
        // slow to read. The server's own watch would read it again.)
        let pid = server.program.pid();
        let full = wait_for(&server.program, || {
            let before = all_threads_blocked(pid);
            if before.is_some()
                && unread_by_server(server.addr) > 0
                && all_threads_blocked(pid) == before
            {
                return Ok(Some(()));
            }
            std::thread::park_timeout(Duration::from_millis(2));
            Ok(None)
        });
        if let Err(e) = full {
            Report::sent(&story)
                .expected(format!(
                    "the server to stop reading this client once it owes it {MAX_OUTPUT} bytes \
                     or more, and to sleep in select meanwhile"
                ))
                .got(format!(
                    "{e}; {} bytes of the client wait unread on the server's side",
                    unread_by_server(server.addr)
                ))
                .cause(
                    "a connection whose output is MAX_OUTPUT bytes or more stays out of the \
                     read set until it drains: otherwise a client that never reads makes the \
                     server hold all it sends",
                )
                .fail();
        }
        // Now read it all back.
        let mut reader = &client;
        let mut got = Vec::with_capacity(sent.len());
        let mut chunk = vec![0u8; 64 * 1024];
        let read = wait_for(&server.program, || {
            let n = reader.read(&mut chunk)?;
            got.extend_from_slice(&chunk[..n]);
            Ok((n == 0 || got.len() >= sent.len()).then_some(()))
        });
        let written = writing
            .join()
            .expect("the test's writer thread does not panic");
        if read.is_err() || got != sent {
            let at = got
                .iter()
                .zip(&sent)
                .position(|(a, b)| a != b)
                .unwrap_or(got.len().min(sent.len()));
            Report::sent(&story)
                .expected(format!("all {} bytes back, in order", sent.len()))
                .got(format!(
                    "{} bytes back, the first difference at offset {at}{}",
                    got.len(),
                    read.err()
                        .map(|e| format!(", then {e}"))
                        .unwrap_or_default()
                ))
                .cause(
                    "a write on a non-blocking socket may take only part of what it is given \
                     (a short write): remove from the output only the bytes it took \
                     (drain(..n)), keep the rest, and watch the socket for writing until the \
                     output is empty",
                )
                .fail();
        }
        if let Err(e) = written {
            Report::sent(&story)
                .expected("the server to read it all")
                .got(format!("sending failed: {e}"))
                .cause("the server stopped reading a client for good")
                .fail();
        }
    });
}
