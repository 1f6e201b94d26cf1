//! The seed's ticket office without a lock, in Rust. It does NOT compile, on
//! purpose: the book shows the error, `output/ticket-race.txt`, captured from
//! `cargo build` by `capture.sh`, and `tests/broken.rs` checks that it still
//! fails with the same error. Not part of any crate.

// ANCHOR: all
use std::thread;

/// One window: sells while there are tickets left.
fn sell(window: &str, next_ticket: &mut usize, tickets: usize) {
    while *next_ticket <= tickets {
        // check: a ticket is left …
        println!("{window} --- T{next_ticket}");
        *next_ticket += 1; // … act: take it
    }
}

fn main() {
    let tickets = 500;
    let mut next_ticket = 1; // shared by every window: the next ticket to sell
    thread::scope(|s| {
        s.spawn(|| sell("W1", &mut next_ticket, tickets));
        s.spawn(|| sell("W2", &mut next_ticket, tickets));
    });
}
// ANCHOR_END: all
