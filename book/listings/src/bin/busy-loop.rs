//! What waiting costs, measured. Three loops wait 300 ms each for a client
//! that never comes: one asks a non-blocking listener again and again (a
//! busy loop), one sleeps 20 ms between its questions, one lets `accept`
//! block with a timeout. Each prints how often it asked and how much CPU
//! time its thread used. Run it with `cargo xtask run busy-loop`.

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;
use std::io::{self, ErrorKind};
use std::net::TcpListener;
use std::thread;
use std::time::{Duration, Instant};

/// How long each loop waits for nobody.
const WAIT: Duration = Duration::from_millis(300);

// ANCHOR: cpu
/// The CPU time this thread has used so far, in user and kernel mode:
/// `getrusage(RUSAGE_THREAD)`. Time asleep is not counted.
fn cpu_time() -> io::Result<Duration> {
    let usage = getrusage(UsageWho::RUSAGE_THREAD)?;
    Ok(duration(usage.user_time()) + duration(usage.system_time()))
}
// ANCHOR_END: cpu

fn duration(time: TimeVal) -> Duration {
    Duration::new(time.tv_sec() as u64, time.tv_usec() as u32 * 1000)
}

// ANCHOR: loops
/// Asks `listener` for a connection until `WAIT` is over, pausing with
/// `pause` after each `WouldBlock`; returns how many times it asked.
fn wait_for_nobody(listener: &TcpListener, pause: impl Fn()) -> io::Result<u64> {
    let start = Instant::now();
    let mut calls = 0;
    while start.elapsed() < WAIT {
        calls += 1;
        match listener.accept() {
            Ok(_) => unreachable!("nobody connects to this listener"),
            Err(err) if err.kind() == ErrorKind::WouldBlock => pause(),
            Err(err) => return Err(err),
        }
    }
    Ok(calls)
}

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.set_nonblocking(true)?;
    measure("busy loop (no pause)", || wait_for_nobody(&listener, || {}))?;
    measure("sleep 20 ms per pass", || {
        wait_for_nobody(&listener, || thread::sleep(Duration::from_millis(20)))
    })?;
    // A blocking accept that gives up after 100 ms (SO_RCVTIMEO).
    listener.set_nonblocking(false)?;
    socket2::SockRef::from(&listener).set_read_timeout(Some(Duration::from_millis(100)))?;
    measure("accept with a timeout", || {
        wait_for_nobody(&listener, || {})
    })?;
    Ok(())
}
// ANCHOR_END: loops

/// Runs `wait` and prints its calls, its CPU time and its wall-clock time.
fn measure(name: &str, wait: impl FnOnce() -> io::Result<u64>) -> io::Result<()> {
    let cpu_before = cpu_time()?;
    let start = Instant::now();
    let calls = wait()?;
    let wall = start.elapsed();
    let cpu = cpu_time()? - cpu_before;
    println!(
        "{name:<22} {calls:>9} accept calls, {:>3} ms of CPU in {} ms",
        cpu.as_millis(),
        wall.as_millis()
    );
    Ok(())
}
