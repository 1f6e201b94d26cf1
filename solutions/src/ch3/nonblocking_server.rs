//! # Exercise `nonblocking-server`: many clients, non-blocking, without select, the reference solution
//!
//! TODO(author): replace the placeholder body below with the working code.
//! Until then every test of `nonblocking-server` fails against the reference, which is
//! how `cargo xtask test` tells you it is not done.

/// TODO(author): the contract the tests check: what `nonblocking_server` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn nonblocking_server(input: &str) -> String {
    panic!(
        "nonblocking-server: the reference is still the placeholder `cargo xtask new` wrote: write solutions/src/ch3/nonblocking_server.rs (input {input:?})"
    )
}
