//! Why an end marker such as `##` cannot end a file sent over TCP.
//!
//! A sender and a receiver talk over 127.0.0.1 in one process. The receiver
//! ends "the file" at a `##` marker, the way the seed's upload does; three
//! runs show it missing the marker or cutting the file short. Run it with
//! `cargo xtask run marker-breaks`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

// ANCHOR: seed_receiver
/// The seed's receiver: read up to `size` bytes at a time; a read that
/// returns exactly `##` ends the file, anything else is file content.
/// (End of file stops it too, or this demo would never end.)
fn seed_receiver(conn: &mut TcpStream, size: usize) -> Vec<u8> {
    let mut file = Vec::new();
    let mut buf = vec![0u8; size];
    for number in 1.. {
        let n = conn.read(&mut buf).expect("reading");
        println!("   read {number}: {}", show(&buf[..n]));
        if n == 0 {
            println!("   end of file: the sender closed the connection");
            break;
        }
        if &buf[..n] == b"##" {
            println!("   that is the marker: end of the file");
            break;
        }
        file.extend_from_slice(&buf[..n]);
    }
    file
}
// ANCHOR_END: seed_receiver

// ANCHOR: search_receiver
/// A "fixed" receiver: it searches everything received so far for `##`, so
/// a marker glued to the data or split across reads is found. What comes
/// before the first `##` is the file.
fn search_receiver(conn: &mut TcpStream) -> Vec<u8> {
    let mut received = Vec::new();
    let mut buf = [0u8; 1024];
    loop {
        if let Some(at) = received.windows(2).position(|w| w == b"##") {
            println!("   found the marker at byte {at}: end of the file");
            received.truncate(at);
            return received;
        }
        let n = conn.read(&mut buf).expect("reading");
        if n == 0 {
            println!("   end of file before any marker");
            return received;
        }
        received.extend_from_slice(&buf[..n]);
    }
}
// ANCHOR_END: search_receiver

/// Sends `pieces` from another thread, one `write_all` each (like the seed's
/// `send(data)` then `send(b"##")`), then closes. The receiver starts reading
/// only once every byte has arrived, as it does whenever the network is
/// faster than the receiver: what one `read` returns is whatever is there.
fn run(title: &str, pieces: &[&[u8]], receive: impl FnOnce(&mut TcpStream) -> Vec<u8>) {
    println!("{title}");
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    let owned: Vec<Vec<u8>> = pieces.iter().map(|p| p.to_vec()).collect();
    let sender = thread::spawn(move || {
        let mut conn = TcpStream::connect(addr).expect("connecting");
        for piece in &owned {
            conn.write_all(piece).expect("sending");
        }
        conn.shutdown(Shutdown::Write)
            .expect("closing the writing half");
    });
    let (mut conn, _) = listener.accept().expect("accepting");
    let total: usize = pieces.iter().map(|p| p.len()).sum();
    wait_until_arrived(&conn, total);

    let file = receive(&mut conn);
    sender.join().expect("the sender thread");
    let content = &pieces[..pieces.len() - 1].concat();
    let verdict = if file == *content { "correct" } else { "WRONG" };
    println!(
        "   sent the file {} ({} bytes)",
        show(content),
        content.len()
    );
    println!(
        "   got  the file {} ({} bytes): {verdict}\n",
        show(&file),
        file.len()
    );
}

/// Blocks until `n` bytes wait in `conn`'s receive buffer (`peek` looks
/// without taking them).
fn wait_until_arrived(conn: &TcpStream, n: usize) {
    let mut buf = vec![0u8; n.max(1)];
    while conn.peek(&mut buf).expect("peeking") < n {}
}

/// Bytes as Rust writes them: `b"ab\xff"`.
fn show(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    format!("b\"{text}\"")
}

fn main() {
    run(
        "1. The marker glued to the data (the seed's receiver, reads of 1024 bytes)",
        &[b"hello", b"##"],
        |conn| seed_receiver(conn, 1024),
    );
    run(
        "2. The marker split across two reads (the seed's receiver, reads of 5 bytes)",
        &[b"abcd", b"##"],
        |conn| seed_receiver(conn, 5),
    );
    run(
        "3. A picture whose bytes contain ## (the searching receiver)",
        &[b"\xff\xd8\xff\xe0\x00\x10JFIF##\x01\x02\x03", b"##"],
        search_receiver,
    );
    println!("In 1 and 2 the receiver only stopped because the sender closed; the seed's");
    println!("client does not close, it waits for a reply, so both sides wait forever.");
    println!("In 3 no marker can work: a file may contain any bytes, the marker included.");
}
