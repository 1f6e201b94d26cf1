//! The seed's lock demonstration (§2.3.4): one thread keeps adding 1 to `a`
//! and to `b`, another keeps checking that `a == b`. Run it with
//! `cargo xtask run lock-demo`.
//!
//! First without a lock: `a` and `b` are atomics, so each read and each write
//! is safe on its own, but the pair is not; the checker can look between the
//! two increments. Then with a `Mutex` around the pair: the checker never
//! sees them differ. The first count differs from run to run (and can be 0
//! on a machine with one core); the second is always 0.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

/// How many times the writer adds 1 to both.
const ROUNDS: u64 = 1_000_000;

fn main() {
    let (looks, differed) = without_a_lock();
    println!("without a lock: the checker looked {looks} times and saw a != b {differed} times");
    let (looks, differed) = with_a_mutex();
    println!("with a Mutex:   the checker looked {looks} times and saw a != b {differed} times");
}

// ANCHOR: without
/// `a` and `b` are each safe to share, but nothing keeps them in step.
fn without_a_lock() -> (u64, u64) {
    let a = AtomicU64::new(0);
    let b = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let checker = s.spawn(|| {
            let (mut looks, mut differed) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                // Reads `a`, then `b`: the writer may run in between.
                if a.load(Ordering::Relaxed) != b.load(Ordering::Relaxed) {
                    differed += 1;
                }
                looks += 1;
            }
            (looks, differed)
        });
        for _ in 0..ROUNDS {
            a.fetch_add(1, Ordering::Relaxed);
            b.fetch_add(1, Ordering::Relaxed);
        }
        done.store(true, Ordering::Relaxed);
        checker.join().expect("the checker does not panic")
    })
}
// ANCHOR_END: without

// ANCHOR: with
/// The pair lives *inside* the lock: there is no way to reach `a` or `b`
/// except through a guard, so nobody can see one updated and not the other.
struct Pair {
    a: u64,
    b: u64,
}

fn with_a_mutex() -> (u64, u64) {
    let pair = Mutex::new(Pair { a: 0, b: 0 });
    let done = AtomicBool::new(false);
    thread::scope(|s| {
        let checker = s.spawn(|| {
            let (mut looks, mut differed) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                let pair = pair.lock().expect("the writer does not panic");
                if pair.a != pair.b {
                    differed += 1;
                }
                looks += 1;
                // `pair`, the guard, is dropped here: that unlocks.
            }
            (looks, differed)
        });
        for _ in 0..ROUNDS {
            let mut pair = pair.lock().expect("the checker does not panic");
            pair.a += 1;
            pair.b += 1;
        }
        done.store(true, Ordering::Relaxed);
        checker.join().expect("the checker does not panic")
    })
}
// ANCHOR_END: with
