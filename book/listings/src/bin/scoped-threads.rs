//! Scoped threads: threads that may *borrow* from the function that starts
//! them, because `thread::scope` joins them all before it returns. Here four
//! threads each add up a quarter of one vector, without copying it and
//! without `Arc`.
//!
//! Run it with `cargo xtask run scoped-threads`.

use std::thread;

// ANCHOR: all
fn main() {
    let numbers: Vec<u64> = (1..=1_000_000).collect();
    let quarter = numbers.len() / 4;

    let total: u64 = thread::scope(|scope| {
        // Each thread borrows its own slice of `numbers`: no copy, no move.
        let handles: Vec<_> = numbers
            .chunks(quarter)
            .map(|chunk| scope.spawn(move || chunk.iter().sum::<u64>()))
            .collect();
        // Start all four first, then collect: joining right after each
        // spawn would run them one after another.
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a summing thread panicked"))
            .sum()
    }); // every thread of the scope has ended here, so the borrows end too

    println!("the sum of 1..=1000000 is {total}");
    // `numbers` is still ours: the threads only borrowed it.
    println!("and numbers still has {} elements", numbers.len());
}
// ANCHOR_END: all
