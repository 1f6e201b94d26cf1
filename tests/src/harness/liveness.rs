//! "Is the code under test still running?", and waits that keep asking.

use super::{STEP, TIMEOUT};
use std::io;
use std::time::{Duration, Instant};

/// Something whose death ends a wait early: a server thread, a child process.
pub trait Liveness {
    /// `Ok(())` while it runs; otherwise why it stopped (a panic message, an
    /// exit status and stderr), phrased for the student.
    fn check(&self) -> Result<(), String>;
}

/// Nothing to watch: for waits on code that runs on the test's own thread.
impl Liveness for () {
    fn check(&self) -> Result<(), String> {
        Ok(())
    }
}

/// Calls `attempt` until it yields a value, the watched code dies, or
/// [`TIMEOUT`] passes. `attempt` must itself block for at most about
/// [`STEP`] (a socket read timeout does that) and return `Ok(None)` when
/// nothing has arrived yet; a read timeout error counts as nothing yet.
///
/// The error says which of the two ended the wait.
pub fn wait_for<T>(
    watched: &dyn Liveness,
    mut attempt: impl FnMut() -> io::Result<Option<T>>,
) -> Result<T, WaitError> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        match attempt() {
            Ok(Some(value)) => return Ok(value),
            Ok(None) => {}
            Err(e) if is_timeout(&e) => {}
            Err(e) => {
                // An error from our own socket often means the peer died
                // (or is dying: a reset comes before the exit is seen); its
                // own story is the better message.
                if let Some(why) = stopped_story(watched) {
                    return Err(WaitError::Died(why));
                }
                return Err(WaitError::Io(e));
            }
        }
        watched.check().map_err(WaitError::Died)?;
        if Instant::now() >= deadline {
            return Err(WaitError::TimedOut);
        }
    }
}

/// How long [`stopped_story`] gives code under test to finish stopping.
pub const GRACE: Duration = Duration::from_millis(500);

/// Asks whether the watched code stopped, giving it up to [`GRACE`] to finish
/// stopping: for the moment our side has seen it go away (a refused or
/// closed connection), since a dying thread or process closes its sockets a
/// little before it is seen to have stopped. Returns its story if it stopped.
///
/// Only for failure paths: when the code is still running, this waits the
/// whole grace.
pub fn stopped_story(watched: &dyn Liveness) -> Option<String> {
    let deadline = Instant::now() + GRACE;
    loop {
        if let Err(why) = watched.check() {
            return Some(why);
        }
        if Instant::now() >= deadline {
            return None;
        }
        std::thread::park_timeout(STEP);
    }
}

/// Why [`wait_for`] gave up.
#[derive(Debug)]
pub enum WaitError {
    /// The watched code stopped; the text says how.
    Died(String),
    /// Nothing came within [`TIMEOUT`].
    TimedOut,
    /// Our own side of the conversation failed.
    Io(io::Error),
}

impl std::fmt::Display for WaitError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WaitError::Died(why) => write!(f, "{why}"),
            WaitError::TimedOut => write!(f, "nothing within {} s", TIMEOUT.as_secs()),
            WaitError::Io(e) => write!(f, "{e}"),
        }
    }
}

/// Read timeouts show up as `WouldBlock` on Linux and `TimedOut` elsewhere.
pub fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut | io::ErrorKind::Interrupted
    )
}
