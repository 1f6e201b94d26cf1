//! Daemon threads (守护线程): the seed starts threads with `daemon=True`, which
//! Python kills when the main thread ends. In Rust every thread is like that:
//! when `main` returns, the process exits, and threads still running are
//! stopped wherever they are. There is nothing like Python's non-daemon
//! threads, which the interpreter waits for: to wait, `join`.
//!
//! Run it with `cargo xtask run daemon-threads`: the threads' lines never
//! appear.

use std::thread;
use std::time::Duration;

// ANCHOR: all
fn main() {
    for i in 0..5 {
        // The handle is dropped at once: the thread is *detached*. It runs
        // on, but nobody will wait for it.
        thread::spawn(move || {
            println!("T-{i} started"); // may or may not appear
            thread::sleep(Duration::from_secs(3));
            println!("T-{i} done"); // never appears: main is long gone
        });
    }
    println!("main: returning without joining");
    // Returning from main ends the process, and every thread with it.
}
// ANCHOR_END: all
