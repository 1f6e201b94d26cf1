//! The seed's non-blocking accept loop (§3.3.3) and its timeout variant. A
//! listener that never makes `accept` wait, a loop that takes `WouldBlock`
//! for "nobody yet" and does other work meanwhile, and a bounded wait
//! between passes: a short sleep in the first loop, an accept timeout in the
//! second. The program drives its own clients and ends after four of them.
//! Run it with `cargo xtask run nonblocking-accept`.

use std::io::{self, BufRead, BufReader, ErrorKind, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

/// How many clients each loop serves before the program goes on.
const CLIENTS_PER_LOOP: usize = 2;
/// The pause between two clients' connections.
const CLIENT_GAP: Duration = Duration::from_millis(150);

fn main() -> io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    println!("listening on {addr}");
    let clients = thread::spawn(move || run_clients(addr, 2 * CLIENTS_PER_LOOP));
    let mut log = Vec::new();
    nonblocking_loop(&listener, &mut log)?;
    timeout_loop(&listener, &mut log)?;
    println!("the log has {} lines, written while nobody came", log.len());
    clients.join().expect("the clients do not panic")
}

// ANCHOR: nonblocking
/// Accepts `CLIENTS_PER_LOOP` clients without ever waiting in `accept`.
fn nonblocking_loop(listener: &TcpListener, log: &mut Vec<String>) -> io::Result<()> {
    listener.set_nonblocking(true)?;
    let mut empty_passes = 0;
    let mut served = 0;
    while served < CLIENTS_PER_LOOP {
        match listener.accept() {
            Ok((stream, peer)) => {
                println!("non-blocking: {peer} came; passes that found nobody: {empty_passes}");
                serve(stream)?;
                served += 1;
                empty_passes = 0;
            }
            // Not an error: the queue of connections is empty right now.
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                empty_passes += 1;
                log.push(format!("pass {empty_passes}: nobody yet"));
                // A bounded wait before the next pass. Without it the loop
                // asks again at once, millions of times a second: a busy loop.
                thread::sleep(Duration::from_millis(20));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
// ANCHOR_END: nonblocking

// ANCHOR: timeout
/// The same, with `accept` waiting at most 100 ms instead of not at all.
fn timeout_loop(listener: &TcpListener, log: &mut Vec<String>) -> io::Result<()> {
    listener.set_nonblocking(false)?;
    // SO_RCVTIMEO, which bounds `accept` as well as `read` on Linux: the
    // seed's `settimeout(3)`. std has no method for a listener; socket2 does.
    socket2::SockRef::from(listener).set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut timeouts = 0;
    let mut served = 0;
    while served < CLIENTS_PER_LOOP {
        match listener.accept() {
            Ok((stream, peer)) => {
                println!("timeout:      {peer} came; accepts that timed out: {timeouts}");
                serve(stream)?;
                served += 1;
                timeouts = 0;
            }
            // A timeout on a Unix socket is `WouldBlock` (EAGAIN), not
            // `TimedOut`: the wait is over and nothing has come.
            Err(err) if err.kind() == ErrorKind::WouldBlock => {
                timeouts += 1;
                log.push(format!("timeout {timeouts}: nobody yet"));
            }
            Err(err) => return Err(err),
        }
    }
    Ok(())
}
// ANCHOR_END: timeout

// ANCHOR: serve
/// Reads one whole line from the client and sends it back.
fn serve(stream: TcpStream) -> io::Result<()> {
    // Linux does not pass the listener's O_NONBLOCK on to accepted sockets,
    // but say what we mean: this read may wait, for at most a second.
    stream.set_nonblocking(false)?;
    stream.set_read_timeout(Some(Duration::from_secs(1)))?;
    let mut line = String::new();
    // Until the `\n`, however many reads that takes: not the seed's one
    // `recv(1024)`, which returns whatever part of the line has arrived.
    BufReader::new(&stream).read_line(&mut line)?;
    println!("              it sent {:?}", line.trim_end());
    (&stream).write_all(line.as_bytes())
}
// ANCHOR_END: serve

/// `count` clients, one every `CLIENT_GAP`, each sending its line in two
/// pieces and reading the echo.
fn run_clients(addr: SocketAddr, count: usize) -> io::Result<()> {
    for n in 1..=count {
        thread::sleep(CLIENT_GAP);
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        stream.write_all(format!("hello from client {n}").as_bytes())?;
        thread::sleep(Duration::from_millis(30));
        stream.write_all(b"\n")?;
        let mut echo = String::new();
        BufReader::new(&stream).read_line(&mut echo)?;
    }
    Ok(())
}
