//! Tests of the exercise `multi-core` (book: ch5/multi-core.md).
//!
//! TODO(author): no test yet: `cargo xtask test` says so until there is one.
//! Write one `#[test]` per behaviour of the contract, named for what it
//! checks (its path, `ch5::multi_core::…`, says which exercise it belongs
//! to). Each must fail against the stub at once (on its `todo!()`) and
//! pass against the reference: `cargo xtask check multi-core` and
//! `cargo xtask check multi-core --solutions`. Fail with a `harness::Report`
//! (what was sent, expected, what came back, the likely cause), never a
//! bare `assert!`; no sleeps (wait on the code under test, bounded);
//! sockets on `127.0.0.1:0`, files in `tempfile` folders.
//!
//! Call the code under test as `netkit_tests::kit::ch5::multi_core::multi_core`
//! (never `exercises` or `solutions` by name: one suite grades both); a
//! server runs in a `harness::ServerThread`, a program in a
//! `harness::Program`, and the test plays the other side with the
//! harness's peers.
