//! What waiting costs, measured. Three loops wait 300 ms each for a client
//! that never comes: one asks a non-blocking listener again and again (a
//! busy loop), one sleeps 20 ms between its questions, one lets `accept`
//! block with a timeout. Each prints how often it asked and how much CPU
//! time its thread used. Then a client connects to each, at ten moments,
//! and the program prints how long the client waited to be accepted. Run it
//! with `cargo xtask run busy-loop`.

use nix::sys::resource::{UsageWho, getrusage};
use nix::sys::time::TimeVal;
use std::io::{self, ErrorKind};
use std::net::{TcpListener, TcpStream};
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
fn wait_for_nobody(listener: &TcpListener, pause: fn()) -> io::Result<u64> {
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

/// One way to wait: a non-blocking listener and a pause after each
/// `WouldBlock`, or a blocking one whose `accept` times out.
struct Style {
    name: &'static str,
    nonblocking: bool,
    pause: fn(),
}

const STYLES: [Style; 3] = [
    Style {
        name: "busy loop (no pause)",
        nonblocking: true,
        pause: || {},
    },
    Style {
        name: "sleep 20 ms per pass",
        nonblocking: true,
        pause: || thread::sleep(Duration::from_millis(20)),
    },
    Style {
        name: "accept with a timeout",
        nonblocking: false,
        pause: || {},
    },
];

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    // For the blocking style: `accept` gives up after 100 ms (SO_RCVTIMEO).
    socket2::SockRef::from(&listener).set_read_timeout(Some(Duration::from_millis(100)))?;
    println!("waiting {} ms for nobody:", WAIT.as_millis());
    for style in &STYLES {
        listener.set_nonblocking(style.nonblocking)?;
        measure(style.name, || wait_for_nobody(&listener, style.pause))?;
    }
    println!("a client connects at 10 moments; how long until it is accepted:");
    for style in &STYLES {
        listener.set_nonblocking(style.nonblocking)?;
        let mut waits = Vec::new();
        for n in 0..10 {
            let delay = Duration::from_millis(3 + 5 * n);
            waits.push(latency(&listener, delay, style.pause)?);
        }
        let longest = waits.iter().max().copied().unwrap_or_default();
        let mean = waits.iter().sum::<Duration>() / 10;
        println!(
            "  {:<22} at most {:>4.1} ms, on average {:>4.1} ms",
            style.name,
            millis(longest),
            millis(mean)
        );
    }
    Ok(())
}
// ANCHOR_END: loops

// ANCHOR: latency
/// How long a client that connects `delay` after the loop starts waits
/// until `accept` takes it.
fn latency(listener: &TcpListener, delay: Duration, pause: fn()) -> io::Result<Duration> {
    let addr = listener.local_addr()?;
    let client = thread::spawn(move || {
        thread::sleep(delay);
        let connecting = Instant::now();
        TcpStream::connect(addr).map(|stream| (connecting, stream))
    });
    let accepted = loop {
        match listener.accept() {
            Ok(_) => break Instant::now(),
            Err(err) if err.kind() == ErrorKind::WouldBlock => pause(),
            Err(err) => return Err(err),
        }
    };
    let (connecting, _stream) = client.join().expect("the client does not panic")?;
    Ok(accepted.saturating_duration_since(connecting))
}
// ANCHOR_END: latency

fn millis(time: Duration) -> f64 {
    time.as_secs_f64() * 1000.0
}

/// Runs `wait` and prints its calls, its CPU time and its wall-clock time.
fn measure(name: &str, wait: impl FnOnce() -> io::Result<u64>) -> io::Result<()> {
    let cpu_before = cpu_time()?;
    let start = Instant::now();
    let calls = wait()?;
    let wall = start.elapsed();
    let cpu = cpu_time()? - cpu_before;
    println!(
        "  {name:<22} {calls:>9} accept calls, {:>3} ms of CPU in {} ms",
        cpu.as_millis(),
        wall.as_millis()
    );
    Ok(())
}
