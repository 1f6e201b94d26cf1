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

// The imports are the reference's, for your code to use; until it does, rustc
// would warn that most of them are unused.
#![allow(unused_imports)]

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
        // TODO: over the measured `elapsed`, not the planned duration.
        todo!("load-gen: requests per second (book: ch5/load-gen.md, \"Requests per second\")")
    }

    /// The latency at `percent` (50.0, 99.9, 100.0 for the maximum).
    pub fn percentile(&self, percent: f64) -> Duration {
        // TODO: the histogram's value at this quantile, in microseconds.
        todo!(
            "load-gen: the latency at {percent}% (book: ch5/load-gen.md, \"Percentiles and HDR histograms\")"
        )
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
    // TODO: `threads` threads, each a mio event loop over its share of the
    // connections; per connection: connect, write the request (all of it),
    // read the answer in whatever pieces it comes (the head up to its empty
    // line, then `Content-Length` bytes), record its latency, send the next.
    // TODO: in open loop, latency is measured from the request's PLANNED time.
    todo!("load-gen: run {plan:?} (book: ch5/load-gen.md, \"Closed loop and open loop\")")
}
