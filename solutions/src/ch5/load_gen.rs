//! # Exercise `load-gen`: an honest load generator (book: ch5/load-gen.md)
//!
//! [`run`] opens `connections` keep-alive connections to a server, spread
//! over `threads` threads, each an event loop, and sends requests on them:
//! in a *closed loop*, each connection sends its next request when its
//! previous answer is complete; in an *open loop*, each request has a
//! planned time (the rate's schedule) and its latency is measured from that
//! planned time, not from when it could be sent, so that a server that
//! stalls shows in the percentiles (wrk2's correction for coordinated
//! omission). The [`Report`] holds the count of complete answers, the
//! latencies in an HDR histogram, errors by kind, bytes, and how far sending
//! fell behind the plan.

use std::fmt;
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use mio::net::TcpStream;
use mio::{Events, Interest, Poll, Token};

pub use hdrhistogram::Histogram;

/// What each request is, and how its answer ends.
#[derive(Debug, Clone)]
pub enum Protocol {
    /// `GET path HTTP/1.1` with keep-alive; an answer ends after its
    /// `Content-Length` bytes of body.
    Http { path: String },
    /// One line (its '\n' included) sent; the answer ends at its '\n'
    /// (the line echo of chapter 3's servers).
    Line { line: Vec<u8> },
}

/// When a run ends.
#[derive(Debug, Clone, Copy)]
pub enum Until {
    /// Nothing is sent after this long; answers still in flight then are
    /// not counted (neither as answers nor as errors).
    Elapsed(Duration),
    /// Exactly this many complete, successful answers in all (errors are
    /// counted apart and do not use up the count).
    Requests(u64),
}

/// When each request is sent.
#[derive(Debug, Clone, Copy)]
pub enum Pace {
    /// Each connection sends its next request when its previous answer is complete.
    Closed,
    /// `per_second` requests a second in all, each at its planned time; a
    /// latency is measured from that planned time.
    Open { per_second: u64 },
}

/// A run.
#[derive(Debug, Clone)]
pub struct Plan {
    pub addr: SocketAddr,
    pub connections: usize,
    pub threads: usize,
    pub protocol: Protocol,
    pub until: Until,
    pub pace: Pace,
    /// An answer not complete after this long is an error (`timeout`).
    pub timeout: Duration,
}

/// Errors, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Errors {
    pub connect: u64,
    pub read: u64,
    pub write: u64,
    pub timeout: u64,
    /// The server closed the connection before the answer was complete.
    pub closed: u64,
    /// An HTTP answer whose status is not 2xx.
    pub status: u64,
    /// An answer that is not HTTP, or has no `Content-Length`.
    pub malformed: u64,
}

impl Errors {
    /// All errors, of every kind.
    pub fn total(&self) -> u64 {
        self.connect
            + self.read
            + self.write
            + self.timeout
            + self.closed
            + self.status
            + self.malformed
    }

    fn add(&mut self, other: &Errors) {
        self.connect += other.connect;
        self.read += other.read;
        self.write += other.write;
        self.timeout += other.timeout;
        self.closed += other.closed;
        self.status += other.status;
        self.malformed += other.malformed;
    }
}

/// What a run measured.
#[derive(Debug, Clone)]
pub struct Report {
    /// Complete answers.
    pub requests: u64,
    pub elapsed: Duration,
    /// Latencies in microseconds.
    pub latency: Histogram<u64>,
    pub errors: Errors,
    pub bytes_sent: u64,
    pub bytes_received: u64,
    /// Requests sent later than planned (open loop only).
    pub late: u64,
    /// The longest a request waited past its planned time (open loop only).
    pub worst_lag: Duration,
}

impl Report {
    /// Complete answers per second of the measured `elapsed` time.
    pub fn requests_per_second(&self) -> f64 {
        let seconds = self.elapsed.as_secs_f64();
        if seconds > 0.0 {
            self.requests as f64 / seconds
        } else {
            0.0
        }
    }

    /// The latency at `percent` (50.0, 99.9, 100.0 for the maximum).
    pub fn percentile(&self, percent: f64) -> Duration {
        if self.latency.is_empty() {
            return Duration::ZERO;
        }
        let micros = if percent >= 100.0 {
            self.latency.max()
        } else {
            self.latency.value_at_quantile(percent / 100.0)
        };
        Duration::from_micros(micros)
    }
}

/// A duration the way wrk prints one: `812.00us`, `1.25ms`, `2.01s`.
fn human(d: Duration) -> String {
    let micros = d.as_secs_f64() * 1e6;
    if micros < 1000.0 {
        format!("{micros:.2}us")
    } else if micros < 1e6 {
        format!("{:.2}ms", micros / 1e3)
    } else {
        format!("{:.2}s", micros / 1e6)
    }
}

/// A byte count with a binary unit: `1.50MB`.
fn human_bytes(bytes: u64) -> String {
    let b = bytes as f64;
    if b < 1024.0 {
        format!("{bytes}B")
    } else if b < 1024.0 * 1024.0 {
        format!("{:.2}KB", b / 1024.0)
    } else if b < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.2}MB", b / (1024.0 * 1024.0))
    } else {
        format!("{:.2}GB", b / (1024.0 * 1024.0 * 1024.0))
    }
}

/// A wrk-like report: requests per second, the latency percentiles, errors
/// by kind, bytes, and (open loop) how far sending fell behind the plan.
impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} requests in {:.2}s, {} read, {} written",
            self.requests,
            self.elapsed.as_secs_f64(),
            human_bytes(self.bytes_received),
            human_bytes(self.bytes_sent)
        )?;
        writeln!(f, "Requests/sec: {:.2}", self.requests_per_second())?;
        writeln!(f, "Latency")?;
        for (name, percent) in [
            ("p50", 50.0),
            ("p90", 90.0),
            ("p99", 99.0),
            ("p99.9", 99.9),
            ("max", 100.0),
        ] {
            writeln!(f, "  {name:>6} {:>10}", human(self.percentile(percent)))?;
        }
        let e = &self.errors;
        if e.total() == 0 {
            writeln!(f, "Errors: none")?;
        } else {
            writeln!(
                f,
                "Errors: connect {}, read {}, write {}, timeout {}, closed {}, status {}, malformed {}",
                e.connect, e.read, e.write, e.timeout, e.closed, e.status, e.malformed
            )?;
        }
        if self.late > 0 {
            writeln!(
                f,
                "sending fell behind the plan: {} requests late, worst by {}",
                self.late,
                human(self.worst_lag)
            )?;
        }
        Ok(())
    }
}

// ANCHOR: answer
/// The longest answer head (or line) accepted: a longer one is `malformed`.
const MAX_HEAD: usize = 64 * 1024;

/// Where the answer being read is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Looking for the end of the head (`\r\n\r\n`, or a line's `\n`).
    Head,
    /// This many body bytes still to come.
    Body(u64),
}

/// What a piece of an answer did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    /// The answer is not complete yet: every byte was used.
    More,
    /// The answer is complete after `used` bytes of the piece; `ok` is
    /// false for a non-2xx status.
    Complete { used: usize, ok: bool },
    /// Not an answer we can read.
    Malformed,
}

/// Reads one answer from the pieces it arrives in. The head is kept (only
/// when it spans pieces) to be parsed whole; body bytes are only counted.
#[derive(Debug, Default)]
struct Answer {
    phase: Option<Phase>,
    head: Vec<u8>,
    ok: bool,
}

impl Answer {
    fn reset(&mut self) {
        self.phase = None;
        self.head.clear();
        self.ok = false;
    }

    /// Feeds `piece` (the next bytes of the connection) into the answer.
    fn feed(&mut self, http: bool, piece: &[u8]) -> Step {
        let mut i = 0;
        loop {
            match self.phase.unwrap_or(Phase::Head) {
                Phase::Head if !http => match piece[i..].iter().position(|&b| b == b'\n') {
                    Some(p) => {
                        self.head.clear();
                        return Step::Complete {
                            used: i + p + 1,
                            ok: true,
                        };
                    }
                    None => {
                        // A line's bytes need not be kept: only counted.
                        self.phase = Some(Phase::Head);
                        return self.grow_head(piece.len() - i, &[]);
                    }
                },
                Phase::Head => {
                    let (end, used) = if self.head.is_empty() {
                        match find_end(&piece[i..]) {
                            Some(end) => (end, end),
                            None => {
                                self.phase = Some(Phase::Head);
                                return self.grow_head(piece.len() - i, &piece[i..]);
                            }
                        }
                    } else {
                        // The head began in an earlier piece: its end may
                        // straddle the two.
                        let old = self.head.len();
                        let take = (piece.len() - i).min(MAX_HEAD + 4 - old);
                        self.head.extend_from_slice(&piece[i..i + take]);
                        match find_end(&self.head[old.saturating_sub(3)..]) {
                            Some(end) => {
                                let end = old.saturating_sub(3) + end;
                                (end, end - old)
                            }
                            None if self.head.len() > MAX_HEAD => return Step::Malformed,
                            None => return Step::More,
                        }
                    };
                    let parsed = if self.head.is_empty() {
                        parse_head(&piece[i..i + end])
                    } else {
                        parse_head(&self.head[..end])
                    };
                    self.head.clear();
                    let Some((status, length)) = parsed else {
                        return Step::Malformed;
                    };
                    self.ok = (200..300).contains(&status);
                    self.phase = Some(Phase::Body(length));
                    i += used;
                }
                Phase::Body(rest) => {
                    let take = rest.min((piece.len() - i) as u64);
                    i += take as usize;
                    if take == rest {
                        return Step::Complete {
                            used: i,
                            ok: self.ok,
                        };
                    }
                    self.phase = Some(Phase::Body(rest - take));
                    return Step::More;
                }
            }
        }
    }

    /// Keeps `bytes` of an unfinished head (`keep` holds them, or is empty
    /// for a line, which is only counted), or refuses a head too long.
    fn grow_head(&mut self, count: usize, keep: &[u8]) -> Step {
        if self.head.len() + count > MAX_HEAD {
            return Step::Malformed;
        }
        if keep.is_empty() {
            // A line: count its bytes with placeholders, keeping none.
            self.head.resize(self.head.len() + count, 0);
        } else {
            self.head.extend_from_slice(keep);
        }
        Step::More
    }
}

/// Where the head in `bytes` ends (just after its `\r\n\r\n`).
fn find_end(bytes: &[u8]) -> Option<usize> {
    bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| p + 4)
}

/// The status code and body length of an HTTP answer's head, or `None`
/// when it is not HTTP or has no `Content-Length` (204 and 304 have no
/// body).
fn parse_head(head: &[u8]) -> Option<(u16, u64)> {
    let mut lines = head.split(|&b| b == b'\n');
    let status_line = lines.next()?;
    let rest = status_line.strip_prefix(b"HTTP/1.")?;
    let code = rest.get(2..5)?;
    if rest.get(1) != Some(&b' ') || !code.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let status = code.iter().fold(0u16, |n, &d| n * 10 + u16::from(d - b'0'));
    let mut length = None;
    for line in lines {
        let Some(colon) = line.iter().position(|&b| b == b':') else {
            continue;
        };
        if line[..colon].eq_ignore_ascii_case(b"content-length") {
            let value = std::str::from_utf8(&line[colon + 1..]).ok()?.trim();
            length = Some(value.parse::<u64>().ok()?);
        }
    }
    match length {
        Some(length) => Some((status, length)),
        None if status == 204 || status == 304 => Some((status, 0)),
        None => None,
    }
}
// ANCHOR_END: answer

/// Where a connection is.
#[derive(Debug, Clone, Copy)]
enum State {
    /// No socket: connect at this time.
    Down { at: Instant },
    /// Connecting since then.
    Connecting { since: Instant },
    /// Connected, no request in flight.
    Idle,
    /// A request in flight, this many of its bytes written.
    Sending { written: usize },
    /// The request written, its answer not yet complete.
    Awaiting,
}

struct Conn {
    stream: Option<TcpStream>,
    state: State,
    answer: Answer,
    /// When the next request is planned (open loop).
    next_planned: Instant,
    /// The request in flight: when it was planned, and when sent.
    planned: Instant,
    sent_at: Instant,
    /// Holds one of the run's `Until::Requests` tickets.
    ticket: bool,
}

/// A run's plan, as every thread reads it.
struct Shared {
    addr: SocketAddr,
    request: Vec<u8>,
    http: bool,
    timeout: Duration,
    start: Instant,
    /// When sending stops (`Until::Elapsed`).
    end: Option<Instant>,
    /// Per connection, in open loop.
    interval: Option<Duration>,
    /// How late a send may be without counting as late.
    tolerance: Duration,
    /// `Until::Requests`: the count, requests sent (tickets taken) and answered.
    limit: Option<u64>,
    issued: AtomicU64,
    answered: AtomicU64,
}

impl Shared {
    /// Takes a ticket for one more request (`Until::Requests`).
    fn take_ticket(&self) -> bool {
        match self.limit {
            None => true,
            Some(n) => self
                .issued
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |x| {
                    (x < n).then_some(x + 1)
                })
                .is_ok(),
        }
    }

    fn done(&self) -> bool {
        self.limit
            .is_some_and(|n| self.answered.load(Ordering::Acquire) >= n)
    }
}

/// One thread's measurements.
struct Tally {
    requests: u64,
    latency: Histogram<u64>,
    errors: Errors,
    bytes_sent: u64,
    bytes_received: u64,
    late: u64,
    worst_lag: Duration,
    last_answer: Option<Instant>,
}

fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 60_000_000, 3).expect("valid histogram bounds")
}

/// How long a refused connection waits before it is tried again.
const RETRY: Duration = Duration::from_millis(10);
/// How long an idle connection waits for a ticket another thread may give back.
const TICKET_WAIT: Duration = Duration::from_millis(5);

#[derive(Debug, Clone, Copy)]
enum Failure {
    Connect,
    Read,
    Write,
    Timeout,
    Closed,
    Malformed,
}

struct Worker<'a> {
    shared: &'a Shared,
    poll: Poll,
    conns: Vec<Conn>,
    tally: Tally,
    buf: Vec<u8>,
    /// No connection needs a timer before this.
    next_scan: Instant,
}

impl<'a> Worker<'a> {
    fn new(shared: &'a Shared, phases: Vec<Duration>) -> io::Result<Self> {
        let conns = phases
            .into_iter()
            .map(|phase| Conn {
                stream: None,
                state: State::Down { at: shared.start },
                answer: Answer::default(),
                next_planned: shared.start + phase,
                planned: shared.start,
                sent_at: shared.start,
                ticket: false,
            })
            .collect();
        Ok(Worker {
            shared,
            poll: Poll::new()?,
            conns,
            tally: Tally {
                requests: 0,
                latency: histogram(),
                errors: Errors::default(),
                bytes_sent: 0,
                bytes_received: 0,
                late: 0,
                worst_lag: Duration::ZERO,
                last_answer: None,
            },
            buf: vec![0; 64 * 1024],
            next_scan: shared.start,
        })
    }

    fn run(mut self) -> io::Result<Tally> {
        let mut events = Events::with_capacity(1024);
        loop {
            let now = Instant::now();
            if self.shared.done() || self.shared.end.is_some_and(|end| now >= end) {
                return Ok(self.tally);
            }
            if now >= self.next_scan {
                self.scan(now);
            }
            let mut wake = self.next_scan;
            if let Some(end) = self.shared.end {
                wake = wake.min(end);
            }
            let mut wait = wake.saturating_duration_since(Instant::now());
            if self.shared.limit.is_some() {
                // Another thread may answer the last request.
                wait = wait.min(TICKET_WAIT);
            }
            match self.poll.poll(&mut events, Some(wait)) {
                Ok(()) => {}
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            }
            for event in &events {
                let i = event.token().0;
                self.ready(i);
                self.schedule(i);
            }
        }
    }

    /// Fires every timer due: connects, planned sends, timeouts.
    fn scan(&mut self, now: Instant) {
        self.next_scan = now + Duration::from_secs(3600);
        for i in 0..self.conns.len() {
            match self.conns[i].state {
                State::Down { at } if now >= at => self.connect(i),
                State::Connecting { since } if now >= since + self.shared.timeout => {
                    self.fail(i, Failure::Connect)
                }
                State::Idle => self.send(i),
                State::Sending { .. } | State::Awaiting
                    if now >= self.conns[i].sent_at + self.shared.timeout =>
                {
                    self.fail(i, Failure::Timeout)
                }
                _ => {}
            }
            self.schedule(i);
        }
    }

    /// Brings `next_scan` forward to connection `i`'s next timer.
    fn schedule(&mut self, i: usize) {
        let c = &self.conns[i];
        let at = match c.state {
            State::Down { at } => at,
            State::Connecting { since } => since + self.shared.timeout,
            State::Idle => match self.shared.interval {
                Some(_) if !c.ticket && self.shared.limit.is_some() => {
                    c.next_planned.max(Instant::now() + TICKET_WAIT)
                }
                Some(_) => c.next_planned,
                None => Instant::now() + TICKET_WAIT,
            },
            State::Sending { .. } | State::Awaiting => c.sent_at + self.shared.timeout,
        };
        self.next_scan = self.next_scan.min(at);
    }

    fn connect(&mut self, i: usize) {
        match TcpStream::connect(self.shared.addr) {
            Ok(mut stream) => {
                if let Err(_e) = self.poll.registry().register(
                    &mut stream,
                    Token(i),
                    Interest::READABLE | Interest::WRITABLE,
                ) {
                    self.fail(i, Failure::Connect);
                    return;
                }
                let _ = stream.set_nodelay(true);
                let c = &mut self.conns[i];
                c.stream = Some(stream);
                c.state = State::Connecting {
                    since: Instant::now(),
                };
            }
            Err(_) => self.fail(i, Failure::Connect),
        }
    }

    /// Counts `failure`, gives back the ticket, and closes the connection:
    /// it connects again at once, or a little later after a failed connect.
    fn fail(&mut self, i: usize, failure: Failure) {
        let e = &mut self.tally.errors;
        match failure {
            Failure::Connect => e.connect += 1,
            Failure::Read => e.read += 1,
            Failure::Write => e.write += 1,
            Failure::Timeout => e.timeout += 1,
            Failure::Closed => e.closed += 1,
            Failure::Malformed => e.malformed += 1,
        }
        self.drop_connection(i, matches!(failure, Failure::Connect));
    }

    fn drop_connection(&mut self, i: usize, wait: bool) {
        let c = &mut self.conns[i];
        if c.ticket {
            c.ticket = false;
            self.shared.issued.fetch_sub(1, Ordering::AcqRel);
        }
        if let Some(mut stream) = c.stream.take() {
            let _ = self.poll.registry().deregister(&mut stream);
        }
        c.answer.reset();
        let now = Instant::now();
        c.state = State::Down {
            at: if wait { now + RETRY } else { now },
        };
    }

    /// Sends connection `i`'s next request if it is due (and, for
    /// `Until::Requests`, one is left to send).
    fn send(&mut self, i: usize) {
        let now = Instant::now();
        let shared = self.shared;
        let c = &mut self.conns[i];
        let planned = match shared.interval {
            Some(_) if c.next_planned > now => return,
            Some(_) => c.next_planned,
            None => now,
        };
        if shared.end.is_some_and(|end| planned >= end || now >= end) {
            return;
        }
        if !c.ticket {
            if !shared.take_ticket() {
                return;
            }
            c.ticket = true;
        }
        if let Some(interval) = shared.interval {
            let lag = now - planned;
            if lag > shared.tolerance {
                self.tally.late += 1;
            }
            self.tally.worst_lag = self.tally.worst_lag.max(lag);
            c.next_planned = planned + interval;
        }
        c.planned = planned;
        c.sent_at = now;
        c.answer.reset();
        c.state = State::Sending { written: 0 };
        self.write(i);
    }

    /// Writes what is left of the request in flight.
    fn write(&mut self, i: usize) {
        let request = &self.shared.request;
        let c = &mut self.conns[i];
        let State::Sending { mut written } = c.state else {
            return;
        };
        let stream = c
            .stream
            .as_mut()
            .expect("a connected connection has a stream");
        while written < request.len() {
            match stream.write(&request[written..]) {
                Ok(0) => return self.fail(i, Failure::Write),
                Ok(n) => {
                    written += n;
                    self.tally.bytes_sent += n as u64;
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    c.state = State::Sending { written };
                    return;
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return self.fail(i, Failure::Write),
            }
        }
        if matches!(c.state, State::Sending { .. }) {
            c.state = State::Awaiting;
        }
    }

    /// Connection `i` is readable or writable.
    fn ready(&mut self, i: usize) {
        match self.conns[i].state {
            State::Down { .. } => {}
            State::Connecting { .. } => {
                let stream = self.conns[i].stream.as_ref().expect("connecting");
                match stream.take_error() {
                    Ok(None) => {}
                    Ok(Some(_)) | Err(_) => return self.fail(i, Failure::Connect),
                }
                match stream.peer_addr() {
                    Ok(_) => {
                        self.conns[i].state = State::Idle;
                        self.send(i);
                        self.read(i);
                    }
                    Err(e) if e.kind() == io::ErrorKind::NotConnected => {}
                    Err(_) => self.fail(i, Failure::Connect),
                }
            }
            State::Idle | State::Awaiting => self.read(i),
            State::Sending { .. } => {
                self.write(i);
                self.read(i);
            }
        }
    }

    /// Reads all the connection has (its events are edge-triggered).
    fn read(&mut self, i: usize) {
        loop {
            let Some(stream) = self.conns[i].stream.as_mut() else {
                return;
            };
            let n = match stream.read(&mut self.buf) {
                Ok(n) => n,
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => {
                    return self.end_of_connection(i);
                }
                Err(_) => return self.fail(i, Failure::Read),
            };
            if n == 0 {
                return self.end_of_connection(i);
            }
            self.tally.bytes_received += n as u64;
            if !self.answered(i, n) {
                return;
            }
        }
    }

    /// The server closed the connection: an error if an answer was due.
    fn end_of_connection(&mut self, i: usize) {
        match self.conns[i].state {
            State::Sending { .. } | State::Awaiting => self.fail(i, Failure::Closed),
            _ => self.drop_connection(i, false),
        }
    }

    /// Feeds the `n` bytes just read into connection `i`'s answer; false
    /// when the connection was closed for it.
    fn answered(&mut self, i: usize, n: usize) -> bool {
        let c = &mut self.conns[i];
        if !matches!(c.state, State::Sending { .. } | State::Awaiting) {
            // Bytes nobody asked for.
            self.fail(i, Failure::Malformed);
            return false;
        }
        match c.answer.feed(self.shared.http, &self.buf[..n]) {
            Step::More => true,
            Step::Malformed => {
                self.fail(i, Failure::Malformed);
                false
            }
            Step::Complete { used, ok } => {
                let now = Instant::now();
                if used < n || matches!(c.state, State::Sending { .. }) {
                    // More than the answer, or an answer before the request
                    // was all sent: this is not a conversation we follow.
                    self.fail(i, Failure::Malformed);
                    return false;
                }
                c.state = State::Idle;
                c.answer.reset();
                c.ticket = false;
                if ok {
                    let from = if self.shared.interval.is_some() {
                        c.planned
                    } else {
                        c.sent_at
                    };
                    let micros = (now - from).as_micros().max(1) as u64;
                    self.tally.latency.saturating_record(micros);
                    self.tally.requests += 1;
                    self.tally.last_answer = Some(now);
                    self.shared.answered.fetch_add(1, Ordering::AcqRel);
                } else {
                    self.tally.errors.status += 1;
                    self.shared.issued.fetch_sub(1, Ordering::AcqRel);
                }
                self.send(i);
                true
            }
        }
    }
}

/// Runs `plan` and measures it.
///
/// Connections are dealt to the threads in turn; each thread runs an event
/// loop over its share. A connection that fails (refused, reset, closed
/// mid-answer, timed out, malformed answer) is counted by kind and opened
/// again (a refused connect after a few milliseconds). In open loop, each
/// connection has `per_second / connections` of the rate, its requests
/// planned at `start + phase + k·interval` (the phases spread over one
/// interval); request k is sent at its planned time or, when the previous
/// answer comes later, as soon as it does, and then counts as `late`.
pub fn run(plan: &Plan) -> io::Result<Report> {
    if plan.connections == 0 {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "a run needs at least one connection",
        ));
    }
    let threads = plan.threads.clamp(1, plan.connections);
    let (request, http) = match &plan.protocol {
        Protocol::Http { path } => (
            format!(
                "GET {path} HTTP/1.1\r\nHost: {}\r\nUser-Agent: netkit-load-gen\r\n\r\n",
                plan.addr
            )
            .into_bytes(),
            true,
        ),
        Protocol::Line { line } => {
            let mut line = line.clone();
            if line.last() != Some(&b'\n') {
                line.push(b'\n');
            }
            (line, false)
        }
    };
    let interval = match plan.pace {
        Pace::Closed => None,
        Pace::Open { per_second } => {
            if per_second == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "an open loop needs a rate above 0",
                ));
            }
            Some(Duration::from_secs_f64(
                plan.connections as f64 / per_second as f64,
            ))
        }
    };
    let start = Instant::now();
    let shared = Shared {
        addr: plan.addr,
        request,
        http,
        timeout: plan.timeout,
        start,
        end: match plan.until {
            Until::Elapsed(d) => Some(start + d),
            Until::Requests(_) => None,
        },
        interval,
        tolerance: interval
            .map(|i| (i / 2).clamp(Duration::from_millis(1), Duration::from_millis(10)))
            .unwrap_or_default(),
        limit: match plan.until {
            Until::Requests(n) => Some(n),
            Until::Elapsed(_) => None,
        },
        issued: AtomicU64::new(0),
        answered: AtomicU64::new(0),
    };
    if shared.limit == Some(0) {
        return Ok(Report {
            requests: 0,
            elapsed: Duration::ZERO,
            latency: histogram(),
            errors: Errors::default(),
            bytes_sent: 0,
            bytes_received: 0,
            late: 0,
            worst_lag: Duration::ZERO,
        });
    }
    // Connection j's phase: j/connections of an interval, so that the
    // connections' requests are spread evenly over time.
    let mut shares: Vec<Vec<Duration>> = vec![Vec::new(); threads];
    for j in 0..plan.connections {
        let phase = interval
            .map(|i| i.mul_f64(j as f64 / plan.connections as f64))
            .unwrap_or_default();
        shares[j % threads].push(phase);
    }
    let shared = Arc::new(shared);
    let tallies = std::thread::scope(|scope| {
        let handles: Vec<_> = shares
            .into_iter()
            .map(|phases| {
                let shared = &*shared;
                scope.spawn(move || Worker::new(shared, phases)?.run())
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a load-gen thread panicked"))
            .collect::<io::Result<Vec<Tally>>>()
    })?;
    let mut report = Report {
        requests: 0,
        elapsed: Duration::ZERO,
        latency: histogram(),
        errors: Errors::default(),
        bytes_sent: 0,
        bytes_received: 0,
        late: 0,
        worst_lag: Duration::ZERO,
    };
    let mut last = None;
    for t in &tallies {
        report.requests += t.requests;
        report
            .latency
            .add(&t.latency)
            .expect("histograms of the same bounds");
        report.errors.add(&t.errors);
        report.bytes_sent += t.bytes_sent;
        report.bytes_received += t.bytes_received;
        report.late += t.late;
        report.worst_lag = report.worst_lag.max(t.worst_lag);
        last = last.max(t.last_answer);
    }
    report.elapsed = match plan.until {
        Until::Elapsed(d) => d.min(start.elapsed()),
        Until::Requests(_) => last.unwrap_or_else(Instant::now) - start,
    };
    Ok(report)
}
