//! # Exercise `ticket-counter`: selling from one counter (book: ch2/ticket-counter.md)
//!
//! TODO(author): what this exercise builds, and the idea it teaches, in a
//! few lines; then a list of what the student writes.

// ANCHOR: ticket_counter
/// TODO(author): the contract the tests check: what `ticket_counter` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn ticket_counter(input: &str) -> String {
    // TODO: write `ticket_counter` as its doc comment says.
    todo!(
        "ticket-counter: write `ticket_counter` for {input:?} (book: ch2/ticket-counter.md, \"Your task\")"
    )
}
// ANCHOR_END: ticket_counter
