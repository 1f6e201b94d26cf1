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
    // TODO: start two scoped threads, one per closure. Pass the turn back and
    // forth (a token over two channels, or a Mutex and a Condvar): a thread
    // calls its closure only while it has the turn. What happens to the
    // other thread when one of them panics?
    let _ = (first, second);
    todo!(
        "call two closures in turn, {rounds} rounds each, on two threads (book: ch2/alternate.md)"
    )
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
    // TODO: call take_turns with LETTERS.len() rounds; both closures push
    // their items to one list that they share (behind a Mutex).
    todo!("print 1 2 A … 51 52 Z from two threads taking turns (book: ch2/alternate.md)")
}
// ANCHOR_END: alternate
