//! The seed's file server ends a download with a `##` marker. A Markdown
//! file has `##` in every heading: the download is cut at the first one, and
//! the rest of the file is then read as the answer to the next request. The
//! same bytes, sent after their length, arrive whole. One process, over
//! 127.0.0.1. Run it with `cargo xtask run ftp-marker`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::thread;

/// The file on the server: Markdown, so `##` starts each heading.
const NOTES: &[u8] = b"# Notes\n## Sockets\nbind, listen, accept\n## Threads\nspawn, join\n";

/// The names the server lists after the download.
const LISTING: &[u8] = b"notes.md\nphoto.jpg";

// ANCHOR: seed_server
/// The seed's server for `GET notes.md` then `LIST`: `OK`, the file, `##`;
/// then `OK` and the names. (The seed sleeps 0.1 s between the sends; the
/// bytes are the same without the sleeps, and a sleep separates nothing.)
fn seed_server(conn: &mut TcpStream) {
    for piece in [b"OK".as_slice(), NOTES, b"##", b"OK", LISTING] {
        conn.write_all(piece).expect("sending");
    }
}
// ANCHOR_END: seed_server

// ANCHOR: seed_client
/// The seed's client, as well as a marker can be read: after `OK`,
/// everything up to the first `##` is the file; what follows is the next
/// reply, `OK` and the names.
fn seed_client(received: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let after_ok = &received[2..];
    let end = after_ok
        .windows(2)
        .position(|w| w == b"##")
        .expect("a marker somewhere");
    let next_reply = &after_ok[end + 2..];
    let names = next_reply.strip_prefix(b"OK").unwrap_or(next_reply);
    (after_ok[..end].to_vec(), names.to_vec())
}
// ANCHOR_END: seed_client

// ANCHOR: framed
/// The framed server: each reply says how many bytes follow (here an 8-byte
/// big-endian count), then sends exactly those bytes. No marker, so the
/// file may hold any bytes.
fn framed_server(conn: &mut TcpStream) {
    for body in [NOTES, LISTING] {
        conn.write_all(&(body.len() as u64).to_be_bytes())
            .expect("sending");
        conn.write_all(body).expect("sending");
    }
}

/// The framed client: read the count, then exactly that many bytes.
fn framed_client(mut received: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut next = || {
        let mut count = [0u8; 8];
        received.read_exact(&mut count).expect("a count");
        let mut body = vec![0u8; u64::from_be_bytes(count) as usize];
        received.read_exact(&mut body).expect("the bytes counted");
        body
    };
    (next(), next())
}
// ANCHOR_END: framed

/// A client's reading of the bytes it received: the file, then the names.
type Client = fn(&[u8]) -> (Vec<u8>, Vec<u8>);

/// Runs `server` on one end of a loopback connection, reads everything on
/// the other end, and has `client` make sense of it.
fn exchange(title: &str, server: fn(&mut TcpStream), client: Client) {
    println!("{title}");
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding 127.0.0.1:0");
    let addr = listener
        .local_addr()
        .expect("a bound socket has an address");
    let sender = thread::spawn(move || {
        let (mut conn, _) = listener.accept().expect("accepting");
        server(&mut conn);
        conn.shutdown(Shutdown::Write)
            .expect("closing the writing half");
    });
    let mut conn = TcpStream::connect(addr).expect("connecting");
    let mut received = Vec::new();
    conn.read_to_end(&mut received).expect("reading");
    sender.join().expect("the server thread");

    let (file, listing) = client(&received);
    let verdict = |ok: bool| if ok { "correct" } else { "WRONG" };
    println!(
        "   notes.md: {} of {} bytes: {}",
        file.len(),
        NOTES.len(),
        verdict(file == NOTES)
    );
    println!("      got {}", show(&file));
    println!(
        "   the listing that follows: {}",
        verdict(listing == LISTING)
    );
    println!("      got {}\n", show(&listing));
}

/// Bytes as Rust writes them: `b"ab\n"`.
fn show(bytes: &[u8]) -> String {
    let text: String = bytes
        .iter()
        .flat_map(|&b| std::ascii::escape_default(b))
        .map(char::from)
        .collect();
    format!("b\"{text}\"")
}

fn main() {
    exchange(
        "1. The seed's protocol: GET notes.md, then LIST",
        seed_server,
        seed_client,
    );
    exchange(
        "2. The same bytes, each reply after its length",
        framed_server,
        framed_client,
    );
    println!("In 1 the file ends at its first heading, and the rest of it is taken");
    println!("for the next reply: the two sides are out of step for good.");
}
