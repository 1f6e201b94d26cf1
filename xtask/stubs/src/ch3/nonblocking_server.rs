//! # Exercise `nonblocking-server`: many clients, non-blocking, without select (book: ch3/nonblocking-server.md)
//!
//! TODO(author): what this exercise builds, and the idea it teaches, in a
//! few lines; then a list of what the student writes.

// ANCHOR: nonblocking_server
/// TODO(author): the contract the tests check: what `nonblocking_server` takes, what it
/// returns, and each error it can give. (The placeholder signature below
/// takes a text and returns one: make it the exercise's.)
pub fn nonblocking_server(input: &str) -> String {
    // TODO: write `nonblocking_server` as its doc comment says.
    todo!(
        "nonblocking-server: write `nonblocking_server` for {input:?} (book: ch3/nonblocking-server.md, \"Your task\")"
    )
}
// ANCHOR_END: nonblocking_server
