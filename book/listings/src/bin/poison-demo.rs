//! A poisoned lock (中毒的锁): a thread panics while it holds a lock, and the
//! next `lock()` says so. Run it with `cargo xtask run poison-demo`.

use std::sync::Mutex;
use std::thread;

// ANCHOR: poison
fn main() {
    let balance = Mutex::new(100);
    thread::scope(|s| {
        let transfer = s.spawn(|| {
            let mut balance = balance.lock().expect("not poisoned yet");
            *balance -= 30; // half of a transfer …
            panic!("the other account is gone"); // … and the other half never happens
        });
        assert!(transfer.join().is_err(), "the transfer panicked");
    });

    match balance.lock() {
        Ok(balance) => println!("balance: {}", *balance),
        Err(poisoned) => {
            // The data is still there: `into_inner` hands over the guard,
            // and it is up to us to decide whether the value can be trusted.
            let balance = poisoned.into_inner();
            println!("the lock is poisoned: a thread panicked while holding it");
            println!("the balance it left behind: {} (half a transfer)", *balance);
        }
    }
}
// ANCHOR_END: poison
