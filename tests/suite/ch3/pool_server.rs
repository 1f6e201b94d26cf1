//! Tests of the exercise `pool-server` (book: ch3/pool-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model
//! (with workers enough for their 40 clients), and the pool's own: a full
//! pool turns a client away with one line, the server has exactly its
//! workers' threads, and a client that leaves frees its worker for the next
//! in the queue.
//!
//! The pool's own tests see the server from the kernel's side, every time
//! they look: how many threads it has (`/proc/PID/task`), how many of them
//! are blocked reading a client, how many connections it holds open
//! (`/proc/PID/fd`), and whether its accepting thread waits anywhere but in
//! `accept` while a connection waits for it. So a pool that blocks when
//! full, a thread per client, an unbounded queue or a worker that ends is
//! seen at once, not after a timeout.

use super::line_echo::{Kind, Model, expect_echo, line_echo_conformance};
use netkit_tests::harness::{
    Accepting, Liveness, Program, Report, STEP, Task, TcpPeer, all_threads_blocked,
    loopback_listener, show, sockets_held, thread_count, threads_reading_sockets, unread_by_server,
    wait_for,
};
use netkit_tests::kit::ch3::pool_server::{self, BUSY};
use std::io;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::Instant;

/// 48 workers: the 40 interleaved clients, the one that holds half a line,
/// and room to spare; every client the conformance tests connect is served.
/// And a queue as long: the 40 connect at once, faster than idle workers
/// wake to take them, and a short queue would turn some away.
const MODEL: Model = Model::new(
    &["pool-server", "--workers", "48", "--queue", "48"],
    Kind::Concurrent,
);

line_echo_conformance!(concurrent, MODEL);

/// A pool server started for one test, with its size.
struct Pool {
    program: Program,
    addr: SocketAddr,
    workers: usize,
    queue: usize,
}

impl Pool {
    #[track_caller]
    fn start(workers: usize, queue: usize) -> Pool {
        let (w, q) = (workers.to_string(), queue.to_string());
        let (program, addr) = Program::start_server(&[
            "pool-server",
            "--workers",
            &w,
            "--queue",
            &q,
            "--addr",
            "127.0.0.1:0",
        ]);
        Pool {
            program,
            addr,
            workers,
            queue,
        }
    }

    fn pid(&self) -> u32 {
        self.program.pid()
    }

    fn name(&self) -> String {
        format!("`{}`", self.program.command_line())
    }

    #[track_caller]
    fn connect(&self) -> TcpPeer {
        TcpPeer::connect_watched(self.addr, &self.program)
    }

    /// The watch for every wait once a first client has been served (the
    /// workers have all started by then).
    fn watch(&self) -> PoolWatch<'_> {
        PoolWatch {
            pool: self,
            accepting: Accepting::program(&self.program).listening_on(self.addr),
            idle_since: Mutex::new(None),
        }
    }
}

/// Fails a wait as soon as the server is seen doing what a bounded pool
/// never does: it stopped; its accepting thread waits outside `accept`
/// while a connection waits for it; it has more or fewer threads than its
/// workers and the accepting thread; it holds more connections than its
/// workers and queue (and the one it is turning away); or a worker stays
/// idle while a client's bytes wait unread.
struct PoolWatch<'a> {
    pool: &'a Pool,
    accepting: Accepting<'a, Program>,
    /// The first look that found every thread asleep, fewer workers than
    /// all reading a client, and bytes unread.
    idle_since: Mutex<Option<(Instant, Asleep)>>,
}

/// Every thread of the server, with its count of context switches, as
/// [`all_threads_blocked`] saw them.
type Asleep = Vec<(i32, u64)>;

impl Liveness for PoolWatch<'_> {
    fn check(&self) -> Result<(), String> {
        let Pool { workers, queue, .. } = *self.pool;
        self.accepting.check().map_err(|why| {
            format!(
                "{why}. In a pool: the accepting thread must never wait for a worker. \
                 `send` on a full sync_channel waits for room; `try_send` returns Full \
                 at once, and the client is turned away"
            )
        })?;
        let pid = self.pool.pid();
        let threads = thread_count(pid);
        if threads > workers + 1 {
            return Err(format!(
                "{} has {threads} threads (/proc/{pid}/task), for {workers} workers and the \
                 accepting thread: does it start a thread per client instead of handing \
                 each connection to the workers started once?",
                self.pool.name()
            ));
        }
        if threads < workers + 1 {
            return Err(format!(
                "{} has {threads} threads (/proc/{pid}/task), for {workers} workers and the \
                 accepting thread: a worker has ended (or never started). A worker loops: \
                 take a connection, serve it, take the next",
                self.pool.name()
            ));
        }
        // The listener is a socket too; one connection may be on its way
        // out (being turned away).
        let held = sockets_held(pid).saturating_sub(1);
        if held > workers + queue + 1 {
            return Err(format!(
                "{} holds {held} connections open (/proc/{pid}/fd), more than its {workers} \
                 workers and {queue} places in the queue: is the queue unbounded \
                 (mpsc::channel, a VecDeque with no limit), or is a client turned away \
                 left open?",
                self.pool.name()
            ));
        }
        self.idle_worker_while_a_client_waits()
    }
}

impl PoolWatch<'_> {
    /// A queued client's bytes wait unread only while every worker serves
    /// someone (each blocked reading its client, in these tests). Every
    /// thread asleep, fewer of them reading than there are workers, bytes
    /// unread, and nobody woken between two looks a STEP apart: a worker
    /// is idle that can never take the client. (A worker woken by `send`
    /// is runnable, not asleep, until it has taken the connection.)
    fn idle_worker_while_a_client_waits(&self) -> Result<(), String> {
        let pid = self.pool.pid();
        let mut idle_since = self.idle_since.lock().unwrap_or_else(|p| p.into_inner());
        let reading = threads_reading_sockets(pid);
        let look = all_threads_blocked(pid)
            .filter(|_| reading < self.pool.workers && unread_by_server(self.pool.addr) > 0);
        let Some(look) = look else {
            *idle_since = None;
            return Ok(());
        };
        match idle_since.as_ref() {
            Some((at, first)) if *first == look => {
                if at.elapsed() >= STEP {
                    return Err(format!(
                        "{} has a client's bytes unread while only {reading} of its {} \
                         workers read a client, and none of its threads has woken for {} ms: \
                         an idle worker cannot take the queued connection. Is the queue's \
                         lock held while a client is served? (`while let Ok(c) = \
                         rx.lock().unwrap().recv() {{ … }}` keeps the guard for the whole \
                         body: take the connection in a `let` statement of its own)",
                        self.pool.name(),
                        self.pool.workers,
                        at.elapsed().as_millis()
                    ));
                }
            }
            _ => *idle_since = Some((Instant::now(), look)),
        }
        Ok(())
    }
}

/// Sends `line` and reads its echo.
#[track_caller]
fn round_trip(peer: &mut TcpPeer, watched: &dyn Liveness, line: &[u8], cause: &str) {
    peer.send(line);
    expect_echo(peer, watched, line, cause);
}

/// Waits until the server has accepted `clients` connections in all (it
/// holds that many, besides its listener) and its accepting thread is back
/// in `accept`: the last one is in the queue, or being served.
#[track_caller]
fn wait_until_accepted(pool: &Pool, watch: &PoolWatch, clients: usize, sent: &str) {
    let accepting = Accepting::program(&pool.program);
    let seen = wait_for(watch, || {
        if sockets_held(pool.pid()) == clients + 1 && accepting.asleep_in_accept() {
            return Ok(Some(()));
        }
        std::thread::park_timeout(STEP);
        Ok(None)
    });
    if let Err(e) = seen {
        Report::sent(sent)
            .expected(format!(
                "{} to accept the {clients} connections (to hold them, and be back in \
                 accept)",
                pool.name()
            ))
            .got(format!(
                "{e}; it holds {} sockets, its listener included",
                sockets_held(pool.pid())
            ))
            .cause("accept every connection at once, and hand it to the queue")
            .fail();
    }
}

/// Waits until `n` of the server's threads are blocked reading a client:
/// its workers, each serving one.
#[track_caller]
fn wait_until_reading(pool: &Pool, watch: &PoolWatch, n: usize, sent: &str) {
    let seen = wait_for(watch, || {
        if threads_reading_sockets(pool.pid()) == n {
            return Ok(Some(()));
        }
        std::thread::park_timeout(STEP);
        Ok(None)
    });
    if let Err(e) = seen {
        Report::sent(sent)
            .expected(format!(
                "{n} threads of {} blocked reading a client, one per client served",
                pool.name()
            ))
            .got(format!(
                "{e}; {} threads are reading a socket",
                threads_reading_sockets(pool.pid())
            ))
            .cause("each worker serves one client with echo_lines, which waits in read")
            .fail();
    }
}

/// Asserts that nothing has come back to `peer`: it waits in the queue.
#[track_caller]
fn expect_nothing_yet(pool: &Pool, peer: &mut TcpPeer, why: &str) {
    let waiting = peer.pending();
    if waiting > 0 {
        let got = peer.read_available();
        Report::sent(peer.sent())
            .expected(format!("nothing yet: {why}"))
            .got(format!("{waiting} bytes: {}", show(&got)))
            .cause(format!(
                "{} has served a client that should still wait in the queue: more \
                 threads serve clients than its {} workers",
                pool.name(),
                pool.workers
            ))
            .fail();
    }
}

/// Reads the busy line on `peer`, then the end of the connection.
#[track_caller]
fn expect_turned_away(peer: &mut TcpPeer, watch: &PoolWatch) {
    let expected = format!(
        "the line {} at once, then the connection closed",
        show(BUSY)
    );
    let line = peer.read_line(watch, &expected);
    if format!("{line}\n").as_bytes() != BUSY {
        Report::sent(peer.sent())
            .expected(&expected)
            .got(format!("the line {line:?}"))
            .cause(
                "a client that finds the workers busy and the queue full gets BUSY, nothing \
                 else: not an echo, not a place in a queue that grows",
            )
            .fail();
    }
    peer.expect_closed(
        watch,
        "the connection closed after the busy line: the stream dropped at once",
    );
}

#[test]
fn turns_a_client_away_with_one_line_when_workers_and_queue_are_full() {
    let pool = Pool::start(2, 1);
    let served = "each connection goes to the queue, and a free worker takes it from there";
    let mut a = pool.connect();
    round_trip(&mut a, &pool.program, b"a\n", served);
    let watch = pool.watch();
    let mut b = pool.connect();
    round_trip(&mut b, &watch, b"b\n", served);
    // Both workers serve a client, and wait in read for its next line.
    wait_until_reading(
        &pool,
        &watch,
        2,
        "a line from each of two clients, then nothing",
    );
    // The third waits in the queue, its line unread.
    let mut c = pool.connect();
    c.send(b"queued\n");
    wait_until_accepted(
        &pool,
        &watch,
        3,
        "two clients served, then a third that sent a line",
    );
    expect_nothing_yet(
        &pool,
        &mut c,
        "both workers are serving a client, so this one waits in the queue",
    );
    // Two more: no worker, no room. Each is told, and closed; the second one
    // waits in the listener's queue while the first is turned away, so an
    // accepting thread that waits for room is seen waiting.
    let mut d = pool.connect();
    let mut e = pool.connect();
    expect_turned_away(&mut d, &watch);
    expect_turned_away(&mut e, &watch);
    // The others are still served.
    let still = "clients being served are served on, whoever was turned away meanwhile";
    round_trip(&mut a, &watch, b"still here\n", still);
    round_trip(&mut b, &watch, b"me too\n", still);
    expect_nothing_yet(&pool, &mut c, "both workers are still serving a client");
    // A leaves: its worker takes the queued client, and its line comes back.
    a.shutdown_write();
    a.expect_closed(
        &watch,
        "the connection closed when the client closed its side",
    );
    expect_echo(
        &mut c,
        &watch,
        b"queued\n",
        "a worker whose client has left takes the next connection from the queue",
    );
    round_trip(&mut c, &watch, b"served\n", still);
}

#[test]
fn has_exactly_its_workers_however_many_clients_connect() {
    let pool = Pool::start(3, 2);
    let mut clients = vec![pool.connect()];
    round_trip(
        &mut clients[0],
        &pool.program,
        b"first\n",
        "each connection goes to the queue, and a free worker takes it from there",
    );
    let pid = pool.pid();
    // Before the first client was served, every worker had been started.
    let threads = thread_count(pid);
    if threads != 4 {
        Report::sent(clients[0].sent())
            .expected("4 threads: the 3 workers, started before the first accept, and the accepting thread")
            .got(format!("{threads} threads in /proc/{pid}/task"))
            .cause(
                "start every worker once, before accepting: not a thread per client, not \
                 workers started as clients come",
            )
            .fail();
    }
    let watch = pool.watch();
    for i in 1..3 {
        let mut client = pool.connect();
        round_trip(
            &mut client,
            &watch,
            format!("client {i}\n").as_bytes(),
            "three workers serve three clients at once",
        );
        clients.push(client);
    }
    wait_until_reading(&pool, &watch, 3, "a line from each of three clients");
    // Two more wait in the queue; every look of the watch counts the threads.
    for i in 3..5 {
        let mut client = pool.connect();
        client.send(format!("client {i}\n").as_bytes());
        clients.push(client);
    }
    wait_until_accepted(&pool, &watch, 5, "five clients, each sent a line");
    for client in &mut clients[3..] {
        expect_nothing_yet(&pool, client, "three workers serve the first three clients");
    }
    let threads = thread_count(pid);
    let reading = threads_reading_sockets(pid);
    if threads != 4 || reading != 3 {
        Report::sent("five clients, each sent a line")
            .expected("4 threads, 3 of them reading a client: 2 clients wait in the queue")
            .got(format!(
                "{threads} threads in /proc/{pid}/task, {reading} of them reading a socket"
            ))
            .cause("a pool's threads are its workers: a client in the queue has no thread")
            .fail();
    }
}

#[test]
fn a_client_that_leaves_frees_its_worker_for_the_next_in_the_queue() {
    let pool = Pool::start(1, 2);
    let mut a = pool.connect();
    round_trip(
        &mut a,
        &pool.program,
        b"a\n",
        "each connection goes to the queue, and a free worker takes it from there",
    );
    let watch = pool.watch();
    let mut b = pool.connect();
    b.send(b"b waits\n");
    let mut c = pool.connect();
    c.send(b"c waits\n");
    wait_until_accepted(&pool, &watch, 3, "a served, then b and c each sent a line");
    expect_nothing_yet(&pool, &mut b, "the one worker serves a");
    expect_nothing_yet(&pool, &mut c, "the one worker serves a");
    let freed = "a worker whose client has left takes the next connection from the queue, \
                 in the order they came: the worker loops";
    a.shutdown_write();
    a.expect_closed(
        &watch,
        "the connection closed when the client closed its side",
    );
    expect_echo(&mut b, &watch, b"b waits\n", freed);
    wait_until_reading(&pool, &watch, 1, "b's line, echoed");
    expect_nothing_yet(&pool, &mut c, "the one worker serves b now");
    drop(b);
    expect_echo(&mut c, &watch, b"c waits\n", freed);
    round_trip(&mut c, &watch, b"and again\n", freed);
}

#[test]
fn refuses_a_pool_of_no_workers() {
    let listener = loopback_listener();
    let serving = Task::spawn("pool_server::serve(listener, 0, 4)", move || {
        pool_server::serve(listener, 0, 4)
    });
    match serving.join() {
        Err(e) if e.kind() == io::ErrorKind::InvalidInput => {}
        other => Report::sent("serve(listener, 0 workers, a queue of 4)")
            .expected("Err(InvalidInput) at once: nobody would ever serve a client")
            .got(format!("{other:?}"))
            .cause("check `workers` before starting anything, and return the error")
            .fail(),
    }
}
