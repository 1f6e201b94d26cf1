//! # Exercise `event`: an event (book: ch2/event.md)
//!
//! Python's `threading.Event`, which the seed uses to make one thread wait
//! for another, rebuilt from Rust's two building blocks: a [`Mutex`] that
//! holds a flag, and a [`Condvar`] (条件变量, condition variable) on which
//! threads sleep until the flag may have changed.
//!
//! - [`Event`]: `new`, `set`, `clear`, `is_set`, `wait`, `wait_timeout`.
//!
//! An `Event` is `Sync`: share one between threads with `Arc<Event>` (or a
//! plain `&Event` in scoped threads).

use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

// ANCHOR: event
/// A flag that threads can wait for: [`Event::wait`] blocks until another
/// thread calls [`Event::set`]. The flag stays set, and lets every waiter
/// through, until [`Event::clear`].
#[derive(Debug, Default)]
pub struct Event {
    /// The flag: `true` once set, until cleared. Only ever read or written
    /// with the lock held.
    flag: Mutex<bool>,
    /// Where waiters sleep. `set` wakes them all; each then looks at the
    /// flag again, under the lock, before it believes anything.
    changed: Condvar,
}

impl Event {
    /// A new event, not set.
    pub fn new() -> Self {
        Event {
            flag: Mutex::new(false),
            changed: Condvar::new(),
        }
    }
}
// ANCHOR_END: event

impl Event {
    /// Locks the flag.
    ///
    /// A lock is *poisoned* when a thread panicked while holding it: the data
    /// might be half updated. Here no code panics with the lock held, and a
    /// `bool` cannot be half written anyway, so the flag is always valid and
    /// we take it back from the poison error instead of panicking in turn.
    fn flag(&self) -> MutexGuard<'_, bool> {
        self.flag.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

// ANCHOR: set
impl Event {
    /// Sets the flag and wakes every thread waiting in [`Event::wait`] or
    /// [`Event::wait_timeout`]. Waiting after this returns at once, until
    /// [`Event::clear`].
    pub fn set(&self) {
        let mut flag = self.flag();
        *flag = true;
        // All of them, not one: every waiter is waiting for this same flag.
        // (Notifying while holding the lock or just after is both correct;
        // the waiters wake up and then queue for the lock.)
        self.changed.notify_all();
    }

    /// Clears the flag: from now on, waiting blocks again until the next
    /// [`Event::set`].
    pub fn clear(&self) {
        // Nobody waits for the flag to become false: no one to wake.
        *self.flag() = false;
    }

    /// Whether the flag is set, right now (it may change the moment after).
    pub fn is_set(&self) -> bool {
        *self.flag()
    }
}
// ANCHOR_END: set

// ANCHOR: wait
impl Event {
    /// Blocks until the flag is set; returns at once if it already is.
    ///
    /// Never misses a `set` that happens after the call begins (no lost
    /// wake-up), and never returns on a spurious wake-up (虚假唤醒) while the
    /// flag is still clear.
    pub fn wait(&self) {
        let mut flag = self.flag();
        // A loop, not an `if`: a Condvar may wake us for no reason at all
        // (a spurious wake-up), or the flag may have been cleared again
        // between the `set` that woke us and the moment we got the lock.
        while !*flag {
            // Unlocks and sleeps in one step, so a `set` cannot slip in
            // between our look at the flag and our going to sleep; locks
            // again before returning.
            flag = self
                .changed
                .wait(flag)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Blocks until the flag is set or `timeout` has passed, whichever comes
    /// first. Returns whether the flag was set: `true` at once if it already
    /// is, `false` only once at least `timeout` has passed since the call.
    ///
    /// A wake-up that finds the flag still clear (spurious, or after a
    /// `clear`) goes back to sleep for the time that is *left*: it neither
    /// returns early nor starts the whole timeout again. A timeout too long
    /// to represent as an [`Instant`](std::time::Instant) waits as long as
    /// [`Event::wait`].
    pub fn wait_timeout(&self, timeout: Duration) -> bool {
        // One deadline for the whole wait, computed once.
        let Some(deadline) = Instant::now().checked_add(timeout) else {
            self.wait();
            return true;
        };
        let mut flag = self.flag();
        while !*flag {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return false;
            }
            // The Condvar's own "timed out" answer is not what we return:
            // only the flag and the clock decide, in this loop.
            flag = self
                .changed
                .wait_timeout(flag, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        true
    }
}
// ANCHOR_END: wait
