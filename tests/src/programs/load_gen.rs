//! `load-gen`: load a server with keep-alive requests, in closed or open
//! loop, and print a wrk-like report (requests/s, latency percentiles,
//! errors by kind, bytes, and how far sending fell behind the plan).
//!
//! Also the hidden `fixture-http`: a tiny HTTP keep-alive server of the
//! harness (not an exercise) that answers every request with a fixed
//! answer, for the test that stops a server with SIGSTOP mid-run (the test
//! cannot stop a thread of its own process).

use crate::kit::ch5::load_gen::{self, Pace, Plan, Protocol, Until};
use anyhow::Context;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// `load-gen URL-or-ADDR [-c 64] [-t 1] [-d 10s | -n 100000] [--rate R]
/// [--path /] [--line TEXT] [--timeout 2s]`
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server: `http://HOST:PORT/PATH` or `HOST:PORT`.
    target: String,
    /// Connections, kept alive.
    #[arg(short = 'c', long, default_value_t = 64,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=100_000))]
    connections: usize,
    /// Threads, each an event loop over its share of the connections.
    #[arg(short = 't', long, default_value_t = 1,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..=256))]
    threads: usize,
    /// How long to send (`10s`, `500ms`, `2m`); the default when no `-n`.
    #[arg(short = 'd', long, value_parser = parse_duration, conflicts_with = "requests")]
    duration: Option<Duration>,
    /// How many answers, in all.
    #[arg(short = 'n', long)]
    requests: Option<u64>,
    /// Open loop: this many requests a second in all (closed loop without it).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..))]
    rate: Option<u64>,
    /// The path requested (overrides the URL's).
    #[arg(long)]
    path: Option<String>,
    /// Send this line (and its '\n') instead of HTTP: a line-echo server.
    #[arg(long, conflicts_with = "path")]
    line: Option<String>,
    /// An answer not complete after this long is a timeout.
    #[arg(long, value_parser = parse_duration, default_value = "2s")]
    timeout: Duration,
}

/// `10s`, `500ms`, `2m`, `1.5s`, or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| c.is_ascii_alphabetic()) {
        Some(at) => text.split_at(at),
        None => (text, "s"),
    };
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 10s or 500ms"))?;
    let seconds = match unit {
        "ms" => number / 1000.0,
        "s" => number,
        "m" => number * 60.0,
        "h" => number * 3600.0,
        _ => return Err(format!("{text:?}: the unit is one of ms, s, m, h")),
    };
    Duration::try_from_secs_f64(seconds).map_err(|e| format!("{text:?}: {e}"))
}

/// The address and path of `http://HOST:PORT/PATH` or `HOST:PORT`.
fn parse_target(target: &str) -> anyhow::Result<(SocketAddr, String)> {
    let rest = target.strip_prefix("http://").unwrap_or(target);
    anyhow::ensure!(
        !rest.contains("://"),
        "{target}: only http:// URLs (or HOST:PORT) are supported"
    );
    let (authority, path) = match rest.find('/') {
        Some(at) => rest.split_at(at),
        None => (rest, "/"),
    };
    let authority = if authority.contains(':') {
        authority.to_string()
    } else {
        format!("{authority}:80")
    };
    let addr = authority
        .to_socket_addrs()
        .with_context(|| format!("resolving {authority}"))?
        .next()
        .with_context(|| format!("{authority} has no address"))?;
    Ok((addr, path.to_string()))
}

pub fn run(args: Args) -> anyhow::Result<()> {
    let (addr, url_path) = parse_target(&args.target)?;
    let protocol = match args.line {
        Some(line) => Protocol::Line {
            line: format!("{line}\n").into_bytes(),
        },
        None => Protocol::Http {
            path: args.path.unwrap_or(url_path),
        },
    };
    let until = match (args.requests, args.duration) {
        (Some(n), _) => Until::Requests(n),
        (None, Some(d)) => Until::Elapsed(d),
        (None, None) => Until::Elapsed(Duration::from_secs(10)),
    };
    let pace = match args.rate {
        Some(per_second) => Pace::Open { per_second },
        None => Pace::Closed,
    };
    super::raise_open_file_limit("load-gen");
    let plan = Plan {
        addr,
        connections: args.connections,
        threads: args.threads,
        protocol,
        until,
        pace,
        timeout: args.timeout,
    };
    let loop_name = match pace {
        Pace::Closed => "closed loop".to_string(),
        Pace::Open { per_second } => format!("open loop at {per_second} requests/s"),
    };
    println!(
        "Running against {addr}: {} connections, {} threads, {loop_name}",
        plan.connections, plan.threads
    );
    std::io::stdout().flush()?;
    let report = load_gen::run(&plan).context("running the load")?;
    print!("{report}");
    std::io::stdout().flush()?;
    Ok(())
}

/// `fixture-http [--addr A] [--body TEXT]`: the harness's HTTP server for
/// the load generator's tests, not an exercise.
#[derive(Debug, clap::Args)]
pub struct FixtureArgs {
    /// Address to bind (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// The body of every answer.
    #[arg(long, default_value = "hello\n")]
    body: String,
}

/// Serves `200 OK` with the fixed body to every request, keep-alive, a
/// thread per connection: simple and blocking, so that a SIGSTOP stops it
/// all at once and a SIGCONT lets every connection go on.
pub fn fixture_http(args: FixtureArgs) -> anyhow::Result<()> {
    let listener = super::listen(args.addr)?;
    let answer = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: text/plain\r\n\r\n{}",
        args.body.len(),
        args.body
    )
    .into_bytes();
    let answer: &'static [u8] = answer.leak();
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        std::thread::spawn(move || serve_fixture(stream, answer));
    }
    Ok(())
}

/// One connection: each request's head (up to its empty line), one answer.
fn serve_fixture(stream: TcpStream, answer: &[u8]) {
    let _ = stream.set_nodelay(true);
    let Ok(mut writer) = stream.try_clone() else {
        return;
    };
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => return,
            Ok(_) if line.len() > 8192 => return,
            Ok(_) if line == "\r\n" || line == "\n" => {
                if writer.write_all(answer).is_err() {
                    return;
                }
            }
            Ok(_) => {}
        }
    }
}
