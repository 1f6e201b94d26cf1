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
//! What it does not see: an accepting thread that waits some other way (it
//! joins the client's thread, say, or waits for a lock). Such a server is
//! still caught, by the test's answer not coming, at the harness's timeout.

use super::Liveness;
use std::fs;
use std::sync::OnceLock;

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
        }
    }
}

impl<L: Liveness> Liveness for Accepting<'_, L> {
    fn check(&self) -> Result<(), String> {
        self.watched.check()?;
        let tid = match self.tid {
            Tid::Known(tid) => tid,
            Tid::Starting(tid) => match tid.get() {
                Some(&tid) => tid,
                None => return Ok(()),
            },
        };
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
