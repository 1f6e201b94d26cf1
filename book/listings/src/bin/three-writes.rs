//! Three writes, how many reads? The seed's "sticky packets" (粘包), seen on
//! loopback: a sender writes three records with three `write` calls, and a
//! receiver counts the reads it takes to get them. Run it with
//! `cargo xtask run three-writes`.
//!
//! The pauses in here are the point of the demonstration (the seed's
//! sleep-based "fix", and a receiver that is late), not a way to synchronise.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

const RECORDS: [&str; 3] = ["张三  18   177", "李四  19   180", "王五  120  183"];

fn main() -> std::io::Result<()> {
    println!("1. three writes back to back, read a moment later:");
    run(Duration::ZERO, Duration::from_millis(100))?;
    println!("2. a 100 ms pause after each write (the seed's fix):");
    run(Duration::from_millis(100), Duration::ZERO)?;
    println!("3. the same pauses, but the receiver is busy for 300 ms first:");
    run(Duration::from_millis(100), Duration::from_millis(300))?;
    Ok(())
}

// ANCHOR: run
/// Sends the records with `pause` between writes; the receiver starts reading
/// after `busy`, and prints what each read returned.
fn run(pause: Duration, busy: Duration) -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let addr = listener.local_addr()?;
    let sender = thread::spawn(move || -> std::io::Result<()> {
        let mut stream = TcpStream::connect(addr)?;
        for record in RECORDS {
            stream.write_all(record.as_bytes())?; // one write per record
            thread::sleep(pause);
        }
        Ok(()) // dropping the stream closes it: the receiver reads 0 bytes
    });

    let (mut stream, _) = listener.accept()?;
    thread::sleep(busy); // a receiver under load is late to read
    let mut buf = [0u8; 1024];
    let mut reads = 0;
    loop {
        let n = stream.read(&mut buf)?;
        if n == 0 {
            break;
        }
        reads += 1;
        println!("   read {reads}: {:?}", String::from_utf8_lossy(&buf[..n]));
    }
    println!("   {} writes arrived in {reads} read(s)", RECORDS.len());
    sender.join().expect("the sender does not panic")
}
// ANCHOR_END: run
