//! What every test uses. Each wait here is bounded, and each one also watches
//! the code under test: when a server thread panics (a stub's `todo!()`) or a
//! program exits, the wait fails at once with that message instead of waiting
//! out its timeout.
//!
//! - [`report`]: failure messages that say what was sent, what was expected,
//!   what came back, and the likely cause.
//! - [`bytes`]: bytes as hex and back, for binary protocols.
//! - [`liveness`]: the [`Liveness`] trait: "is the code under test still running?"
//! - [`server`]: [`ServerThread`], a `serve(…)` call run on its own thread.
//! - [`program`]: [`Program`], a runner program as a child process in its own
//!   process group, killed with the group when dropped.
//! - [`net`]: [`UdpPeer`] and [`TcpPeer`], the test's side of a conversation.
//! - [`probe`]: [`probe()`], code that forks, run in a fresh process
//!   (`netkit probe …`) and judged by what it prints.
//! - [`watchdog`]: [`watchdog()`], for code that may deadlock.
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
//!   must stop at a lock the test holds, and the kernel's word that it has.
//! - [`rng`]: [`XorShift`], a tiny deterministic random number generator, so
//!   that tests drawing random cases are reproducible.

pub mod blocked;
pub mod bytes;
pub mod console;
pub mod liveness;
pub mod measure;
pub mod net;
pub mod probe;
pub mod program;
pub mod recording;
pub mod report;
pub mod rng;
pub mod server;
pub mod task;
pub mod trickle;
pub mod watchdog;

pub use blocked::{Blocked, Tid, spawn_watched, threads_in_process, wait_until_blocked};
pub use bytes::{from_hex, hex};
pub use console::{Keyboard, Screen, ScreenWriter, Typed, keyboard, screen};
pub use liveness::{Liveness, wait_for};
pub use measure::{Measured, peak_memory, run_measured, stderr_gist};
pub use net::{TcpPeer, UdpPeer, loopback_listener, loopback_udp};
pub use probe::{ProbeRun, probe, probe_allowing_failure};
pub use program::{Finished, Program};
pub use recording::{Recording, RecordingServer};
pub use report::{Report, show};
pub use rng::XorShift;
pub use server::ServerThread;
pub use task::Task;
pub use trickle::Trickle;
pub use watchdog::watchdog;

use std::time::Duration;

/// How long a test waits for any one thing (a reply, a line, a connection).
/// Generous, because a loaded CI machine is slow; a correct implementation
/// answers in milliseconds, and a dead one is noticed at the next [`STEP`].
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// How often a wait looks at the code under test to see whether it died.
pub const STEP: Duration = Duration::from_millis(20);
