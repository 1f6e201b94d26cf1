//! The load: `n` clients over loopback, each keeping one line in flight
//! (send a line, wait for its echo, send the next), all driven by one
//! thread with epoll, so that a thousand clients cost the machine one
//! thread rather than a thousand.
//!
//! A run has two phases. While the clients *settle*, they join, at most
//! [`JOINING`] at a time, and each waits for its first echo; the phase ends
//! when every client is answered or turned away, or when no client has been
//! answered for the first time for `settle`. Then the clients are *measured* for `measure`: every round trip
//! completed counts, and at the end, every line still unanswered counts as a
//! wait as long as it has lasted (a client that was never served waited the
//! whole run).

use anyhow::{Context, bail};
use nix::sys::epoll::{Epoll, EpollCreateFlags, EpollEvent, EpollFlags, EpollTimeout};
use socket2::{Domain, Socket, Type};
use std::io::{ErrorKind, Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

/// The line each client sends, 32 bytes with its `\n`.
pub const LINE: &[u8] = b"the quick brown fox jumps over.\n";

/// How many clients may be joining at once: connected (or connecting) but
/// not answered yet. All at once, a thousand connects overflow the accept
/// queue of a server that accepts slowly (Rust's listeners queue 128), and
/// each connection dropped there waits a whole second for TCP to try again:
/// the table would measure that timer rather than the server.
const JOINING: usize = 64;

/// However slowly a server answers, the settling phase ends after this.
const SETTLE_BOUND: Duration = Duration::from_secs(10);

/// How a run is shaped.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    pub clients: usize,
    pub settle: Duration,
    pub measure: Duration,
}

/// What the clients saw.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Clients that got at least one echo, in either phase.
    pub served: usize,
    /// Clients never served that the server closed, or that got a line
    /// back that was not their own (a busy server's one line, say).
    pub turned_away: usize,
    /// Echoes received while measured.
    pub lines: u64,
    /// Each round trip completed while measured.
    pub round_trips: Vec<Duration>,
    /// The longest any line waited for its echo while measured, counting the
    /// lines still unanswered at the end (and clients never connected).
    pub worst_wait: Duration,
    /// How long the measured phase really lasted.
    pub measured_for: Duration,
}

impl Outcome {
    /// Echoed lines per second while measured.
    pub fn lines_per_second(&self) -> f64 {
        self.lines as f64 / self.measured_for.as_secs_f64()
    }

    /// The 99th percentile of the completed round trips.
    pub fn p99(&self) -> Option<Duration> {
        let mut sorted = self.round_trips.clone();
        sorted.sort_unstable();
        let rank = (sorted.len() * 99).div_ceil(100);
        sorted.get(rank.checked_sub(1)?).copied()
    }
}

#[derive(Debug, PartialEq)]
enum State {
    Connecting,
    Waiting,
    Closed,
}

struct Client {
    socket: Socket,
    state: State,
    /// When the line in flight was sent (or the connect started).
    since: Instant,
    /// What has come back of the line in flight.
    got: Vec<u8>,
    answered: bool,
}

/// Runs `plan` against the server at `addr`; `on_measured_end` is called
/// once, at the end of the measured phase, while every client is still
/// connected (to look at the server's footprint then).
pub fn run<T>(
    addr: SocketAddr,
    plan: Plan,
    on_measured_end: impl FnOnce() -> T,
) -> anyhow::Result<(Outcome, T)> {
    let epoll = Epoll::new(EpollCreateFlags::EPOLL_CLOEXEC).context("creating an epoll")?;
    let started = Instant::now();
    let mut clients: Vec<Client> = Vec::with_capacity(plan.clients);
    let mut outcome = Outcome::default();
    let mut last_first_answer = started;
    let mut measuring_since: Option<Instant> = None;
    let mut events = vec![EpollEvent::empty(); 1024];
    loop {
        // Clients join a few at a time: a new one connects when an earlier
        // one has had its first answer (or was turned away).
        let joining = clients.len() - outcome.served - outcome.turned_away;
        for _ in joining..JOINING.min(plan.clients - clients.len() + joining) {
            clients.push(connect(&epoll, addr, clients.len())?);
        }
        let now = Instant::now();
        let phase_end = match measuring_since {
            None => (last_first_answer + plan.settle).min(started + SETTLE_BOUND),
            Some(since) => since + plan.measure,
        };
        let settled = outcome.served + outcome.turned_away >= plan.clients;
        if now >= phase_end || (measuring_since.is_none() && settled) {
            match measuring_since {
                None => {
                    measuring_since = Some(now);
                    continue;
                }
                Some(since) => {
                    outcome.measured_for = now - since;
                    break;
                }
            }
        }
        let wait = (phase_end - now).min(Duration::from_millis(50));
        let timeout = EpollTimeout::try_from(wait).unwrap_or(EpollTimeout::NONE);
        let ready = match epoll.wait(&mut events, timeout) {
            Ok(n) => n,
            Err(nix::errno::Errno::EINTR) => 0,
            Err(e) => return Err(e).context("waiting for the clients' sockets"),
        };
        for event in &events[..ready] {
            let token = event.data() as usize;
            let client = &mut clients[token];
            let measuring = measuring_since.is_some();
            match client.state {
                State::Connecting => connected(&epoll, client, token, &mut outcome)?,
                State::Waiting => {
                    if let Some(round_trip) = read_echo(&epoll, client, &mut outcome)? {
                        if !client.answered {
                            client.answered = true;
                            outcome.served += 1;
                            last_first_answer = Instant::now();
                        }
                        if measuring {
                            outcome.lines += 1;
                            outcome.round_trips.push(round_trip);
                            outcome.worst_wait = outcome.worst_wait.max(round_trip);
                        }
                        send_line(&epoll, client, &mut outcome)?;
                    }
                }
                State::Closed => {}
            }
        }
    }
    let end = Instant::now();
    for client in clients.iter().filter(|c| c.state != State::Closed) {
        outcome.worst_wait = outcome.worst_wait.max(end - client.since);
    }
    let seen = on_measured_end();
    Ok((outcome, seen))
}

/// Starts connecting client `token` to `addr`.
fn connect(epoll: &Epoll, addr: SocketAddr, token: usize) -> anyhow::Result<Client> {
    let socket = Socket::new(Domain::IPV4, Type::STREAM.nonblocking(), None)
        .context("opening a client socket (is the limit on open files too low?)")?;
    match socket.connect(&addr.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e).context(format!("connecting client {token} to {addr}")),
    }
    epoll
        .add(&socket, EpollEvent::new(EpollFlags::EPOLLOUT, token as u64))
        .context("watching a client socket")?;
    Ok(Client {
        socket,
        state: State::Connecting,
        since: Instant::now(),
        got: Vec::with_capacity(LINE.len()),
        answered: false,
    })
}

/// A connecting socket became writable (or failed): send the first line.
fn connected(
    epoll: &Epoll,
    client: &mut Client,
    token: usize,
    outcome: &mut Outcome,
) -> anyhow::Result<()> {
    if !matches!(client.socket.take_error(), Ok(None)) {
        close(epoll, client, outcome);
        return Ok(());
    }
    // One small line at a time: without this, Nagle's algorithm could hold
    // a line back waiting for an acknowledgment.
    client.socket.set_tcp_nodelay(true)?;
    epoll
        .modify(
            &client.socket,
            &mut EpollEvent::new(EpollFlags::EPOLLIN, token as u64),
        )
        .context("watching a client for its echo")?;
    send_line(epoll, client, outcome)
}

/// Sends the line (32 bytes into an empty send buffer: never short) and
/// starts its clock.
fn send_line(epoll: &Epoll, client: &mut Client, outcome: &mut Outcome) -> anyhow::Result<()> {
    client.got.clear();
    client.since = Instant::now();
    match (&client.socket).write(LINE) {
        Ok(n) if n == LINE.len() => {
            client.state = State::Waiting;
            Ok(())
        }
        Ok(n) => bail!(
            "a {}-byte write to an idle socket sent only {n}",
            LINE.len()
        ),
        Err(e) if is_peer_gone(&e) => {
            close(epoll, client, outcome);
            Ok(())
        }
        Err(e) => Err(e).context("sending a line"),
    }
}

/// Reads what is there; the round trip once the whole echo is back.
fn read_echo(
    epoll: &Epoll,
    client: &mut Client,
    outcome: &mut Outcome,
) -> anyhow::Result<Option<Duration>> {
    let mut buf = [0u8; 256];
    match (&client.socket).read(&mut buf) {
        Ok(0) => {
            close(epoll, client, outcome);
            Ok(None)
        }
        Ok(n) => {
            client.got.extend_from_slice(&buf[..n]);
            if client.got.len() < LINE.len() && !client.got.contains(&b'\n') {
                return Ok(None);
            }
            if client.got == LINE {
                Ok(Some(client.since.elapsed()))
            } else {
                // Not our line: the server's way of saying no (a busy pool).
                close(epoll, client, outcome);
                Ok(None)
            }
        }
        Err(e) if e.kind() == ErrorKind::WouldBlock => Ok(None),
        Err(e) if is_peer_gone(&e) => {
            close(epoll, client, outcome);
            Ok(None)
        }
        Err(e) => Err(e).context("reading an echo"),
    }
}

fn is_peer_gone(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::ConnectionRefused
    )
}

/// Gives up on a client: no longer watched (a closed socket would be ready
/// for ever), and counted as turned away unless it was served before.
fn close(epoll: &Epoll, client: &mut Client, outcome: &mut Outcome) {
    if client.state != State::Closed {
        client.state = State::Closed;
        if !client.answered {
            outcome.turned_away += 1;
        }
        let _ = epoll.delete(&client.socket);
        let _ = client.socket.shutdown(std::net::Shutdown::Both);
    }
}
