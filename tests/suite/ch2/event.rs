//! Tests of the exercise `event`: `threading.Event` on a `Mutex<bool>` and a
//! `Condvar` (book: ch2/event.md).
//!
//! A test cannot know that a thread is *waiting*: the most it can learn is
//! that the thread is *about to* wait (it says so on a channel, then calls
//! `wait`). A correct `Event` makes that gap harmless: a `set` that comes
//! before the wait begins leaves the flag set, and the wait returns at once.
//! So these tests pass in every run of a correct `Event`, whatever the
//! scheduler does, and every wait is bounded by the watchdog. Times are
//! checked from below only ("not before the timeout"), never from above.

use netkit_tests::harness::server::panic_text;
use netkit_tests::harness::{
    BlockedAt, Liveness, Report, TIMEOUT, Task, Tid, spawn_watched, watchdog,
};
use netkit_tests::kit::ch2::event::Event;
use rstest::rstest;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, Sender, TryRecvError};
use std::thread;
use std::time::{Duration, Instant};

/// A bound on anything here that could hang: it all takes milliseconds.
const LIMIT: Duration = Duration::from_secs(5);

/// Long enough never to run out in a test: a waiter given this timeout
/// returns only because the event was set (or the watchdog fires first).
const FOREVER: Duration = Duration::from_secs(3600);

/// How a waiter waits.
#[derive(Debug, Clone, Copy)]
enum How {
    Wait,
    WaitTimeout(Duration),
}

/// What a waiter reports: `wait_timeout`'s result (`true` for `wait`), or
/// the text of its panic.
type Outcome = Result<bool, String>;

/// Starts a thread that tells `ready` it is about to wait, waits on `event`
/// as `how` says, and sends the outcome to `done`.
fn start_waiter(event: &Arc<Event>, how: How, ready: &Sender<()>, done: &Sender<Outcome>) {
    let (event, ready, done) = (Arc::clone(event), ready.clone(), done.clone());
    thread::spawn(move || {
        let _ = ready.send(());
        let outcome = catch_unwind(AssertUnwindSafe(|| match how {
            How::Wait => {
                event.wait();
                true
            }
            How::WaitTimeout(timeout) => event.wait_timeout(timeout),
        }))
        .map_err(|payload| panic_text(&*payload));
        let _ = done.send(outcome);
    });
}

/// Waits (within [`TIMEOUT`]) until `count` waiters have said they are
/// about to wait.
#[track_caller]
fn wait_until_ready(ready: &Receiver<()>, count: usize) {
    for _ in 0..count {
        ready
            .recv_timeout(TIMEOUT)
            .expect("a waiter thread did not even start (the test's own thread)");
    }
}

/// Collects `count` outcomes from waiters under the watchdog: a waiter that
/// is never released fails the test with "no progress … a deadlock?".
#[track_caller]
fn collect(done: Receiver<Outcome>, count: usize, what: &str) -> Vec<bool> {
    let outcomes = watchdog(LIMIT, what, move || {
        (0..count)
            .map(|_| done.recv().expect("the test keeps a sender"))
            .collect::<Vec<Outcome>>()
    });
    outcomes
        .into_iter()
        .map(|outcome| outcome.unwrap_or_else(|why| panic!("a waiter panicked: {why}")))
        .collect()
}

// --- the flag ----------------------------------------------------------------

#[rstest]
#[case::new(&[], false)]
#[case::set(&["set"], true)]
#[case::set_twice(&["set", "set"], true)]
#[case::cleared(&["clear"], false)]
#[case::set_then_cleared(&["set", "clear"], false)]
#[case::cleared_twice_after_set(&["set", "clear", "clear"], false)]
#[case::set_again_after_clear(&["set", "clear", "set"], true)]
fn is_set_follows_set_and_clear(#[case] calls: &[&str], #[case] expected: bool) {
    let event = Event::new();
    for call in calls {
        match *call {
            "set" => event.set(),
            "clear" => event.clear(),
            other => unreachable!("no such call {other}"),
        }
    }
    let got = event.is_set();
    if got != expected {
        Report::sent(format!("Event::new(), then {calls:?}, then is_set()"))
            .expected(format!("{expected}"))
            .got(format!("{got}"))
            .cause(
                "set makes the flag true and clear makes it false, under the lock; is_set reads it",
            )
            .fail();
    }
}

// --- waiting when the flag is already set ------------------------------------

#[test]
fn wait_returns_at_once_when_already_set() {
    let event = Event::new();
    event.set();
    watchdog(LIMIT, "waiting on an event that is set", move || {
        event.wait();
        event.wait(); // the flag stays set: a second wait passes too
    });
}

#[rstest]
#[case::zero(Duration::ZERO)]
#[case::a_second(Duration::from_secs(1))]
#[case::the_longest_duration_there_is(Duration::MAX)]
fn wait_timeout_returns_true_at_once_when_already_set(#[case] timeout: Duration) {
    let event = Event::new();
    event.set();
    let got = watchdog(
        LIMIT,
        &format!("wait_timeout({timeout:?}) on an event that is set"),
        move || event.wait_timeout(timeout),
    );
    if !got {
        Report::sent(format!("set(), then wait_timeout({timeout:?})"))
            .expected("true, at once")
            .got("false")
            .cause("look at the flag before sleeping: if it is set, return true")
            .fail();
    }
}

// --- waiting in vain -----------------------------------------------------------

#[rstest]
#[case::never_set_zero(false, Duration::ZERO)]
#[case::never_set(false, Duration::from_millis(50))]
#[case::set_then_cleared(true, Duration::from_millis(50))]
#[case::never_set_longer(false, Duration::from_millis(200))]
fn wait_timeout_returns_false_but_not_before_the_timeout(
    #[case] set_and_clear_first: bool,
    #[case] timeout: Duration,
) {
    let event = Event::new();
    if set_and_clear_first {
        event.set();
        event.clear();
    }
    let (got, waited) = watchdog(
        LIMIT,
        &format!("wait_timeout({timeout:?}) on an event that is not set"),
        move || {
            let started = Instant::now();
            let got = event.wait_timeout(timeout);
            (got, started.elapsed())
        },
    );
    let sent = if set_and_clear_first {
        format!("set(), clear(), then wait_timeout({timeout:?})")
    } else {
        format!("Event::new(), then wait_timeout({timeout:?})")
    };
    if got {
        Report::sent(&sent)
            .expected("false: nobody set the flag")
            .got("true")
            .cause("return the flag (or false when the time is up), not the opposite of the Condvar's `timed_out()`")
            .fail();
    }
    if waited < timeout {
        Report::sent(&sent)
            .expected(format!("false after at least {timeout:?}"))
            .got(format!("false after {waited:?}"))
            .cause(
                "a wait that returns before its time: compute the deadline once and sleep until it",
            )
            .fail();
    }
}

// --- waking up ---------------------------------------------------------------------

#[rstest]
#[case::wait(How::Wait)]
#[case::wait_timeout(How::WaitTimeout(FOREVER))]
fn a_set_from_another_thread_releases_a_waiter(#[case] how: How) {
    let event = Arc::new(Event::new());
    let (ready_tx, ready) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    start_waiter(&event, how, &ready_tx, &done_tx);
    wait_until_ready(&ready, 1);
    event.set();
    let got = collect(done, 1, &format!("a waiter ({how:?}) waits for set()"));
    if !got[0] {
        Report::sent(format!(
            "a thread called {how:?}; then set() from the test's thread"
        ))
        .expected("true")
        .got("false")
        .cause("a waiter woken by set() finds the flag set: return true")
        .fail();
    }
}

#[test]
fn one_set_releases_every_waiter() {
    const WAITERS: usize = 32;
    let event = Arc::new(Event::new());
    let (ready_tx, ready) = mpsc::channel();
    let (done_tx, done) = mpsc::channel();
    for n in 0..WAITERS {
        let how = if n % 2 == 0 {
            How::Wait
        } else {
            How::WaitTimeout(FOREVER)
        };
        start_waiter(&event, how, &ready_tx, &done_tx);
    }
    wait_until_ready(&ready, WAITERS);
    // Most of them are asleep by now; some may still be on their way in.
    // Either way, one set must let every one of them through.
    event.set();
    let got = collect(
        done,
        WAITERS,
        &format!("{WAITERS} threads wait, and one set() should release them all"),
    );
    let released = got.iter().filter(|&&g| g).count();
    if released != WAITERS {
        Report::sent(format!(
            "{WAITERS} threads waited (wait or wait_timeout); then one set()"
        ))
        .expected(format!("all {WAITERS} to return true"))
        .got(format!("{released} of {WAITERS} returned true"))
        .cause("a waiter woken by set() finds the flag set: return true")
        .fail();
    }
}

#[rstest]
#[case::wait(How::Wait)]
#[case::wait_timeout(How::WaitTimeout(FOREVER))]
fn one_set_wakes_every_sleeping_waiter_at_once(#[case] how: How) {
    // Three waiters, seen by the kernel asleep on one same futex: the
    // event's Condvar (no one can be asleep on its Mutex while nobody holds
    // it). set() must have woken all three by the time it returns: a waiter
    // still asleep there afterwards was never woken, and never will be.
    const WAITERS: usize = 3;
    let event = Arc::new(Event::new());
    let waiters: Vec<(Task<bool>, Tid)> = (0..WAITERS)
        .map(|_| {
            let event = Arc::clone(&event);
            spawn_watched("Event::wait", move || match how {
                How::Wait => {
                    event.wait();
                    true
                }
                How::WaitTimeout(timeout) => event.wait_timeout(timeout),
            })
        })
        .collect();
    let did = format!("{WAITERS} threads called {how:?} on an event that is not set");
    let asleep_at = all_asleep_on_one_futex(&waiters, &did);
    event.set();
    let did = format!("{did}; all {WAITERS} were asleep on its Condvar; then one set() returned");
    for (index, (task, tid)) in waiters.into_iter().enumerate() {
        if let Some(address) = asleep_at {
            // Until it has returned, it may wait for the Mutex (a futex of
            // its own), never sleep on where it slept before set().
            while task.check().is_ok() {
                if tid.blocked_at() == BlockedAt::Futex(address) {
                    Report::sent(&did)
                        .expected(format!("every waiter woken, and {how:?} to return true"))
                        .got(format!(
                            "waiter {} of {WAITERS} still asleep on the Condvar, where it slept \
                             before set(): nobody woke it",
                            index + 1
                        ))
                        .cause(
                            "set() must wake every waiter: notify_all, not notify_one (every \
                             waiter waits for this same flag)",
                        )
                        .fail();
                }
                thread::park_timeout(Duration::from_millis(1));
            }
        }
        let got = watchdog(LIMIT, &did, move || task.join());
        if !got {
            Report::sent(&did)
                .expected(format!("{how:?} to return true in every waiter"))
                .got(format!("waiter {} of {WAITERS} returned false", index + 1))
                .cause("a waiter woken by set() finds the flag set and returns true")
                .fail();
        }
    }
}

/// Waits (within [`TIMEOUT`]) until every waiter is asleep on one same
/// futex, and returns its address (`None` where the kernel does not say:
/// then all are asleep somewhere). Fails the test when a waiter returns (or
/// panics) instead.
#[track_caller]
fn all_asleep_on_one_futex(waiters: &[(Task<bool>, Tid)], did: &str) -> Option<u64> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let places: Vec<BlockedAt> = waiters.iter().map(|(_, tid)| tid.blocked_at()).collect();
        match places[..] {
            [BlockedAt::Futex(first), ..]
                if places.iter().all(|p| *p == BlockedAt::Futex(first)) =>
            {
                return Some(first);
            }
            _ if places.iter().all(|p| *p == BlockedAt::Somewhere) => return None,
            _ => {}
        }
        for (task, _) in waiters {
            if let Err(why) = task.check() {
                Report::sent(did)
                    .expected("every waiter to sleep until the event is set")
                    .got(why.clone())
                    .cause("wait sleeps on the Condvar while the flag is false; it returns only once it is set")
                    .headline(why)
                    .fail();
            }
        }
        if Instant::now() >= deadline {
            Report::sent(did)
                .expected("every waiter to fall asleep on the event's Condvar")
                .got(format!("after {TIMEOUT:?}, where they are: {places:?}"))
                .cause(
                    "wait sleeps on the Condvar (Condvar::wait), rather than spinning or polling",
                )
                .fail();
        }
        thread::park_timeout(Duration::from_millis(1));
    }
}

#[test]
fn wait_timeout_keeps_its_deadline_through_wake_ups_that_find_the_flag_clear() {
    // Another thread sets and at once clears the flag, again and again: each
    // set wakes the waiter, which often finds the flag already clear (as it
    // would after a spurious wake-up). It must then sleep on until its
    // deadline: returning `true` (it saw the flag set) or `false`, but
    // `false` never before the time is up. Whether a wake-up finds the flag
    // clear is up to the scheduler, so the race is run many times.
    const RUNS: usize = 100;
    let timeout = Duration::from_millis(50);
    for run in 0..RUNS {
        let event = Arc::new(Event::new());
        let (ready_tx, ready) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        let waiter = Arc::clone(&event);
        thread::spawn(move || {
            let _ = ready_tx.send(());
            let started = Instant::now();
            let outcome = catch_unwind(AssertUnwindSafe(|| waiter.wait_timeout(timeout)))
                .map(|got| (got, started.elapsed()))
                .map_err(|payload| panic_text(&*payload));
            let _ = done_tx.send(outcome);
        });
        wait_until_ready(&ready, 1);
        let outcome = watchdog(
            LIMIT,
            &format!("wait_timeout({timeout:?}) while another thread sets and clears"),
            move || loop {
                event.set();
                event.clear();
                // Give the woken waiter a chance to run now, while the flag
                // is clear: this only makes the tested case more frequent.
                thread::yield_now();
                match done.try_recv() {
                    Ok(outcome) => break outcome,
                    Err(TryRecvError::Empty) => continue,
                    Err(TryRecvError::Disconnected) => unreachable!("the waiter always reports"),
                }
            },
        );
        let (got, waited) = outcome.unwrap_or_else(|why| panic!("the waiter panicked: {why}"));
        if !got && waited < timeout {
            Report::sent(format!(
                "wait_timeout({timeout:?}) while another thread calls set(); clear() in a \
                 loop (run {} of {RUNS})",
                run + 1
            ))
            .expected(format!("true, or false after at least {timeout:?}"))
            .got(format!("false after {waited:?}"))
            .cause(
                "a wake-up that finds the flag clear is no reason to return: loop, and sleep \
                 again for the time left until the deadline",
            )
            .fail();
        }
    }
}

// --- many threads at once -------------------------------------------------------

/// Joins a scoped thread, failing the test with its panic message.
#[track_caller]
fn join<T>(handle: thread::ScopedJoinHandle<'_, T>) -> T {
    handle
        .join()
        .unwrap_or_else(|payload| panic!("{}", panic_text(&*payload)))
}

#[test]
fn survives_set_and_clear_from_many_threads() {
    const TOGGLERS: usize = 8;
    const WAITERS: usize = 8;
    let event = watchdog(
        LIMIT,
        "8 threads set and clear while 8 threads wait",
        || {
            let event = Event::new();
            thread::scope(|scope| {
                let event = &event;
                let togglers: Vec<_> = (0..TOGGLERS)
                    .map(|_| {
                        scope.spawn(move || {
                            for i in 0..2000 {
                                if i % 2 == 0 {
                                    event.set();
                                } else {
                                    event.clear(); // every toggler ends on a clear
                                }
                                let _ = event.is_set();
                            }
                        })
                    })
                    .collect();
                let waiters: Vec<_> = (0..WAITERS)
                    .map(|_| {
                        scope.spawn(move || {
                            for _ in 0..100 {
                                let _ = event.wait_timeout(Duration::from_micros(50));
                            }
                            // Released by the set below, at the latest.
                            event.wait();
                        })
                    })
                    .collect();
                togglers.into_iter().for_each(join);
                // The flag is clear now; this set is what the last waits need.
                event.set();
                waiters.into_iter().for_each(join);
            });
            event
        },
    );
    let did = "8 threads set and cleared while 8 waited; then one last set()";
    if !event.is_set() {
        Report::sent(did)
            .expected("is_set() = true")
            .got("false")
            .cause("set makes the flag true under the lock, and nothing else clears it")
            .fail();
    }
    event.clear();
    let (is_set, waited) = (event.is_set(), event.wait_timeout(Duration::ZERO));
    if is_set || waited {
        Report::sent(format!("{did}; then clear()"))
            .expected("is_set() = false, wait_timeout(0) = false")
            .got(format!("is_set() = {is_set}, wait_timeout(0) = {waited}"))
            .cause("clear makes the flag false; wait_timeout returns the flag when the time is up")
            .fail();
    }
}

#[test]
fn is_shared_between_threads_through_an_arc() {
    fn shareable<T: Send + Sync>(_: &T) {}
    let event = Arc::new(Event::new());
    shareable(&*event);
    let setter = Arc::clone(&event);
    watchdog(LIMIT, "setting an event from another thread", move || {
        setter.set()
    });
    if !event.is_set() {
        Report::sent("set() on another thread, through a clone of the Arc; then is_set() here")
            .expected("true")
            .got("false")
            .cause("every clone of the Arc shares the one Event: the flag lives behind its Mutex")
            .fail();
    }
}
