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
use std::sync::{Barrier, Mutex};
use std::thread;

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

/// What the windows share, all of it behind one lock: the next ticket to
/// sell and the log of sales so far. Whoever holds the lock sees both agree.
struct Office {
    /// The next ticket to sell; `tickets + 1` once all are sold.
    next_ticket: usize,
    /// Every sale so far, in the order they happened.
    sales: Vec<Sale>,
}

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
    assert!(windows > 0, "a ticket office needs at least one window");
    let office = Mutex::new(Office {
        next_ticket: 1,
        sales: Vec::with_capacity(tickets),
    });
    // Each window takes part in every round, sold out or not, so that all of
    // them arrive at the barrier the same number of times: a window that
    // left early would leave the others waiting at it for ever.
    let rounds = tickets.div_ceil(windows);
    let end_of_round = Barrier::new(windows);

    // Scoped threads may borrow `office` and `end_of_round`: the scope does
    // not end before every thread it started has finished.
    thread::scope(|scope| {
        for window in 1..=windows {
            let office = &office;
            let end_of_round = &end_of_round;
            scope.spawn(move || {
                for _ in 0..rounds {
                    sell_one(office, window, tickets);
                    // Nobody starts the next round before everyone has had
                    // a turn in this one: that is what makes shares fair.
                    end_of_round.wait();
                }
            });
        }
    });

    // Every window has finished. A window that panicked would have made
    // `scope` panic already, so the lock cannot be poisoned here.
    office
        .into_inner()
        .expect("no window panicked while holding the lock")
        .sales
}

/// One window's turn: takes the next ticket, if one is left, and logs it.
fn sell_one(office: &Mutex<Office>, window: usize, tickets: usize) {
    // The check ("is a ticket left?"), the act (take it) and the record (log
    // it) happen under one lock: no other window can come in between.
    let mut office = office.lock().expect("no window panics while selling");
    if office.next_ticket <= tickets {
        let ticket = office.next_ticket;
        office.next_ticket += 1;
        office.sales.push(Sale { ticket, window });
    }
    // The guard is dropped here, and the lock with it.
}
// ANCHOR_END: sell
