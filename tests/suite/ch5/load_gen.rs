//! Tests of the exercise `load-gen` (book: ch5/load-gen.md): the load
//! generator against servers the test plays, whose answers (status, body,
//! the pieces they come in, a missing `Content-Length`, a close mid-answer,
//! no answer at all) the test controls and whose side of each conversation
//! it counts (connections, requests, bytes, a second request sent before
//! the answer to the first); a line-echo server; the open loop's rate; and
//! the open loop against the harness's `fixture-http`, stopped with SIGSTOP
//! for a second mid-run, where the percentiles must show the stall.

use netkit_tests::harness::{Liveness, Program, Report, Task, sockets_held};
use netkit_tests::kit::ch5::load_gen::{self as kit, Pace, Plan, Protocol, Report as Run, Until};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ------------------------------------------------------- the test's server

/// How the test's server answers one request.
#[derive(Debug, Clone)]
struct Reply {
    status: u16,
    body: Vec<u8>,
    /// Written in pieces of this many bytes, each flushed and apart.
    pieces: Option<usize>,
    /// No `Content-Length` header.
    no_length: bool,
    /// Close the connection halfway through the answer.
    close_midway: bool,
    /// Never answer (the connection stays open until the client leaves).
    silent: bool,
    /// Wait this long before answering.
    delay: Duration,
}

impl Reply {
    fn ok(body: &[u8]) -> Reply {
        Reply {
            status: 200,
            body: body.to_vec(),
            pieces: None,
            no_length: false,
            close_midway: false,
            silent: false,
            delay: Duration::ZERO,
        }
    }

    fn bytes(&self) -> Vec<u8> {
        let mut out = format!(
            "HTTP/1.1 {} {}\r\nServer: netkit-test\r\n",
            self.status,
            if self.status == 200 { "OK" } else { "Oops" }
        )
        .into_bytes();
        if !self.no_length {
            // Lower case: the name is case-insensitive.
            out.extend_from_slice(format!("content-length: {}\r\n", self.body.len()).as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
        out
    }
}

/// What the test's server saw.
#[derive(Debug, Default)]
struct Seen {
    connections: AtomicU64,
    requests: AtomicU64,
    bytes_in: AtomicU64,
    bytes_out: AtomicU64,
    /// Requests that arrived while the answer to the one before was not
    /// yet all written.
    overlapping: AtomicU64,
    /// Statuses other than 200 answered.
    not_ok: AtomicU64,
    /// The size of the last request (all are the same).
    request_size: AtomicU64,
}

/// An HTTP keep-alive server on loopback, a thread per connection, whose
/// answer to the `n`th request overall (from 0) is `reply(n)`.
struct Server {
    addr: SocketAddr,
    seen: Arc<Seen>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start(reply: impl Fn(u64) -> Reply + Send + Sync + 'static) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("binding a loopback listener");
        let addr = listener.local_addr().expect("the listener's address");
        let seen = Arc::new(Seen::default());
        let stop = Arc::new(AtomicBool::new(false));
        let reply = Arc::new(reply);
        {
            let (seen, stop) = (seen.clone(), stop.clone());
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::Acquire) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    seen.connections.fetch_add(1, Ordering::AcqRel);
                    let (seen, reply) = (seen.clone(), reply.clone());
                    std::thread::spawn(move || serve(stream, &seen, &*reply));
                }
            });
        }
        Server { addr, seen, stop }
    }

    fn http(&self, connections: usize, until: Until) -> Plan {
        Plan {
            addr: self.addr,
            connections,
            threads: 1,
            protocol: Protocol::Http {
                path: "/index.html".into(),
            },
            until,
            pace: Pace::Closed,
            timeout: Duration::from_secs(5),
        }
    }

    fn count(&self, what: fn(&Seen) -> &AtomicU64) -> u64 {
        what(&self.seen).load(Ordering::Acquire)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Wake the accept loop so that it sees the stop.
        self.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(self.addr);
    }
}

/// One connection: read each request's head, answer it as told.
fn serve(stream: TcpStream, seen: &Seen, reply: &(dyn Fn(u64) -> Reply + Send + Sync)) {
    let _ = stream.set_nodelay(true);
    let Ok(mut out) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = Vec::new();
    loop {
        // One request: lines up to the empty one.
        let mut size = 0;
        loop {
            line.clear();
            match reader.read_until(b'\n', &mut line) {
                Ok(0) | Err(_) => return,
                Ok(n) => {
                    seen.bytes_in.fetch_add(n as u64, Ordering::AcqRel);
                    size += n as u64;
                }
            }
            if line == b"\r\n" {
                break;
            }
        }
        seen.request_size.store(size, Ordering::Release);
        let n = seen.requests.fetch_add(1, Ordering::AcqRel);
        let r = reply(n);
        if r.status != 200 {
            seen.not_ok.fetch_add(1, Ordering::AcqRel);
        }
        if r.silent {
            // Wait for the client to give up and close.
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
            return;
        }
        if !r.delay.is_zero() {
            std::thread::sleep(r.delay);
        }
        let bytes = r.bytes();
        let bytes = if r.close_midway {
            &bytes[..bytes.len() / 2]
        } else {
            &bytes[..]
        };
        let piece = r.pieces.unwrap_or(bytes.len()).max(1);
        for chunk in bytes.chunks(piece) {
            if early_request(&mut reader) {
                seen.overlapping.fetch_add(1, Ordering::AcqRel);
            }
            // Counted first: the client may finish its run on these bytes.
            seen.bytes_out
                .fetch_add(chunk.len() as u64, Ordering::AcqRel);
            if out.write_all(chunk).and_then(|()| out.flush()).is_err() {
                return;
            }
            if r.pieces.is_some() {
                // Apart, so that the client reads them apart.
                std::thread::sleep(Duration::from_millis(2));
            }
        }
        if r.close_midway {
            return;
        }
    }
}

/// Whether bytes of another request have come before this answer is done.
fn early_request(reader: &mut BufReader<TcpStream>) -> bool {
    if !reader.buffer().is_empty() {
        return true;
    }
    let stream = reader.get_ref();
    if stream.set_nonblocking(true).is_err() {
        return false;
    }
    let mut probe = [0u8; 1];
    let early = matches!(stream.peek(&mut probe), Ok(n) if n > 0);
    let _ = stream.set_nonblocking(false);
    early
}

/// How long a run of these tests may take: each needs milliseconds, and a
/// run that never ends (a connection never opened again) must fail well
/// within the mutant check's 10 s.
const LIMIT: Duration = Duration::from_secs(5);

/// Runs `plan` on its own thread: a stub's `todo!()` fails the test at
/// once, a run that does not end within [`LIMIT`] fails it then.
fn run(plan: &Plan) -> Run {
    let (tx, rx) = mpsc::channel();
    {
        let plan = plan.clone();
        std::thread::spawn(move || {
            let outcome = catch_unwind(AssertUnwindSafe(|| kit::run(&plan)))
                .map_err(|p| netkit_tests::harness::server::panic_text(&*p));
            let _ = tx.send(outcome);
        });
    }
    match rx.recv_timeout(LIMIT) {
        Ok(Ok(Ok(report))) => report,
        Ok(Ok(Err(e))) => Report::sent(describe(plan))
            .expected("a report")
            .got(format!("the error {e}"))
            .fail(),
        Ok(Err(why)) => panic!("load_gen::run panicked: {why}"),
        Err(_) => Report::sent(describe(plan))
            .expected(format!("the run to end within {} s (it needs milliseconds)", LIMIT.as_secs()))
            .got("it was still running")
            .cause("a connection that failed (closed, timed out, malformed answer) was not opened again, or the count of answers is never reached")
            .fail(),
    }
}

fn describe(plan: &Plan) -> String {
    format!(
        "run: {} connections, {:?}, {:?}, against the test's server",
        plan.connections, plan.until, plan.pace
    )
}

fn summary(r: &Run) -> String {
    format!(
        "requests {}, errors {:?}, sent {} B, received {} B, late {}, worst lag {:?}, p50 {:?}, p90 {:?}, p99 {:?}",
        r.requests,
        r.errors,
        r.bytes_sent,
        r.bytes_received,
        r.late,
        r.worst_lag,
        r.percentile(50.0),
        r.percentile(90.0),
        r.percentile(99.0)
    )
}

// ------------------------------------------------------------ the counts

#[test]
fn until_requests_gets_exactly_that_many_answers() {
    let server = Server::start(|_| Reply::ok(b"hello\n"));
    let plan = server.http(4, Until::Requests(50));
    let r = run(&plan);
    if r.requests != 50 || r.errors.total() != 0 || r.latency.len() != 50 {
        Report::sent(describe(&plan))
            .expected("requests 50, no errors, 50 latencies in the histogram")
            .got(format!("{}, {} latencies", summary(&r), r.latency.len()))
            .cause("the count is of complete answers, in all connections together: stop sending when the last one is asked for (an off-by-one sends one more or one fewer)")
            .fail();
    }
    let served = server.count(|s| &s.requests);
    if served != 50 {
        Report::sent(describe(&plan))
            .expected("the server asked 50 times")
            .got(format!("{served} requests at the server"))
            .cause("each answer is one request: a request sent after the count was reached is one too many")
            .fail();
    }
    let size = server.count(|s| &s.request_size);
    if r.bytes_sent != 50 * size {
        Report::sent(describe(&plan))
            .expected(format!("50 requests of {size} bytes sent: {} bytes", 50 * size))
            .got(summary(&r))
            .cause("a request sent after the count was reached is one too many (an off-by-one in the count of requests to send)")
            .fail();
    }
    let rps = r.requests as f64 / r.elapsed.as_secs_f64();
    if r.elapsed.is_zero() || (r.requests_per_second() - rps).abs() > rps * 1e-6 {
        Report::sent(describe(&plan))
            .expected(format!(
                "requests_per_second = requests / elapsed = {rps:.1}"
            ))
            .got(format!(
                "{:.1}, elapsed {:?}",
                r.requests_per_second(),
                r.elapsed
            ))
            .cause("requests per second are over the measured elapsed time")
            .fail();
    }
    if r.percentile(100.0) != Duration::from_micros(r.latency.max())
        || r.percentile(50.0) > r.percentile(99.0)
    {
        Report::sent(describe(&plan))
            .expected("percentile(100) is the histogram's max, and p50 ≤ p99")
            .got(summary(&r))
            .cause("percentile(p) is value_at_quantile(p / 100), in microseconds")
            .fail();
    }
}

#[test]
fn bytes_sent_and_received_are_counted_exactly() {
    let server = Server::start(|n| Reply::ok(&vec![b'x'; 10 + n as usize % 7]));
    let plan = server.http(3, Until::Requests(30));
    let r = run(&plan);
    let (got_in, got_out) = (
        server.count(|s| &s.bytes_in),
        server.count(|s| &s.bytes_out),
    );
    if r.bytes_sent != got_in || r.bytes_received != got_out || r.requests != 30 {
        Report::sent(describe(&plan))
            .expected(format!(
                "30 requests, bytes sent {got_in} and received {got_out}, as the server counted them"
            ))
            .got(summary(&r))
            .cause("every byte written and read counts, heads included")
            .fail();
    }
}

#[test]
fn connections_are_as_many_as_planned() {
    let server = Server::start(|_| Reply::ok(b"hi"));
    let plan = server.http(7, Until::Requests(70));
    let r = run(&plan);
    let connections = server.count(|s| &s.connections);
    if connections != 7 || r.requests != 70 {
        Report::sent(describe(&plan))
            .expected("7 connections at the server, kept alive for all 70 requests")
            .got(format!("{connections} connections; {}", summary(&r)))
            .cause("open each connection once and send every request on it (keep-alive)")
            .fail();
    }
}

// ------------------------------------------------------------ the answers

#[test]
fn an_answer_in_pieces_is_one_answer() {
    let server = Server::start(|_| Reply {
        pieces: Some(7),
        ..Reply::ok(b"a body of some forty bytes, in pieces.\n")
    });
    let plan = server.http(2, Until::Requests(6));
    let r = run(&plan);
    if r.requests != 6 || r.errors.total() != 0 || server.count(|s| &s.requests) != 6 {
        Report::sent(format!(
            "{}; each answer written 7 bytes at a time",
            describe(&plan)
        ))
        .expected("6 answers, no errors, 6 requests at the server")
        .got(format!(
            "{}; {} requests at the server",
            summary(&r),
            server.count(|s| &s.requests)
        ))
        .cause("one read is not one answer: keep reading until the head's empty line and then Content-Length bytes of body")
        .fail();
    }
}

#[test]
fn content_length_decides_where_the_body_ends() {
    // A body with an empty line in it, larger than any one read.
    let mut body = b"first\r\n\r\nsecond\r\n\r\n".to_vec();
    body.extend(std::iter::repeat_n(b'z', 200_000));
    let expected_bytes = Reply::ok(&body).bytes().len() as u64 * 5;
    let server = Server::start(move |_| Reply::ok(&body));
    let plan = server.http(1, Until::Requests(5));
    let r = run(&plan);
    if r.requests != 5 || r.errors.total() != 0 || r.bytes_received != expected_bytes {
        Report::sent(format!(
            "{}; each body 200 KB with \"\\r\\n\\r\\n\" in it",
            describe(&plan)
        ))
        .expected(format!(
            "5 answers, no errors, {expected_bytes} bytes received"
        ))
        .got(summary(&r))
        .cause("the body is Content-Length bytes after the head's end (the head is not counted in it), however many reads it takes; an empty line inside the body is body")
        .fail();
    }
}

#[test]
fn a_non_2xx_status_is_an_error_not_an_answer() {
    let server = Server::start(|n| {
        if n % 3 == 1 {
            Reply {
                status: 500,
                ..Reply::ok(b"broken")
            }
        } else {
            Reply::ok(b"fine")
        }
    });
    let plan = server.http(1, Until::Requests(10));
    let r = run(&plan);
    let not_ok = server.count(|s| &s.not_ok);
    if r.requests != 10 || r.errors.status != not_ok || not_ok == 0 || r.latency.len() != 10 {
        Report::sent(format!(
            "{}; every third answer a 500",
            describe(&plan)
        ))
        .expected(format!(
            "10 successful answers (10 latencies), errors.status {not_ok}"
        ))
        .got(format!("{}, {} latencies", summary(&r), r.latency.len()))
        .cause("a 500 is a complete answer but an error: count it in errors.status, not in requests or the latencies")
        .fail();
    }
}

#[test]
fn a_close_mid_answer_is_counted_and_the_run_goes_on() {
    let server = Server::start(|n| Reply {
        close_midway: n == 2,
        ..Reply::ok(b"0123456789abcdef")
    });
    let plan = server.http(1, Until::Requests(8));
    let r = run(&plan);
    let connections = server.count(|s| &s.connections);
    if r.requests != 8 || r.errors.closed != 1 || connections != 2 {
        Report::sent(format!(
            "{}; the third answer cut in half and the connection closed",
            describe(&plan)
        ))
        .expected("8 answers, errors.closed 1, and a second connection to the server")
        .got(format!("{connections} connections; {}", summary(&r)))
        .cause("an end of file before the answer is complete is `closed`: count it, then connect again and go on")
        .fail();
    }
}

#[test]
fn an_answer_without_content_length_is_malformed() {
    let server = Server::start(|n| Reply {
        no_length: n == 0,
        ..Reply::ok(b"where does this end?")
    });
    let plan = server.http(1, Until::Requests(4));
    let r = run(&plan);
    let connections = server.count(|s| &s.connections);
    if r.requests != 4 || r.errors.malformed != 1 || connections != 2 {
        Report::sent(format!(
            "{}; the first answer without Content-Length",
            describe(&plan)
        ))
        .expected("errors.malformed 1, then a new connection and 4 answers")
        .got(format!("{connections} connections; {}", summary(&r)))
        .cause("without Content-Length the answer's end is unknown: count it malformed, close, and connect again")
        .fail();
    }
}

#[test]
fn a_server_that_never_answers_is_a_timeout() {
    let server = Server::start(|n| Reply {
        silent: n == 0,
        ..Reply::ok(b"late but here")
    });
    let mut plan = server.http(1, Until::Requests(3));
    plan.timeout = Duration::from_millis(300);
    let r = run(&plan);
    if r.requests != 3 || r.errors.timeout != 1 {
        Report::sent(format!(
            "{}, timeout 300 ms; the first request never answered",
            describe(&plan)
        ))
        .expected("errors.timeout 1, then 3 answers on a new connection")
        .got(summary(&r))
        .cause("each answer has a deadline: past it, count a timeout, close and connect again")
        .fail();
    }
}

#[test]
fn a_closed_loop_never_has_two_requests_in_flight() {
    let server = Server::start(|_| Reply {
        delay: Duration::from_millis(2),
        pieces: Some(20),
        ..Reply::ok(b"a body long enough to come in pieces of twenty bytes")
    });
    let plan = server.http(3, Until::Requests(15));
    let r = run(&plan);
    let overlapping = server.count(|s| &s.overlapping);
    if overlapping != 0 || r.requests != 15 {
        Report::sent(format!(
            "{}; each answer after 2 ms, in pieces",
            describe(&plan)
        ))
        .expected("no request arriving before the answer to the previous one is all written")
        .got(format!("{overlapping} early requests; {}", summary(&r)))
        .cause("in a closed loop a connection sends its next request only when the whole answer (head and body) has come")
        .fail();
    }
}

#[test]
fn a_line_protocol_answer_ends_at_its_newline() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding");
    let addr = listener.local_addr().expect("address");
    let lines = Arc::new(Mutex::new(0u64));
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            // One connection: echo each line in two pieces.
            let Ok((stream, _)) = listener.accept() else {
                return;
            };
            let mut out = stream.try_clone().expect("clone");
            let mut reader = BufReader::new(stream);
            let mut line = Vec::new();
            while matches!(reader.read_until(b'\n', &mut line), Ok(n) if n > 0) {
                *lines.lock().unwrap() += 1;
                let (a, b) = line.split_at(line.len() / 2);
                if out.write_all(a).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(1));
                if out.write_all(b).is_err() {
                    return;
                }
                line.clear();
            }
        });
    }
    let plan = Plan {
        addr,
        connections: 1,
        threads: 1,
        protocol: Protocol::Line {
            line: b"ping pong\n".to_vec(),
        },
        until: Until::Requests(12),
        pace: Pace::Closed,
        timeout: Duration::from_secs(5),
    };
    let r = run(&plan);
    let echoed = *lines.lock().unwrap();
    if r.requests != 12 || r.errors.total() != 0 || r.bytes_sent != 120 || r.bytes_received != 120 {
        Report::sent("run: 1 connection, 12 lines \"ping pong\\n\" to a line echo that answers each in two pieces")
            .expected("12 answers, no errors, 120 bytes each way")
            .got(format!("{} lines at the server; {}", echoed, summary(&r)))
            .cause("a line's answer ends at its '\\n', however many reads it takes")
            .fail();
    }
}

// ------------------------------------------------------------ open loop

#[test]
fn an_open_loop_keeps_its_rate() {
    let server = Server::start(|_| Reply::ok(b"ok"));
    let mut plan = server.http(4, Until::Elapsed(Duration::from_millis(1000)));
    plan.pace = Pace::Open { per_second: 100 };
    let r = run(&plan);
    let served = server.count(|s| &s.requests);
    // 100 planned; generous bounds: a loaded machine answers late, never more.
    if !(40..=101).contains(&r.requests) || served > 101 {
        Report::sent(describe(&plan))
            .expected("about 100 answers (between 40 and 101), no more than 101 requests")
            .got(format!("{served} requests at the server; {}", summary(&r)))
            .cause("in open loop each connection sends at start + phase + k·interval, interval = connections / rate, not as fast as it can")
            .fail();
    }
}

/// Sends SIGCONT when dropped: the fixture never stays stopped.
struct Stopped(nix::unistd::Pid);

impl Drop for Stopped {
    fn drop(&mut self) {
        let _ = nix::sys::signal::kill(self.0, nix::sys::signal::Signal::SIGCONT);
    }
}

#[test]
fn an_open_loop_shows_a_stalled_server_in_its_percentiles() {
    let (fixture, addr) = Program::start_server(&["fixture-http"]);
    let connections = 8;
    let plan = Plan {
        addr,
        connections,
        threads: 1,
        protocol: Protocol::Http { path: "/".into() },
        until: Until::Elapsed(Duration::from_millis(2500)),
        pace: Pace::Open { per_second: 200 },
        timeout: Duration::from_secs(3),
    };
    let task = {
        let plan = plan.clone();
        Task::spawn("load_gen::run", move || kit::run(&plan))
    };
    // The run has begun when the fixture holds its connections (the
    // listener and 8 more).
    let pid = nix::unistd::Pid::from_raw(fixture.pid() as i32);
    let begun = Instant::now();
    while sockets_held(fixture.pid()) < connections + 1 && begun.elapsed() < Duration::from_secs(5)
    {
        if let Err(why) = task.check() {
            Report::sent("load_gen::run(open loop) against fixture-http")
                .expected("the run to connect")
                .got(why)
                .fail();
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let stopped = {
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGSTOP).expect("SIGSTOP");
        Stopped(pid)
    };
    // The stall itself.
    std::thread::sleep(Duration::from_secs(1));
    drop(stopped);
    let r = match task.join() {
        Ok(r) => r,
        Err(e) => Report::sent("load_gen::run(open loop)")
            .expected("a report")
            .got(format!("the error {e}"))
            .fail(),
    };
    let p90 = r.percentile(90.0);
    let p99 = r.percentile(99.0);
    if p99 < Duration::from_millis(500) || p90 < Duration::from_millis(200) {
        Report::sent("open loop, 200 requests/s over 8 connections for 2.5 s; the server stopped (SIGSTOP) for 1 s")
            .expected("p99 ≥ 500 ms and p90 ≥ 200 ms: every request planned during the stall waited for it")
            .got(summary(&r))
            .cause("measure each latency from the request's PLANNED time, not from when it was sent: otherwise only the 8 requests in flight see the stall (coordinated omission)")
            .fail();
    }
    if r.late == 0 || r.worst_lag < Duration::from_millis(500) {
        Report::sent("open loop, 200 requests/s over 8 connections for 2.5 s; the server stopped (SIGSTOP) for 1 s")
            .expected("late > 0 and worst_lag ≥ 500 ms: sending fell behind the plan during the stall")
            .got(summary(&r))
            .cause("a request sent after its planned time (its connection was waiting for the previous answer) counts as late, and its lag is sent − planned")
            .fail();
    }
}
