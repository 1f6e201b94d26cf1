//! The seed's two-lock answer to the "1 2 A" exercise, in Rust: one thread
//! takes a lock, and the *other* thread is meant to release it. It does NOT
//! compile, on purpose: a `MutexGuard` cannot move to another thread. The book
//! shows the error, `output/guard-to-another-thread.txt`, captured from `cargo
//! build` by `capture.sh`; `tests/broken.rs` checks that it still fails with
//! the same error. Not part of any crate.

// ANCHOR: all
use std::sync::{Mutex, mpsc};
use std::thread;

fn main() {
    let letters_may_print = Mutex::new(());
    let lock = &letters_may_print;
    let (pass_guard, receive_guard) = mpsc::channel();
    thread::scope(|s| {
        // The numbers' thread locks, prints, and hands the locked lock over,
        // like the seed's `lock2.release()` called from the other thread.
        s.spawn(move || {
            let guard = lock.lock().unwrap();
            println!("1 2");
            pass_guard.send(guard).unwrap();
        });
        // The letters' thread would unlock it by dropping the guard.
        s.spawn(move || {
            let guard = receive_guard.recv().unwrap();
            println!("A");
            drop(guard);
        });
    });
}
// ANCHOR_END: all
