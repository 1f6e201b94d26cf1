//! "Is the server still accepting?": for servers that must serve many clients
//! at once, a wait that sees at once that the server serves one at a time.
//!
//! A server that handles each client on the thread that accepts them never
//! answers a second client while a first one is connected and idle. Waiting
//! for that answer would only end at the harness's timeout. But the mistake
//! has a state the kernel shows: the thread that runs `serve` is blocked in
//! `read` on a client's socket, where a server that serves many clients is
//! blocked in `accept` (or in `epoll_wait`, or anything but a read). Linux
//! says which system call a blocked thread is in, in
//! `/proc/PID/task/TID/syscall`, so the test can see the mistake itself,
//! a positive signal, instead of inferring it from an answer that does not
//! come. No timing is involved: a correct server never enters that state,
//! however slow the machine.
//!
//! An accepting thread that waits some other way (it joins the client's
//! thread, say, or waits for a lock) is seen too, when the wait is told the
//! listener's address ([`Accepting::listening_on`]): the kernel counts the
//! connections that wait in a listener's queue (`/proc/net/tcp`), and says
//! whether a thread has run since it was last looked at (its count of
//! context switches, `/proc/PID/task/TID/status`). A thread that stays
//! asleep, outside `accept`, through two looks a [`STEP`] apart while a
//! connection waits to be accepted is not accepting: a thread asleep in
//! `accept` is woken by the first connection that arrives. A timed sleep
//! (`nanosleep`) is left alone: it ends by itself.

use super::{Liveness, STEP};
use std::fs;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

/// A [`Liveness`] that watches a server (`watched`) and, besides, fails as
/// soon as the server's accepting thread is blocked reading a socket.
/// Get one from [`ServerThread::accepting`](super::ServerThread::accepting)
/// or [`Accepting::program`].
pub struct Accepting<'a, L: Liveness> {
    watched: &'a L,
    /// The process whose thread runs `serve`.
    pid: u32,
    /// That thread.
    tid: Tid<'a>,
    /// Which server, for the message.
    who: String,
    /// The listener whose queue is watched, when known.
    listener: Option<SocketAddr>,
    /// The first look that found the thread asleep, outside `accept`, while
    /// a connection waited.
    stuck_since: Mutex<Option<Look>>,
}

/// What one look at the accepting thread found.
#[derive(Debug, Clone)]
struct Look {
    at: Instant,
    /// Voluntary and involuntary context switches so far: unchanged between
    /// two looks, the thread has not run in between.
    switches: u64,
    /// The system call it sleeps in.
    call: i64,
    /// Every thread of the process with its context switches, when all are
    /// asleep ([`all_threads_blocked`]); `None` when one runs or may run.
    process: Option<Vec<(i32, u64)>>,
}

/// The id of the thread that runs `serve`: known, or set by the thread as
/// it starts (a server thread may not have started yet).
enum Tid<'a> {
    Known(i32),
    Starting(&'a OnceLock<i32>),
}

impl<'a> Accepting<'a, super::ServerThread> {
    /// Watches the thread of this process that records its id in `tid` as it
    /// starts, and then runs `serve`.
    pub(crate) fn thread(
        watched: &'a super::ServerThread,
        who: &str,
        tid: &'a OnceLock<i32>,
    ) -> Self {
        Accepting {
            watched,
            pid: std::process::id(),
            tid: Tid::Starting(tid),
            who: who.to_string(),
            listener: None,
            stuck_since: Mutex::new(None),
        }
    }
}

impl<'a> Accepting<'a, super::Program> {
    /// Watches a program whose main thread runs `serve` (the runner's
    /// servers do): its main thread's id is the process id.
    pub fn program(program: &'a super::Program) -> Self {
        let pid = program.pid();
        Accepting {
            watched: program,
            pid,
            tid: Tid::Known(i32::try_from(pid).unwrap_or(i32::MAX)),
            who: format!("`{}`", program.command_line()),
            listener: None,
            stuck_since: Mutex::new(None),
        }
    }
}

impl<L: Liveness> Accepting<'_, L> {
    /// Also fails when the accepting thread stays asleep outside `accept`
    /// while a connection waits in the queue of the listener at `addr` (the
    /// server's address, as it announced it): a server that joins each
    /// client's thread, or waits for a lock, before it accepts the next.
    pub fn listening_on(mut self, addr: SocketAddr) -> Self {
        self.listener = Some(addr);
        self
    }

    /// The accepting thread's id, once known.
    fn tid(&self) -> Option<i32> {
        match self.tid {
            Tid::Known(tid) => Some(tid),
            Tid::Starting(tid) => tid.get().copied(),
        }
    }

    /// `Some(what)` when the accepting thread is, right now, blocked reading
    /// a client's socket: the state of a server that serves one client at a
    /// time (what an iterative server's test waits for).
    pub fn serving_one_client(&self) -> Option<String> {
        let tid = self.tid()?;
        match blocked_in(self.pid, tid) {
            Some(Blocked::Reading { call, fd }) if is_socket(self.pid, fd) => Some(format!(
                "{} is blocked in {call}() on file descriptor {fd}, reading one client",
                self.who
            )),
            _ => None,
        }
    }

    /// The listener check of [`Accepting::listening_on`].
    fn not_accepting(&self, addr: SocketAddr, tid: i32) -> Result<(), String> {
        let mut stuck = self.stuck_since.lock().unwrap_or_else(|p| p.into_inner());
        let Some(look) = asleep_outside_accept(self.pid, tid) else {
            *stuck = None;
            return Ok(());
        };
        let waiting = accept_queue(addr).unwrap_or(0);
        if waiting == 0 {
            *stuck = None;
            return Ok(());
        }
        // Stuck only if nothing in the whole process ran between two looks
        // a STEP apart: on a loaded machine, a correct server's accepting
        // thread may wait for a lock whose holder was preempted (runnable,
        // so not asleep) for far longer than a STEP. Asleep and unchanged,
        // every thread, means nobody in it will release what it waits for
        // while the next client waits.
        match &*stuck {
            Some(first)
                if first.switches == look.switches
                    && first.call == look.call
                    && first.process.is_some()
                    && first.process == look.process =>
            {
                if look.at.duration_since(first.at) >= STEP {
                    return Err(format!(
                        "{} does not accept: its accepting thread has slept in {} for {} ms \
                         without running, and so has every other thread of it, while \
                         {waiting} connection(s) wait in its listener's queue. It waits for something else than the next client: does it join \
                         the client's thread (or wait for a lock) before accepting again?",
                        self.who,
                        call_name(look.call),
                        look.at.duration_since(first.at).as_millis()
                    ));
                }
            }
            _ => *stuck = Some(look),
        }
        Ok(())
    }
}

impl<L: Liveness> Liveness for Accepting<'_, L> {
    fn check(&self) -> Result<(), String> {
        self.watched.check()?;
        let Some(tid) = self.tid() else {
            return Ok(());
        };
        if let Some(addr) = self.listener {
            self.not_accepting(addr, tid)?;
        }
        match blocked_in(self.pid, tid) {
            Some(Blocked::Reading { call, fd }) if is_socket(self.pid, fd) => Err(format!(
                "{} serves one client at a time: the thread that should accept the next \
                 client is blocked in {call}() on file descriptor {fd}, reading one client, \
                 while another client waits to be accepted",
                self.who
            )),
            _ => Ok(()),
        }
    }
}

impl<L: Liveness> Accepting<'_, L> {
    /// Whether the accepting thread is, right now, asleep in `accept`: it
    /// has finished with every connection it accepted before, and waits for
    /// the next.
    pub fn asleep_in_accept(&self) -> bool {
        let Some(tid) = self.tid() else {
            return false;
        };
        let state = fs::read_to_string(format!("/proc/{}/task/{tid}/stat", self.pid))
            .ok()
            .and_then(|stat| {
                // `pid (comm) S …`: the state follows the last ')'.
                let (_, rest) = stat.rsplit_once(')')?;
                rest.split_whitespace().next()?.chars().next()
            });
        let call = fs::read_to_string(format!("/proc/{}/task/{tid}/syscall", self.pid))
            .ok()
            .and_then(|text| text.split_whitespace().next()?.parse::<i64>().ok());
        state == Some('S')
            && matches!(call, Some(c) if c == libc::SYS_accept || c == libc::SYS_accept4)
    }
}

/// How many threads process `pid` has now (its entries in
/// `/proc/PID/task`): a pool's workers and its accepting thread.
pub fn thread_count(pid: u32) -> usize {
    fs::read_dir(format!("/proc/{pid}/task")).map_or(0, |tasks| tasks.count())
}

/// How many threads of process `pid` are, right now, blocked reading a
/// socket: in a blocking server, the clients being served and waited for.
pub fn threads_reading_sockets(pid: u32) -> usize {
    let Ok(tasks) = fs::read_dir(format!("/proc/{pid}/task")) else {
        return 0;
    };
    tasks
        .filter_map(|task| task.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|&tid| {
            matches!(blocked_in(pid, tid), Some(Blocked::Reading { fd, .. }) if is_socket(pid, fd))
        })
        .count()
}

/// How many sockets process `pid` holds open (its file descriptors that
/// are sockets): a server's listener and the connections it has accepted
/// and not yet closed.
pub fn sockets_held(pid: u32) -> usize {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else {
        return 0;
    };
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .filter(|target| target.to_string_lossy().starts_with("socket:"))
        .count()
}

/// Every thread of process `pid` with its count of context switches, when
/// every one of them is asleep right now (state `S` or `D`); `None` when one
/// runs, or is runnable. Two such looks that are equal found nobody woken in
/// between: nothing happened in the process meanwhile.
pub fn all_threads_blocked(pid: u32) -> Option<Vec<(i32, u64)>> {
    let mut threads: Vec<(i32, u64)> = Vec::new();
    for task in fs::read_dir(format!("/proc/{pid}/task")).ok()? {
        let tid = task.ok()?.file_name().to_str()?.parse::<i32>().ok()?;
        let switches = switches_if_blocked(pid, tid)?;
        threads.push((tid, switches));
    }
    threads.sort_unstable();
    Some(threads)
}

/// One IPv4 TCP socket of `/proc/net/tcp`, as [`tcp_sockets_at`] returns it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSocket {
    /// The other end (`0.0.0.0:0` for a listener).
    pub remote: SocketAddrV4,
    /// The kernel's state number: 0x01 established, 0x08 `CLOSE_WAIT`,
    /// 0x0A listening (include/net/tcp_states.h).
    pub state: u8,
    /// Bytes received and not read yet; for a listener, the connections
    /// waiting to be accepted.
    pub rx_queue: u64,
    /// The socket's inode (`socket:[INODE]` in `/proc/PID/fd`), 0 for a
    /// socket no process holds.
    pub inode: u64,
}

/// The state numbers of [`TcpSocket::state`] the tests look for.
pub const TCP_ESTABLISHED: u8 = 0x01;
pub const TCP_CLOSE_WAIT: u8 = 0x08;
pub const TCP_LISTEN: u8 = 0x0A;

/// Every IPv4 TCP socket whose local address is `local`, from
/// `/proc/net/tcp`: a server's listener and every connection it has
/// accepted or will accept. Empty for an IPv6 address, or when the table
/// cannot be read.
pub fn tcp_sockets_at(local: SocketAddr) -> Vec<TcpSocket> {
    let SocketAddr::V4(local) = local else {
        return Vec::new();
    };
    let wanted = proc_net_address(local);
    let Ok(table) = fs::read_to_string("/proc/net/tcp") else {
        return Vec::new();
    };
    table
        .lines()
        .skip(1)
        .filter_map(|line| {
            // sl local rem st tx_queue:rx_queue tr:when retrnsmt uid timeout inode …
            let fields: Vec<&str> = line.split_whitespace().collect();
            if fields.len() <= 9 || fields[1] != wanted {
                return None;
            }
            let (ip, port) = fields[2].split_once(':')?;
            let remote = SocketAddrV4::new(
                Ipv4Addr::from(u32::from_str_radix(ip, 16).ok()?.to_le_bytes()),
                u16::from_str_radix(port, 16).ok()?,
            );
            Some(TcpSocket {
                remote,
                state: u8::from_str_radix(fields[3], 16).ok()?,
                rx_queue: u64::from_str_radix(fields[4].split(':').nth(1)?, 16).ok()?,
                inode: fields[9].parse().ok()?,
            })
        })
        .collect()
}

/// An address as `/proc/net/tcp` prints it: the four bytes of the IP in
/// memory order, read as one little-endian number, then the port, in hex.
fn proc_net_address(addr: SocketAddrV4) -> String {
    format!(
        "{:08X}:{:04X}",
        u32::from_le_bytes(addr.ip().octets()),
        addr.port()
    )
}

/// How many bytes wait unread, in all, on the connections that the IPv4
/// listener at `addr` has accepted or will accept (the established sockets
/// of [`tcp_sockets_at`], and their `rx_queue`): what clients have sent that
/// the server has not read yet.
pub fn unread_by_server(addr: SocketAddr) -> u64 {
    tcp_sockets_at(addr)
        .iter()
        .filter(|s| s.state == TCP_ESTABLISHED)
        .map(|s| s.rx_queue)
        .sum()
}

/// What a blocked thread is doing, as far as the test cares.
#[derive(Debug, PartialEq, Eq)]
enum Blocked {
    /// In a read of one file descriptor (a socket, in a server).
    Reading { call: &'static str, fd: i64 },
    /// Anything else: running, in `accept`, in `epoll_wait`, in a lock…
    Other,
}

/// The system call the thread `tid` of process `pid` is blocked in, from
/// `/proc/PID/task/TID/syscall`: `running`, or the call's number and its
/// arguments in hex. `None` when the file cannot be read (the thread is
/// gone, or the system does not say).
fn blocked_in(pid: u32, tid: i32) -> Option<Blocked> {
    let text = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
    Some(parse_syscall(&text))
}

/// Whether `fd` of process `pid` is a socket (its link reads `socket:[…]`):
/// a thread that reads a file (its own `/proc/self/maps` as it starts, say)
/// is not reading a client.
fn is_socket(pid: u32, fd: i64) -> bool {
    fs::read_link(format!("/proc/{pid}/fd/{fd}"))
        .is_ok_and(|target| target.to_string_lossy().starts_with("socket:"))
}

/// The read calls a server's accepting thread has no business blocking in.
/// `poll`, `select` and `epoll_wait` are not among them: a server with one
/// event loop blocks there and still serves every client.
const READS: &[(i64, &str)] = &[
    (libc::SYS_read, "read"),
    (libc::SYS_readv, "readv"),
    (libc::SYS_recvfrom, "recvfrom"),
    (libc::SYS_recvmsg, "recvmsg"),
];

/// The calls in which a sleeping accepting thread is accepting, or will wake
/// by itself (a timed sleep).
const ACCEPTING_OR_TIMED: &[i64] = &[
    libc::SYS_accept,
    libc::SYS_accept4,
    libc::SYS_nanosleep,
    libc::SYS_clock_nanosleep,
];

/// The context switches so far (voluntary and involuntary) of thread `tid`
/// of `pid` when it is asleep (`S` or `D` in `/proc/PID/task/TID/status`);
/// `None` when it runs, may run, or cannot be looked at. The same count at
/// two looks, asleep at both: the thread has not run in between.
pub fn switches_if_blocked(pid: u32, tid: i32) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/task/{tid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))
            .map(str::trim)
    };
    let state = field("State:")?.chars().next()?;
    if state != 'S' && state != 'D' {
        return None;
    }
    Some(
        field("voluntary_ctxt_switches:")?.parse::<u64>().ok()?
            + field("nonvoluntary_ctxt_switches:")?.parse::<u64>().ok()?,
    )
}

/// A look at thread `tid` of `pid` when it is asleep in a call other than
/// those of [`ACCEPTING_OR_TIMED`]; `None` when it runs, is in one of them,
/// or cannot be looked at.
fn asleep_outside_accept(pid: u32, tid: i32) -> Option<Look> {
    let switches = switches_if_blocked(pid, tid)?;
    let syscall = fs::read_to_string(format!("/proc/{pid}/task/{tid}/syscall")).ok()?;
    let call = syscall.split_whitespace().next()?.parse::<i64>().ok()?;
    if ACCEPTING_OR_TIMED.contains(&call) {
        return None;
    }
    Some(Look {
        at: Instant::now(),
        switches,
        call,
        process: all_threads_blocked(pid),
    })
}

/// A system call's name, for the message.
fn call_name(call: i64) -> String {
    match call {
        libc::SYS_futex => "futex (a join, a lock or a condition variable)".to_string(),
        libc::SYS_wait4 => "wait4".to_string(),
        libc::SYS_waitid => "waitid".to_string(),
        _ => READS.iter().find(|(n, _)| *n == call).map_or_else(
            || format!("system call {call}"),
            |(_, name)| name.to_string(),
        ),
    }
}

/// How many connections wait to be accepted by the IPv4 listener at `addr`:
/// for a listening socket, `/proc/net/tcp` gives that count as its
/// `rx_queue`. (`None` when the listener is not found.) A test that opens
/// many connections waits for it to fall back to 0 between batches, so that
/// the queue never overflows: a connection the full queue drops is retried
/// by the client's kernel a second later.
pub fn accept_queue(addr: SocketAddr) -> Option<u64> {
    tcp_sockets_at(addr)
        .iter()
        .find(|s| s.state == TCP_LISTEN)
        .map(|s| s.rx_queue)
}

fn parse_syscall(text: &str) -> Blocked {
    let mut fields = text.split_whitespace();
    let number = fields.next().and_then(|n| n.parse::<i64>().ok());
    let fd = fields
        .next()
        .and_then(|a| i64::from_str_radix(a.trim_start_matches("0x"), 16).ok());
    match (number, fd) {
        (Some(number), Some(fd)) => READS
            .iter()
            .find(|(n, _)| *n == number)
            .map_or(Blocked::Other, |&(_, call)| Blocked::Reading { call, fd }),
        _ => Blocked::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listeners_sockets_are_read_with_their_states_and_peers() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a listener");
        let addr = listener.local_addr().expect("its address");
        let client = std::net::TcpStream::connect(addr).expect("a connection");
        let peer = match client.local_addr().expect("the client's address") {
            SocketAddr::V4(v4) => v4,
            other => panic!("expected an IPv4 client address, got {other}"),
        };
        let sockets = tcp_sockets_at(addr);
        assert!(
            sockets
                .iter()
                .any(|s| s.state == TCP_LISTEN && s.rx_queue == 1)
                && sockets
                    .iter()
                    .any(|s| s.state == TCP_ESTABLISHED && s.remote == peer),
            "expected the listener, one connection in its queue, and the server's side of \
             the connection to {peer}; got {sockets:?}"
        );
        assert_eq!(
            accept_queue(addr),
            Some(1),
            "one connection waits to be accepted"
        );
    }

    #[test]
    fn reads_the_call_and_its_file_descriptor() {
        let read = format!(
            "{} 0x5 0x7f00 0x2000 0x0 0x0 0x0 0x7ffd 0x7f01",
            libc::SYS_read
        );
        assert_eq!(
            parse_syscall(&read),
            Blocked::Reading {
                call: "read",
                fd: 5
            },
            "parsing {read:?}"
        );
        let accept = format!(
            "{} 0x3 0x0 0x0 0x80000 0x0 0x0 0x7ffd 0x7f01",
            libc::SYS_accept4
        );
        assert_eq!(parse_syscall(&accept), Blocked::Other, "parsing {accept:?}");
        assert_eq!(
            parse_syscall("running\n"),
            Blocked::Other,
            "parsing \"running\""
        );
    }

    #[test]
    fn sees_a_thread_blocked_in_a_read() {
        let (reader, _writer) = std::os::unix::net::UnixStream::pair().expect("a socket pair");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tx.send(nix::unistd::gettid().as_raw())
                .expect("the test waits");
            let _ = std::io::Read::read(&mut &reader, &mut [0u8; 1]);
        });
        let tid = rx.recv().expect("the thread's id");
        let seen = super::super::wait_for(&(), || {
            std::thread::park_timeout(super::super::STEP);
            Ok(match blocked_in(std::process::id(), tid) {
                Some(Blocked::Reading { fd, .. }) => {
                    is_socket(std::process::id(), fd).then_some(())
                }
                _ => None,
            })
        });
        assert!(seen.is_ok(), "the reading thread was never seen in read()");
    }
}
