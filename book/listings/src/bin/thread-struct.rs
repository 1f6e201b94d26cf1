//! The seed's custom thread class (§2.3.3, 创建线程类): a `Thread` subclass
//! whose `run` method is what the thread does, started with `start()`.
//! Rust has no classes to inherit from; a trait with a provided `start`
//! method does the same job: implement `run`, and `start` comes for free.
//!
//! Run it with `cargo xtask run thread-struct`.

use std::thread::{self, JoinHandle};
use std::time::Duration;

// ANCHOR: runnable
/// Something that can run on a thread of its own: the seed's `Thread` base
/// class. Implement `run`; call `start`.
trait Runnable: Send + 'static {
    /// What the thread does (the seed's overridden `run`).
    fn run(self);

    /// Starts a thread that calls `run`, and returns its handle to `join`.
    /// The value moves into the new thread: `self`, not `&self`.
    fn start(self) -> JoinHandle<()>
    where
        Self: Sized,
    {
        thread::spawn(move || self.run())
    }
}
// ANCHOR_END: runnable

// ANCHOR: player
/// The seed's `MyThread`: plays a song a few times.
struct Player {
    song: String,
    times: u32,
}

impl Runnable for Player {
    fn run(self) {
        for _ in 0..self.times {
            thread::sleep(Duration::from_millis(100));
            println!("playing: {}", self.song);
        }
    }
}

fn main() {
    let player = Player {
        song: "凉凉".to_string(),
        times: 3,
    };
    let handle = player.start(); // runs `run` on a new thread
    println!("started; main goes on meanwhile");
    handle.join().expect("the player panicked");
    println!("the player is done");
}
// ANCHOR_END: player
