//! # Exercise `load-gen`: an honest load generator (book: ch5/load-gen.md)
//!
//! TODO(helper): the exercise's summary.

use std::io;
use std::net::SocketAddr;
use std::time::Duration;

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
    Elapsed(Duration),
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
    pub fn requests_per_second(&self) -> f64 {
        todo!("load-gen: requests_per_second (book: ch5/load-gen.md)")
    }
    /// The latency at `percent` (50.0, 99.9, 100.0 for the maximum).
    pub fn percentile(&self, percent: f64) -> Duration {
        todo!("load-gen: percentile {percent} (book: ch5/load-gen.md)")
    }
}

/// Runs `plan` and measures it.
pub fn run(plan: &Plan) -> io::Result<Report> {
    todo!("load-gen: run {plan:?} (book: ch5/load-gen.md)")
}
