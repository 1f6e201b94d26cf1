//! What every test uses. Each wait here is bounded (by [`TIMEOUT`], unless
//! it says otherwise), and each wait on a peer also watches the code under
//! test: when a server thread or a task panics (a stub's `todo!()`) or a
//! program exits, the wait fails within a [`STEP`] with that message instead
//! of waiting out its timeout. [`wait_for`] and the waits built on it look
//! at the code under test after each attempt of at most a [`STEP`]; a
//! [`Program`]'s waits on its stdout wake when stdout closes, as it exits.
//!
//! - [`report`]: failure messages that say what was sent, what was expected,
//!   what came back, and the likely cause.
//! - [`bytes`]: bytes as hex and back, for binary protocols.
//! - [`liveness`]: the [`Liveness`] trait: "is the code under test still running?"
//! - [`server`]: [`ServerThread`], a `serve(…)` call run on its own thread.
//! - [`accepting`]: [`Accepting`], a wait that fails at once when a server
//!   that must serve many clients is stuck reading one of them, or (told its
//!   listener) asleep outside `accept` while a connection waits;
//!   [`thread_count`], [`threads_reading_sockets`] and [`sockets_held`]: a
//!   server program's threads, those blocked reading a client, and the
//!   connections it holds, from `/proc/PID` (a pool's tests count them);
//!   [`tcp_sockets_at`]: a server's sockets in `/proc/net/tcp` (state,
//!   unread bytes, inode), which [`unread_by_server`] and [`accept_queue`]
//!   read;
//!   [`all_threads_blocked`] and [`unread_by_server`]: a server asleep while
//!   what its clients sent waits unread (a pool whose idle worker cannot
//!   take a queued client).
//! - [`cpu`]: [`group_cpu_time`], the CPU time a program's threads have used,
//!   to see a busy loop.
//! - [`program`]: [`Program`], a runner program as a child process in its own
//!   process group, killed with the group and reaped when dropped: the one
//!   way the harness starts a child ([`probe()`] and [`run_measured`] use it).
//! - [`net`]: [`UdpPeer`] and [`TcpPeer`], the test's side of a conversation.
//! - [`probe`](mod@probe): [`probe()`], code that forks, run in a fresh process
//!   (`netkit probe …`) and judged by what it prints.
//! - [`deadlock`]: [`DeadlockWatch`], which sees a probe and its children all
//!   waiting on each other at once, from `/proc` (no timeout, no threshold).
//! - [`watchdog`](mod@watchdog): [`watchdog()`], for code that may deadlock.
//! - [`task`]: [`Task`], a call to the code under test on its own thread while
//!   the test plays the other side (a client under test, a server played).
//! - [`trickle`]: [`Trickle`], a reader or writer that moves a few bytes per
//!   call, as a socket may.
//! - [`recording`]: [`RecordingServer`], a server played by the test that
//!   records what one client sends, up to its end of file.
//! - [`measure`]: the [`peak_memory`] of a running program, [`run_measured`]
//!   for a program's output and peak memory, and the [`stderr_gist`] of
//!   what a program said.
//! - [`console`]: [`keyboard()`] and [`screen()`], the input and output of an
//!   interactive run loop, typed into and read back by the test line by line.
//! - [`blocked`]: [`spawn_watched`] and [`wait_until_blocked`]: a call that
//!   must stop at a lock the test holds, and the kernel's word that it has;
//!   [`Tid::sleeps`]: whether a thread asleep on a lock was woken since (an
//!   unlock happened), the way ticket-counter's tests see a lock let go.
//!   [`threads`] lists the process's threads, [`Tid::name`] tells a caller's
//!   unnamed threads (they inherit its name) and [`Tid::joins`] sees a
//!   thread waiting in `join()` for another: the way ticket-counter's tests
//!   see windows started and joined one by one.
//! - [`rng`]: [`XorShift`], a tiny deterministic random number generator, so
//!   that tests drawing random cases, or filling files with random-looking
//!   bytes ([`XorShift::bytes`]), are reproducible.
//!
//! Real peers, optional tools that the kit uses when they are installed
//! (`.ci/run` installs them) and skips, saying so, when they are not:
//!
//! - [`tools`]: [`Tool`], finding chromium, nginx, wrk or curl, and the one
//!   `skipped: … is not installed (apt-get install …)` line.
//! - [`browser`]: [`Browser`], a page loaded in headless Chromium, its DOM
//!   or a screenshot, each run bounded and its process group killed.
//! - [`nginx`](mod@nginx): [`Nginx`], nginx serving a folder on a free
//!   loopback port, stopped on drop.
//! - [`wrk`](mod@wrk): [`wrk()`], a bounded load run, and its [`WrkReport`]
//!   (requests/s, p50, p99, errors).

pub mod accepting;
pub mod blocked;
pub mod browser;
pub mod bytes;
pub mod console;
pub mod cpu;
pub mod deadlock;
pub mod liveness;
pub mod lock;
pub mod measure;
pub mod net;
pub mod nginx;
pub mod probe;
pub mod program;
pub mod recording;
pub mod report;
pub mod rng;
pub mod server;
pub mod task;
pub mod test_site;
pub mod tools;
pub mod trickle;
pub mod watchdog;
pub mod wrk;

pub use accepting::{
    Accepting, TCP_CLOSE_WAIT, TCP_ESTABLISHED, TCP_LISTEN, TcpSocket, accept_queue,
    all_threads_blocked, sockets_held, switches_if_blocked, tcp_sockets_at, thread_count,
    threads_reading_sockets, unread_by_server,
};
pub use blocked::{BlockedAt, Tid, spawn_watched, threads, threads_in_process, wait_until_blocked};
pub use browser::Browser;
pub use bytes::{from_hex, hex};
pub use console::{Keyboard, Screen, ScreenWriter, Typed, keyboard, screen};
pub use cpu::group_cpu_time;
pub use deadlock::{Blocked, DeadlockWatch};
pub use liveness::{Liveness, wait_for};
pub use lock::{MachineLock, machine_lock};
pub use measure::{Measured, peak_memory, resident_memory, run_measured, stderr_gist};
pub use net::{TcpPeer, UdpPeer, loopback_listener, loopback_udp, spare_loopback_addr};
pub use nginx::{Nginx, Shape as NginxShape, nginx_or_skip};
pub use probe::{ProbeRun, probe, probe_allowing_failure};
pub use program::{Finished, Program};
pub use recording::{Recording, RecordingServer};
pub use report::{Report, show};
pub use rng::XorShift;
pub use server::ServerThread;
pub use task::Task;
pub use tools::Tool;
pub use trickle::Trickle;
pub use watchdog::watchdog;
pub use wrk::{WrkReport, wrk, wrk_threads};

use std::time::Duration;

/// How long a test waits for any one thing (a reply, a line, a connection).
/// Generous, because a loaded CI machine is slow; a correct implementation
/// answers in milliseconds, and a dead one is noticed at the next [`STEP`].
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How often a wait looks at the code under test to see whether it died: the
/// longest an attempt of [`wait_for`] blocks (a socket's read timeout, a
/// channel's `recv_timeout`), and the pause between two looks at a program's
/// exit.
pub const STEP: Duration = Duration::from_millis(20);
