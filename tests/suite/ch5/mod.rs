//! Chapter 5: high concurrency.

mod c10k;
mod load_balance;
mod load_gen;
mod mixed_model;
mod multi_core;
