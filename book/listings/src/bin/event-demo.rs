//! The seed's `Event` demonstration (§2.3.4), the password at the mountain
//! gate, done the Rust way: the message and the signal that it has arrived
//! live together, a `Mutex<Option<&str>>` and a `Condvar`. Run it with
//! `cargo xtask run event-demo`.

use std::sync::{Condvar, Mutex};
use std::thread;

// ANCHOR: mailbox
/// One message, and a way to wait for it.
struct Mailbox {
    /// `None` until the message arrives.
    message: Mutex<Option<&'static str>>,
    /// Signalled when `message` changes.
    arrived: Condvar,
}
// ANCHOR_END: mailbox

fn main() {
    let mailbox = Mailbox {
        message: Mutex::new(None),
        arrived: Condvar::new(),
    };
    println!("gate: only the right password lets you in");
    thread::scope(|s| {
        // ANCHOR: send
        s.spawn(|| {
            println!("visitor: Yang Zirong has come to pay his respects");
            let mut message = mailbox.message.lock().expect("nobody panics here");
            *message = Some("天王盖地虎"); // "the heavenly king covers the earth tiger"
            // Wake the waiter. It will look at `message` once we unlock.
            mailbox.arrived.notify_one();
        });
        // ANCHOR_END: send

        // ANCHOR: wait
        let mut message = mailbox.message.lock().expect("nobody panics here");
        // Not `if`: wake-ups can be spurious, so look again every time.
        while message.is_none() {
            // Unlocks, sleeps until notified, locks again: in one step, so
            // the notification cannot slip in between the look and the sleep.
            message = mailbox.arrived.wait(message).expect("nobody panics here");
        }
        // ANCHOR_END: wait
        if *message == Some("天王盖地虎") {
            println!("gate: 宝塔镇河妖 (\"the pagoda subdues the river demon\")");
            println!("gate: right password: you are one of us");
        } else {
            println!("gate: wrong password!");
        }
    });
}
