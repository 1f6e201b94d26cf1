//! # Exercise `ticket-counter`: selling from one counter (book: ch2/ticket-counter.md)
//!
//! A few windows, one thread each, sell tickets from one stock kept in a
//! `Mutex`. Each sale is a critical section (临界区): lock, check that a
//! ticket is left, take it, unlock. This is the first half of the next
//! exercise, `ticket-office`, without its log and its rounds.
//!
//! - [`Stock`]: what a window can do with the stock (given).
//! - [`Roll`]: a roll of tickets numbered from 1 (given).
//! - [`sell_all`]: run the windows until the stock is empty; each window's sales.

use std::sync::Mutex;

// ANCHOR: stock
/// A stock of tickets, as the windows see it. It is not shared by itself:
/// the windows reach it only through one `Mutex<impl Stock>`.
pub trait Stock: Send {
    /// How many tickets are left.
    fn left(&self) -> usize;
    /// Takes the next ticket and returns its number. Panics when no ticket
    /// is left, as the seed's `ticket.pop(0)` raises on an empty list: check
    /// [`Stock::left`] first, under the same lock.
    fn take(&mut self) -> usize;
}

/// A roll of tickets `1..=tickets`, taken in order (given).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roll {
    next: usize,
    last: usize,
}

impl Roll {
    /// A roll of tickets numbered `1` to `tickets`.
    pub fn new(tickets: usize) -> Roll {
        Roll {
            next: 1,
            last: tickets,
        }
    }
}

impl Stock for Roll {
    fn left(&self) -> usize {
        self.last + 1 - self.next
    }

    fn take(&mut self) -> usize {
        assert!(
            self.left() > 0,
            "take() on an empty roll: check left() first"
        );
        self.next += 1;
        self.next - 1
    }
}
// ANCHOR_END: stock

// ANCHOR: sell_all
/// Sells every ticket of `stock` from `windows` windows, each a thread of
/// its own (in `thread::scope`), and returns each window's sales: entry `w`
/// holds the tickets window `w` sold (from 0), in the order it sold them.
///
/// - Each sale is one critical section: lock, check `left()`, `take()`,
///   unlock. A window holds the lock from its check to its take (so no other
///   window sells in between), and lets go of it after each sale (so the
///   other windows can sell too).
/// - A window stops when it finds the stock empty. Every ticket is sold
///   exactly once, and none after the stock is gone.
///
/// Panics if `windows` is 0: nobody could sell anything.
pub fn sell_all<S: Stock>(stock: &Mutex<S>, windows: usize) -> Vec<Vec<usize>> {
    // TODO: refuse 0 windows (assert!, "at least one window"). In
    // std::thread::scope, spawn every window first, each looping: lock, if
    // left() is 0 stop, else take() and keep the number; one guard per sale.
    // Then join them in order: the Vec of their sales is the answer.
    let _ = stock;
    todo!(
        "sell_all with windows = {windows}: sell until the stock is empty (book: ch2/ticket-counter.md, \"Your task\")"
    )
}
// ANCHOR_END: sell_all
