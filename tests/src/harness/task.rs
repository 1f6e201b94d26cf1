//! A blocking call under test, run on its own thread while the test plays
//! the other side.

use super::server::panic_text;
use super::{Liveness, TIMEOUT};
use std::fmt::Debug;
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;

/// A call that blocks until a peer answers (a client's `query`, `download`…),
/// run on its own thread so that the test, on its own, can be that peer.
///
/// While the test waits for the call's request, the task is its [`Liveness`]:
/// a panic (a stub's `todo!()`) or an early return ends the wait at once with
/// what happened. [`Task::join`] then collects the call's result.
pub struct Task<T> {
    name: String,
    finished: Receiver<thread::Result<T>>,
    /// The outcome, once `check` has seen it; `join` takes it from here.
    outcome: Mutex<Option<Result<T, String>>>,
}

impl<T: Debug + Send + 'static> Task<T> {
    /// Starts `call` on a thread named `name` (e.g. `"udp_dict::query"`).
    pub fn spawn(name: &str, call: impl FnOnce() -> T + Send + 'static) -> Self {
        let (done, finished) = mpsc::channel();
        thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(call));
                // The test may have failed and gone already; nothing to tell then.
                let _ = done.send(outcome);
            })
            .expect("the OS refused to start a thread");
        Task {
            name: name.to_string(),
            finished,
            outcome: Mutex::new(None),
        }
    }

    /// Waits (within [`TIMEOUT`]) for the call to return, and returns its
    /// value; fails the test with its message if it panicked, or with
    /// `expected` if it never returns.
    #[track_caller]
    pub fn join(self, expected: &str) -> T {
        let seen = self
            .outcome
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let outcome = match seen {
            Some(outcome) => outcome,
            None => match self.finished.recv_timeout(TIMEOUT) {
                Ok(result) => result.map_err(|payload| panic_text(&*payload)),
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{} did not return within {} s; expected: {expected}",
                    self.name,
                    TIMEOUT.as_secs()
                ),
                Err(RecvTimeoutError::Disconnected) => Err("its thread vanished".to_string()),
            },
        };
        outcome.unwrap_or_else(|why| panic!("{} panicked: {why}", self.name))
    }
}

impl<T: Debug> Liveness for Task<T> {
    /// `Ok(())` while the call runs; once it has returned or panicked, says so.
    fn check(&self) -> Result<(), String> {
        let mut outcome = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        if outcome.is_none() {
            match self.finished.try_recv() {
                Ok(result) => *outcome = Some(result.map_err(|payload| panic_text(&*payload))),
                Err(_) => return Ok(()),
            }
        }
        match outcome.as_ref() {
            Some(Ok(value)) => Err(format!(
                "{} returned {value:?} before the test was done with it",
                self.name
            )),
            Some(Err(why)) => Err(format!("{} panicked: {why}", self.name)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_returns_the_value() {
        assert_eq!(Task::spawn("adding", || 2 + 2).join("four"), 4);
    }

    #[test]
    fn check_reports_a_panic() {
        let task = Task::spawn("panicking", || -> u8 { panic!("boom") });
        let deadline = std::time::Instant::now() + TIMEOUT;
        let why = loop {
            if let Err(why) = task.check() {
                break why;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "the panic was never seen"
            );
            thread::park_timeout(super::super::STEP);
        };
        assert!(why.contains("boom"), "{why}");
    }
}
