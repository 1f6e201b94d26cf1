//! # Exercise `ticket-office`: the ticket office (book: ch2/ticket-office.md)
//!
//! The seed's classroom exercise (随堂练习): 500 tickets, `T1` … `T500`, sold by
//! 10 windows, `W1` … `W10`, one thread per window, until all are sold. Every
//! window takes tickets from one shared counter, so taking a ticket is a
//! critical section (临界区): check that one is left, take it, and write down
//! the sale, all under one lock.
//!
//! - [`Sale`]: one line of the office's log (given).
//! - [`sell`]: run the windows and return the log.

use std::fmt;

// ANCHOR: sale
/// One sale: `window` sold `ticket`. Both count from 1, as the seed's
/// `W1`/`T1` do; it displays as the seed prints it, `W3 --- T42`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sale {
    /// The ticket's number, `1..=tickets`.
    pub ticket: usize,
    /// The window that sold it, `1..=windows`.
    pub window: usize,
}

impl fmt::Display for Sale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "W{} --- T{}", self.window, self.ticket)
    }
}
// ANCHOR_END: sale

// ANCHOR: sell
/// Sells tickets `1..=tickets` from `windows` windows, each window a thread
/// of its own, and returns the log: every sale in the order it happened.
///
/// - Every ticket is sold exactly once, and all are sold: the log has
///   `tickets` sales, and since tickets go out in order, sale `i` (from 0)
///   is ticket `i + 1`.
/// - Fair shares: the windows sell in rounds, one ticket per window per
///   round, so each window sells `tickets / windows` tickets, rounded down or
///   up. With at least as many tickets as windows, every window sells. With
///   more windows than tickets, `tickets` windows sell one each and the
///   others none; which ones is up to the scheduler.
/// - Which window sells which ticket within a round is up to the scheduler,
///   and differs from run to run.
///
/// Panics if `windows` is 0: nobody could sell anything.
pub fn sell(tickets: usize, windows: usize) -> Vec<Sale> {
    // TODO: refuse 0 windows. Put what the windows share (the next ticket
    // and the log) in one Mutex, start one scoped thread per window, and
    // make the windows sell in rounds (a Barrier) so that shares are fair.
    todo!("sell {tickets} tickets from {windows} windows, fairly (book: ch2/ticket-office.md)")
}
// ANCHOR_END: sell
