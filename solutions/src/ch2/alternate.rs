//! # Exercise `alternate`: taking turns (book: ch2/alternate.md)
//!
//! The seed's classroom exercise (随堂练习): one thread prints the numbers 1 to
//! 52, another the letters A to Z, and together they print
//! `1 2 A 3 4 B … 51 52 Z`: two numbers, a letter, two numbers, a letter.
//! Two threads that must take turns need *synchronisation* (同步): each one
//! waits for the other to hand it the turn.
//!
//! - [`take_turns`]: two closures, each on a thread of its own, called in
//!   strict alternation.
//! - [`alternate`]: the seed's exercise, built on it.

use std::sync::{Mutex, PoisonError, mpsc};
use std::thread;

// ANCHOR: take_turns
/// Runs `first` on one new thread and `second` on another, and calls them in
/// strict alternation, `rounds` times each:
/// `first(0)`, `second(0)`, `first(1)`, `second(1)`, …,
/// `first(rounds - 1)`, `second(rounds - 1)`. Each call begins only after the
/// one before it has returned. Returns when both threads have finished.
///
/// `first` always runs on the same thread, `second` always on the same other
/// thread, and neither on the caller's thread.
///
/// If either closure panics, the other is not called again (its turn never
/// comes), both threads stop, and `take_turns` panics: it never hangs.
pub fn take_turns<F, S>(rounds: usize, first: F, second: S)
where
    F: FnMut(usize) + Send,
    S: FnMut(usize) + Send,
{
    // The turn is a token passed back and forth over two channels: a thread
    // may call its closure only while it holds the token. A channel is both
    // the message and the wake-up, and it cannot lose either.
    let (to_first, first_turn) = mpsc::channel::<()>();
    let (to_second, second_turn) = mpsc::channel::<()>();
    // `first` goes first. The token waits in the channel until it is taken.
    to_first
        .send(())
        .expect("the receiving end is still here, in this function");

    thread::scope(|scope| {
        scope.spawn(move || play(rounds, first, first_turn, to_second));
        scope.spawn(move || play(rounds, second, second_turn, to_first));
        // Leaving the scope joins both threads, and panics if either did.
    });
}

/// One side of [`take_turns`]: wait for the turn, play it, hand it over.
fn play(
    rounds: usize,
    mut action: impl FnMut(usize),
    my_turn: mpsc::Receiver<()>,
    their_turn: mpsc::Sender<()>,
) {
    for round in 0..rounds {
        // `recv` fails only when the other side's sender is gone: it has
        // stopped (finished, or panicked and unwound), so no turn will ever
        // come. Stop too, rather than wait for ever.
        if my_turn.recv().is_err() {
            return;
        }
        action(round);
        // After its last round the other side has stopped listening: the
        // send fails, and that is fine.
        let _ = their_turn.send(());
    }
    // If `action` panics, the unwinding drops `their_turn`, which is how the
    // other side learns that its turn will never come.
}
// ANCHOR_END: take_turns

// ANCHOR: alternate
/// The letters, one per round of [`alternate`].
pub const LETTERS: &str = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

/// The seed's exercise: one thread prints the numbers 1 to 52, two per turn,
/// another the letters A to Z, one per turn, through [`take_turns`]. Returns
/// what they printed, one item per element, in order:
/// `["1", "2", "A", "3", "4", "B", …, "51", "52", "Z"]` (78 items).
pub fn alternate() -> Vec<String> {
    // Both threads write to the same list, so it is behind a lock; the turns
    // decide the order, the lock only makes each push safe.
    let printed = Mutex::new(Vec::with_capacity(3 * LETTERS.len()));
    let print = |item: String| {
        printed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(item);
    };
    take_turns(
        LETTERS.len(),
        |round| {
            print((2 * round + 1).to_string());
            print((2 * round + 2).to_string());
        },
        |round| print(LETTERS[round..=round].to_string()),
    );
    printed.into_inner().unwrap_or_else(PoisonError::into_inner)
}
// ANCHOR_END: alternate
