//! The seed's first thread example (§2.3.2, 线程示例01): a thread plays one
//! song while the main thread plays another. Both are in one process (the
//! same pid), and both see the same memory: the thread changes `A`, and the
//! main thread sees the change once it has joined the thread.
//!
//! Run it with `cargo xtask run thread-basics`. The pauses imitate work (the
//! seed's `sleep`); they are not how threads wait for each other (`join` is).

use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::Duration;

// ANCHOR: all
/// A global that both threads see: the seed's `a`. An atomic, because two
/// threads may touch it at once; a plain `static mut` would not compile
/// without `unsafe`.
static A: AtomicU32 = AtomicU32::new(1);

/// What the new thread runs: the seed's `music()`.
fn music() {
    println!("music: a = {}", A.load(Ordering::SeqCst));
    A.store(10_000, Ordering::SeqCst);
    for _ in 0..3 {
        thread::sleep(Duration::from_millis(200));
        println!("{} playing: the Yellow River Cantata", std::process::id());
    }
}

fn main() {
    // Start the thread: from here on, two threads run this program at once.
    let player = thread::spawn(music);

    for _ in 0..4 {
        thread::sleep(Duration::from_millis(100));
        println!("{} playing: the Calabash Brothers", std::process::id());
    }

    // Wait for the thread to end (the seed's `thread.join()`). `join`
    // returns Err if the thread panicked.
    player.join().expect("the music thread panicked");
    println!("main: a = {}", A.load(Ordering::SeqCst));
}
// ANCHOR_END: all
