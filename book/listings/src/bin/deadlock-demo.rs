//! The seed's deadlock (死锁, §2.3.5), for real: Tom sends Abby 2000 while
//! Abby sends Tom 3000. Each transfer locks its source account, then its
//! destination; each thread ends up holding one lock and waiting for the
//! other's, for ever. A watching thread finds the cycle with parking_lot's
//! deadlock detector, prints it, and ends the process with status 1.
//!
//! Run it with `cargo xtask run deadlock-demo`.

use parking_lot::Mutex;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

// ANCHOR: account
/// An account with its own lock, as in the seed's `Account` class.
struct Account {
    name: &'static str,
    balance: Mutex<i64>,
}
// ANCHOR_END: account

// ANCHOR: transfer
/// The naive transfer: lock the source, then the destination, move the money.
fn transfer(from: &Account, to: &Account, amount: i64, both_hold_one: &Barrier) {
    let mut source = from.balance.lock();
    let me = thread::current();
    let me = format!("{} ({:?})", me.name().unwrap_or("?"), me.id());
    println!("{me}: holds {}'s lock, wants {}'s", from.name, to.name);
    // The seed sleeps 0.1 s here ("network delay") so that the other thread
    // takes its first lock meanwhile; a barrier makes that certain.
    both_hold_one.wait();
    let mut destination = to.balance.lock(); // waits for ever
    *source -= amount;
    *destination += amount;
    println!("{me}: done"); // never printed
}
// ANCHOR_END: transfer

// ANCHOR: detector
/// Starts a thread that looks for deadlocks every 100 ms. On finding one, it
/// prints each cycle (which threads, blocked where in this file) and ends the
/// whole process with status 1: the deadlocked threads never would.
fn watch_for_deadlocks() {
    thread::spawn(|| {
        loop {
            thread::sleep(Duration::from_millis(100));
            let cycles = parking_lot::deadlock::check_deadlock();
            if cycles.is_empty() {
                continue;
            }
            for cycle in &cycles {
                println!(
                    "deadlock detected: {} threads, each waiting for a lock another one holds",
                    cycle.len()
                );
                for blocked in cycle {
                    println!("  {:?} is blocked at:", blocked.thread_id());
                    // Its stack, keeping only the frames in this file.
                    for frame in blocked.backtrace().frames() {
                        for symbol in frame.symbols() {
                            let (Some(name), Some(file), Some(line)) =
                                (symbol.name(), symbol.filename(), symbol.lineno())
                            else {
                                continue;
                            };
                            if file.ends_with("deadlock-demo.rs") {
                                println!("    {name:#}, line {line}"); // {:#}: no hash
                            }
                        }
                    }
                }
            }
            std::process::exit(1);
        }
    });
}
// ANCHOR_END: detector

// ANCHOR: main
fn main() {
    watch_for_deadlocks();
    let tom = Arc::new(Account {
        name: "Tom",
        balance: Mutex::new(5000),
    });
    let abby = Arc::new(Account {
        name: "Abby",
        balance: Mutex::new(8000),
    });
    let both_hold_one = Arc::new(Barrier::new(2));

    let t1 = {
        let (tom, abby, barrier) = (tom.clone(), abby.clone(), both_hold_one.clone());
        thread::Builder::new()
            .name("tom->abby".into())
            .spawn(move || transfer(&tom, &abby, 2000, &barrier))
            .expect("a thread starts")
    };
    let t2 = {
        let (tom, abby, barrier) = (tom.clone(), abby.clone(), both_hold_one.clone());
        thread::Builder::new()
            .name("abby->tom".into())
            .spawn(move || transfer(&abby, &tom, 3000, &barrier))
            .expect("a thread starts")
    };
    t1.join().expect("no panic");
    t2.join().expect("no panic");
    println!("Tom: {}, Abby: {}", tom.balance.lock(), abby.balance.lock()); // never printed
}
// ANCHOR_END: main
