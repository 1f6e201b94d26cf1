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

use std::sync::{Condvar, Mutex};
use std::time::Duration;

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

// ANCHOR: set
impl Event {
    /// Sets the flag and wakes every thread waiting in [`Event::wait`] or
    /// [`Event::wait_timeout`]. Waiting after this returns at once, until
    /// [`Event::clear`].
    pub fn set(&self) {
        // TODO: set the flag with the lock held, then wake the waiters:
        // which of them?
        let _ = (&self.flag, &self.changed);
        todo!("set the event's flag and wake its waiters (book: ch2/event.md)")
    }

    /// Clears the flag: from now on, waiting blocks again until the next
    /// [`Event::set`].
    pub fn clear(&self) {
        // TODO: clear the flag with the lock held. Is anyone waiting for that?
        todo!("clear the event's flag (book: ch2/event.md)")
    }

    /// Whether the flag is set, right now (it may change the moment after).
    pub fn is_set(&self) -> bool {
        // TODO: read the flag with the lock held.
        todo!("tell whether the event's flag is set (book: ch2/event.md)")
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
        // TODO: lock the flag; while it is clear, wait on the Condvar (which
        // unlocks while it sleeps, and locks again before it returns).
        todo!("wait until the event is set (book: ch2/event.md)")
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
        // TODO: work out the deadline once (Instant::checked_add), then loop
        // as in `wait`, sleeping with Condvar::wait_timeout for the time left.
        todo!("wait at most {timeout:?} for the event to be set (book: ch2/event.md)")
    }
}
// ANCHOR_END: wait
