//! Chapter 5: high concurrency.
//!
//! - [`c10k`]: ten thousand connections.
//! - [`load_gen`]: an honest load generator.
//! - [`mixed_model`]: processes, each with an event loop.

pub mod c10k;
pub mod load_gen;
pub mod mixed_model;
