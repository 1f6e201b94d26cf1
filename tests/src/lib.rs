//! # netkit-tests: the one suite's harness, and the runner
//!
//! The suite (`tests/suite/`) and the runner binary (`src/bin/netkit.rs`) both
//! speak to the implementation under test through one name, [`kit`]: the
//! student's `exercises` crate by default, the reference `solutions` crate with
//! the feature `solutions`. Nothing here names either crate directly, so one
//! suite grades both.
//!
//! ## Layout
//!
//! - [`kit`]: the implementation under test.
//! - [`harness`]: what every test uses: bounded waits that fail fast when the
//!   code under test panics, peers that talk to servers over loopback, child
//!   processes killed with their whole group, a watchdog, teaching failure
//!   messages.
//! - [`programs`]: the runner's programs (`netkit udp-dict-server …`): argument
//!   parsing and prompts live here, never in an exercise.
//! - [`probes`]: code that forks, run by the suite in a fresh single-threaded
//!   process (`netkit probe …`), never inside the multi-threaded test process.
//! - `rules` (unit tests only): the kit's repository rules, such as "every
//!   assertion in the suite has a message".

#[cfg(not(feature = "solutions"))]
pub use exercises as kit;
#[cfg(feature = "solutions")]
pub use solutions as kit;

pub mod harness;
pub mod probes;
pub mod programs;
#[cfg(test)]
mod rules;

/// Which implementation this build tests: `"exercises"` or `"solutions"`.
pub const KIT_NAME: &str = if cfg!(feature = "solutions") {
    "solutions"
} else {
    "exercises"
};
