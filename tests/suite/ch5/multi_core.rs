//! Tests of the exercise `multi-core` (book: ch5/multi-core.md): the
//! listeners (one port, `SO_REUSEPORT` on each, errors); the server over
//! real sockets with c10k's wire tests, run here against two loops; the
//! connections of many clients answered whichever listener the kernel gave
//! them to; `serve` blocking while its loops serve and returning the error
//! of the first loop that fails; and the runner's `multi-core-server` with
//! one thread per loop.

use super::c10k::{
    Client, KEEP_ALIVE, PATIENCE, bad_requests, config, expect, get, test_site, wire,
};
use netkit_tests::harness::{Liveness, Program, Report, ServerThread};
use netkit_tests::kit::ch5::c10k::{Config, Site};
use netkit_tests::kit::ch5::multi_core as kit;
use socket2::{Domain, SockRef, Socket, Type};
use std::io::ErrorKind;
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

/// Loops of the server under the wire tests: two, one per core here, and
/// enough that a connection may land on either.
const LOOPS: usize = 2;

fn loopback() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 0))
}

/// `count` listeners from `multi_core::listeners` on 127.0.0.1:0, or a
/// failure that says why.
fn open(count: usize) -> Vec<TcpListener> {
    kit::listeners(loopback(), count).unwrap_or_else(|e| {
        Report::sent(format!("listeners(127.0.0.1:0, {count})"))
            .expected(format!("{count} listening sockets on one port"))
            .got(format!("the error {e} ({:?})", e.kind()))
            .cause(
                "set SO_REUSEPORT on each socket before bind (socket2: set_reuse_port(true)); \
                 without it the second bind to the port fails with EADDRINUSE",
            )
            .fail()
    })
}

/// `multi_core::serve` on [`LOOPS`] listeners, on a thread of the test.
fn start_multi_core(site: Arc<Site>, config: Config) -> (ServerThread, SocketAddr) {
    start_loops(LOOPS, site, config)
}

fn start_loops(loops: usize, site: Arc<Site>, config: Config) -> (ServerThread, SocketAddr) {
    let listeners = open(loops);
    let addr = listeners[0]
        .local_addr()
        .expect("the first listener's address");
    let server = ServerThread::spawn("multi_core::serve", move || {
        kit::serve(listeners, site, &config)
    });
    (server, addr)
}

// ---------------------------------------------------------------- listeners

#[test]
fn listeners_share_one_port_each_with_so_reuseport() {
    let listeners = open(3);
    if listeners.len() != 3 {
        Report::sent("listeners(127.0.0.1:0, 3)")
            .expected("3 listeners")
            .got(format!("{}", listeners.len()))
            .cause("one listener per loop: count of them")
            .fail();
    }
    let addrs: Vec<SocketAddr> = listeners
        .iter()
        .map(|l| l.local_addr().expect("a listener's address"))
        .collect();
    if addrs[0].port() == 0 || addrs.iter().any(|a| *a != addrs[0]) {
        Report::sent("listeners(127.0.0.1:0, 3)")
            .expected("three sockets on one address and one real port")
            .got(format!("{addrs:?}"))
            .cause(
                "bind the first to the address given; bind the others to the first's \
                 local_addr(), or port 0 picks a new port for each",
            )
            .fail();
    }
    for (n, listener) in listeners.iter().enumerate() {
        let reuse = SockRef::from(listener).reuse_port();
        if !matches!(reuse, Ok(true)) {
            Report::sent("listeners(127.0.0.1:0, 3)")
                .expected(format!("SO_REUSEPORT set on listener {n}"))
                .got(format!("{reuse:?}"))
                .cause("set_reuse_port(true) on every socket, before bind")
                .fail();
        }
    }
}

#[test]
fn listeners_of_none_is_an_error() {
    match kit::listeners(loopback(), 0) {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        other => Report::sent("listeners(127.0.0.1:0, 0)")
            .expected("Err with ErrorKind::InvalidInput")
            .got(format!("{:?}", other.map(|l| l.len())))
            .cause("a server of no listener serves nobody: refuse count == 0")
            .fail(),
    }
}

#[test]
fn listeners_on_a_port_taken_without_so_reuseport_fail() {
    // A plain listener, as another program would hold the port.
    let taken = TcpListener::bind(loopback()).expect("a plain listener");
    let addr = taken.local_addr().expect("its address");
    match kit::listeners(addr, 2) {
        Err(e) if e.kind() == ErrorKind::AddrInUse => {}
        other => Report::sent(format!(
            "listeners({addr}, 2), {addr} held by a socket without SO_REUSEPORT"
        ))
        .expected("Err with ErrorKind::AddrInUse")
        .got(format!("{:?}", other.map(|l| l.len())))
        .cause("return bind's error as it is: the port belongs to someone else")
        .fail(),
    }
}

// ---------------------------------------------------------------- over the wire
//
// c10k's tests, against two loops. Not its test of max_connections: the
// limit is per loop, and which loop gets a connection is the kernel's
// choice, so the total a client sees before a 503 is not fixed.

#[test]
fn get_and_head() {
    wire::get_and_head(start_multi_core);
}

#[test]
fn paths_and_their_pages() {
    wire::paths_and_their_pages(start_multi_core);
}

#[test]
fn other_methods_are_405() {
    wire::other_methods_are_405(start_multi_core);
}

#[test]
fn bad_requests_are_refused_and_closed() {
    for (_, request, status) in bad_requests() {
        wire::bad_request_is_refused_and_closed(start_multi_core, &request, status);
    }
}

#[test]
fn keep_alive_by_version() {
    for (request, kept) in KEEP_ALIVE {
        wire::keep_alive_by_version(start_multi_core, request, kept);
    }
}

#[test]
fn pipelined_requests_answered_in_order() {
    wire::pipelined_requests_answered_in_order(start_multi_core);
}

#[test]
fn many_pipelined_requests() {
    wire::many_pipelined_requests(start_multi_core);
}

#[test]
fn requests_in_pieces() {
    wire::requests_in_pieces(start_multi_core);
}

#[test]
fn a_slow_reader_does_not_stop_the_others() {
    wire::a_slow_reader_does_not_stop_the_others(start_multi_core);
}

#[test]
fn an_idle_connection_is_closed() {
    wire::an_idle_connection_is_closed(start_multi_core);
}

// ---------------------------------------------------------------- the loops

/// Clients at once, against four loops: the kernel deals them out by a
/// hash of their ports, so each listener gets some (that one of four gets
/// none of 64 has odds of 4 · (3/4)^64, about 10^-8).
const CLIENTS: usize = 64;

#[test]
fn every_listener_is_served_by_a_loop_of_its_own() {
    let (server, addr) = start_loops(4, test_site(), config());
    // All connected and asked first, then all read: a listener that no
    // loop serves leaves its clients unanswered.
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|_| Client::connect(addr, &server))
        .collect();
    for client in &mut clients {
        client.send(&get("/"));
    }
    for (i, client) in clients.iter_mut().enumerate() {
        let reply = client.reply(
            false,
            &format!(
                "the index on connection {i} of {CLIENTS} to 4 listeners (a connection on a \
                 listener that no loop serves waits for ever)"
            ),
        );
        expect(
            &reply,
            &format!("GET / on each of {CLIENTS} connections at once"),
            200,
            wire::INDEX,
            "run every loop at once, each on its own thread: a loop never returns, so loops \
             called one after another serve only the first listener",
        );
    }
}

#[test]
fn serve_does_not_return_while_its_loops_serve() {
    let (server, addr) = start_multi_core(test_site(), config());
    let mut client = Client::connect(addr, &server);
    let reply = client.ask(&get("/"), "the index");
    expect(&reply, "GET /", 200, wire::INDEX, "a GET");
    // A serve that returns at once has returned by now, or within this
    // second; the reference never returns while its loops run.
    let until = Instant::now() + Duration::from_secs(1);
    while Instant::now() < until {
        if let Err(why) = server.check() {
            Report::sent("multi_core::serve on 2 listeners, and one GET answered")
                .expected("serve still running: it returns only when a loop ends")
                .got(why)
                .cause(
                    "after spawning the loops, wait for them: a server whose serve returns \
                     looks stopped to its caller (a program would exit)",
                )
                .fail();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn serve_returns_the_error_of_the_first_loop_that_fails() {
    let mut listeners = open(1);
    // Bound but never listening: the loop's accept fails with EINVAL at its
    // first event, while loop 0 serves on.
    let broken = Socket::new(Domain::IPV4, Type::STREAM, None).expect("a socket");
    broken.bind(&loopback().into()).expect("bind");
    listeners.push(TcpListener::from(broken));
    let (ended, result) = mpsc::channel();
    let site = test_site();
    std::thread::Builder::new()
        .name("multi_core::serve".into())
        .spawn(move || drop(ended.send(kit::serve(listeners, site, &config()))))
        .expect("a thread");
    match result.recv_timeout(PATIENCE) {
        Ok(Err(_)) => {}
        Ok(Ok(())) => Report::sent("serve on [a listener, a socket bound but not listening]")
            .expected("Err: loop 1 fails (accept: EINVAL)")
            .got("Ok(())")
            .cause("return the error of the loop that ended")
            .fail(),
        Err(_) => Report::sent("serve on [a listener, a socket bound but not listening]")
            .expected(format!(
                "Err within {} s: loop 1 fails at once (accept: EINVAL)",
                PATIENCE.as_secs()
            ))
            .got("serve still running")
            .cause(
                "wait for whichever loop ends first (each sends its result on a channel), \
                 not for loop 0 first: joining in order hides a failed loop behind one \
                 that serves for ever",
            )
            .fail(),
    }
}

#[test]
fn serve_of_no_listener_is_an_error() {
    match kit::serve(Vec::new(), test_site(), &config()) {
        Err(e) if e.kind() == ErrorKind::InvalidInput => {}
        other => Report::sent("serve(vec![], …)")
            .expected("Err with ErrorKind::InvalidInput, at once")
            .got(format!("{other:?}"))
            .cause("no listener, no loop: refuse it rather than return as if served")
            .fail(),
    }
}

// ---------------------------------------------------------------- the program

/// The names of a process's threads, from /proc.
fn thread_names(pid: u32) -> Vec<String> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let path = task.ok()?.path().join("comm");
            Some(std::fs::read_to_string(path).ok()?.trim().to_string())
        })
        .collect()
}

#[test]
fn the_program_runs_one_thread_per_loop() {
    let base = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(base.path().join("index.html"), wire::INDEX).expect("the page");
    let root = base.path().to_str().expect("a UTF-8 temporary path");
    let (program, addr) = Program::start_server(&[
        "multi-core-server",
        "--root",
        root,
        "--addr",
        "127.0.0.1:0",
        "--loops",
        "3",
    ]);
    // Every loop has run once it answered: its thread has its name.
    let mut clients: Vec<Client> = (0..CLIENTS)
        .map(|_| Client::connect(addr, &program))
        .collect();
    for client in &mut clients {
        client.send(&get("/"));
    }
    for client in &mut clients {
        let reply = client.reply(false, "the index from multi-core-server --loops 3");
        expect(&reply, "GET /", 200, wire::INDEX, "a GET");
    }
    // A loop answers only after its thread is named; 2 s is for a thread
    // that was dealt no connection, and for a loaded machine.
    let until = Instant::now() + Duration::from_secs(2);
    let mut names = thread_names(program.pid());
    while names.iter().filter(|n| n.starts_with("loop-")).count() < 3 && Instant::now() < until {
        std::thread::sleep(Duration::from_millis(20));
        names = thread_names(program.pid());
    }
    let loops = names.iter().filter(|n| n.starts_with("loop-")).count();
    if loops != 3 {
        Report::sent("multi-core-server --loops 3, and 64 GETs answered")
            .expected("3 threads named loop-0, loop-1, loop-2")
            .got(format!("the threads {names:?}"))
            .cause(
                "one thread per listener, each named loop-N (thread::Builder::name), each \
                 running c10k::serve on its own listener",
            )
            .fail();
    }
}
