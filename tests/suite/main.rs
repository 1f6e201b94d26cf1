//! The one suite. It runs against `netkit_tests::kit`: the student's
//! `exercises` by default, the reference `solutions` with `--features solutions`.
//!
//! A test's path names its exercise: `ch1::udp_dict::…` belongs to the
//! exercise `udp-dict` of chapter 1. `cargo xtask test` checks that every test
//! belongs to an exercise in kit.toml, and that every one fails against the stubs.

mod ch1;
mod ch2;
mod ch3;
mod ch4;
mod ch5;
