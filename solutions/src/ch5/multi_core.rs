//! # Exercise `multi-core`: one event loop per core, the reference solution
//!
//! TODO(author): replace the placeholder body below with the working code.
//! Until then every test of `multi-core` fails against the reference, which is
//! how `cargo xtask test` tells you it is not done.

/// TODO(author): the contract the tests check: what `multi_core` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn multi_core(input: &str) -> String {
    panic!(
        "multi-core: the reference is still the placeholder `cargo xtask new` wrote: write solutions/src/ch5/multi_core.rs (input {input:?})"
    )
}
