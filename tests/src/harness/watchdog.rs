//! A bound on code that may never finish (a deadlock, a lost wake-up).

use super::server::panic_text;
use std::sync::mpsc;
use std::time::Duration;

/// Runs `work` on its own thread and returns its result, or fails the test
/// with "no progress in N s: a deadlock?" when it takes longer than `limit`.
/// A panic inside `work` fails the test with the same message it had.
///
/// A thread that hangs cannot be killed; it is left behind, blocked, and dies
/// with the test process. The test itself has already failed by then.
#[track_caller]
pub fn watchdog<T: Send + 'static>(
    limit: Duration,
    what: &str,
    work: impl FnOnce() -> T + Send + 'static,
) -> T {
    let (done, finished) = mpsc::channel();
    std::thread::Builder::new()
        .name(format!("watched: {what}"))
        .spawn(move || {
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(work));
            // The receiver may have given up already; nothing to do then.
            let _ = done.send(outcome);
        })
        .expect("the OS refused to start a thread");
    match finished.recv_timeout(limit) {
        Ok(Ok(value)) => value,
        Ok(Err(payload)) => panic!("{}", panic_text(&*payload)),
        Err(_) => panic!(
            "no progress in {} s while {what}: a deadlock? \
             (threads waiting on each other's locks, or a wake-up that never came)",
            limit.as_secs()
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn returns_the_value() {
        let sum = watchdog(Duration::from_secs(5), "adding", || 2 + 2);
        assert_eq!(sum, 4, "a watchdog over 2 + 2 should return 4; got {sum}");
    }

    #[test]
    #[should_panic(expected = "a deadlock?")]
    fn reports_a_hang() {
        let (_keep, never) = mpsc::channel::<()>();
        watchdog(Duration::from_millis(50), "waiting forever", move || {
            never.recv().ok()
        });
    }

    #[test]
    #[should_panic(expected = "boom")]
    fn passes_on_a_panic() {
        watchdog(Duration::from_secs(5), "panicking", || panic!("boom"));
    }
}
