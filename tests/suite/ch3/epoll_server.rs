//! Tests of the exercise `epoll-server` (book: ch3/epoll-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model,
//! level-triggered and edge-triggered (`--edge`).

use super::line_echo::{self, Kind, Model, line_echo_conformance};

const LEVEL: Model = Model::new(&["epoll-server"], Kind::Concurrent);
const EDGE: Model = Model::new(&["epoll-server", "--edge"], Kind::Concurrent);

mod level {
    use super::*;
    line_echo_conformance!(concurrent, LEVEL);
}

mod edge {
    use super::*;
    line_echo_conformance!(concurrent, EDGE);
}

// ------------------------------------------------------------ the model's own

use super::line_echo::{expect_closed_quietly, expect_echo};
use netkit_tests::harness::{
    Liveness, Program, Report, STEP, TCP_CLOSE_WAIT, TcpPeer, all_threads_blocked, show,
    sockets_held, tcp_sockets_at, thread_count, unread_by_server, wait_for,
};
use std::fs;
use std::io::Write;
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Both modes, for the model's own tests: edge-triggered first, where most of
/// the mistakes show.
const MODES: [Model; 2] = [EDGE, LEVEL];

/// How many sockets of the server at `addr` are in `CLOSE_WAIT`: their
/// client has closed its side, and the server has not closed its own yet.
fn close_waits_at(addr: SocketAddr) -> usize {
    tcp_sockets_at(addr)
        .iter()
        .filter(|s| s.state == TCP_CLOSE_WAIT)
        .count()
}

/// The server's resident memory, in bytes (`VmRSS` of /proc/PID/status).
fn resident(pid: u32) -> usize {
    fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|status| {
            let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
            line.split_whitespace().nth(1)?.parse::<usize>().ok()
        })
        .map_or(0, |kib| kib * 1024)
}

/// A [`Liveness`] that fails as soon as the event loop sleeps with work
/// undone: every thread of the server asleep, and nobody woken between two
/// looks a [`STEP`] apart, while bytes wait unread in its sockets (an
/// edge-triggered read that did not drain) or a socket whose client has
/// closed is still open (a connection forgotten). Used where no connection
/// is paused by backpressure, which leaves bytes unread on purpose.
struct Stuck<'a> {
    program: &'a Program,
    addr: SocketAddr,
    first: Mutex<Option<Look>>,
}

/// When the server was first seen asleep with work undone, and its threads'
/// counts of context switches then.
type Look = (Instant, Vec<(i32, u64)>);

impl<'a> Stuck<'a> {
    fn new(program: &'a Program, addr: SocketAddr) -> Self {
        Stuck {
            program,
            addr,
            first: Mutex::new(None),
        }
    }
}

impl Liveness for Stuck<'_> {
    fn check(&self) -> Result<(), String> {
        self.program.check()?;
        let mut first = self.first.lock().unwrap_or_else(|p| p.into_inner());
        let Some(look) = all_threads_blocked(self.program.pid()) else {
            *first = None;
            return Ok(());
        };
        let (unread, forgotten) = (unread_by_server(self.addr), close_waits_at(self.addr));
        if unread == 0 && forgotten == 0 {
            *first = None;
            return Ok(());
        }
        match first.as_ref() {
            Some((at, seen)) if *seen == look && at.elapsed() >= STEP => Err(if unread > 0 {
                format!(
                    "`{}` sleeps ({} ms without running) while {unread} byte(s) its clients \
                     sent wait unread in its sockets: edge-triggered, an event stands for all \
                     the bytes that came, and no other comes for those left. Read until \
                     WouldBlock on every event",
                    self.program.command_line(),
                    at.elapsed().as_millis()
                )
            } else {
                format!(
                    "`{}` sleeps ({} ms without running) while {forgotten} connection(s) whose \
                     client has closed are still open (CLOSE_WAIT): a read of 0 bytes must take \
                     the connection out of the table, so that its stream is dropped and closed",
                    self.program.command_line(),
                    at.elapsed().as_millis()
                )
            }),
            Some((_, seen)) if *seen == look => Ok(()),
            _ => {
                *first = Some((Instant::now(), look));
                Ok(())
            }
        }
    }
}

/// The whole server is one thread: the event loop, whatever it serves.
#[test]
fn serves_every_client_from_one_thread() {
    for model in MODES {
        let server = model.start();
        let watch = server.watch();
        let mut clients: Vec<TcpPeer> = (0..20).map(|_| server.connect()).collect();
        for (i, client) in clients.iter_mut().enumerate() {
            client.send(format!("client {i}\n").as_bytes());
        }
        for (i, client) in clients.iter_mut().enumerate() {
            let line = format!("client {i}\n");
            expect_echo(client, &watch, line.as_bytes(), "every client is served");
        }
        let threads = thread_count(server.program.pid());
        if threads != 1 {
            Report::sent(format!("20 clients connected to `{}`", server.program.command_line()))
                .expected("one thread in the server (/proc/PID/task)")
                .got(format!("{threads} threads"))
                .cause("the epoll server serves every client from its one thread: no thread per client, no pool")
                .fail();
        }
    }
}

/// A burst of lines much larger than one read comes back whole: edge-
/// triggered, every event is read until `WouldBlock`.
#[test]
fn reads_each_burst_until_it_would_block() {
    for model in MODES {
        let server = model.start();
        let stuck = Stuck::new(&server.program, server.addr);
        let mut peer = server.connect();
        peer.send(b"ready?\n");
        expect_echo(&mut peer, &stuck, b"ready?\n", "every line comes back");
        // 512 KiB of lines in one write: far more than one read takes.
        let burst: Vec<u8> = (0..16 * 1024)
            .flat_map(|i| format!("{i:030}\n").into_bytes())
            .collect();
        let mut writer = peer
            .stream()
            .try_clone()
            .expect("cloning the client's socket");
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _ = writer.write_all(&burst);
            });
            expect_echo(
                &mut peer,
                &stuck,
                &burst,
                "every byte of a burst comes back: read until WouldBlock, not once per event",
            );
        });
    }
}

/// A client that closes its side is closed by the server, and taken out of
/// its table: the server holds no socket for it.
#[test]
fn closes_each_connection_its_client_closes() {
    for model in MODES {
        let server = model.start();
        let stuck = Stuck::new(&server.program, server.addr);
        let mut clients: Vec<TcpPeer> = (0..20).map(|_| server.connect()).collect();
        for client in &mut clients {
            client.send(b"bye\n");
            expect_echo(client, &stuck, b"bye\n", "every line comes back");
        }
        for client in &mut clients {
            client.shutdown_write();
        }
        for client in &mut clients {
            expect_closed_quietly(
                client,
                &stuck,
                "the server to close the connection once the client has closed its side",
                "a read of 0 bytes is the end: take the connection out of epoll and out of \
                 the table (dropping its stream closes it)",
            );
        }
        // Its socket is closed as the client sees it closed: the listener only.
        let held = sockets_held(server.program.pid());
        if held != 1 {
            Report::sent("20 clients, each a line, then each closed its side")
                .expected("the server to hold one socket, its listener (/proc/PID/fd)")
                .got(format!("{held} sockets"))
                .cause("a closed connection stays in the table: remove it, and drop its stream")
                .fail();
        }
    }
}

/// Raises this process's soft limit on open files to `wanted` (at most the
/// hard limit), for a test that holds many connections; fails clearly when
/// the hard limit is too low.
fn allow_open_files(wanted: u64) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let (soft, hard) = getrlimit(Resource::RLIMIT_NOFILE).expect("getrlimit(RLIMIT_NOFILE)");
    if hard < wanted {
        panic!(
            "this test needs {wanted} open files, and this machine's hard limit is {hard}: \
             raise it (`ulimit -Hn`, /etc/security/limits.conf) to run it"
        );
    }
    if soft < wanted {
        setrlimit(Resource::RLIMIT_NOFILE, wanted, hard).expect("setrlimit(RLIMIT_NOFILE)");
    }
}

/// The server holds 2 000 connections at once, and serves every one.
#[test]
fn holds_two_thousand_connections_at_once() {
    const MANY: usize = 2000;
    // Our 2 000 ends, and whatever the other tests open meanwhile; the
    // server raises its own limit (the runner's `epoll-server` does).
    allow_open_files(MANY as u64 + 2048);
    for model in MODES {
        let server = model.start();
        let watch = server.watch();
        let mut clients: Vec<TcpPeer> = Vec::with_capacity(MANY);
        // In batches of 100, each batch echoed before the next connects:
        // the listener's backlog never overflows.
        while clients.len() < MANY {
            let start = clients.len();
            for _ in 0..100 {
                clients.push(server.connect());
            }
            for (i, client) in clients[start..].iter_mut().enumerate() {
                client.send(format!("hello from {}\n", start + i).as_bytes());
            }
            for (i, client) in clients[start..].iter_mut().enumerate() {
                let line = format!("hello from {}\n", start + i);
                expect_echo(
                    client,
                    &watch,
                    line.as_bytes(),
                    "every connection is served, however many are open: no FD_SETSIZE for epoll",
                );
            }
        }
        let held = sockets_held(server.program.pid());
        if held < MANY + 1 {
            Report::sent(format!(
                "{MANY} connections, each echoed once and left open"
            ))
            .expected(format!("the server to hold {} sockets", MANY + 1))
            .got(format!("{held} sockets"))
            .cause("every open connection stays in the table until its client leaves")
            .fail();
        }
        // And all of them, open together, once more.
        for (i, client) in clients.iter_mut().enumerate() {
            client.send(format!("again {i}\n").as_bytes());
        }
        for (i, client) in clients.iter_mut().enumerate() {
            let line = format!("again {i}\n");
            expect_echo(
                client,
                &watch,
                line.as_bytes(),
                "every open connection is served",
            );
        }
    }
}

/// How much more resident memory the server may have while one client
/// sends without reading: the high mark (1 MiB) of output, a read's worth
/// of input, and room for the allocator; far less than what the client
/// sends.
const MEMORY_BOUND: usize = 8 * 1024 * 1024;
/// What the client that never reads tries to send: a server without
/// backpressure would hold nearly all of it.
const FLOOD: usize = 96 * 1024 * 1024;

/// A client that sends and never reads stops being read once its output
/// passes the high mark: the server's memory stays bounded, and another
/// client is served meanwhile.
#[test]
fn stops_reading_a_client_that_does_not_read() {
    for model in MODES {
        let server = model.start();
        let pid = server.program.pid();
        let watch = server.watch();
        let mut other = server.connect();
        other.send(b"before\n");
        expect_echo(&mut other, &watch, b"before\n", "every line comes back");
        let base = resident(pid);
        let flood = TcpStream::connect(server.addr).expect("connecting the flooding client");
        flood
            .set_write_timeout(Some(Duration::from_secs(1)))
            .expect("setting a write timeout");
        let sent = AtomicUsize::new(0);
        let chunk: Vec<u8> = b"all this comes back and nobody reads it\n".repeat(1600);
        std::thread::scope(|scope| {
            let mut writer = flood.try_clone().expect("cloning the flooding socket");
            let (sent, chunk) = (&sent, &chunk);
            scope.spawn(move || {
                while sent.load(Ordering::Relaxed) < FLOOD {
                    match writer.write(chunk) {
                        Ok(n) => {
                            sent.fetch_add(n, Ordering::Relaxed);
                        }
                        Err(e) if netkit_tests::harness::liveness::is_timeout(&e) => {}
                        Err(_) => return,
                    }
                }
            });
            // Until the server has stopped reading the flood, as the kernel
            // shows it: the whole server asleep, unchanged between two looks
            // a STEP apart, while the flood's bytes wait unread in its
            // socket. (Not "the sender stalled": a server starved of CPU
            // stalls it too.) A server that reads everything never gets
            // there: its EPOLLIN wakes it, and its memory grows instead.
            let mut before = None;
            let outcome = wait_for(&watch, || {
                let grown = resident(pid).saturating_sub(base);
                let now = sent.load(Ordering::Relaxed);
                if grown > MEMORY_BOUND || now >= FLOOD {
                    return Ok(Some(Err((grown, now))));
                }
                let look = all_threads_blocked(pid);
                if look.is_some() && look == before && unread_by_server(server.addr) > 0 {
                    return Ok(Some(Ok((grown, now))));
                }
                before = look;
                std::thread::park_timeout(STEP);
                Ok(None)
            });
            let _ = flood.shutdown(Shutdown::Both);
            match outcome {
                Ok(Ok(_)) => {}
                Ok(Err((grown, now))) => Report::sent(format!(
                    "{} MiB of lines from a client that never reads its echo",
                    now / (1024 * 1024)
                ))
                .expected(format!(
                    "the server to stop reading that client, its memory (VmRSS) grown by less \
                     than {} MiB",
                    MEMORY_BOUND / (1024 * 1024)
                ))
                .got(format!(
                    "VmRSS grown by {:.1} MiB",
                    grown as f64 / (1024.0 * 1024.0)
                ))
                .cause(
                    "no backpressure: while a connection's pending output is over the high \
                     mark, leave EPOLLIN off (do not read it) until it drains",
                )
                .fail(),
                Err(e) => Report::sent("lines from a client that never reads its echo")
                    .expected("the flood to stop, the server no longer reading it")
                    .got(e.to_string())
                    .cause("see the message above")
                    .fail(),
            }
            other.send(b"and me?\n");
            expect_echo(
                &mut other,
                &watch,
                b"and me?\n",
                "a client that does not read holds up no one else",
            );
        });
    }
}

/// Idle, the event loop sleeps in `epoll_wait` and nothing wakes it: seen
/// as every thread asleep, with the same count of context switches, in two
/// looks a [`STEP`] apart. A loop that keeps a level-triggered `EPOLLOUT`
/// on a socket with room (or a closed socket in epoll) is woken at every
/// wait, and never looks like that, however busy the machine is.
#[test]
fn sleeps_while_idle() {
    const LOOKS: usize = 50;
    for model in MODES {
        let server = model.start();
        let watch = server.watch();
        let mut awake = server.connect();
        awake.send(b"wake up\n");
        expect_echo(&mut awake, &watch, b"wake up\n", "every line comes back");
        awake.send(b"half a line, and then nothing");
        let pid = server.program.pid();
        let mut before = None;
        let mut still = false;
        for _ in 0..LOOKS {
            let look = all_threads_blocked(pid);
            if look.is_some() && look == before {
                still = true;
                break;
            }
            before = look;
            std::thread::park_timeout(STEP);
            if let Err(why) = server.program.check() {
                panic!("{why}");
            }
        }
        if !still {
            Report::sent(format!("{}, then nothing", awake.sent()))
                .expected(format!(
                    "`{}` asleep in epoll_wait, and not woken, for {} ms",
                    server.program.command_line(),
                    STEP.as_millis()
                ))
                .got(format!(
                    "in {} looks over {} ms, never asleep twice without running in between \
                     (/proc/PID/task/*/status)",
                    LOOKS,
                    (STEP * LOOKS as u32).as_millis()
                ))
                .cause(
                    "epoll_wait returns at once, again and again: a level-triggered EPOLLOUT \
                     left on while no output waits (ask for it only while output is pending), \
                     or a socket left in epoll after its end of file",
                )
                .fail();
        }
    }
}

/// Short writes keep their rest: with a small send buffer (4 KiB, the
/// runner's hidden `--send-buffer`), nearly every write the server makes is
/// short, and every byte must still come back, in order.
#[test]
fn keeps_the_rest_of_each_short_write() {
    const TOTAL: usize = 512 * 1024;
    for args in [
        &["epoll-server", "--edge", "--send-buffer", "4096"][..],
        &["epoll-server", "--send-buffer", "4096"][..],
    ] {
        let server = Model::new(args, Kind::Concurrent).start();
        let stuck = Stuck::new(&server.program, server.addr);
        let peer = server.connect();
        let lines: Vec<u8> = (0..TOTAL / 32)
            .flat_map(|i| format!("{i:031}\n").into_bytes())
            .collect();
        let mut writer = peer
            .stream()
            .try_clone()
            .expect("cloning the client's socket");
        std::thread::scope(|scope| {
            scope.spawn(|| {
                let _ = writer.write_all(&lines);
            });
            // Each piece compared as it comes: a dropped rest shows at once,
            // as the first bytes that differ.
            let mut reader = peer.stream();
            let mut got = 0;
            let mut chunk = vec![0u8; 64 * 1024];
            // One wait per piece: its bound is for a piece, not for the
            // whole, so that a slow machine is not taken for a stalled server.
            let outcome = loop {
                let piece = wait_for(&stuck, || {
                    let n = std::io::Read::read(&mut reader, &mut chunk)?;
                    Ok((n > 0).then_some(n))
                });
                let n = match piece {
                    Ok(n) => n,
                    Err(e) => break Err(e.to_string()),
                };
                let expected = &lines[got..(got + n).min(lines.len())];
                if chunk[..n] != *expected {
                    let at = got
                        + chunk[..n]
                            .iter()
                            .zip(expected)
                            .position(|(a, b)| a != b)
                            .unwrap_or(expected.len());
                    break Err(format!(
                        "bytes that differ from what was sent at offset {at}: {} where {} was sent",
                        show(&chunk[at - got..n.min(at - got + 32)]),
                        show(&lines[at.min(lines.len())..(at + 32).min(lines.len())])
                    ));
                }
                got += n;
                if got == lines.len() {
                    break Ok(());
                }
            };
            let Err(why) = outcome else { return };
            Report::sent(format!(
                "{} bytes of lines, with the server's send buffer at 4 KiB",
                lines.len()
            ))
            .expected("every byte back, in order")
            .got(format!("{got} bytes back, then {why}"))
            .cause(
                "a write on a non-blocking socket may take less than it is given: keep the \
                 rest in the connection's output buffer (and ask for EPOLLOUT), never drop it",
            )
            .fail();
        });
    }
}
