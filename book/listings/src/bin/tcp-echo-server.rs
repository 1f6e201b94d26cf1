//! A TCP server that serves one client after another, answering each line a
//! client sends with `Thanks` (the seed's §1.3.2, example 01). Run it with
//! `cargo run -p listings --bin tcp-echo-server`, then talk to it with
//! `tcp-echo-client`.
//!
//! The seed's server replies once per `recv(5)`, so one long message gets
//! several replies: TCP delivers a stream of bytes, not messages. Here a
//! message is a line: the server reads up to each `\n` and replies once.
//!
//! Usage: `tcp-echo-server [ADDR]`, ADDR defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tcp-echo-server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());

    // ANCHOR: listen
    // Bind and listen in one step: from here on, the operating system
    // completes three-way handshakes for us and queues the connections until
    // we accept them.
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;
    // ANCHOR_END: listen

    // ANCHOR: accept
    loop {
        // Wait for the next client. Each connection gets its own stream; the
        // listener stays ready for the next one.
        let (stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        println!("connected: {peer}");
        // One client at a time: the next waits in the listen queue until this
        // one leaves. A failing client ends its own connection, not the server.
        match serve(&stream) {
            Ok(()) => println!("disconnected: {peer}"),
            Err(err) => println!("dropped {peer}: {err}"),
        }
        // `stream` is dropped here, which closes the connection.
    }
    // ANCHOR_END: accept
}

// ANCHOR: serve
/// The longest line, newline included, this server accepts.
const MAX_LINE: u64 = 4096;

/// Answers each line the client sends, until the client closes its end.
fn serve(stream: &TcpStream) -> io::Result<()> {
    // `&TcpStream` reads and writes: a buffered reader for the lines, the
    // stream itself for the replies.
    let mut reader = BufReader::new(stream);
    let mut writer = stream;
    let mut line = Vec::new();
    loop {
        line.clear();
        // Reads up to and including the next `\n`, but never more than
        // MAX_LINE bytes: without `take`, a client that never sends `\n`
        // would make the server buffer without end. It returns 0 only at the
        // end of the stream: the client closed its end (or shut down writing).
        if (&mut reader).take(MAX_LINE).read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        if !line.ends_with(b"\n") && line.len() as u64 == MAX_LINE {
            // A line longer than we accept: say so, and hang up.
            writer.write_all(b"line too long\n")?;
            return Ok(());
        }
        // The bytes may be anything; show them as text where they are text.
        let text = String::from_utf8_lossy(&line);
        println!("received: {}", text.trim_end());
        // `write_all`, not `write`: `write` may send only part of the buffer.
        writer.write_all(b"Thanks\n")?;
    }
}
// ANCHOR_END: serve
// ANCHOR_END: all
