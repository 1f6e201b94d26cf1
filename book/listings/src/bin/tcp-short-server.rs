//! A TCP server for short connections (the seed's §1.3.3, example 02): each
//! client connects, sends one message, and shuts down its sending half; the
//! server reads to the end of the stream, replies `Thanks`, and closes.
//!
//! The seed's server reads once with `recv(1024)` and takes that as the whole
//! message: a longer message, or one that arrives in pieces, is cut. Here the
//! end of the message is the end of the stream, which is exact.
//!
//! Usage: `tcp-short-server [ADDR]`, ADDR defaulting to `127.0.0.1:8888`.

// ANCHOR: all
use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

/// The longest message accepted: a server must not let a client fill its memory.
const MAX_MESSAGE: usize = 64 * 1024;

fn main() -> ExitCode {
    // Report a failure (no such address, port in use, …) in words, not as a
    // debug dump, and exit with a non-zero status.
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("tcp-short-server: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> io::Result<()> {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:8888".to_string());
    let listener = TcpListener::bind(&addr)?;
    println!("listening on {}", listener.local_addr()?);
    io::stdout().flush()?;

    loop {
        let (mut stream, peer) = match listener.accept() {
            Ok(accepted) => accepted,
            Err(err) => {
                eprintln!("accept failed: {err}");
                continue;
            }
        };
        match answer(&mut stream) {
            Ok(message) => println!("from {peer}: {message}"),
            Err(err) => println!("dropped {peer}: {err}"),
        }
        // Dropping the stream closes the connection.
    }
}

// ANCHOR: answer
/// Reads one whole message, to the end of the stream, and replies `Thanks`.
fn answer(stream: &mut TcpStream) -> io::Result<String> {
    // One client at a time: one that connects and says nothing must not
    // block every other client for ever.
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;

    let mut message = Vec::new();
    let mut buffer = [0u8; 1024];
    loop {
        // `read` returns what has arrived so far: maybe a part of the
        // message, maybe several writes run together. 0 means the end of the
        // stream: the client has shut down its sending half.
        let n = stream.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        message.extend_from_slice(&buffer[..n]);
        if message.len() > MAX_MESSAGE {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "message longer than 64 KiB",
            ));
        }
    }
    // Our sending half is still open: the reply goes out, then we close.
    stream.write_all(b"Thanks")?;
    Ok(String::from_utf8_lossy(&message).into_owned())
}
// ANCHOR_END: answer
// ANCHOR_END: all
