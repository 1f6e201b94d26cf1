//! # Exercise `multi-core`: one event loop per core (book: ch5/multi-core.md)
//!
//! TODO(author): what this exercise builds, and the idea it teaches, in a
//! few lines; then a list of what the student writes.

// ANCHOR: multi_core
/// TODO(author): the contract the tests check: what `multi_core` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn multi_core(input: &str) -> String {
    // TODO: write `multi_core` as its doc comment says.
    todo!("multi-core: write `multi_core` for {input:?} (book: ch5/multi-core.md, \"Your task\")")
}
// ANCHOR_END: multi_core
