//! The seed's second thread example (§2.3.2, 线程示例02): threads created in
//! a loop, each given its own arguments. A closure with `move` takes the
//! values it uses into the new thread; `Builder` gives the thread a name.
//!
//! Run it with `cargo xtask run thread-args`.

use std::thread;
use std::time::Duration;

// ANCHOR: worker
/// The seed's `func(sec, name)`: a thread function with arguments.
fn func(pause: Duration, name: &str) {
    let me = thread::current();
    println!("{name} started: thread {:?} named {:?}", me.id(), me.name());
    thread::sleep(pause);
    println!("{name} done");
}
// ANCHOR_END: worker

fn main() {
    // ANCHOR: spawn
    let mut handles = Vec::new();
    for i in 0..5 {
        let name = format!("T-{i}");
        let pause = Duration::from_millis(100 * (5 - i));
        // `move`: the closure owns `name` and `pause`, so the thread can
        // keep using them after this loop iteration has ended.
        let handle = thread::Builder::new()
            .name(name.clone())
            .spawn(move || func(pause, &name))
            .expect("the OS refused to start a thread");
        handles.push(handle);
    }
    // Join every one: main waits until all five are done.
    for handle in handles {
        handle.join().expect("a thread panicked");
    }
    println!("all 5 threads are done");
    // ANCHOR_END: spawn
}
