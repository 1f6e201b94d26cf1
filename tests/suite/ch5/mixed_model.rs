//! Tests of the exercise `mixed-model` (book: ch5/mixed-model.md).
//!
//! TODO(author): no test yet: `cargo xtask test` says so until there is one.
//! Write one `#[test]` per behaviour of the contract, named for what it
//! checks (its path, `ch5::mixed_model::…`, says which exercise it belongs
//! to). Each must fail against the stub at once (on its `todo!()`) and
//! pass against the reference: `cargo xtask check mixed-model` and
//! `cargo xtask check mixed-model --solutions`. Fail with a `harness::Report`
//! (what was sent, expected, what came back, the likely cause), never a
//! bare `assert!`; no sleeps (wait on the code under test, bounded);
//! sockets on `127.0.0.1:0`, files in `tempfile` folders.
//!
//! The code under test forks, so it never runs inside this (multi-threaded)
//! test process: call it through the probe `mixed_model::mixed_model`
//! (tests/src/probes/mixed_model.rs), with
//! `netkit_tests::harness::probe("mixed_model::mixed_model", &["…"])`, and check the
//! lines it prints (`answer …`, `children 0`).
