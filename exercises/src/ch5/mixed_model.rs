//! # Exercise `mixed-model`: processes, each with an event loop (book: ch5/mixed-model.md)
//!
//! TODO(author): what this exercise builds, and the idea it teaches, in a
//! few lines; then a list of what the student writes.

// ANCHOR: mixed_model
/// TODO(author): the contract the tests check: what `mixed_model` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn mixed_model(input: &str) -> String {
    // TODO: write `mixed_model` as its doc comment says.
    todo!(
        "mixed-model: write `mixed_model` for {input:?} (book: ch5/mixed-model.md, \"Your task\")"
    )
}
// ANCHOR_END: mixed_model
