//! Tests of the exercise `fork-server` (book: ch3/fork-server.md): the
//! chapter's conformance tests for the line echo, as a concurrent model; and
//! the model's own, on its processes as `/proc` shows them: finished
//! children reaped (no zombie, no stray process after 200 connections), the
//! parent's copy of each socket closed, no child back in `accept`.
//!
//! The server is a runner program, in a process group of its own whose id
//! is its pid; every child it forks is in that group. So "the server's
//! processes" are the group's, read from `/proc/PID/stat`.

use super::line_echo::{Kind, Model, Running, expect_echo, line_echo_conformance};
use netkit_tests::harness::{Liveness, Report, STEP, TcpPeer, switches_if_blocked, tcp_sockets_at};
use std::fs;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const MODEL: Model = Model::new(&["fork-server"], Kind::Concurrent);

line_echo_conformance!(concurrent, MODEL);

/// How soon a child that has ended must be reaped (the reference waits at
/// most 100 ms in `accept` between two reaping passes).
const REAP_WITHIN: Duration = Duration::from_secs(1);

/// A process of the server's group, from `/proc/PID/stat`.
#[derive(Debug)]
struct Member {
    pid: u32,
    /// `R` running, `S` sleeping, `Z` zombie, …
    state: char,
}

/// Every process of the group `pgid` but its leader (the server's parent):
/// its children, and whatever they started.
fn children_in_group(pgid: u32) -> Vec<Member> {
    let Ok(entries) = fs::read_dir("/proc") else {
        return Vec::new();
    };
    let mut members: Vec<Member> = entries
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|&pid| pid != pgid)
        .filter_map(|pid| {
            let stat = fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
            // pid (comm) state ppid pgrp …: the name may hold spaces.
            let mut rest = stat[stat.rfind(')')? + 1..].split_whitespace();
            let state = rest.next()?.chars().next()?;
            let group: u32 = rest.nth(1)?.parse().ok()?;
            (group == pgid).then_some(Member { pid, state })
        })
        .collect();
    members.sort_by_key(|m| m.pid);
    members
}

/// Whether process `pid` is blocked in `accept` (its main thread's system
/// call, from `/proc/PID/syscall`).
fn in_accept(pid: u32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/syscall")).is_ok_and(|text| {
        text.split_whitespace()
            .next()
            .and_then(|n| n.parse::<i64>().ok())
            .is_some_and(|n| n == libc::SYS_accept || n == libc::SYS_accept4)
    })
}

/// The members, said for a report.
fn describe(members: &[Member]) -> String {
    members
        .iter()
        .map(|m| {
            let what = match m.state {
                'Z' => "a zombie (ended, never reaped)".to_string(),
                _ if in_accept(m.pid) => "alive, blocked in accept".to_string(),
                s => format!("alive, state {s}"),
            };
            format!("pid {} {what}", m.pid)
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// The server, watched: it runs, and none of its children is in `accept`.
/// A child that goes back to the accept loop after its client is seen the
/// first time it waits there, with no timing involved: a correct child
/// never calls `accept`.
struct ForkWatch<'a> {
    server: &'a Running,
}

impl Liveness for ForkWatch<'_> {
    fn check(&self) -> Result<(), String> {
        self.server.program.check()?;
        let group = self.server.program.pid();
        if let Some(child) = children_in_group(group)
            .iter()
            .find(|m| m.state != 'Z' && in_accept(m.pid))
        {
            return Err(format!(
                "process {} of the server (not the parent, {group}) is blocked in accept: a \
                 child went back to the accept loop after its client, and now competes with \
                 the parent as a second server",
                child.pid
            ));
        }
        Ok(())
    }
}

/// One short client: a line, its echo, then our side closed and the
/// server's close seen.
fn short_client(server: &Running, watch: &ForkWatch, line: &str) {
    let mut peer = server.connect();
    peer.send(line.as_bytes());
    expect_echo(
        &mut peer,
        watch,
        line.as_bytes(),
        "each client is served by its own child, which runs echo_lines",
    );
    peer.shutdown_write();
    peer.expect_closed(
        watch,
        "the connection closed by the server once the client has closed its side (its child \
         ends, and no other process holds the socket)",
    );
}

/// Process `pid`'s count of context switches when it is asleep in
/// `accept`; `None` when it runs, or sleeps anywhere else.
fn asleep_in_accept(pid: u32) -> Option<u64> {
    // The parent runs one thread, whose id is the process's.
    let switches = switches_if_blocked(pid, i32::try_from(pid).ok()?)?;
    in_accept(pid).then_some(switches)
}

/// Zombies seen while the parent slept in `accept`: if the parent is later
/// asleep in `accept` again, having run since, it came back from `accept`
/// after they ended, and a parent that reaps as its loop goes round has
/// reaped them. That state, seen once, is a parent that does not reap: no
/// deadline involved. (A parent that waits elsewhere, in `poll` say, is
/// judged by [`REAP_WITHIN`] alone.)
struct ZombiesSeen {
    zombies: Vec<u32>,
    switches: u64,
}

/// Waits, at most [`REAP_WITHIN`], until the server has no process but the
/// parent; or fails, saying what is left.
#[track_caller]
fn expect_only_the_parent(server: &Running, watch: &ForkWatch, sent: &str) {
    let group = server.program.pid();
    let start = Instant::now();
    let mut seen: Option<ZombiesSeen> = None;
    loop {
        watch.check().unwrap_or_else(|why| {
            Report::sent(sent)
                .expected("the server's parent alone, once every client has left")
                .got(why)
                .cause("a child must end with _exit after its client, never loop back to accept")
                .fail()
        });
        // The parent, then its children, then the parent again: unchanged,
        // it slept in accept all along, while those zombies existed.
        let before = asleep_in_accept(group);
        let left = children_in_group(group);
        if left.is_empty() {
            return;
        }
        let zombies: Vec<u32> = left
            .iter()
            .filter(|m| m.state == 'Z')
            .map(|m| m.pid)
            .collect();
        let after = asleep_in_accept(group);
        // Two more sleeps, not one: the count goes up a moment after the
        // state says asleep, so the one recorded may be the same sleep's,
        // not yet counted. Two more are a wake-up and a round of the loop.
        // And `before` the same as `after`: the parent did not run while
        // the list was read, or it may have reaped them just after.
        if let (Some(earlier), Some(switches)) = (&seen, after)
            && before == after
            && switches >= earlier.switches + 2
            && let Some(zombie) = zombies.iter().find(|z| earlier.zombies.contains(z))
        {
            Report::sent(sent)
                .expected("each finished child reaped the next time the parent's loop goes round")
                .got(format!(
                    "child {zombie} a zombie while the parent slept in accept, and still one \
                     after the parent came back from accept and went into it again ({} \
                     process(es) left: {})",
                    left.len(),
                    describe(&left)
                ))
                .cause(
                    "finished children are not reaped: call waitpid(None, WNOHANG) in a loop \
                     each time accept returns (it returns at least every timeout you give it)",
                )
                .fail();
        }
        if seen.is_none()
            && !zombies.is_empty()
            && let (Some(b), Some(a)) = (before, after)
            && a == b
        {
            seen = Some(ZombiesSeen {
                zombies,
                switches: a,
            });
        }
        if start.elapsed() > REAP_WITHIN {
            let zombies = left.iter().filter(|m| m.state == 'Z').count();
            let cause = if zombies > 0 {
                "finished children are not reaped: call waitpid(None, WNOHANG) in a loop each \
                 time accept returns, and give accept a timeout so that the loop goes round \
                 even when no client comes"
            } else {
                "children outlive their client: each must end (_exit) when echo_lines returns"
            };
            Report::sent(sent)
                .expected(format!(
                    "no process of the server but its parent {} ms after the last client left \
                     (no zombie, no stray process)",
                    REAP_WITHIN.as_millis()
                ))
                .got(format!(
                    "{} process(es) left, {zombies} of them zombies: {}",
                    left.len(),
                    describe(&left)
                ))
                .cause(cause)
                .fail();
        }
        std::thread::park_timeout(STEP);
    }
}

#[test]
fn two_hundred_short_connections_leave_no_zombie_and_no_stray_process() {
    let server = MODEL.start();
    let watch = ForkWatch { server: &server };
    for i in 0..200 {
        short_client(&server, &watch, &format!("client {i}\n"));
    }
    expect_only_the_parent(
        &server,
        &watch,
        "200 clients, one after the other, each a line then close",
    );
}

#[test]
fn a_child_never_goes_back_to_accept() {
    let server = MODEL.start();
    let watch = ForkWatch { server: &server };
    short_client(&server, &watch, "first\n");
    short_client(&server, &watch, "second\n");
    expect_only_the_parent(&server, &watch, "two clients, each a line then close");
}

/// The inode of the server's side of `peer`'s connection, from
/// `/proc/net/tcp` (the socket whose local address is the server's and whose
/// remote address is the peer's).
fn server_side_inode(server: SocketAddr, peer: &TcpPeer) -> Option<u64> {
    let SocketAddr::V4(remote) = peer.stream().local_addr().ok()? else {
        return None;
    };
    tcp_sockets_at(server)
        .iter()
        .find(|s| s.remote == remote && s.inode != 0)
        .map(|s| s.inode)
}

/// Whether process `pid` holds the socket `inode` among its descriptors.
fn holds_socket(pid: u32, inode: u64) -> bool {
    let want = format!("socket:[{inode}]");
    fs::read_dir(format!("/proc/{pid}/fd")).is_ok_and(|fds| {
        fds.flatten()
            .any(|fd| fs::read_link(fd.path()).is_ok_and(|t| t.to_string_lossy() == want))
    })
}

/// The server, watched, and besides: its parent must not be back in
/// `accept` while it holds the client's socket. A correct parent drops its
/// copy right after the fork, before it accepts again; so this state, seen
/// once, is the bug, whatever the timing.
struct ParentCopy<'a> {
    fork: ForkWatch<'a>,
    inode: u64,
}

impl Liveness for ParentCopy<'_> {
    fn check(&self) -> Result<(), String> {
        self.fork.check()?;
        let parent = self.fork.server.program.pid();
        if in_accept(parent) && holds_socket(parent, self.inode) {
            return Err(format!(
                "the parent (pid {parent}) is back in accept and still holds the client's \
                 socket (socket:[{}]): its copy keeps the connection open after the child ends",
                self.inode
            ));
        }
        Ok(())
    }
}

#[test]
fn the_parent_closes_its_copy_of_each_connection() {
    let server = MODEL.start();
    let watch = ForkWatch { server: &server };
    let mut peer = server.connect();
    peer.send(b"hello\n");
    expect_echo(
        &mut peer,
        &watch,
        b"hello\n",
        "each client is served by its own child, which runs echo_lines",
    );
    let Some(inode) = server_side_inode(server.addr, &peer) else {
        Report::sent(peer.sent())
            .expected("the server's side of the connection in /proc/net/tcp")
            .got("no such line")
            .cause("the connection closed before the test could look at it")
            .fail()
    };
    let watch = ParentCopy {
        fork: ForkWatch { server: &server },
        inode,
    };
    peer.shutdown_write();
    peer.expect_closed(
        &watch,
        "the connection closed as soon as the child ends: the parent closes (drops) its copy \
         of the accepted socket right after the fork, so the child's is the only one",
    );
}

/// How long the client of [`a_client_silent_for_a_while_is_still_served`]
/// stays silent in the middle of a line.
const SILENCE: Duration = Duration::from_millis(300);

#[test]
fn a_client_silent_for_a_while_is_still_served() {
    let server = MODEL.start();
    let watch = ForkWatch { server: &server };
    // A first client, served, proves the server is in its loop, with its
    // listener's options set: a connection the kernel completed before
    // `serve` gave the listener a timeout would not inherit it, and a
    // server that forgets to take it off its clients would pass by luck.
    let mut first = server.connect();
    first.send(b"first\n");
    expect_echo(
        &mut first,
        &watch,
        b"first\n",
        "each client is served by its own child, which runs echo_lines",
    );
    let mut peer = server.connect();
    peer.send(b"before the pause\n");
    expect_echo(
        &mut peer,
        &watch,
        b"before the pause\n",
        "each client is served by its own child, which runs echo_lines",
    );
    peer.send(b"half a line, ");
    // Not a wait for the server: the silence it must sit through.
    std::thread::sleep(SILENCE);
    peer.send(b"then the rest\n");
    expect_echo(
        &mut peer,
        &watch,
        b"half a line, then the rest\n",
        &format!(
            "a client may be silent as long as it likes ({} ms here): the accepted socket \
             inherits the listener's options, so a timeout given to accept must be taken off \
             the client's socket (set_read_timeout(None)) before echo_lines reads it",
            SILENCE.as_millis()
        ),
    );
}
