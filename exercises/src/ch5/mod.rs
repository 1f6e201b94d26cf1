//! Chapter 5: high concurrency.
//!
//! - [`c10k`]: ten thousand connections.
//! - [`load_balance`]: several servers behind nginx.
//! - [`load_gen`]: an honest load generator.
//! - [`mixed_model`]: processes, each with an event loop.
//! - [`multi_core`]: one event loop per core.

pub mod c10k;
pub mod load_balance;
pub mod load_gen;
pub mod mixed_model;
pub mod multi_core;
