//! # Exercise `mixed-model`: processes, each with an event loop, the reference solution
//!
//! TODO(author): replace the placeholder body below with the working code.
//! Until then every test of `mixed-model` fails against the reference, which is
//! how `cargo xtask test` tells you it is not done.

/// TODO(author): the contract the tests check: what `mixed_model` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn mixed_model(input: &str) -> String {
    panic!(
        "mixed-model: the reference is still the placeholder `cargo xtask new` wrote: write solutions/src/ch5/mixed_model.rs (input {input:?})"
    )
}
