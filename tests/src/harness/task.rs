//! A call to the code under test on its own thread, for when the test must
//! play the other side of the conversation meanwhile (a client under test
//! talking to a server the test plays).

use super::liveness::{WaitError, wait_for};
use super::server::panic_text;
use super::{Liveness, STEP, TIMEOUT};
use std::fmt::Debug;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};

/// Runs `work` on its own thread. As a [`Liveness`], it makes the test's waits
/// end at once when `work` panics (a stub's `todo!()`) or returns early;
/// [`Task::join`] takes its result, within [`TIMEOUT`].
pub struct Task<T> {
    name: String,
    done: Mutex<Receiver<Result<T, String>>>,
    /// The outcome, once seen (by `check` or `join`).
    outcome: Mutex<Option<Result<T, String>>>,
}

impl<T: Send + 'static> Task<T> {
    /// Starts `work` on a thread named `name` (e.g. `"chatbot::Client::ask"`).
    pub fn spawn(name: &str, work: impl FnOnce() -> T + Send + 'static) -> Self {
        Task::spawn_with(name, (), move |()| work())
    }

    /// Starts `work(&mut state)` on a thread named `name`, and drops `state`
    /// only after the outcome is known to [`Liveness::check`].
    ///
    /// Put a connection in `state` (a client under test): when `work` panics,
    /// the test's peer then sees the connection close only after the panic is
    /// reported, so its wait fails with the panic message rather than with
    /// "the connection closed".
    pub fn spawn_with<S: Send + 'static>(
        name: &str,
        mut state: S,
        work: impl FnOnce(&mut S) -> T + Send + 'static,
    ) -> Self {
        let (tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name(name.to_string())
            .spawn(move || {
                let outcome = catch_unwind(AssertUnwindSafe(|| work(&mut state)))
                    .map_err(|p| panic_text(&*p));
                // The test may have failed and gone already: nobody to tell.
                let _ = tx.send(outcome);
                drop(state);
            })
            .expect("the OS refused to start a thread");
        Task {
            name: name.to_string(),
            done: Mutex::new(done),
            outcome: Mutex::new(None),
        }
    }

    /// Waits (within [`TIMEOUT`]) for `work` to finish and returns its value;
    /// a panic inside it fails the test with the same message.
    #[track_caller]
    pub fn join(self) -> T {
        let seen = self.outcome.into_inner().unwrap_or_else(|p| p.into_inner());
        let outcome = match seen {
            Some(outcome) => outcome,
            None => match self
                .done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .recv_timeout(TIMEOUT)
            {
                Ok(outcome) => outcome,
                Err(RecvTimeoutError::Timeout) => {
                    panic!(
                        "{} did not finish within {} s",
                        self.name,
                        TIMEOUT.as_secs()
                    )
                }
                Err(RecvTimeoutError::Disconnected) => Err("its thread vanished".to_string()),
            },
        };
        match outcome {
            Ok(value) => value,
            Err(why) => panic!("{} panicked: {why}", self.name),
        }
    }

    /// Like [`Task::join`], while watching `other` too: for a client under
    /// test talking to a server under test. Fails at once, with `other`'s
    /// story, when `other` stops first (a stub's `todo!()`) or has stopped
    /// by the time `work` is done.
    #[track_caller]
    pub fn join_watching(self, other: &dyn Liveness) -> T {
        let seen = self.outcome.into_inner().unwrap_or_else(|p| p.into_inner());
        let outcome = match seen {
            Some(outcome) => outcome,
            None => {
                let done = self.done.lock().unwrap_or_else(|p| p.into_inner());
                let waited = wait_for(other, || match done.recv_timeout(STEP) {
                    Ok(outcome) => Ok(Some(outcome)),
                    Err(RecvTimeoutError::Timeout) => Ok(None),
                    Err(RecvTimeoutError::Disconnected) => {
                        Ok(Some(Err("its thread vanished".to_string())))
                    }
                });
                match waited {
                    Ok(outcome) => outcome,
                    Err(WaitError::TimedOut) => panic!(
                        "{} did not finish within {} s: is one side waiting for the other \
                         (a reply that never comes, an end of file never sent)?",
                        self.name,
                        TIMEOUT.as_secs()
                    ),
                    Err(e) => panic!("while {} ran: {e}", self.name),
                }
            }
        };
        match outcome {
            Err(why) => panic!("{} panicked: {why}", self.name),
            // What `work` returned (a client's error, say) may be the death
            // of `other` seen from outside: `other`'s story is then the
            // better message.
            Ok(value) => match other.check() {
                Ok(()) => value,
                Err(why) => panic!("while {} ran: {why}", self.name),
            },
        }
    }
}

impl<T: Debug> Liveness for Task<T> {
    fn check(&self) -> Result<(), String> {
        let mut outcome = self.outcome.lock().unwrap_or_else(|p| p.into_inner());
        if outcome.is_none() {
            *outcome = self
                .done
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .try_recv()
                .ok();
        }
        match &*outcome {
            None => Ok(()),
            Some(Ok(value)) => Err(format!(
                "{} already returned {value:?}, before the test was done with it",
                self.name
            )),
            Some(Err(why)) => Err(format!("{} panicked: {why}", self.name)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_the_value() {
        let sum = Task::spawn("adding", || 2 + 2).join();
        assert_eq!(sum, 4, "a Task running 2 + 2 should join with 4; got {sum}");
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn passes_on_a_panic() {
        Task::spawn("panicking", || -> () { panic!("boom") }).join();
    }

    #[test]
    fn reports_an_early_return() {
        let task = Task::spawn("returning", || 7);
        let why = super::super::wait_for(&task, || Ok(None::<()>)).unwrap_err();
        assert!(why.to_string().contains("already returned 7"), "{why}");
    }
}
